#!/bin/bash
# Adjoint's CPU backend side by side with jax-js (WebAssembly, jit; eager for W3, which jax-js's
# jit cannot run) and NumPy, workload by workload, interleaved so that the machine's load hits
# both alike. Prints one line per run: who, workload, median ms. adjoint-1t/2t are the cpu
# backend's defaults (fastMath, native GEMM where it builds); wasmgemm keeps the WebAssembly GEMM. Needs the peers installed
# (PEERS, default /tmp/peers: ../shared/bench/peers with `npm ci`).
#   bash bench/cpu-peers.sh [rounds=2] [W1 W2 W3 W3oh W4 W5]
set -u
cd "$(dirname "$0")/.."
PEERS=${PEERS:-/tmp/peers}
rounds=${1:-2}; shift || true
workloads=${*:-W1 W2 W3 W3oh W4 W5}
median() { grep '^RESULT' | sed -E 's/.*"median_ms": ?([0-9.]+).*/\1/' | head -1; }
adjoint() { npx tsx bench/cpu-workloads.ts --iters 10 --warmup 3 "$@" 2>/dev/null | median; }
jaxjs() { (cd "$PEERS" && node jaxjs.mjs --device wasm --iters 10 --warmup 3 "$@" 2>/dev/null | median); }
echo "# $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg), node $(node --version)"
for r in $(seq "$rounds"); do
  for w in $workloads; do
    mode=jit; [ "$w" = W3 ] && mode=eager
    # fastMath is the registered cpu backend's default; "exact" is cpuBackend({ fastMath: false })
    echo "round $r $w adjoint-1t $(adjoint --threads 1 --fast-math "$w")"
    echo "round $r $w adjoint-2t $(adjoint --threads 2 --fast-math "$w")"
    echo "round $r $w adjoint-wasmgemm-2t $(adjoint --threads 2 --fast-math --no-native "$w")"
    echo "round $r $w adjoint-exact-2t $(adjoint --threads 2 "$w")"
    echo "round $r $w jaxjs-$mode $(jaxjs --mode $mode "$w")"
    echo "round $r $w jaxjs-$mode-2workers $(jaxjs --mode $mode --workers 2 "$w")"
    if [ "$w" = W4 ] || [ "$w" = W5 ]; then
      echo "round $r $w numpy $(cd "$PEERS" && python3 numpy_ref.py "$w" 2>/dev/null | median)"
    fi
  done
done
echo "# done $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
