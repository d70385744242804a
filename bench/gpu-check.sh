#!/usr/bin/env bash
# The GPU check on a machine with no Node.js and no internet (docs/runner.md, "GPU check"). Prepare the
# bundle first where the npm registry is reachable (`npm run gpu-check:prepare` writes .gpu-check/), carry
# .gpu-check to the GPU machine, and run from the repository root:
#
#   bash bench/gpu-check.sh [--size=full|medium|tiny] [--no-webgpu]
#
# It unpacks the bundle, brings the Vulkan loader when the machine has none, points Vulkan at NVIDIA's
# driver when its manifest is where the device notes say, falls back to the bundle's C/C++ runtime when the
# machine's is too old for Dawn, and runs bench/gpu-check.ts with the bundled Node. The result's JSON also
# goes to $OUT/gpu-check.json when OUT is set. Exit status: the check's (1 on a wrong result), 2 when the
# bundle is missing or cannot be unpacked.
set -euo pipefail
cd "$(dirname "$0")/.."

bundle=${GPU_CHECK_BUNDLE:-.gpu-check}
work=${GPU_CHECK_DIR:-/tmp/gpubatch-gpu-check}
say() { echo "gpu-check: $*" >&2; }

if [ ! -f "$bundle/bundle.tar.xz" ]; then
  say "no $bundle/bundle.tar.xz: run 'npm run gpu-check:prepare' where the npm registry is reachable, and carry $bundle"
  exit 2
fi
rm -rf "$work"
mkdir -p "$work"
if command -v xz >/dev/null 2>&1; then
  xz -dc "$bundle/bundle.tar.xz" | tar -x -C "$work"
elif command -v python3 >/dev/null 2>&1; then
  # Python's tarfile reads xz without the xz program.
  python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$bundle/bundle.tar.xz" "$work"
else
  say "cannot unpack $bundle/bundle.tar.xz: neither xz nor python3 is installed"
  exit 2
fi

# The bundle holds the check's sources as they were when it was prepared; the checkout's own are newer.
for dir in "$work"/app/*/; do
  name=$(basename "$dir")
  if [ "$name" != node_modules ] && [ -d "$name" ]; then cp -R "$name" "$work/app/"; fi
done

# Dawn (WebGPU) runs on Vulkan: it needs the loader libvulkan.so.1, which a bare CUDA image may lack.
# GPU_CHECK_VULKAN: 'root' (the default as root) unpacks the bundle's packages into / as the device notes
# do; 'private' unpacks them under the work folder and sets LD_LIBRARY_PATH (no change to the system);
# 'none' brings no loader.
vulkan_mode=${GPU_CHECK_VULKAN:-$([ "$(id -u)" = 0 ] && command -v dpkg >/dev/null 2>&1 && echo root || echo private)}
if [ "$vulkan_mode" != none ] && ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  shopt -s nullglob
  debs=("$bundle"/vulkan/*.deb)
  if [ ${#debs[@]} -eq 0 ]; then
    say "no Vulkan loader here and none in $bundle/vulkan: WebGPU will find no adapter"
  elif [ "$vulkan_mode" = root ]; then
    for deb in "${debs[@]}"; do dpkg -x "$deb" /; done
    ldconfig
    say "unpacked the Vulkan loader into / (${#debs[@]} packages)"
  else
    for deb in "${debs[@]}"; do dpkg-deb -x "$deb" "$work/vulkan"; done
    export LD_LIBRARY_PATH="$work/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    say "using the Vulkan loader from $work/vulkan"
  fi
fi
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && [ -f "$nvidia_icd" ]; then
  export VK_DRIVER_FILES="$nvidia_icd"
  say "VK_DRIVER_FILES=$nvidia_icd"
fi

node="$work/node"
launcher=()
dawn="$work/app/node_modules/webgpu/dist/linux-x64.dawn.node"
load_dawn='const { constants } = require("node:os"); process.dlopen({ exports: {} }, process.argv[1], constants.dlopen.RTLD_NOW | constants.dlopen.RTLD_DEEPBIND);'
if ! "$node" -e "$load_dawn" "$dawn" 2>"$work/dawn-load.txt"; then
  # Dawn needs GLIBC_2.38 and GLIBCXX_3.4.32; the bundle's runtime has them. Run Node under its loader.
  if [ -x "$work/runtime/ld-linux-x86-64.so.2" ] && grep -q 'GLIBC\|GLIBCXX' "$work/dawn-load.txt"; then
    say "Dawn does not load with this machine's C/C++ runtime ($(grep -o 'GLIBC[XX]*_[0-9.]*' "$work/dawn-load.txt" | head -1)); using the bundle's"
    launcher=("$work/runtime/ld-linux-x86-64.so.2" --library-path "$work/runtime${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
  else
    say "Dawn does not load: $(head -c 300 "$work/dawn-load.txt")"
  fi
fi

json=()
if [ -n "${OUT:-}" ]; then json=(--json="$OUT/gpu-check.json"); fi
say "node $("${launcher[@]}" "$node" --version), bundle prepared $(sed -n 's/.*"date": "\([^"]*\)".*/\1/p' "$work/manifest.json" | head -1)"
exec "${launcher[@]}" "$node" "$work/app/bench/gpu-check.ts" "${json[@]}" "$@"
