#!/usr/bin/env python
"""Activation capture throughput and memory on the embedded model.

1. tokens/s at a hook for: the full forward (with the unembedding), a bare forward that runs only as far as
   the hook (`stop_at_layer`, or `return_type=None` for the final-norm hooks), `polytope_hsae`'s `capture`
   (the bare forward + shard writing), and SAELens' `ActivationsStore.get_activations` on the same tokens
   when it can be built offline. Goal: capture >= 0.95x the bare forward (float32 and bf16 stores; float32 and bf16-autocast compute,
   each against the bare forward in the same precision).
2. peak RSS of a whole capture at 1e5 and 1e6 activations (each in a fresh process). Goal: flat.

    python benchmarks/bench_activations.py [--hook H] [--tokens N] [--rss-hook H] [--skip-rss]
"""
import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def throughput(hook: str, n_tokens: int, seq_len: int, batch_size: int):
    import torch
    from polytope_hsae.activations import capture, corpus_items, forward_to_hook, stop_layer
    from polytope_hsae.corpus import token_batches
    from polytope_hsae.lm import load_model, resolve_hook

    torch.set_grad_enabled(False)
    model = load_model()
    hook = resolve_hook(model, hook)
    batches = list(token_batches(model.tokenizer, "sotu+wordnet", seq_len, batch_size, seed=0, n_tokens=n_tokens))
    n = sum(b.numel() for b in batches)
    forward_to_hook(model, batches[0], hook)                                    # warm-up
    rows = {}

    def timed(name, fn):
        t = time.perf_counter()
        for b in batches: fn(b)
        dt = time.perf_counter() - t
        rows[name] = n / dt
        print(f"{name:<34} {n / dt:9.0f} tokens/s  ({dt:.1f} s for {n} tokens)", flush=True)

    L = stop_layer(model, hook)
    bare = lambda b: model(b, stop_at_layer=L) if L is not None else model(b, return_type=None)

    def bf16(fn):
        "fn under the bf16 autocast that `compute_dtype='bfloat16'` uses."
        def run(b):
            with torch.autocast(b.device.type, dtype=torch.bfloat16): return fn(b)
        return run

    def timed_capture(name, **kw):
        with tempfile.TemporaryDirectory() as d:
            t = time.perf_counter()
            meta = capture(model, corpus_items(batches), d, hook=hook, shard_tokens=50_000, progress=False, **kw)
            dt = time.perf_counter() - t
            size = sum(f.stat().st_size for f in Path(d).glob("shard_*.safetensors"))
        rows[name] = n / dt
        print(f"{name:<34} {n / dt:9.0f} tokens/s  ({meta['count']} rows, BOS skipped; {size / meta['count']:.0f} bytes per row on disk)")

    timed("full forward (logits)", lambda b: model(b))
    timed("bare forward to the hook", bare)
    timed("forward_to_hook (hooked)", lambda b: forward_to_hook(model, b, hook))
    timed_capture("capture (float32)")
    timed_capture("capture (bf16 store)", store_dtype="bfloat16")
    timed("bare forward to the hook (again)", bare)                            # bare timed before and after: drift shows
    bf16(bare)(batches[0])                                                      # warm-up of the bf16 kernels
    timed("bare forward, bf16 autocast", bf16(bare))
    timed_capture("capture (bf16 compute)", compute_dtype="bfloat16")          # quick, standard
    timed_capture("capture (bf16 compute and store)", compute_dtype="bfloat16", store_dtype="bfloat16")   # gpu
    timed("bare forward, bf16 autocast (again)", bf16(bare))
    try:
        from datasets import Dataset
        from sae_lens.training.activations_store import ActivationsStore
        ds = Dataset.from_dict({"input_ids": torch.cat(batches).tolist()})
        store = ActivationsStore(model, ds, streaming=False, hook_name=hook, hook_head_index=None, context_size=seq_len,
                                 d_in=model.cfg.d_model, n_batches_in_buffer=2, total_training_tokens=n,
                                 store_batch_size_prompts=batch_size, train_batch_size_tokens=4096, prepend_bos=False,
                                 normalize_activations="none", device=torch.device("cpu"), dtype="float32")
        timed("sae_lens ActivationsStore", lambda b: store.get_activations(b))
    except Exception as e:
        print(f"sae_lens ActivationsStore: not run ({type(e).__name__}: {str(e)[:200]})")
    bare32 = (rows["bare forward to the hook"] + rows["bare forward to the hook (again)"]) / 2          # the mean of before and after
    bare16 = (rows["bare forward, bf16 autocast"] + rows["bare forward, bf16 autocast (again)"]) / 2
    print(f"\ncapture / bare forward (goal >= 0.95): float32 {rows['capture (float32)'] / bare32:.2f}, "
          f"bf16 store {rows['capture (bf16 store)'] / bare32:.2f}; with bf16 compute (against the bf16 bare forward): "
          f"{rows['capture (bf16 compute)'] / bare16:.2f}, bf16 store {rows['capture (bf16 compute and store)'] / bare16:.2f}; "
          f"bf16 / float32 bare forward = {bare16 / bare32:.2f}x; bare / full forward = {bare32 / rows['full forward (logits)']:.2f}x")
    return rows


