#!/usr/bin/env python
"""Train-step time of the H-SAE (children computed for the selected experts only) vs its dense all-experts path vs a
flat TopK SAE with the same total number of latents (k = 2 x topk_parent: one parent and one child per selected expert).

Goal (issue): sparse H-SAE <= 1.0x the flat SAE's step time, and >= 2x faster than the dense path.

    python benchmarks/bench_hsae.py [--batch 1024] [--steps 10] [--device cpu]
"""
import argparse
import time

import torch

from polytope_hsae.config import HSAEConfig
from polytope_hsae.hsae import HSAE
from polytope_hsae.sae import SAE, SAEConfig

SIZES = {  # name: (d_in, n_parents, topk_parent, subspace_dim, atoms_per_subspace)
    "quick (CPU preset)": (640, 32, 1, 8, 4),
    "jax-compat": (640, 64, 32, 4, 4),
    "v2-focused sizes at d=640": (640, 96, 8, 96, 32),
}


def step_time(model, x, steps, loss_fn):
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    for _ in range(2):                                   # warm-up
        opt.zero_grad(); loss_fn(model, x).backward(); opt.step()
    if x.is_cuda: torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad(); loss_fn(model, x).backward(); opt.step(); model.normalize_decoder_()
    if x.is_cuda: torch.cuda.synchronize()
    return (time.perf_counter() - t) / steps


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch", type=int, default=1024)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--device", default="cpu")
    args = p.parse_args()
    torch.manual_seed(0)
    print(f"device {args.device}, batch {args.batch}, {args.steps} timed steps each; seconds per train step\n")
    print(f"{'size':<28} {'d_sae':>6} {'sparse':>9} {'dense':>9} {'flat':>9} {'sparse/flat':>12} {'dense/sparse':>13}")
    for name, (d, N, K, s, a) in SIZES.items():
        cfg = HSAEConfig(n_parents=N, topk_parent=K, subspace_dim=s, atoms_per_subspace=a)
        x = torch.randn(args.batch, d, device=args.device)
        hs = HSAE(d, cfg).to(args.device).train()
        sparse = step_time(hs, x, args.steps, lambda m, x: m.loss(x, update_dead=False)[0])
        dense = step_time(hs, x, args.steps, lambda m, x: m.loss(x, update_dead=False, dense=True)[0])
        flat_model = SAE(SAEConfig(d, hs.d_sae, k=min(2 * K, hs.d_sae))).to(args.device)
        flat = step_time(flat_model, x, args.steps, lambda m, x: m.loss(x, update_dead=False)[0])
        print(f"{name:<28} {hs.d_sae:>6} {sparse:>9.4f} {dense:>9.4f} {flat:>9.4f} {sparse / flat:>12.2f} {dense / sparse:>13.2f}", flush=True)


if __name__ == "__main__":
    main()
