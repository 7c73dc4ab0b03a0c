"""Faults and bad input, tried as a user would from the command line (issue 17): each fails safe, names the
problem and the fix, and loses nothing. The finer cases (forced markers, NaN shards, corrupt weights and
checkpoints, half-written logs) are tested next to their code in the notebooks; these go through `polytope-hsae`."""
import subprocess
import sys
import time
from pathlib import Path

import pytest

CLI = [str(Path(sys.executable).parent/"polytope-hsae")]     # the console script, as a user runs it


def cli(*args, cwd=None, timeout=300):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout)


@pytest.mark.parametrize("override, key", [
    ("training.steps=0", "training.steps"), ("training.batch_size=0", "training.batch_size"),
    ("training.log_every=0", "training.log_every"), ("training.seeds=[-1]", "training.seeds"),
    ("training.lr=.inf", "training.lr"), ("eval.ablations=[foo]", "eval.ablations"), ("seed=-1", "seed"),
    ("name=../../x", "name"),
])
def test_bad_values_refused_when_read(override, key):
    r = cli("config", "--set", override)
    assert r.returncode == 2, r.stderr
    assert key in r.stderr and "Traceback" not in r.stderr


def test_config_folder_and_empty_yaml(tmp_path):
    r = cli("config", "--config", str(tmp_path))
    assert r.returncode == 2 and "is a folder" in r.stderr
    (tmp_path/"empty.yaml").write_text("")
    r = cli("config", "--config", str(tmp_path/"empty.yaml"))
    assert r.returncode == 2 and "is empty; start from a preset" in r.stderr


def test_unknown_hook_and_synset_before_the_model_loads(tmp_path):
    t = time.time()
    r = cli("run", "--out", str(tmp_path/"h"), "--set", "model.hook=blocks.3.resid", "--set", "hsae.space=residual")
    assert r.returncode == 2 and "not a TransformerLens hook name" in r.stderr
    r = cli("run", "--out", str(tmp_path/"s"), "--set", "concepts.root=entitty.n.01")
    assert r.returncode == 2 and "concepts.root: unknown synset" in r.stderr
    assert time.time() - t < 120                     # WordNet only: no model load (~30 s each) behind these


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="this machine has a GPU")
def test_cuda_on_a_cpu_build(tmp_path):
    r = cli("run", "--out", str(tmp_path), "--set", "model.device=cuda")
    assert r.returncode == 2 and "sees no CUDA GPU" in r.stderr and "Traceback" not in r.stderr


def test_second_writer_refused_naming_the_holder(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; from polytope_hsae.pipeline import RunLock\n"
                               f"with RunLock(Path({str(tmp_path)!r})):\n    print('locked', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        r = cli("run", "--out", str(tmp_path))
        assert r.returncode == 2 and f"pid {holder.pid}" in r.stderr
    finally:
        holder.kill(); holder.wait()


def test_sae_ception_force_keeps_the_users_files(tmp_path):
    (tmp_path/"src").mkdir(); (tmp_path/"src"/"notes.txt").write_text("x")
    r = cli("sae-ception", "--out", str(tmp_path), "--force", "--set", "model.name=gpt2")   # gpt2 needs the hub: the load fails
    assert r.returncode != 0
    assert (tmp_path/"src"/"notes.txt").read_text() == "x"


def test_half_written_summary_names_the_file(tmp_path):
    (tmp_path/"phase4").mkdir(parents=True)
    cli("config")                                                                     # (warm imports)
    (tmp_path/"config.yaml").write_text(cli("config").stdout)
    (tmp_path/"phase4"/"summary.json").write_text('{"targets": {')
    r = cli("report", "--out", str(tmp_path))
    assert r.returncode == 2 and "summary.json is not valid JSON" in r.stderr and "--force phase4" in r.stderr
