#!/bin/bash
# One prepared device run on a hardware GPU: the regression fixtures replayed (fuzz-297 reproduces
# only on a GPU: once with the code before its fix, once with the current code), Adjoint's WebGPU
# backend against jax-js's WebGPU backend (same GPU, same session), then a WebGPU fuzz campaign.
# The folder it runs in (.device2/, git-ignored, carried to the device) is made by:
#   for f in webgpu-workloads:bench replay-fixtures:replay fuzz-pipeline:fuzz; do
#     npx esbuild bench/${f%%:*}.ts --bundle --platform=node --format=esm --external:webgpu --outfile=.device2/${f##*:}.mjs; done
#   + replay-before.mjs: replay-fixtures.ts bundled from a worktree at the commit before the fix
#   + node_modules/{webgpu (linux-x64 only),debug,ms}, node.xz (the device has no node),
#   + peers/ (../shared/bench/peers/*.mjs with node_modules/@jax-js and a link to webgpu),
#   + ../.gl/*.deb (Vulkan loader, see the device tool's README). Results: bench/results/h100-run*/.
cd "$(dirname "$0")"
for f in ../.gl/*.deb; do dpkg -x "$f" /; done; ldconfig
(xz -dc node.xz || python3 -c "import lzma,sys; sys.stdout.buffer.write(lzma.open('node.xz').read())") > /tmp/node; chmod +x /tmp/node
printf '{"file_format_version":"1.0.0","ICD":{"library_path":"libEGL_nvidia.so.0","api_version":"1.3.0"}}' > /tmp/nvidia_icd.json
export VK_ICD_FILENAMES=/tmp/nvidia_icd.json ADJOINT_WEBGPU_NATIVE=1 XDG_RUNTIME_DIR=/tmp
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $OUT/gpu.txt
/tmp/node --version
echo "== fixtures, code before the fuzz-297 fix"; [ -f replay-before.mjs ] && timeout 60 /tmp/node replay-before.mjs 2>&1 | tee $OUT/replay-before.txt | cut -c1-400
echo "== fixtures, current code"; timeout 60 /tmp/node replay.mjs 2>&1 | tee $OUT/replay.txt | cut -c1-400
echo "== adjoint run A"; timeout 120 /tmp/node bench.mjs --iters 10 --warmup 3 W1 W2 W3 W4 W5 2>&1 | grep -v "^$" | tee $OUT/adjoint-A.txt | cut -c1-400
echo "== jax-js"; cd peers
for w in W1 W2 W3oh W4 W5; do timeout 60 /tmp/node jaxjs.mjs --device webgpu --mode jit --count $w 2>&1 | grep RESULT; done | tee $OUT/jaxjs.txt | cut -c1-300
timeout 60 /tmp/node jaxjs.mjs --device webgpu --mode eager --count W3 2>&1 | grep RESULT | tee -a $OUT/jaxjs.txt | cut -c1-300
cd ..
echo "== adjoint run B"; timeout 120 /tmp/node bench.mjs --iters 10 --warmup 3 W1 W2 W3 W4 W5 2>&1 | grep -v "^$" | tee $OUT/adjoint-B.txt | cut -c1-400
echo "== fuzz campaign"; mkdir -p $OUT/fixtures
timeout $(( ${FUZZ_SECONDS:-150} + 60 )) /tmp/node fuzz.mjs 100000 1 --webgpu --backends=webgpu --seconds=${FUZZ_SECONDS:-150} --fixtures=$OUT/fixtures --max-fixtures=5 2>&1 | tee $OUT/fuzz.txt | tail -25 | cut -c1-400
