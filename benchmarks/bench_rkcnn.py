"""RkCNN probe time: h = 600 subsets of m = √d dimensions on 10⁵ activations (the issue's setting), per score method.

    python benchmarks/bench_rkcnn.py [--n 100000] [--d 640] [--h 600] [--real]

Synthetic Gaussian activations by default (d = 640, gemma-3-270m's width); `--real` uses the λ-hook activations of a
quick run directory if one exists at runs/quick. Prints seconds per method and peak RSS growth."""
import argparse, resource, time
from pathlib import Path

import torch

from polytope_hsae.rkcnn_init import RkCNNProbe

def rss_mb() -> float: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000); ap.add_argument("--d", type=int, default=640)
    ap.add_argument("--h", type=int, default=600); ap.add_argument("--r", type=int, default=64)
    ap.add_argument("--real", action="store_true", help="use runs/quick/activations (first n rows)")
    a = ap.parse_args()
    torch.manual_seed(0)
    if a.real:
        from polytope_hsae.activations import ActivationStore
        X = ActivationStore(Path("runs/quick/activations")).load(["activations"])["activations"][: a.n].float()
        source = "runs/quick λ activations"
    else:
        X = torch.randn(a.n, a.d); source = "Gaussian"
    labels = torch.randint(0, 50, (len(X),))
    print(f"{len(X)} × {X.shape[1]} {source}; h={a.h}, m=round(√d)={round(X.shape[1] ** 0.5)}, r={a.r}; torch threads {torch.get_num_threads()}")
    for method in ("kurtosis", "variance_ratio", "knn"):
        before = rss_mb(); t = time.perf_counter()
        p = RkCNNProbe(X.shape[1], h=a.h, r=a.r, score_method=method, seed=0).fit(X, labels if method == "knn" else None)
        dt = time.perf_counter() - t
        print(f"{method:15s} {dt:7.2f} s   top score {float(p.scores.max()):.3f}   peak RSS +{max(0.0, rss_mb() - before):.0f} MB")

if __name__ == "__main__": main()
