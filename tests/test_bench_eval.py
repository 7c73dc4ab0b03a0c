"""benchmarks/bench_eval.py: the run copy it times on and the comparison it reports (its timings need a finished run: by hand)."""
import importlib.util
import json
import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("bench_eval", ROOT / "benchmarks" / "bench_eval.py")
bench_eval = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_eval)


def fake_run(root: Path) -> Path:
    "The files a finished run has that the copy handles: config, an activation store, phase metrics, steering and Phase 4 outputs."
    run = root / "run"
    for rel, text in {"config.yaml": "name: quick\n", "activations/shard.safetensors": "x", "phase2/metrics.json": "{}",
                      "phase3/metrics.json": "{}", "phase3/seed_0/model/cfg.json": "{}", "phase4/steering.json": "{}",
                      "phase4/summary.json": "{}", "phase4/eval/teacher/seed_0.json": "{}", "dashboards/index.html": "<p>"}.items():
        (run / rel).parent.mkdir(parents=True, exist_ok=True); (run / rel).write_text(text)
    return run


def test_copy_links_the_store_and_clears_what_the_phases_write(tmp_path):
    run = fake_run(tmp_path)
    out = bench_eval.copy_run(run, tmp_path / "copy")
    assert (out / "activations").is_symlink() and (out / "activations").resolve() == (run / "activations").resolve()
    assert (out / "phase3/seed_0/model/cfg.json").exists() and (out / "phase4/summary.json").exists()
    assert not (out / "phase4/steering.json").exists() and not (out / "phase4/eval").exists() and not (out / "dashboards").exists()
    assert (run / "phase4/steering.json").exists() and (run / "phase4/eval/teacher/seed_0.json").exists()   # the run is untouched
    (run / "phase2/metrics.json").unlink()
    with pytest.raises(FileNotFoundError, match="not a finished run folder"): bench_eval.copy_run(run, tmp_path / "copy2")


def test_differences_names_paths_and_skips_timings():
    old = {"a": 1.0, "b": [1, {"c": float("nan")}], "seconds": 5.0, "saebench": {"seconds": 2.0, "x": 0.5, "m.train_time_seconds": {"mean": 1.8}}}
    new = json.loads(json.dumps({"a": 1.0, "b": [1, {"c": math.nan}], "saebench": {"seconds": 3.0, "x": 0.5, "m.train_time_seconds": {"mean": 6.0}}}))
    assert bench_eval.differences(new, old) == []                           # NaN = NaN; durations (and a missing 'seconds') ignored
    new["saebench"]["x"] = 0.25; new["b"].append(2); new["d"] = 1
    assert bench_eval.differences(new, old) == [".d: only in one", ".b: 3 items against 2", ".saebench.x: 0.25 against 0.5"]
