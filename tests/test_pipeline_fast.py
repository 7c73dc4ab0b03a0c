"""Fast tests of the phase runner and the report, with no model: fake phases, and a run folder fabricated from the JSON
files of a real quick run (tests/fixtures/quick_run: the measured summaries, steering trimmed to what the report reads)."""
import json
import shutil
from pathlib import Path

import pytest

from polytope_hsae import pipeline
from polytope_hsae.config import ConfigError, load_config
from polytope_hsae.pipeline import Phase, RunLock, RunLockedError

FIXTURE = Path(__file__).parent / "fixtures" / "quick_run"


def fake_phases(calls: list, fail: str | None = None) -> list[Phase]:
    "Three phases that record their calls and write one output file each; `fail` raises in that phase."
    def make(name):
        def fn(ctx):
            calls.append(name)
            if name == fail: raise RuntimeError(f"{name} broke")
            (ctx.out / name).mkdir(exist_ok=True)
            (ctx.out / name / "out.txt").write_text(f"{name} fresh={ctx.fresh}")
            return {"rows": len(calls)}
        return fn
    return [Phase(n, f"fake {n}", f"{n}/done.json", make(n)) for n in ("a", "b", "c")] + \
           [Phase("opt", "fake optional", "opt/done.json", make("opt"), optional=True)]


@pytest.fixture
def phases(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(pipeline, "PHASES", fake_phases(calls))
    return calls


def test_phases_run_in_order_and_resume(tmp_path, phases):
    lines = []
    rec = pipeline.run("quick", tmp_path, log=lines.append)
    assert phases == ["a", "b", "c"]                                   # the optional phase only when asked for
    assert [rec["phases"][n]["status"] for n in "abc"] == ["ran"] * 3
    assert json.loads((tmp_path / "b" / "done.json").read_text())["rows"] == 2
    assert "seconds" in json.loads((tmp_path / "c" / "done.json").read_text())
    assert (tmp_path / "config.yaml").exists() and json.loads((tmp_path / "run.json").read_text())["config"] == "quick"
    rec = pipeline.run("quick", tmp_path, log=lines.append)            # complete: nothing runs again
    assert phases == ["a", "b", "c"] and rec["phases"]["a"]["status"] == "skipped (complete)"
    assert "ran: nothing" in lines[-1]


def test_force_and_only_and_optional(tmp_path, phases):
    pipeline.run("quick", tmp_path, log=lambda s: None)
    pipeline.run("quick", tmp_path, force=["b"], log=lambda s: None)
    assert phases == ["a", "b", "c", "b"] and (tmp_path / "b" / "out.txt").read_text() == "b fresh=True"
    pipeline.run("quick", tmp_path, only=["opt"], log=lambda s: None)
    assert phases[-1] == "opt"
    rec = json.loads((tmp_path / "run.json").read_text())
    assert set(rec["phases"]) == {"a", "b", "c", "opt"}                 # a partial run keeps the others' records
    with pytest.raises(ConfigError, match="unknown phase"): pipeline.run("quick", tmp_path, only=["phase9"])


def test_a_failed_phase_is_recorded_and_leaves_no_marker(tmp_path, monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(pipeline, "PHASES", fake_phases(calls, fail="b"))
    with pytest.raises(RuntimeError, match="b broke"): pipeline.run("quick", tmp_path, log=lambda s: None)
    rec = json.loads((tmp_path / "run.json").read_text())
    assert rec["phases"]["b"]["status"] == "failed" and "b broke" in rec["phases"]["b"]["error"]
    assert (tmp_path / "a" / "done.json").exists() and not (tmp_path / "b" / "done.json").exists()
    monkeypatch.setattr(pipeline, "PHASES", fake_phases(calls))           # fixed: the rerun resumes at b
    pipeline.run("quick", tmp_path, log=lambda s: None)
    assert calls == ["a", "b", "b", "c"]


def test_another_config_in_the_same_folder_is_refused(tmp_path, phases):
    pipeline.run("quick", tmp_path, log=lambda s: None)
    cfg = load_config("quick", {"training.lr": 1e-3})
    with pytest.raises(ConfigError, match="training.lr"): pipeline.run(cfg, tmp_path, log=lambda s: None)


def test_the_run_lock_is_exclusive(tmp_path):
    with RunLock(tmp_path):
        with pytest.raises(RunLockedError, match="in use by another"):
            with RunLock(tmp_path): pass
    with RunLock(tmp_path): pass                                       # released


@pytest.fixture
def run_dir(tmp_path):
    out = tmp_path / "run"
    shutil.copytree(FIXTURE, out)
    return out


def test_summary_collects_every_phase(run_dir):
    s = pipeline.collect_summary(run_dir)
    assert s["config"] == "quick" and set(s["metrics"]) >= {"teacher", "baseline", "topk", "matryoshka"}
    assert set(s["targets"]) == {"purity", "leakage", "steering_leakage", "explained_variance"}
    assert s["phase2"] and s["phase3"] and s["baselines"] and s["seconds_per_phase"]["phase4"] is not None
    assert len(s["answer"]) == 4 and all(a.startswith("**") for a in s["answer"])


def test_answer_follows_the_verdicts(run_dir):
    cfg = load_config(run_dir / "config.yaml")
    targets = json.loads((run_dir / "phase4" / "summary.json").read_text())["targets"]
    purity = pipeline.answer_sentences({"targets": {"purity": targets["purity"]}}, cfg)[0]
    assert purity.startswith(f"**parent purity: {targets['purity']['verdict']}**")
    flipped = {**targets["purity"], "verdict": "met", "change_mean": 0.2, "change_ci_low": 0.15, "change_ci_high": 0.25}
    assert "**parent purity: met** — the teacher H-SAE's parent latents are purer" in pipeline.answer_sentences({"targets": {"purity": flipped}}, cfg)[0]
    missing = pipeline.answer_sentences({"targets": {"leakage": {"verdict": "not computable", "reason": "too few concepts"}}}, cfg)
    assert missing == ["**parent leakage: not computable** — too few concepts."]


def test_reconstruction_check_flags_weak_saes():
    rows = pipeline.reconstruction_check({"good": {"explained_variance": {"mean": 0.7}, "dead_fraction": {"mean": 0.01}},
                                          "weak": {"explained_variance": {"mean": 0.2}}})
    assert rows[0] == "good: EV 0.700, dead 1.0 %" and rows[1].endswith("below EV 0.5")


def test_report_from_a_fabricated_run(run_dir):
    path = pipeline.write_report(run_dir)
    page = path.read_text()
    for section in ("The answer", "Targets", "Teacher H-SAE against the references", "Training", "Metrics (held-out",
                    "Steering", "Ablations", "Time per phase"):
        assert section in page, section
    summary = json.loads((run_dir / "summary.json").read_text())
    verdict = summary["targets"]["leakage"]["verdict"]
    assert f"parent leakage: {verdict}" in page
    assert page.count("<table") >= 5 and "plotly" in page
    (run_dir / "phase4" / "summary.json").write_text("{not json")
    with pytest.raises(Exception, match="phase4"): pipeline.write_report(run_dir)   # a corrupt file is named, with the fix
