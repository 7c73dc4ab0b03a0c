#!/usr/bin/env python
"""Seconds of the evaluation side of a finished run: the steering phase and Phase 4, redone on a copy of the run folder
(the run itself is not touched), with Phase 4's parts, and whether the redone numbers equal the run's.

The copy shares the run's activation store (a symlink: read only) and copies everything else, then removes what the two
phases write (`phase4/steering.json`, `phase4/eval/`, `dashboards/`) so that both compute from scratch. Run it before and
after a change to the evaluation code (e.g. with PYTHONPATH pointing at a `git worktree` of the older commit) to time the
change on the same machine in the same hour; one run from an empty directory cannot separate a change of ~1 min from
this VM's run-to-run spread.

    python benchmarks/bench_eval.py --run runs/quick [--repeat 2] [--keep DIR]
"""
import argparse
import json
import math
import shutil
import tempfile
import time
from pathlib import Path

WRITTEN = ("phase4/steering.json", "phase4/eval", "dashboards")   # what steering and Phase 4 write (removed in the copy)
TIMING_KEYS = ("seconds", "eval_seconds", "train_time_seconds")   # measured durations: expected to differ


def is_timing(key: str) -> bool:
    "A measured duration: one of TIMING_KEYS, also as the last part of a flat name ('meta_structure.train_time_seconds')."
    return key.rsplit(".", 1)[-1] in TIMING_KEYS


def copy_run(run: Path, dest: Path) -> Path:
    "A copy of the finished run folder `run` at `dest`: activations/ linked, the rest copied, steering's and Phase 4's outputs removed."
    run, dest = Path(run).resolve(), Path(dest)
    for need in ("config.yaml", "activations", "phase2/metrics.json", "phase3/metrics.json"):
        if not (run / need).exists():
            raise FileNotFoundError(f"{run} is not a finished run folder (no {need}); run `polytope-hsae run --out {run}` first")
    dest.mkdir(parents=True, exist_ok=True)
    for item in run.iterdir():
        target = dest / item.name
        if item.name == "activations": target.symlink_to(item, target_is_directory=True)
        elif item.is_dir(): shutil.copytree(item, target, symlinks=True)
        else: shutil.copy2(item, target)
    for rel in WRITTEN:
        p = dest / rel
        if p.is_dir(): shutil.rmtree(p)
        elif p.exists(): p.unlink()
    return dest


def differences(new, old, path: str = "") -> list[str]:
    "Paths at which two JSON values differ (NaN equals NaN; durations, `is_timing`, are skipped)."
    if isinstance(new, dict) and isinstance(old, dict):
        out = [f"{path}.{k}: only in one" for k in sorted(set(new) ^ set(old)) if not is_timing(k)]
        for k in sorted(set(new) & set(old)):
            if not is_timing(k): out += differences(new[k], old[k], f"{path}.{k}")
        return out
    if isinstance(new, list) and isinstance(old, list):
        if len(new) != len(old): return [f"{path}: {len(new)} items against {len(old)}"]
        return [d for i, (a, b) in enumerate(zip(new, old)) for d in differences(a, b, f"{path}[{i}]")]
    if isinstance(new, float) and isinstance(old, float) and math.isnan(new) and math.isnan(old): return []
    return [] if new == old else [f"{path}: {new!r} against {old!r}"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, help="a finished run folder (polytope-hsae run --out DIR)")
    p.add_argument("--repeat", type=int, default=1, help="times to redo both phases (a fresh copy each time)")
    p.add_argument("--keep", default=None, help="make the copies here and keep them (default: a temporary folder, removed)")
    args = p.parse_args()
    import polytope_hsae
    from polytope_hsae.config import load_config
    from polytope_hsae.metrics import run_phase4
    from polytope_hsae.pipeline import RunContext
    from polytope_hsae.steering import run_steering
    run = Path(args.run).resolve()
    cfg = load_config(run / "config.yaml")
    ctx_model = None
    print(f"polytope_hsae from {Path(polytope_hsae.__file__).parent}; run {run}\n")
    print(f"{'try':>3} {'steering s':>11} {'phase4 s':>9} {'SAEBench s':>11} {'dashboards s':>13} {'equal to the run':>18}")
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_eval_"))
    try:
        for i in range(args.repeat):
            out = copy_run(run, root / f"try_{i}")
            ctx = RunContext(cfg, out, _model=ctx_model)
            ctx_model = ctx.model                                               # loaded once, not timed
            t0 = time.time(); run_steering(ctx, progress=False); t_steer = time.time() - t0
            t0 = time.time(); summary = run_phase4(ctx, progress=False); t_p4 = time.time() - t0
            diffs = []
            for rel in ("phase4/steering.json", "phase4/summary.json"):
                old = run / rel
                if rel == "phase4/summary.json":                               # run_phase4 returns it; the pipeline writes it
                    new = json.loads(json.dumps(summary))
                else: new = json.loads((out / rel).read_text())
                if old.exists(): diffs += [f"{rel}{d}" for d in differences(new, json.loads(old.read_text()))]
            sb, db = (summary.get("saebench") or {}).get("seconds"), (summary.get("dashboards") or {}).get("seconds")
            same = "yes" if not diffs else f"no ({len(diffs)})"
            print(f"{i:>3} {t_steer:>11.1f} {t_p4:>9.1f} {sb if sb is not None else '-':>11} {db if db is not None else '-':>13} {same:>18}", flush=True)
            for d in diffs[:10]: print(f"      differs: {d}")
    finally:
        if not args.keep: shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
