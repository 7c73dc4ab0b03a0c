"""Capture and training under torchrun with two CPU processes (gloo), against one process: the 2-rank capture equals the 1-rank
capture row for row (embedded model, through the CLI), DDP averages gradients and merges dead-latent counters, 2-rank training with
the same global batch follows 1-rank training to float tolerance, a rank killed mid-run resumes to the uninterrupted weights, and
`polytope-hsae train` runs under torchrun. About 3 minutes on 2 cores (two model loads for the capture)."""
import json, os, subprocess, sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from polytope_hsae.activations import ActivationStore
from polytope_hsae.cli import main

sys.path.insert(0, str(Path(__file__).parent))
import dist_worker as W  # noqa: E402  (the worker is also a library of the models and configs both sides train)

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"): ENV.pop(k, None)
CAPTURE = ["--config", "quick", "--set", "activations.n_tokens=2048", "--set", "activations.shard_tokens=500",
           "--set", "activations.source=sotu"]


def torchrun(*args, ok:bool=True, timeout:int=400) -> subprocess.CompletedProcess:
    "torchrun --standalone --nproc_per_node 2 ARGS, from the repository root."
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", *map(str, args)],
                       cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout)
    if ok: assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return r


def weights(folder:Path, step:int=W.STEPS) -> dict:
    return load_file(str(folder/"checkpoints"/f"step_{step:07d}"/"model.safetensors"))


def max_diff(a:dict, b:dict) -> float:
    assert a.keys() == b.keys()
    return max(float((a[k].double() - b[k].double()).abs().max()) for k in a if a[k].numel())


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    "The training models: two ranks under torchrun (uninterrupted) and one process (here)."
    two, one = tmp_path_factory.mktemp("two"), tmp_path_factory.mktemp("one")
    torchrun("tests/dist_worker.py", "train", two)
    threads = torch.get_num_threads(); torch.set_num_threads(1)
    try: times = W.run_models(one)
    finally: torch.set_num_threads(threads)
    print("seconds per step, 1 process:", times, "2 ranks:", json.loads((two/"times.json").read_text()))
    return two, one


def test_ddp_averages_gradients_and_merges_dead_counters(runs):
    g = json.loads((runs[0]/"grad.json").read_text())
    assert "batch_size 63 does not split over 2 processes" in g.pop("odd_batch_error")
    for name, r in g.items():
        assert r["grad_max_abs_diff"] < 1e-6, (name, r)               # DDP(LossModule): the full batch's gradient
        assert r["bypassed_grad_max_abs_diff"] > 1e-2, (name, r)      # calling loss() beside DDP: each rank's own gradient
        assert r["counters_equal"], name                               # tokens_since_fired as one process counts them


def test_two_ranks_train_like_one(runs):
    two, one = runs
    for name in ("sae", "hsae_quiet"):                                 # no routing noise: the same computation, split
        d = max_diff(weights(two/name), weights(one/name))
        print(name, "2-rank vs 1-rank max abs weight difference after", W.STEPS, "steps:", d)
        assert d < 1e-5, (name, d)
        rows = [[json.loads(l) for l in (f/name/"log.jsonl").read_text().splitlines()] for f in (two, one)]
        assert [r["step"] for r in rows[0]] == [r["step"] for r in rows[1]] == [4, 8, 12]
        for a, b in zip(*rows):
            assert abs(a["loss"] - b["loss"]) < 1e-5 and a["dead_frac"] == b["dead_frac"] and a.get("resampled") == b.get("resampled")
    assert any(json.loads(l).get("resampled", {}).get("children") for l in (two/"hsae_quiet"/"log.jsonl").read_text().splitlines())
    assert any(json.loads(l)["dead_frac"] > 0 for l in (two/"sae"/"log.jsonl").read_text().splitlines())
    for f in (two, one): assert (f/"hsae"/"model").exists()          # with routing noise ranks draw their own noise: trained, not equal


def test_kill_and_resume_under_torchrun(runs, tmp_path):
    r = torchrun("tests/dist_worker.py", "train", tmp_path, "--kill-at", 7, ok=False)   # rank 1 SIGKILLs itself at step 7 of the H-SAE
    assert r.returncode != 0 and "SIGKILL" in r.stdout + r.stderr
    assert sorted(p.name for p in (tmp_path/"hsae"/"checkpoints").iterdir()) == ["step_0000004"] and not (tmp_path/"hsae"/"model").exists()
    torchrun("tests/dist_worker.py", "train", tmp_path)                 # the same command again: every rank resumes from step 4
    for name in W.MODELS: assert max_diff(weights(tmp_path/name), weights(runs[0]/name)) < 1e-6, name
    assert [json.loads(l)["step"] for l in (tmp_path/"hsae"/"log.jsonl").read_text().splitlines()] == [4, 8, 12]


@pytest.fixture(scope="module")
def captured(tmp_path_factory):
    "The corpus store of a 2-rank CLI capture (torchrun -m polytope_hsae.cli activations --corpus-only)."
    out = tmp_path_factory.mktemp("capture")
    torchrun("-m", "polytope_hsae.cli", "activations", "--corpus-only", *CAPTURE, "--out", out)
    return out


def test_capture_two_ranks_equals_one(captured, tmp_path):
    two = ActivationStore(captured/"activations")
    assert {f.name for f in (captured/"activations").glob("shard_01_*")} and not list((captured/"activations").glob("rank_*"))
    assert main(["activations", "--corpus-only", *CAPTURE, "--out", str(tmp_path)]) == 0      # the same command, one process
    one = ActivationStore(tmp_path/"activations")
    assert len(two) == len(one) == 2016 and [s["count"] for s in two.meta["shards"]] == [s["count"] for s in one.meta["shards"]]
    a, b = two.load(), one.load()
    assert a.keys() == b.keys()
    for k in a:
        if k == "activations": assert torch.allclose(a[k], b[k], atol=1e-4, rtol=1e-5), float((a[k] - b[k]).abs().max())
        else: assert torch.equal(a[k], b[k]), k
    print("capture: 2-rank vs 1-rank max abs activation difference", float((a["activations"] - b["activations"]).abs().max()),
          "; seconds 2 ranks (slowest rank)", two.meta["seconds"], "1 process", one.meta["seconds"])


def test_cli_train_under_torchrun(captured):
    for marker in ("phase1/summary.json", "activations/summary.json"):           # Phase 1 is not needed by a residual-space baseline
        (captured/marker).parent.mkdir(exist_ok=True); (captured/marker).write_text("{}")
    sets = ["hsae.space=residual", "training.batch_size=64", "training.steps=4", "training.log_every=2", "training.checkpoint_every=2",
            "training.seeds=[0]", "training.autocast=false"]
    torchrun("-m", "polytope_hsae.cli", "train", "--phase", "baseline", *CAPTURE, *[a for s in sets for a in ("--set", s)], "--out", captured)
    seed = captured/"phase2"/"seed_0"
    assert (captured/"phase2"/"metrics.json").exists() and (seed/"model").exists()
    assert [json.loads(l)["step"] for l in (seed/"log.jsonl").read_text().splitlines()] == [2, 4]
    assert json.loads((seed/"checkpoints"/"step_0000004"/"state.json").read_text())["world_size"] == 2
