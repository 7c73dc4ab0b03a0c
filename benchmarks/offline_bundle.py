#!/usr/bin/env python
"""Wheels for running polytope_hsae on an offline machine whose Python already has torch (a lent GPU box, an air-gapped cluster).

Two steps, one on each side:

  # here (with the registries): every package the library needs that the target's Python lacks, as wheels for the
  # target's Python, in folders of at most --chunk-mib MiB (the embedded model alone is four wheels of ~60 MB)
  python benchmarks/offline_bundle.py build --present benchmarks/gpu_image_packages.txt --python 3.12 --out .gpu

  # there (no network), in the repository root with the .gpu/ folders beside it:
  python3 benchmarks/offline_bundle.py install --wheels .gpu --venv /tmp/phv
  /tmp/phv/bin/python -m polytope_hsae.cli run --config gpu --out runs/gpu      # what benchmarks/gpu_check.sh does

`build` walks the dependency closure of the installed polytope_hsae (this environment's versions: the ones tested), drops
what --present names (the target's `pip list --format=freeze`, or bare names) in a version the closure accepts, and
torch with its nvidia-* wheels; it adds back a target package whose own requirements (read from its wheel, at the target's
version) reject a version the bundle brings. It
downloads the rest for the target (`pip download --only-binary`; packages published only as sdists are built into wheels
here). `install` makes a venv that sees the target Python's packages (a .pth file naming its site folders), installs the library's
requirements from the wheel folders with pip offline (--no-index: a requirement the target's packages do not meet and the
wheels do not hold fails here, naming it), and puts the repository on the venv's path (no build backend needed).
"""
import argparse
import functools
import importlib.metadata as md
import json
import re
import shutil
import site
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name as canon
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PLATFORMS = ["manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux1_x86_64"]


def pyproject_requirements() -> list[str]:
    "The library's requirements as pyproject.toml states them now ([project].dependencies)."
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


def requirements() -> list[str]:
    "The library's own requirements without torch: the target's torch is kept."
    return [d for d in pyproject_requirements() if canon(Requirement(d).name) != "torch"]


def closure(root: str = "polytope_hsae") -> tuple[dict[str, str], dict[str, SpecifierSet]]:
    "name → installed version of every distribution `root` needs here (extras left out), and name → what the closure asks of it."
    seen, wanted, todo = {}, {}, [root]
    while todo:
        name = canon(todo.pop())
        if name in seen: continue
        try: dist = md.distribution(name)
        except md.PackageNotFoundError:
            raise SystemExit(f"{name} is required but not installed here: pip install -e . first, then build the bundle") from None
        seen[name] = dist.version
        # the library's own requirements from pyproject.toml, not from install-time metadata that an edit may have outdated
        for r in pyproject_requirements() if name == canon(root) else dist.requires or []:
            req = Requirement(r)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
                wanted[canon(req.name)] = wanted.get(canon(req.name), SpecifierSet()) & req.specifier
    return seen, wanted


def present_versions(path: Path) -> dict[str, str | None]:
    "name → version (None where not given) from a `pip list --format=freeze` file, a list of names, or comma-separated names."
    found: dict[str, str | None] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if "@" in line: found[canon(line.split("@", 1)[0].strip())] = None                  # name @ url: version unknown
        elif "==" in line: name, version = line.split("==", 1); found[canon(name.strip())] = version.strip()
        else: found |= {canon(n): None for n in re.split(r"[\s,]+", line) if n}
    return found


def kept_on_target(name: str) -> bool:
    "torch and its GPU wheels: always the target's own (the bundle never replaces them)."
    return name == "torch" or name.startswith(("nvidia-", "triton"))


def to_bundle(need: dict[str, str], wanted: dict, present: dict[str, str | None]) -> dict[str, str]:
    "What the target lacks, or has in a version the closure does not accept (torch and its GPU wheels stay the target's)."
    def ok(name): return present[name] is None or wanted.get(name) is None or wanted[name].contains(Version(present[name]), prereleases=True)
    return {n: v for n, v in need.items() if n != "polytope-hsae" and not kept_on_target(n) and (n not in present or not ok(n))}


