"""The install respects the user's torch: pip's plans for `pip install -e .` and `pip install -e ".[dev]"`.

pyproject asks for any torch from 2.6 below 3, so an install into Colab or RunPod keeps the torch it finds; the
`dev` extra (README's commands, CI) pins the version CI tests, 2.13.0, which in a fresh venv on a machine that
offers a local CPU wheel (pip's find-links) is that wheel. Unpinned, pip would take the newest torch there: a
CUDA build with several GB of nvidia-* wheels. Each plan is pip's own (`--dry-run --report`): nothing is installed
and no torch wheel is downloaded; the two plans run side by side (about 25 s on an idle 2-core machine, most of it
fetching package metadata; 30-40 s of CPU in all).
"""
import json
import os
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
TESTED_TORCH = "2.13.0"
OTHER_TORCH = "2.9.1+cu126"        # what a Colab image might hold: not the version CI tests, inside our range


def torch_reqs(reqs: list[str]) -> list[Requirement]:
    return [r for r in map(Requirement, reqs) if r.name == "torch"]


def find_links() -> list[Path]:
    "The folders pip is told to look in for wheels (PIP_FIND_LINKS, pip.conf's find-links)."
    r = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True)
    vals = [os.environ.get("PIP_FIND_LINKS", "")]
    vals += [l.split("=", 1)[1].strip("'\"") for l in r.stdout.splitlines() if l.split("=", 1)[0].endswith("find-links")]
    return [Path(v.removeprefix("file://")) for s in vals for v in s.split() if v]


LOCAL_CPU_WHEELS = [w for d in find_links() if d.is_dir() for w in d.glob(f"torch-{TESTED_TORCH}+cpu-*.whl")]


def test_dependencies_give_a_torch_range_and_dev_pins_the_tested_one():
    main = torch_reqs(PYPROJECT["project"]["dependencies"])
    assert len(main) == 1 and str(main[0].specifier) in ("<3,>=2.6", ">=2.6,<3"), main
    assert [main[0].specifier.contains(v) for v in ("2.5.1", "2.6.0", TESTED_TORCH, "2.15.0", "3.0.0")] == \
        [False, True, True, True, False]
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert [str(r.specifier) for r in torch_reqs(extras["dev"])] == [f"=={TESTED_TORCH}"]
    assert torch_reqs(extras["test"]) == [], "the test extra (Colab, RunPod) must leave torch alone"
    assert set(extras["dev"]) - set(extras["test"]) == {f"torch=={TESTED_TORCH}"}, "dev = test + the torch pin"


def make_venv(path: Path, torch_version: str | None = None) -> str:
    "A new venv (pip runs in it from outside: `pip --python`); with `torch_version`, one that already holds that torch\n(its metadata: all pip looks at)."
    venv.create(path, with_pip=False)
    if torch_version:
        site = next((path / "lib").glob("python3*/site-packages"))
        info = site / f"torch-{torch_version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: torch\nVersion: {torch_version}\n")
        (info / "INSTALLER").write_text("pip\n")
        (info / "RECORD").write_text("")
    return str(path / "bin" / "python")


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    "pip's plans, run side by side: a fresh venv installing `.[dev]`, and a venv with another torch installing `.`."
    tmp = tmp_path_factory.mktemp("install")
    jobs = {"fresh dev": (make_venv(tmp / "fresh"), "-e.[dev]"),
            "other torch": (make_venv(tmp / "other", OTHER_TORCH), "-e.")}
    procs = {k: subprocess.Popen([sys.executable, "-m", "pip", "--python", py, "install", "--dry-run", "--quiet", "--report", "-", spec],
                                 cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k, (py, spec) in jobs.items()}
    out = {}
    for k, p in procs.items():
        stdout, stderr = p.communicate(timeout=300)
        assert p.returncode == 0, f"pip's plan for {k} failed:\n{stderr[-3000:]}"
        out[k] = {i["metadata"]["name"].lower(): i for i in json.loads(stdout)["install"]}
    return out


@pytest.mark.skipif(not LOCAL_CPU_WHEELS, reason="pip is offered no local torch CPU wheel here: nothing to prefer")
def test_fresh_venv_takes_the_local_cpu_wheel(plans):
    plan = plans["fresh dev"]
    torch = plan["torch"]
    assert torch["metadata"]["version"] == f"{TESTED_TORCH}+cpu", torch["download_info"]["url"]
    assert torch["download_info"]["url"].startswith("file://"), torch["download_info"]["url"]
    cuda = sorted(n for n in plan if n.startswith(("nvidia-", "triton", "cuda-")))
    assert not cuda, f"a CPU torch needs no CUDA wheels: {cuda}"
    assert "polytope-hsae" in plan or "polytope_hsae" in plan


def test_another_torch_is_kept(plans):
    plan = plans["other torch"]
    assert "torch" not in plan, f"pip would replace torch {OTHER_TORCH} by {plan['torch']['metadata']['version']}"
    assert not [n for n in plan if n.startswith("nvidia-")], "no CUDA wheels either"
    assert "transformer-lens" in plan and "sae-lens" in plan     # the rest of the install is planned as usual
