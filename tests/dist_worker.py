"""What tests/test_distributed.py runs under torchrun (2 processes, gloo): gradient averaging, and training runs that the
test also runs in one process. Usage: torchrun --standalone --nproc_per_node 2 tests/dist_worker.py grad|train OUT [--kill-at N]"""
import argparse, copy, json, os, signal, time
from pathlib import Path

import torch

from polytope_hsae.activations import batch_stream
from polytope_hsae.config import HSAEConfig
from polytope_hsae.distributed import (DistributedError, init_distributed, teardown, rank, world_size, rank_slice, wrap_ddp, sync_dead_counters_,
                                       is_distributed)
from polytope_hsae.hsae import HSAE
from polytope_hsae.sae import SAE, SAEConfig
from polytope_hsae.training import TrainSchedule, train, synthetic_hierarchy

D, STEPS, BATCH = 16, 12, 64
MODELS = ("sae", "hsae_quiet", "hsae")


class QuietHSAE(HSAE):
    "An H-SAE whose router temperature stays 0: no Gumbel noise, so one process and several ranks route the same rows alike."
    def set_temperature(self, step:int, total:int) -> float:
        self.temperature.fill_(0.0); return 0.0


class Batches:
    "The tensor's batch stream (`batch_stream`), read as a store is; rank 1 kills itself (SIGKILL) when asked for batch `kill_at`."
    def __init__(self, x:torch.Tensor, kill_at:int|None=None): self.x, self.kill_at = x, kill_at
    def __len__(self): return len(self.x)
    def batches(self, batch_size:int, seed:int=0, epochs:int=1, drop_last:bool=False, shuffle:bool=True):
        for i, b in enumerate(batch_stream(self.x, batch_size, seed)):
            if i == self.kill_at and rank() == 1: os.kill(os.getpid(), signal.SIGKILL)
            yield b


def data() -> torch.Tensor: return synthetic_hierarchy(d=D, n=4096, seed=0)[0]


def build(name:str):
    "The models both sides train: a TopK SAE with AuxK (dead latents), the quiet H-SAE with resampling, the H-SAE with routing noise."
    if name == "sae": return SAE(SAEConfig(D, 48, kind="topk", k=3, dead_tokens=3 * BATCH, seed=0))
    if name == "hsae_quiet":                                          # more parents than the data has: some die and are resampled
        return QuietHSAE(D, HSAEConfig(n_parents=12, topk_parent=1, subspace_dim=3, atoms_per_subspace=3, biorth_lambda=0.01),
                         seed=0, dead_tokens=2 * BATCH)
    return HSAE(D, HSAEConfig(n_parents=6, topk_parent=2, subspace_dim=3, atoms_per_subspace=3, biorth_lambda=0.01), seed=0,
                dead_tokens=3 * BATCH)


def train_config(name:str, out:Path) -> TrainSchedule:
    return TrainSchedule(steps=STEPS, batch_size=BATCH, lr=1e-2, lr_warmup_steps=2, reg_warmup_steps=4, log_every=4,
                       checkpoint_every=4, out=str(out/name), seed=0, freeze_decoder_steps=2,
                       resample_every=4 if name == "hsae_quiet" else 0)


def run_models(out:Path, kill_at:int|None=None) -> dict:
    "Train every model into out/<name>, resuming from checkpoints; the seconds per step of each."
    x, times = data(), {}
    for name in MODELS:
        model = build(name)
        t0 = time.perf_counter()
        train(model, Batches(x, kill_at if name == "hsae" else None), train_config(name, out), resume=True, progress=False)
        times[name] = (time.perf_counter() - t0) / STEPS
    return times


def grad_check(out:Path):
    "DDP through `LossModule` averages gradients to the full batch's; calling `loss` beside DDP does not. Dead counters merge."
    x = data()[:BATCH]
    res = {}
    for name in ("sae", "hsae_quiet"):
        ref, model = build(name), build(name)
        for m in (ref, model):
            m.train()
            if hasattr(m, "set_temperature"): m.set_temperature(0, 1)
        total, _ = ref.loss(x); total.backward()                      # one process, the whole batch
        ddp = wrap_ddp(model)
        xl = rank_slice(x, rank(), world_size())
        total, _ = ddp(xl); total.backward()
        sync_dead_counters_(model, len(xl))
        res[name] = {"grad_max_abs_diff": max(float((p.grad - q.grad).abs().max()) for p, q in zip(model.parameters(), ref.parameters())),
                     "counters_equal": bool(torch.equal(model.tokens_since_fired, ref.tokens_since_fired))}
        plain = build(name); plain.train()                            # the mistake LossModule prevents: DDP bypassed
        if hasattr(plain, "set_temperature"): plain.set_temperature(0, 1)
        copy.deepcopy(wrap_ddp(plain))                                # (wrapped, but loss called on the module itself)
        total, _ = plain.loss(xl); total.backward()
        res[name]["bypassed_grad_max_abs_diff"] = max(float((p.grad - q.grad).abs().max()) for p, q in zip(plain.parameters(), ref.parameters()))
    try: train(build("sae"), x, TrainSchedule(steps=1, batch_size=BATCH - 1), progress=False)       # 63 rows do not split over 2
    except DistributedError as e: res["odd_batch_error"] = str(e)
    if rank() == 0: (out/"grad.json").write_text(json.dumps(res))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["grad", "train"]); ap.add_argument("out", type=Path); ap.add_argument("--kill-at", type=int, default=None)
    a = ap.parse_args()
    torch.set_num_threads(1)
    init_distributed("cpu")
    assert is_distributed(), "run me under torchrun with 2 processes"
    a.out.mkdir(parents=True, exist_ok=True)
    if a.mode == "grad": grad_check(a.out)
    else:
        if a.kill_at is None: grad_check(a.out)                          # one launch for both checks (torchrun starts take ~10 s)
        times = run_models(a.out, a.kill_at)
        if rank() == 0: (a.out/"times.json").write_text(json.dumps(times))
    teardown()