def target_conflicts(need: dict[str, str], installed: dict[str, str], present: dict[str, str | None], requires_of, python: str) -> dict[str, str]:
    """Packages the target keeps whose own requirements, at the target's version, reject a version the bundle brings.

    The image's tokenizers 0.23.2 asks for huggingface-hub < 2, and transformers 5.25 for >= 2.4: keeping the image's
    tokenizers beside the bundle's hub leaves pip no solution offline. Each such package is bundled in this environment's
    version too, and the check repeats until nothing more conflicts. `requires_of(name, version)` gives the target version's
    requirement strings; packages whose target version is unknown cannot be checked."""
    env = {"python_version": python, "python_full_version": f"{python}.0", "sys_platform": "linux", "platform_system": "Linux",
           "platform_machine": "x86_64", "extra": ""}
    def rejected(name, version, need):           # the first of the target package's requirements that `need` breaks
        for r in map(Requirement, requires_of(name, version)):
            dep = canon(r.name)
            if dep in need and (r.marker is None or r.marker.evaluate(env)) and not r.specifier.contains(Version(need[dep]), prereleases=True):
                return r, dep
    need, added = dict(need), {}
    while True:
        more = {}
        for name, version in present.items():
            if version is None or name in need or name not in installed or not (hit := rejected(name, version, need)): continue
            if kept_on_target(name):
                r, dep = hit
                raise SystemExit(f"the target's {name} {version} asks for {r}, but the bundle brings {dep} {need[dep]}, "
                                 f"and the target's {name} is kept: install {dep} in a version {name} accepts here, then build again")
            more[name] = installed[name]
        if not more: return added
        need |= more; added |= more


def download_wheel(name: str, version: str, python: str, dest: Path) -> subprocess.CompletedProcess:
    "`pip download` of `name==version`'s wheel for the target's Python (manylinux x86_64 or pure), no dependencies."
    plat = [a for p in PLATFORMS for a in ("--platform", p)]
    return pip("download", "-q", "--no-deps", "--only-binary=:all:", "--python-version", python, "--implementation", "cp",
               *plat, "--platform", "any", "-d", str(dest), f"{name}=={version}")


def wheel_requirements(name: str, version: str, python: str, scratch: Path) -> list[str]:
    "The requirement strings of `name==version`'s wheel for the target (downloaded to `scratch` for its METADATA)."
    if download_wheel(name, version, python, scratch).returncode:
        print(f"note: cannot read {name}=={version}'s requirements (no wheel for Python {python}); not checked"); return []
    wheel = next((w for w in scratch.glob("*.whl") if canon(w.name.split("-")[0]) == canon(name) and Version(w.name.split("-")[1]) == Version(version)), None)
    if wheel is None: print(f"note: pip downloaded no wheel named {name}-{version}; its requirements are not checked"); return []
    with zipfile.ZipFile(wheel) as z:
        info = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA")).rsplit("/", 1)[0]
        return md.PathDistribution(zipfile.Path(z, f"{info}/")).requires or []


def pack(sizes: dict, limit: float) -> list[list]:
    "Items into as few bins of at most `limit` as first fit, largest first, finds (each item must fit alone)."
    bins: list[tuple[list, float]] = []
    for item, size in sorted(sizes.items(), key=lambda kv: -kv[1]):
        if size > limit: raise ValueError(f"{item} ({size / 2**20:.1f} MiB) is over the limit of {limit / 2**20:.1f} MiB")
        i = next((i for i, (_, used) in enumerate(bins) if used + size <= limit), None)
        if i is None: bins.append(([item], size))
        else: bins[i] = (bins[i][0] + [item], bins[i][1] + size)
    return [b for b, _ in bins]


def pip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True)


