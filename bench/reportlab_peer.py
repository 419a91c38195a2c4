#!/usr/bin/python3
"""The peer of docs_bench: python3-reportlab (Debian) draws the same one-page cover sheet with
the same font (wqy-zenhei, TTFont with subfontIndex=0), replaying the drawing operations keydesk
laid out (docs_bench --dump), so both pages hold the same text, rules and QR modules.

Usage: reportlab_peer.py OPS.json FONT [--count N] [--out DIR]
Prints one JSON line like docs_bench's.
"""
import argparse
import io
import json
import time

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas


def draw(ops, font_name):
    buf = io.BytesIO()
    width, height = ops["page"]
    c = canvas.Canvas(buf, pagesize=(width, height), pageCompression=1)
    for page in ops["pages"]:
        c.setFillColorRGB(0, 0, 0)
        c.setStrokeColorRGB(0, 0, 0)
        for x1, y1, x2, y2, w in page["lines"]:
            c.setLineWidth(w)
            c.line(x1, height - y1, x2, height - y2)
        for x, y, w, h in page["boxes"]:
            c.rect(x, height - y - h, w, h, stroke=0, fill=1)
        c.setLineWidth(0.45)
        for x, baseline, size, bold, text in page["texts"]:
            t = c.beginText(x, height - baseline)
            t.setFont(font_name, size)
            t.setTextRenderMode(2 if bold else 0)  # bold: fill then stroke, as keydesk
            t.textOut(text)
            c.drawText(t)
        c.showPage()
    c.save()
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ops")
    ap.add_argument("font")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--out")
    args = ap.parse_args()
    with open(args.ops, encoding="utf-8") as f:
        ops = json.load(f)
    start = time.perf_counter()
    pdfmetrics.registerFont(TTFont("wqy", args.font, subfontIndex=0))
    open_ms = (time.perf_counter() - start) * 1000
    size = 0
    start = time.perf_counter()
    for i in range(args.count):
        pdf = draw(ops, "wqy")
        size = len(pdf)
        if i == 0 and args.out:
            with open(args.out + "/reportlab.pdf", "wb") as f:
                f.write(pdf)
    seconds = time.perf_counter() - start
    print(json.dumps({"impl": "reportlab", "sheets": args.count, "seconds": round(seconds, 4),
                      "ms_per_sheet": round(seconds * 1000 / args.count, 3), "bytes": size,
                      "font_open_ms": round(open_ms, 3)}))


if __name__ == "__main__":
    main()
