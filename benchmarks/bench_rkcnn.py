"""RkCNN probe time and quality: h = 600 subsets of m = √d dimensions on n activations, per score method and probe.

    python benchmarks/bench_rkcnn.py [--n 100000] [--d 640] [--h 600] [--r 64] [--probe distinct|principal|both] [--real] [--planted]

Synthetic Gaussian activations by default (d = 640, gemma-3-270m's width); `--real` uses the λ-hook activations of a
quick run directory if one exists at runs/quick. Prints seconds per method and probe, peak RSS growth, how many
directions came back and the largest |cos| between two of them. `--planted` also times both probes on the planted
problem of issue 22 (8 directions over 4 of 64 coordinates, heavy-tailed; m = 8, h = 600, r = 40) and prints the share
recovered at |cos| ≥ 0.8."""
import argparse, resource, time
from pathlib import Path

import torch

from polytope_hsae.rkcnn_init import RkCNNProbe, planted_directions, feature_recovery

def rss_mb() -> float: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def max_cos(P) -> float:
    return float((P.directions @ P.directions.T).abs().fill_diagonal_(0).max()) if P.n_directions > 1 else float("nan")

PROBES = {"distinct": RkCNNProbe, "principal": RkCNNProbe.principal}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000); ap.add_argument("--d", type=int, default=640)
    ap.add_argument("--h", type=int, default=600); ap.add_argument("--r", type=int, default=64)
    ap.add_argument("--probe", choices=["distinct", "principal", "both"], default="both")
    ap.add_argument("--methods", default="kurtosis,variance_ratio,knn", help="comma-separated score methods")
    ap.add_argument("--real", action="store_true", help="use runs/quick/activations (first n rows)")
    ap.add_argument("--planted", action="store_true", help="also the planted problem of issue 22, both probes")
    a = ap.parse_args()
    torch.manual_seed(0)
    if a.real:
        from polytope_hsae.activations import ActivationStore
        X = ActivationStore(Path("runs/quick/activations")).load(["activations"])["activations"][: a.n].float()
        source = "runs/quick λ activations"
    else:
        X = torch.randn(a.n, a.d); source = "Gaussian"
    labels = torch.randint(0, 50, (len(X),))
    probes = list(PROBES) if a.probe == "both" else [a.probe]
    print(f"{len(X)} × {X.shape[1]} {source}; h={a.h}, m=round(√d)={round(X.shape[1] ** 0.5)}, r={a.r}; torch threads {torch.get_num_threads()}")
    for method in a.methods.split(","):
        for name in probes:
            before = rss_mb(); t = time.perf_counter()
            p = PROBES[name](X.shape[1], h=a.h, r=a.r, score_method=method, seed=0).fit(X, labels if method == "knn" else None)
            dt = time.perf_counter() - t
            print(f"{method:15s} {name:9s} {dt:7.2f} s   top score {float(p.scores.max()):.3f}   {p.n_directions} directions, "
                  f"max |cos| {max_cos(p):.3f}   peak RSS +{max(0.0, rss_mb() - before):.0f} MB")
    if a.planted:
        for kind in ("spread", "outlier", "dense"):
            Xp, D = planted_directions(kind, d=32 if kind == "dense" else 64, n_features=12 if kind == "dense" else 8, seed=0)
            for name in PROBES:
                t = time.perf_counter(); p = PROBES[name](Xp.shape[1], m=8, h=600, r=40, seed=0).fit(Xp); dt = time.perf_counter() - t
                print(f"planted {kind:8s} {name:9s} {dt:6.2f} s   recovery {feature_recovery(D, p.directions)[0]:.3f}   "
                      f"{p.n_directions} directions, max |cos| {max_cos(p):.3f}")

if __name__ == "__main__": main()
