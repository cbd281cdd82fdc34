#!/usr/bin/env bash
# The ONNX export on a GPU: builds the ONNX bench with ONNX Runtime's CUDA build (Microsoft.ML.OnnxRuntime.Gpu.Linux, chosen by
# -p:OnnxRuntimeBackend=cuda) and runs its --gpu-check: CUDA against CPU in one process (must agree within 1e-4) and images per second
# at batch 1 and 64. Needs an NVIDIA GPU with CUDA 12 and cuDNN 9 libraries on the loader path, and the .NET 10 SDK.
# Untested on this project's machines (none has a GPU); see docs/onnx.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
device="${1:-cuda}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "nvidia-smi not found" >&2
# A separate output folder, so that the CPU build's files are left alone.
timeout 1200 dotnet build bench/Dsno.OnnxBench -c Release -p:OnnxRuntimeBackend=cuda -o out/onnx-cuda-bench
timeout 1200 out/onnx-cuda-bench/Dsno.OnnxBench --gpu-check --device "$device"
