#!/bin/bash
# One prepared device run: Adjoint's WebGPU backend and jax-js's WebGPU backend, same GPU, same session.
# The folder it runs in (.device2/, git-ignored, carried to the device) is made by:
#   npx esbuild bench/webgpu-workloads.ts --bundle --platform=node --format=esm --external:webgpu --outfile=.device2/bench.mjs
#   + node_modules/{webgpu (linux-x64 only),debug,ms}, node.xz (the device has no node),
#   + peers/ (../shared/bench/peers/*.mjs with node_modules/@jax-js and a link to webgpu),
#   + ../.gl/*.deb (Vulkan loader, see the device tool's README). Results: bench/results/.
cd "$(dirname "$0")"
for f in ../.gl/*.deb; do dpkg -x "$f" /; done; ldconfig
(xz -dc node.xz || python3 -c "import lzma,sys; sys.stdout.buffer.write(lzma.open('node.xz').read())") > /tmp/node; chmod +x /tmp/node
printf '{"file_format_version":"1.0.0","ICD":{"library_path":"libEGL_nvidia.so.0","api_version":"1.3.0"}}' > /tmp/nvidia_icd.json
export VK_ICD_FILENAMES=/tmp/nvidia_icd.json ADJOINT_WEBGPU_NATIVE=1 XDG_RUNTIME_DIR=/tmp
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $OUT/gpu.txt
/tmp/node --version
echo "== adjoint run A"; timeout 120 /tmp/node bench.mjs --iters 10 --warmup 3 W1 W2 W3 W4 W5 2>&1 | grep -v "^$" | tee $OUT/adjoint-A.txt | cut -c1-400
echo "== jax-js"; cd peers
for w in W1 W2 W3oh W4 W5; do timeout 60 /tmp/node jaxjs.mjs --device webgpu --mode jit --count $w 2>&1 | grep RESULT; done | tee $OUT/jaxjs.txt | cut -c1-300
timeout 60 /tmp/node jaxjs.mjs --device webgpu --mode eager --count W3 2>&1 | grep RESULT | tee -a $OUT/jaxjs.txt | cut -c1-300
cd ..
echo "== adjoint run B"; timeout 120 /tmp/node bench.mjs --iters 10 --warmup 3 W1 W2 W3 W4 W5 2>&1 | grep -v "^$" | tee $OUT/adjoint-B.txt | cut -c1-400
