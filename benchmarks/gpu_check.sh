#!/usr/bin/env bash
# One GPU check: the `gpu` preset end to end (embedded gemma-3-270m, v2 H-SAE sizes, 10^7 corpus tokens, 3 seeds,
# every baseline), then a table of phase times, throughput and peak GPU memory.
#   bash benchmarks/gpu_check.sh [OUT_DIR] [extra polytope-hsae args, e.g. --set training.steps=200]
# Needs a CUDA build of torch and one GPU; nothing else (offline). Writes OUT_DIR/gpu_check.json beside the run.
# On a machine without the library's requirements and without a network, put the wheel folders of
#   python benchmarks/offline_bundle.py build        (made elsewhere: .gpu/c1 … .gpu/cN)
# in .gpu/: they are installed first (offline_bundle.py install), over the machine's own torch.
# GPU_CHECK_TIMEOUT=S stops the run after S seconds (SIGINT: finished phases are kept, a re-run resumes) and still
# writes the table of what finished: for a machine that is lent for a fixed time.
set -euo pipefail
out=${1:-runs/gpu}; shift || true
command -v nvidia-smi >/dev/null || { echo "gpu_check: nvidia-smi not found: this script needs an NVIDIA GPU"; exit 2; }
py=python3
if ! "$py" -c "import polytope_hsae.pipeline" 2>/dev/null; then
  ls -d .gpu/c*/ >/dev/null 2>&1 || { echo "gpu_check: polytope_hsae does not import and there is no .gpu/ wheel bundle: pip install -e . (or see benchmarks/offline_bundle.py)"; exit 2; }
  t0=$(date +%s)
  py=$("$py" benchmarks/offline_bundle.py install --wheels .gpu --venv /tmp/phv | tail -1)
  echo "gpu_check: installed the .gpu bundle into /tmp/phv in $(( $(date +%s) - t0 )) s"
fi
"$py" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'gpu_check: torch ' + torch.__version__ + ' sees no CUDA GPU; install a CUDA build of torch')"
mkdir -p "$out"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$out/gpu.txt"
# peak GPU memory: nvidia-smi sampled every 500 ms while the run goes (all processes on the GPU)
nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 500 > "$out/gpu_memory.csv" &
sampler=$!
trap 'kill $sampler 2>/dev/null || true' EXIT
start=$(date +%s)
status=0
timer=(); [ -x /usr/bin/time ] && timer=(/usr/bin/time -v -o "$out/time.txt")          # peak host RSS, when GNU time exists
limit=(); [ -n "${GPU_CHECK_TIMEOUT:-}" ] && limit=(timeout -s INT -k 30 "$GPU_CHECK_TIMEOUT")
"${timer[@]}" "${limit[@]}" "$py" -m polytope_hsae.cli run --config gpu --out "$out" "$@" || status=$?
wall=$(( $(date +%s) - start ))
kill $sampler 2>/dev/null || true
[ -f "$out/time.txt" ] && grep -E "Elapsed|Maximum resident" "$out/time.txt" || true
"$py" - "$out" "$wall" "$status" <<'EOF'
import json, sys
from pathlib import Path
out, wall, status = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
run = json.loads((out/"run.json").read_text()) if (out/"run.json").exists() else {"phases": {}}
mem = [int(x) for x in (out/"gpu_memory.csv").read_text().split() if x.strip().isdigit()]
act = json.loads((out/"activations"/"summary.json").read_text()) if (out/"activations"/"summary.json").exists() else {}
rows = [(name, r.get("status"), r.get("seconds", r.get("seconds_when_ran"))) for name, r in run["phases"].items()]   # resumed: its first time
print(f"\n{'phase':<12} {'status':<20} {'seconds':>8}")
for name, st, sec in rows: print(f"{name:<12} {st or '?':<20} {sec if sec is not None else '':>8}")
summary = {"gpu": (out/"gpu.txt").read_text().strip(), "wall_seconds": wall, "exit_status": status,
           "phase_seconds": {n: s for n, _, s in rows}, "capture_tokens_per_s": act.get("corpus_tokens_per_s"),
           "peak_gpu_memory_mib": max(mem) if mem else None, "goal_wall_seconds": 600,
           "goal_met": status == 0 and wall <= 600}
for g in ("phase2", "phase3", "baselines"):
    m = out/g/"metrics.json"
    if m.exists(): summary[f"{g}_seconds"] = json.loads(m.read_text()).get("seconds")
print(f"\nwall {wall} s (goal <= 600 s: {'met' if summary['goal_met'] else 'not met'}); capture {summary['capture_tokens_per_s']} tok/s; "
      f"peak GPU memory {summary['peak_gpu_memory_mib']} MiB")
(out/"gpu_check.json").write_text(json.dumps(summary, indent=1))
EOF
exit "$status"
