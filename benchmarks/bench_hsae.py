#!/usr/bin/env python
"""Train-step time (forward + backward + Adam) of the H-SAE's exact child paths vs a flat TopK SAE with as many
latents and the same L0 (k = 2 x topk_parent: one parent and one child per selected expert).

  fused      each expert's encoder and atoms composed into input space ([N*a, d], as a flat SAE holds them): the winners
             found in one dense pass without gradient, their codes recomputed with it, a K-row decode
  projected  all experts' s-dim projections in one [B, N*s] matmul, child codes for the selected experts only
  grouped    (token, expert) pairs sorted by expert, one small matmul per non-empty expert, no padding
  bucketed   the same pairs, experts bucketed by power-of-two load: one batched matmul per bucket (little padding)
  dense      every expert's children computed, unselected ones masked (the reference, tests only)
  auto       what `HSAE.child_path` picks for this size (the path training uses)

Goal (issue 19): auto <= 1.0x the flat SAE at every size.

    python benchmarks/bench_hsae.py [--batch 512] [--steps 10] [--threads N] [--device cpu]
"""
import argparse
import statistics
import time

import torch

from polytope_hsae.config import HSAEConfig
from polytope_hsae.hsae import HSAE
from polytope_hsae.sae import SAE, SAEConfig
from polytope_hsae.training import make_optimizer

SIZES = {  # name: (d_in, n_parents, topk_parent, subspace_dim, atoms_per_subspace)
    "quick / standard": (640, 256, 16, 4, 8),
    "moe_top1 ablation": (640, 256, 1, 4, 8),
    "reference-like (top-32/512)": (640, 512, 32, 4, 16),
    "jax-compat": (640, 64, 32, 4, 4),
    "v2-focused sizes at d=640": (640, 96, 8, 96, 32),
}


def step_time(model, x, steps, loss_fn):
    "Median seconds of `steps` timed train steps after 3 warm-up steps (the median: one slow step from the OS does not count)."
    opt = make_optimizer(model.parameters(), 1e-4)          # the trainer's Adam (fused)
    times = []
    for i in range(3 + steps):
        if x.is_cuda: torch.cuda.synchronize()
        t = time.perf_counter()
        opt.zero_grad(); loss_fn(model, x).backward(); opt.step(); model.normalize_decoder_()
        if x.is_cuda: torch.cuda.synchronize()
        if i >= 3: times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch", type=int, default=512, help="rows per step (quick/standard train with 512)")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    if args.threads: torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"device {args.device}, {torch.get_num_threads()} threads, batch {args.batch}, {args.steps} timed steps each; "
          "median seconds per train step (forward + backward + Adam + decoder norm)\n")
    cols = ["fused", "projected", "grouped", "bucketed", "dense"]
    print(f"{'size':<28} {'d_sae':>6} " + " ".join(f"{c:>9}" for c in cols) + f" {'flat':>8} {'auto':>10} {'auto/flat':>10}")
    for name, (d, N, K, s, a) in SIZES.items():
        cfg = HSAEConfig(n_parents=N, topk_parent=K, subspace_dim=s, atoms_per_subspace=a, load_balance_lambda=1.0)
        x = torch.randn(args.batch, d, device=args.device)
        hs = HSAE(d, cfg).to(args.device).train()
        t = {c: step_time(hs, x, args.steps, lambda m, x, c=c: m.loss(x, update_dead=False, path=c)[0]) for c in cols}
        flat_model = SAE(SAEConfig(d, hs.d_sae, k=min(2 * K, hs.d_sae))).to(args.device)
        flat = step_time(flat_model, x, args.steps, lambda m, x: m.loss(x, update_dead=False)[0])
        auto = hs.child_path(args.batch)
        print(f"{name:<28} {hs.d_sae:>6} " + " ".join(f"{t[c]:>9.4f}" for c in cols) +
              f" {flat:>8.4f} {auto:>10} {t[auto] / flat:>10.2f}", flush=True)


if __name__ == "__main__":
    main()