def rss_child(hook: str, n_acts: int):
    "Run in a fresh process: capture n_acts activations, print peak RSS."
    from polytope_hsae.activations import capture, corpus_items
    from polytope_hsae.corpus import token_batches
    from polytope_hsae.lm import load_model
    model = load_model()
    base = _rss_mb("VmRSS")
    reset = _reset_peak()                       # so the peak below is the capture's, not the model load's
    seq_len, batch = 128, 16
    n_tokens = n_acts * seq_len // (seq_len - 1) + seq_len * batch
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        meta = capture(model, corpus_items(token_batches(model.tokenizer, "sotu+wordnet", seq_len, batch, seed=0, n_tokens=n_tokens)),
                       d, hook=hook, shard_tokens=50_000, progress=False)
        dt = time.perf_counter() - t
    peak = _rss_mb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"activations": meta["count"], "shards": len(meta["shards"]), "seconds": round(dt, 1),
                      "rss_after_model_load_mb": round(base), "peak_rss_during_capture_mb": round(peak),
                      "peak_minus_loaded_mb": round(peak - base), "peak_is_capture_only": reset}))


def _rss_mb(field: str) -> float:
    "VmRSS (current) or VmHWM (peak) of this process in MB, from /proc."
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"): return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> bool:
    "Reset the kernel's peak-RSS counter (Linux >= 4.0); False where that is not possible."
    try:
        with open("/proc/self/clear_refs", "w") as f: f.write("5")
        return True
    except OSError:
        return False


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hook", default=None, help="hook for throughput (default: the λ hook ln_final.hook_normalized)")
    p.add_argument("--tokens", type=int, default=16384, help="tokens for the throughput runs")
    p.add_argument("--rss-hook", default="blocks.0.hook_resid_post",
                   help="hook for the memory runs (an early layer keeps 1e6 activations quick on a CPU)")
    p.add_argument("--skip-rss", action="store_true")
    p.add_argument("--skip-throughput", action="store_true")
    p.add_argument("--rss-child", nargs=2, metavar=("HOOK", "N"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.rss_child:
        rss_child(args.rss_child[0], int(args.rss_child[1])); return
    if not args.skip_throughput: throughput(args.hook, args.tokens, seq_len=128, batch_size=16)
    if args.skip_rss: return
    print(f"\npeak RSS of a whole capture at {args.rss_hook} (fresh process each; shards of 50,000 rows):")
    for n in (100_000, 1_000_000):
        out = subprocess.run([sys.executable, __file__, "--rss-child", args.rss_hook, str(n)], capture_output=True, text=True)
        line = out.stdout.strip().splitlines()[-1] if out.returncode == 0 else f"failed: {out.stderr[-500:]}"
        print(f"  {n:>9,} activations: {line}", flush=True)


if __name__ == "__main__":
    main()
