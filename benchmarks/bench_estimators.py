#!/usr/bin/env python
"""Batched LDA estimator vs a per-category loop of the same math (scikit-learn LedoitWolf + numpy pinv).

Runs on the embedded model's whitened unembedding and the default concept hierarchy; prints the
wall-clock of each, the speed ratio and the max abs difference of the vectors (goal: >= 20x, < 1e-8).

    OMP_NUM_THREADS=1 python benchmarks/bench_estimators.py [--max-categories N] [--threads T]

Both sides use the same threads (torch's intra-op pool, and OMP_NUM_THREADS for numpy/scikit-learn's BLAS);
compare ratios measured with the same thread count.
"""
import argparse
import time

import torch


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--max-categories", type=int, default=None, help="use only the first N categories (default: all)")
    p.add_argument("--split", default="all", choices=["all", "train"])
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's default)")
    args = p.parse_args()
    if args.threads: torch.set_num_threads(args.threads)

    from polytope_hsae.config import ConceptsConfig
    from polytope_hsae.concepts import build_hierarchy
    from polytope_hsae.estimators import lda_vectors, lda_vectors_loop, token_lists
    from polytope_hsae.geometry import CausalGeometry
    from polytope_hsae.lm import load_model, unembedding

    model = load_model()
    U = unembedding(model)
    hier = build_hierarchy(model.tokenizer, ConceptsConfig(), seed=0, model="gemma-3-270m")
    G = CausalGeometry.from_unembedding(U.gamma).whiten(U.gamma)
    cats = token_lists(hier, args.split)[: args.max_categories]
    print(f"{len(cats)} categories, {sum(map(len, cats)):,} token memberships, d = {G.shape[1]}, torch threads = {torch.get_num_threads()}")

    t0 = time.perf_counter(); batched, info = lda_vectors(G, cats); t_batched = time.perf_counter() - t0
    t0 = time.perf_counter(); loop = lda_vectors_loop(G, cats); t_loop = time.perf_counter() - t0
    diff = (batched - loop).abs().max().item()
    print(f"batched: {t_batched:.2f} s   loop (sklearn LedoitWolf + np.linalg.pinv): {t_loop:.2f} s")
    print(f"speed-up: {t_loop / t_batched:.1f}x (goal >= 20x: {'met' if t_loop / t_batched >= 20 else 'not met'})")
    print(f"max |batched - loop| = {diff:.2e} (goal < 1e-8: {'met' if diff < 1e-8 else 'not met'})")
    print(f"estimator: {info.summary()}")


if __name__ == "__main__":
    main()