def build(present: Path, python: str, out: Path, chunk_mib: float = 59.0) -> dict:
    "Download (or build) the wheels the target lacks and pack them into folders of at most `chunk_mib` MiB."
    installed, wanted = closure()
    on_target = present_versions(present)
    need = to_bundle(installed, wanted, on_target)
    flat = out / "_all"
    if out.exists(): shutil.rmtree(out)
    flat.mkdir(parents=True)
    scratch = out / "_target_metadata"; scratch.mkdir()
    fixed = target_conflicts(need, installed, on_target, functools.cache(lambda n, v: wheel_requirements(n, v, python, scratch)), python)
    shutil.rmtree(scratch)
    need |= fixed
    built = []
    for name, version in sorted(need.items()):
        got = download_wheel(name, version, python, flat)
        if got.returncode:
            made = pip("wheel", "-q", "--no-deps", "-w", str(flat), f"{name}=={version}")
            if made.returncode: raise SystemExit(f"no wheel for {name}=={version} for Python {python}:\n{got.stderr[-800:]}\n{made.stderr[-800:]}")
            built.append(name)
    try: chunks = pack({w.name: w.stat().st_size for w in flat.glob("*.whl")}, chunk_mib * 2**20)
    except ValueError as e: raise SystemExit(f"{e}: raise --chunk-mib") from None
    for i, c in enumerate(chunks, 1):
        d = out / f"c{i}"; d.mkdir()
        for w in c: (flat / w).rename(d / w)
    flat.rmdir()
    summary = {"python": python, "packages": len(need), "built_from_sdist": built, "over_older_on_target": sorted(set(need) & set(on_target) - set(fixed)),
               "over_target_for_conflicts": sorted(fixed),
               "chunks": {f"c{i}": round(sum(w.stat().st_size for w in (out / f"c{i}").iterdir()) / 2**20, 1) for i in range(1, len(chunks) + 1)}}
    (out / "bundle.json").write_text(json.dumps(summary, indent=1))
    return summary


def install(wheels: Path, venv_dir: Path) -> Path:
    "A venv over the target's packages with the library's requirements installed offline from the wheel folders; its python."
    folders = sorted(p for p in wheels.iterdir() if p.is_dir())
    if not folders: raise SystemExit(f"no wheel folders in {wheels}: copy every c*/ folder of the bundle there")
    if not (venv_dir / "bin" / "python").exists():
        venv.EnvBuilder(with_pip=False).create(venv_dir)
    py = venv_dir / "bin" / "python"
    site_dir = Path(subprocess.check_output([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True).strip())
    # the target's packages (torch, …) stay visible, after the venv's own: this interpreter's site folders, also when it
    # is itself a venv (--system-site-packages would show the base Python's, not this venv's)
    (site_dir / "_target_site.pth").write_text("\n".join(p for p in site.getsitepackages() if Path(p).is_dir()) + "\n")
    links = [a for f in folders for a in ("--find-links", str(f))]
    # the venv has no pip of its own: the outer pip installs into it (--python, pip >= 22.3)
    run = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-index", "--no-compile", *links,
                          *requirements()], capture_output=True, text=True)
    if run.returncode: raise SystemExit(f"offline install failed (a requirement the target lacks is not in the bundle):\n{run.stdout[-1500:]}{run.stderr[-3000:]}")
    (site_dir / "polytope_hsae_repo.pth").write_text(str(ROOT) + "\n")   # the library from this checkout
    subprocess.run([str(py), "-c", "import polytope_hsae.pipeline, torch; print('polytope_hsae', polytope_hsae.__version__, 'torch', torch.__version__)"], check=True)
    return py


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="here: download the wheels the target lacks into folders of at most --chunk-mib MiB")
    b.add_argument("--present", type=Path, default=ROOT / "benchmarks" / "gpu_image_packages.txt")
    b.add_argument("--python", default="3.12", help="the target's Python version (major.minor)")
    b.add_argument("--out", type=Path, default=ROOT / ".gpu")
    b.add_argument("--chunk-mib", type=float, default=59.0)
    i = sub.add_parser("install", help="there: a venv over the target's packages, the requirements installed offline")
    i.add_argument("--wheels", type=Path, default=ROOT / ".gpu")
    i.add_argument("--venv", type=Path, default=Path("/tmp/phv"))
    a = ap.parse_args()
    if a.cmd == "build": print(json.dumps(build(a.present, a.python, a.out, a.chunk_mib), indent=1))
    else: print(install(a.wheels, a.venv))
