"""Drawing primitives: fonts, a page with base-unit coordinates, seals, handwriting,
QR-like codes, photocopy and scanner effects, JPEG encoding under a size limit."""

import collections
import io
import math
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageChops

FONT_FILES = {
    "hei": ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    "mhei": ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    "song": ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    "kai": ("/usr/share/fonts/truetype/arphic/ukai.ttc", 0),
    "mono": ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 0),
    "monob": ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf", 0),
    "sans": ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),
    "serif": ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 0),
}
# The faces only --variety wide draws with (index 2 of the Noto collections is the SC face).
WIDE_FONT_FILES = {
    "gbsong": ("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf", 0),      # AR PL SungtiL GB (Song)
    "gbkai": ("/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf", 0),       # AR PL KaitiM GB (Kai)
    "nserif": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),     # Noto Serif CJK SC (Song)
    "nserifb": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
    "nsans": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),       # Noto Sans CJK SC (Hei)
    "nsansb": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    # ID numbers as other card printers and copy generators set them: Courier-like, Helvetica-like
    # (the card's own face is an OCR-B; Debian has none) and DejaVu Sans bold
    "nmonob": ("/usr/share/fonts/opentype/urw-base35/NimbusMonoPS-Bold.otf", 0),
    "nhelvb": ("/usr/share/fonts/opentype/urw-base35/NimbusSans-Bold.otf", 0),
    "sansb": ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0),
}
FONT_PACKAGES = {"wqy-zenhei": "fonts-wqy-zenhei", "wqy-microhei": "fonts-wqy-microhei", "ukai": "fonts-arphic-ukai",
                 "uming": "fonts-arphic-uming", "DejaVu": "fonts-dejavu-core", "gbsn00lp": "fonts-arphic-gbsn00lp",
                 "gkai00mp": "fonts-arphic-gkai00mp", "/noto/": "fonts-noto-cjk",
                 "urw-base35": "fonts-urw-base35"}


def font_package(path):
    return next((p for k, p in FONT_PACKAGES.items() if k in path), "?")


def check_fonts(wide=False):
    """Stop with a message naming each missing font file and its Debian package.
    The wide faces are only needed (and only checked) for --variety wide."""
    files = dict(FONT_FILES)
    if wide:
        files.update(WIDE_FONT_FILES)
    missing = []
    for key, (path, _) in files.items():
        if not os.path.exists(path):
            missing.append("%s (font '%s', Debian package %s)" % (path, key, font_package(path)))
    if missing:
        pkgs = sorted({font_package(m.split(" ")[0]) for m in missing})
        raise SystemExit("scangen: missing font file(s):\n  " + "\n  ".join(missing) +
                         "\ninstall them with: apt-get install %s (or scripts/install-deps.sh)" % " ".join(pkgs))


class FontError(Exception):
    """A font file that check_fonts() found but that cannot be loaded now (removed mid-run, damaged).
    An ordinary exception, so that it also reaches the parent from a --jobs worker."""


_font_cache = collections.OrderedDict()
FONT_CACHE_SIZE = 96    # a Noto CJK face costs about 2.5 MB per size: keep the most recent ones only


def font(key, size):
    k = (key, int(size))
    f = _font_cache.get(k)
    if f is not None:
        _font_cache.move_to_end(k)
    else:
        path, idx = FONT_FILES[key] if key in FONT_FILES else WIDE_FONT_FILES[key]
        try:
            f = ImageFont.truetype(path, int(size), index=idx)
        except OSError as e:
            raise FontError("cannot load font %s (Debian package %s): %s" % (path, font_package(path), e))
        _font_cache[k] = f
        if len(_font_cache) > FONT_CACHE_SIZE:
            _font_cache.popitem(last=False)
    return f


A4 = (1240, 1754)   # base units: A4 at 150 dpi


class Page:
    """A greyscale page drawn in base units (A4 = 1240 x 1754) scaled to the target size.
    Coloured ink (seals, signatures) is collected in self.inks and composited later."""

    def __init__(self, wb, hb, scale, bg=255):
        self.s = scale
        self.wb, self.hb = wb, hb
        self.W, self.H = int(round(wb * scale)), int(round(hb * scale))
        self.img = Image.new("L", (self.W, self.H), bg)
        self.d = ImageDraw.Draw(self.img)
        self.inks = []     # (mask L image, (x px, y px) top-left, (r,g,b), opacity, kind)
        self.wide = False  # --variety wide
        self.hand_face = "kai"   # the Kai face handwriting is drawn from

    def px(self, v):
        return int(round(v * self.s))

    def f(self, key, size):
        return font(key, max(6, int(round(size * self.s))))

    def width(self, s, size, key="hei", spacing=0):
        f = self.f(key, size)
        if not spacing:
            return self.d.textlength(s, font=f) / self.s
        return sum(self.d.textlength(c, font=f) for c in s) / self.s + spacing * (len(s) - 1)

    def text(self, x, y, s, size, key="hei", fill=0, align="l", bold=0, spacing=0):
        """Draw s with its top (ascender) at y; returns the x (base units) after the text."""
        if not s:
            return x
        w = self.width(s, size, key, spacing)
        if align == "m":
            x -= w / 2
        elif align == "r":
            x -= w
        f = self.f(key, size)
        sw = max(0, int(round(bold * self.s))) if bold else 0
        if not spacing:
            self.d.text((self.px(x), self.px(y)), s, font=f, fill=fill, stroke_width=sw, stroke_fill=fill)
        else:
            cx = x
            for c in s:
                self.d.text((self.px(cx), self.px(y)), c, font=f, fill=fill, stroke_width=sw, stroke_fill=fill)
                cx += self.d.textlength(c, font=f) / self.s + spacing
        return x + w

    def spread(self, x, y, s, size, width, key="hei", fill=0, bold=0):
        """Distribute characters of s over width (labels like 名　　称)."""
        if len(s) < 2:
            return self.text(x, y, s, size, key, fill, bold=bold)
        cw = self.width(s, size, key)
        sp = max(0.0, (width - cw) / (len(s) - 1))
        return self.text(x, y, s, size, key, fill, spacing=sp, bold=bold)

    def line(self, x1, y1, x2, y2, w=2, fill=0):
        self.d.line([(self.px(x1), self.px(y1)), (self.px(x2), self.px(y2))], fill=fill, width=max(1, self.px(w)))

    def rect(self, x1, y1, x2, y2, w=2, fill=None, outline=0, radius=0):
        box = [self.px(x1), self.px(y1), self.px(x2), self.px(y2)]
        if radius:
            self.d.rounded_rectangle(box, radius=self.px(radius), fill=fill, outline=outline,
                                     width=max(1, self.px(w)) if outline is not None else 0)
        else:
            self.d.rectangle(box, fill=fill, outline=outline, width=max(1, self.px(w)) if outline is not None else 0)

    def ellipse(self, x1, y1, x2, y2, w=2, fill=None, outline=0):
        self.d.ellipse([self.px(x1), self.px(y1), self.px(x2), self.px(y2)], fill=fill, outline=outline,
                       width=max(1, self.px(w)))

    def wrap_lines(self, text, size, width, key="hei", indent=0):
        f = self.f(key, size)
        lines, cur, avail = [], "", width - indent
        no_start = "，。；：、）》”！？,.;:)"
        for ch in text:
            if self.d.textlength(cur + ch, font=f) / self.s > avail and cur:
                if ch in no_start:
                    cur += ch
                    ch = ""
                lines.append(cur)
                cur, avail = ch, width
            else:
                cur += ch
        if cur:
            lines.append(cur)
        return lines

    def para(self, x, y, width, text, size, key="hei", line_h=None, indent=0, fill=0, justify=True, lines_out=None):
        """Wrapped paragraph; returns y after the last line. lines_out (a list) receives the lines."""
        line_h = line_h or size * 1.7
        lines = self.wrap_lines(text, size, width, key, indent)
        if lines_out is not None:
            lines_out.extend(lines)
        for i, ln in enumerate(lines):
            lx = x + (indent if i == 0 else 0)
            lw = width - (indent if i == 0 else 0)
            if justify and i < len(lines) - 1 and len(ln) > 1:
                sp = (lw - self.width(ln, size, key)) / (len(ln) - 1)
                self.text(lx, y, ln, size, key, fill, spacing=max(0, min(sp, size * 0.5)))
            else:
                self.text(lx, y, ln, size, key, fill)
            y += line_h
        return y

    def paste_mask(self, mask, x, y, level=0):
        """Print a mask (L, 255 = ink) onto the page in grey level `level` (multiply)."""
        a = np.asarray(mask, dtype=np.float32) / 255.0
        x, y = int(x), int(y)
        h, w = a.shape
        x0, y0, x1, y1 = max(0, x), max(0, y), min(self.W, x + w), min(self.H, y + h)
        if x1 <= x0 or y1 <= y0:
            return
        reg = np.asarray(self.img.crop((x0, y0, x1, y1)), dtype=np.float32)
        aa = a[y0 - y:y1 - y, x0 - x:x1 - x]
        reg = reg * (1 - aa * (1 - level / 255.0))
        self.img.paste(Image.fromarray(np.clip(reg, 0, 255).astype(np.uint8)), (x0, y0))

    def add_ink(self, mask, cx, cy, color, opacity=1.0, kind="ink"):
        """Queue coloured ink centred at (cx, cy) px."""
        self.inks.append((mask, (int(cx - mask.width / 2), int(cy - mask.height / 2)), color, opacity, kind))


# ------------------------------------------------------------------ shapes

def star_points(cx, cy, r, rot=0.0, inner=0.382):
    pts = []
    for k in range(10):
        rr = r if k % 2 == 0 else r * inner
        a = math.radians(-90 + rot + k * 36)
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts


def _char_img(ch, fnt, condense=1.0):
    bb = fnt.getbbox(ch)
    w, h = max(1, bb[2] - bb[0]), max(1, bb[3] - bb[1])
    im = Image.new("L", (w + 4, h + 4), 0)
    ImageDraw.Draw(im).text((2 - bb[0], 2 - bb[1]), ch, font=fnt, fill=255)
    if condense != 1.0:
        im = im.resize((max(1, int(im.width * condense)), im.height), Image.BILINEAR)
    return im


def make_seal(rng, np_rng, text, diam, font_key="song", star=True, horiz=None, code=None, ring_ratio=None,
              texture=True, stamp=None):
    """Round seal mask (L, 255 = ink). text along the upper arc, rotated to follow it. stamp: a
    company's one stamp (documents.company_stamp), whose ring, star and spacing it has."""
    pad = int(diam * 0.08)
    S = diam + 2 * pad
    im = Image.new("L", (S, S), 0)
    d = ImageDraw.Draw(im)
    c = S / 2
    R = diam / 2
    ring = max(3, int(diam * (stamp["ring_ratio"] if stamp else ring_ratio or rng.uniform(0.030, 0.042))))
    d.ellipse([c - R, c - R, c + R, c + R], outline=255, width=ring)
    if star:
        d.polygon(star_points(c, c + R * 0.02, R * (stamp["star_ratio"] if stamp else rng.uniform(0.28, 0.33))),
                  fill=255)
    n = len(text)
    span = min(265.0, max(150.0, n * (stamp["spacing"] if stamp else rng.uniform(19, 23))))
    ch_h = R * (0.30 if n <= 12 else 0.27 if n <= 16 else 0.23)
    fnt = font(font_key, int(ch_h))
    r_t = R - ring - ch_h * 0.72
    condense = 0.78 if n > 10 else 0.9
    for k, ch in enumerate(text):
        th = -span / 2 + span * (k + 0.5) / n
        g = _char_img(ch, fnt, condense).rotate(-th, resample=Image.BICUBIC, expand=True)
        px = c + r_t * math.sin(math.radians(th)) - g.width / 2
        py = c - r_t * math.cos(math.radians(th)) - g.height / 2
        im.paste(255, (int(px), int(py)), g)
    if horiz:
        fh = font(font_key, int(R * 0.20))
        w = d.textlength(horiz, font=fh)
        d.text((c - w / 2, c + R * 0.40), horiz, font=fh, fill=255)
    if code:
        fc = font("sans", int(R * 0.11))
        w = d.textlength(code, font=fc)
        d.text((c - w / 2, c + R * (0.70 if not horiz else 0.66)), code, font=fc, fill=255)
    # ellipse / rotation
    if rng.random() < 0.35:
        im = im.resize((int(S * rng.uniform(0.93, 1.0)), int(S * rng.uniform(0.96, 1.04))), Image.BILINEAR)
    im = im.rotate(rng.uniform(-25, 25), resample=Image.BICUBIC, expand=True)
    if texture:
        im = ink_texture(rng, np_rng, im)
    return im


def ink_texture(rng, np_rng, im, strength=1.0):
    a = np.asarray(im, dtype=np.float32) / 255.0
    h, w = a.shape
    low = np_rng.random((6, 6)).astype(np.float32)
    low = np.asarray(Image.fromarray((low * 255).astype(np.uint8)).resize((w, h), Image.BICUBIC), dtype=np.float32) / 255
    # pressure: one side of the stamp lighter
    gx = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    gy = np.linspace(-1, 1, h, dtype=np.float32)[:, None]
    ang = rng.uniform(0, 2 * math.pi)
    tilt = 1 - rng.uniform(0.0, 0.35) * strength * (0.5 + 0.5 * (gx * math.cos(ang) + gy * math.sin(ang)))
    dens = (rng.uniform(0.62, 0.85) + 0.35 * low) * tilt
    holes = np_rng.random((h, w)) < rng.uniform(0.03, 0.14) * strength
    a = a * np.clip(dens, 0, 1)
    a[holes] *= np_rng.uniform(0.0, 0.5)
    out = Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.7))
    return out


def make_handwriting(rng, np_rng, text, h, style="kai", slant=None, overlap=None, jitter=0.15, flourish=None, bold=None,
                     face="kai"):
    """A handwriting mask (L, 255 = ink) about h px high. face: the Kai font key the strokes come from."""
    if style == "scribble":
        return _scribble(rng, text, h)
    overlap = overlap if overlap is not None else rng.uniform(0.72, 0.95)
    bold = (rng.random() < 0.6) if bold is None else bold
    glyphs = []
    for ch in text:
        if ch == " ":
            glyphs.append(Image.new("L", (int(h * 0.35), int(h * 0.5)), 0))
            continue
        narrow = ord(ch) < 128
        g = _char_img(ch, font(face, max(6, int(h * (0.8 if narrow else 1.0) * rng.uniform(1 - jitter, 1 + jitter)))))
        if bold:
            g = g.filter(ImageFilter.MaxFilter(3))
        g = g.rotate(rng.uniform(-9, 9) * jitter / 0.15, resample=Image.BICUBIC, expand=True)
        glyphs.append(g)
    W = int(sum(g.width for g in glyphs) * overlap + h * 1.5)
    H = int(h * 2.0)
    im = Image.new("L", (W, H), 0)
    x = int(h * 0.3)
    for g in glyphs:
        y = int((H - g.height) / 2 + rng.uniform(-0.12, 0.12) * h)
        im.paste(ImageChops.lighter(im.crop((x, y, x + g.width, y + g.height)), g), (x, y))
        x += int(g.width * (overlap if g.width > h * 0.6 else 1.0 + 0.1 * jitter))
    # connecting flourish at the end sometimes
    if flourish if flourish is not None else rng.random() < 0.4:
        d = ImageDraw.Draw(im)
        y0 = H * rng.uniform(0.5, 0.7)
        pts = _bezier([(x - h * 0.3, y0), (x + h * 0.2, y0 - h * 0.4), (x + h * 0.4, y0 + h * 0.3), (x + h * 0.9, y0 - h * 0.2)])
        d.line(pts, fill=255, width=max(2, int(h * 0.06)), joint="curve")
    slant = slant if slant is not None else rng.uniform(-0.35, 0.05)
    im = im.transform(im.size, Image.AFFINE, (1, slant, -slant * H / 2, 0, 1, 0), resample=Image.BICUBIC)
    im = _warp(np_rng, im, h * 0.04)
    im = im.rotate(rng.uniform(-6, 8), resample=Image.BICUBIC, expand=True)
    bb = im.getbbox()
    return im.crop(bb) if bb else im


def _bezier(ctrl, n=30):
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = ctrl
    out = []
    for i in range(n + 1):
        t = i / n
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t ** 3
        out.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return out


def _scribble(rng, text, h):
    """Pen-like cursive strokes: one loop group per character."""
    n = max(2, len(text))
    W, H = int(h * (0.9 * n + 1.2)), int(h * 1.8)
    im = Image.new("L", (W, H), 0)
    d = ImageDraw.Draw(im)
    x, mid = h * 0.3, H / 2
    pts = [(x, mid + rng.uniform(-0.2, 0.2) * h)]
    for i in range(n):
        for _ in range(rng.randrange(2, 4)):
            x += h * rng.uniform(0.15, 0.35)
            pts.append((x, mid + rng.uniform(-0.55, 0.55) * h))
    wid = max(2, int(h * rng.uniform(0.045, 0.075)))
    for i in range(0, len(pts) - 3, 3):
        seg = _bezier(pts[i:i + 4], 24)
        d.line(seg, fill=255, width=wid, joint="curve")
    # a first big initial stroke and an underline flourish
    d.line(_bezier([(h * 0.2, mid + h * 0.3), (h * 0.1, mid - h * 0.8), (h * 0.9, mid - h * 0.7), (h * 0.6, mid + h * 0.4)]),
           fill=255, width=wid, joint="curve")
    if rng.random() < 0.6:
        d.line(_bezier([(h * 0.4, mid + h * 0.55), (W * 0.4, mid + h * 0.8), (W * 0.7, mid + h * 0.3), (x + h * 0.3, mid + h * 0.45)]),
               fill=255, width=max(2, wid - 1), joint="curve")
    im = im.filter(ImageFilter.GaussianBlur(0.6))
    im = im.rotate(rng.uniform(-8, 8), resample=Image.BICUBIC, expand=True)
    bb = im.getbbox()
    return im.crop(bb) if bb else im


def _warp(np_rng, im, amp):
    """Small smooth displacement so strokes do not look typeset."""
    w, h = im.size
    a = np.asarray(im)
    ph = np_rng.uniform(0, 6.28, 2)
    fr = np_rng.uniform(1.5, 3.5, 2)
    ys = np.arange(h)
    xs = np.arange(w)
    dx = (amp * np.sin(ys / h * fr[0] * 6.28 + ph[0])).astype(int)
    dy = (amp * np.sin(xs / w * fr[1] * 6.28 + ph[1])).astype(int)
    out = np.zeros_like(a)
    for y in range(h):
        out[y] = np.roll(a[y], dx[y])
    for x in range(0, w):
        out[:, x] = np.roll(out[:, x], dy[x])
    return Image.fromarray(out)


def cross_mask(rng, size):
    """A pen cross (×) over a box, the other way people mark a choice."""
    im = Image.new("L", (int(size * 1.6), int(size * 1.6)), 0)
    d = ImageDraw.Draw(im)
    s = size
    j = lambda: rng.uniform(-2, 2)   # noqa: E731
    w = max(2, int(s * 0.11))
    d.line([(s * 0.3 + j(), s * 0.3 + j()), (s * 1.25 + j(), s * 1.25 + j())], fill=255, width=w)
    d.line([(s * 1.25 + j(), s * 0.3 + j()), (s * 0.3 + j(), s * 1.25 + j())], fill=255, width=w)
    return im.filter(ImageFilter.GaussianBlur(0.6))


def tick_mask(rng, size):
    im = Image.new("L", (int(size * 1.6), int(size * 1.6)), 0)
    d = ImageDraw.Draw(im)
    s = size
    p = [(s * 0.25, s * 0.75), (s * 0.55, s * 1.15), (s * 1.4, s * 0.1)]
    p = [(x + rng.uniform(-2, 2), y + rng.uniform(-2, 2)) for x, y in p]
    d.line(p, fill=255, width=max(2, int(s * 0.12)), joint="curve")
    return im.filter(ImageFilter.GaussianBlur(0.6))


def qr_mask(rng, modules=25, px=150):
    m = np.array([[rng.random() < 0.5 for _ in range(modules)] for _ in range(modules)], dtype=bool)

    def finder(r, c):
        m[r:r + 8, c:c + 8] = False
        m[r:r + 7, c:c + 7] = True
        m[r + 1:r + 6, c + 1:c + 6] = False
        m[r + 2:r + 5, c + 2:c + 5] = True

    finder(0, 0)
    finder(0, modules - 7)
    finder(modules - 7, 0)
    m[6, 8:modules - 8] = [i % 2 == 0 for i in range(modules - 16)]
    m[8:modules - 8, 6] = [i % 2 == 0 for i in range(modules - 16)]
    im = Image.fromarray((m * 255).astype(np.uint8)).resize((px, px), Image.NEAREST)
    return im


def draw_emblem(page, cx, cy, r, level=60):
    """Rough national-emblem-like mark: rings, five stars, a gate and a wheel (greyscale)."""
    p = page
    p.ellipse(cx - r, cy - r, cx + r, cy + r, w=max(2, r * 0.05), outline=level)
    p.ellipse(cx - r * 0.86, cy - r * 0.86, cx + r * 0.86, cy + r * 0.86, w=max(1, r * 0.025), outline=level)
    d = p.d
    s = p.s
    d.polygon([(x * s, y * s) for x, y in star_points(cx, cy - r * 0.45, r * 0.2)], fill=level)
    for k, ang in enumerate((-60, -25, 25, 60)):
        a = math.radians(ang - 90)
        sx, sy = cx + r * 0.42 * math.cos(a) * 1.1, cy - r * 0.45 + r * 0.33 * math.sin(a) + r * 0.28
        d.polygon([(x * s, y * s) for x, y in star_points(sx, sy, r * 0.08, rot=ang)], fill=level)
    # gate
    p.rect(cx - r * 0.45, cy + r * 0.05, cx + r * 0.45, cy + r * 0.14, w=1, fill=level, outline=None)
    p.rect(cx - r * 0.38, cy + r * 0.14, cx + r * 0.38, cy + r * 0.42, w=1, fill=level, outline=None)
    for k in range(5):
        x = cx - r * 0.3 + k * r * 0.15
        p.rect(x - r * 0.04, cy + r * 0.22, x + r * 0.04, cy + r * 0.42, w=1, fill=255, outline=None)
    p.ellipse(cx - r * 0.14, cy + r * 0.5, cx + r * 0.14, cy + r * 0.78, w=max(1, r * 0.05), outline=level)
    # wheat ears along the lower ring
    for k in range(14):
        a = math.radians(200 + k * (140 / 13))
        ex, ey = cx + r * 0.72 * math.cos(a), cy - r * 0.72 * math.sin(a)
        p.ellipse(ex - r * 0.05, ey - r * 0.05, ex + r * 0.05, ey + r * 0.05, w=1, fill=level)


# ------------------------------------------------------------------ effects

_NOISE = None


def noise_field(np_rng, h, w):
    """Unit gaussian noise (float32, h x w) cut at a random offset from a fixed tile (fast, deterministic)."""
    global _NOISE
    if _NOISE is None:
        _NOISE = np.random.default_rng(20260101).standard_normal((2600, 2600), dtype=np.float32)
    T = _NOISE.shape[0]
    if h > T or w > T:
        return np_rng.standard_normal((h, w), dtype=np.float32)
    y = int(np_rng.integers(0, T - h + 1))
    x = int(np_rng.integers(0, T - w + 1))
    f = _NOISE[y:y + h, x:x + w]
    return f if np_rng.random() < 0.5 else f[::-1, ::-1]

def photocopy(arr, rng, np_rng):
    """arr: float32 HxW greyscale 0..255 white page. Returns a photocopy look."""
    H, W = arr.shape
    bg = rng.uniform(212, 238)
    dark = rng.uniform(8, 35)
    t = np.clip(arr / 255.0, 0, 1) ** rng.uniform(1.3, 2.2)
    out = dark + (bg - dark) * t
    # uneven toner (low frequency)
    low = np_rng.random((5, 4)).astype(np.float32)
    low = np.asarray(Image.fromarray((low * 255).astype(np.uint8)).resize((W, H), Image.BICUBIC), dtype=np.float32) / 255
    out = out - rng.uniform(4, 16) * low
    # toner specks
    n = int(H * W * rng.uniform(1e-4, 8e-4))
    ys, xs = np_rng.integers(0, H - 2, n), np_rng.integers(0, W - 2, n)
    v = np_rng.uniform(20, 150, n).astype(np.float32)
    out[ys, xs] = np.minimum(out[ys, xs], v)
    big = n // 6
    out[ys[:big] + 1, xs[:big]] = np.minimum(out[ys[:big] + 1, xs[:big]], v[:big])
    out[ys[:big], xs[:big] + 1] = np.minimum(out[ys[:big], xs[:big] + 1], v[:big])
    # faint drum streaks
    for _ in range(rng.randrange(0, 4)):
        x = rng.randrange(0, W - 3)
        out[:, x:x + rng.randrange(1, 3)] -= rng.uniform(6, 25)
    # dark margin where the copy glass was not covered
    if rng.random() < 0.45:
        side = rng.choice(["top", "bottom", "left", "right"])
        wdt = int(rng.uniform(0.006, 0.03) * min(H, W))
        lvl = rng.uniform(40, 120)
        if side == "top":
            out[:wdt] = np.minimum(out[:wdt], lvl)
        elif side == "bottom":
            out[-wdt:] = np.minimum(out[-wdt:], lvl)
        elif side == "left":
            out[:, :wdt] = np.minimum(out[:, :wdt], lvl)
        else:
            out[:, -wdt:] = np.minimum(out[:, -wdt:], lvl)
    out += noise_field(np_rng, H, W) * rng.uniform(3, 8)
    np.clip(out, 0, 255, out=out)
    return out


def apply_inks(rgb, inks):
    H, W, _ = rgb.shape
    for mask, (x, y), color, opacity, kind in inks:
        a = np.asarray(mask, dtype=np.float32) / 255.0 * opacity
        h, w = a.shape
        x0, y0, x1, y1 = max(0, x), max(0, y), min(W, x + w), min(H, y + h)
        if x1 <= x0 or y1 <= y0:
            continue
        aa = a[y0 - y:y1 - y, x0 - x:x1 - x][..., None]
        col = np.array(color, dtype=np.float32)[None, None, :] / 255.0
        if kind == "seal":     # stamp ink: multiply, paper texture shows through
            rgb[y0:y1, x0:x1] *= 1 - aa * (1 - col)
        else:                  # pen ink: mostly covers
            reg = rgb[y0:y1, x0:x1]
            rgb[y0:y1, x0:x1] = np.minimum(reg, reg * (1 - aa) + aa * col * 255.0)
    return rgb


def photocopy_toned(arr, rng, np_rng, tone):
    """The photocopy look of --variety wide, from a weak copy (tone 0: light toner, near-white
    background, faded strokes, few specks) to a strong one (tone 1: grey background, heavy black
    toner, dense speckle and streaks)."""
    H, W = arr.shape
    lerp = lambda a, b: a + (b - a) * tone   # noqa: E731
    bg = lerp(247, 178) + rng.uniform(-5, 5)
    dark = max(0.0, lerp(95, 4) + rng.uniform(-10, 10))
    t = np.clip(arr / 255.0, 0, 1) ** lerp(0.85, 2.6)
    out = dark + (bg - dark) * t
    low = np_rng.random((5, 4)).astype(np.float32)
    low = np.asarray(Image.fromarray((low * 255).astype(np.uint8)).resize((W, H), Image.BICUBIC), dtype=np.float32) / 255
    if tone < 0.35:   # weak toner: strokes fade where the drum gave little
        fade = np.clip(low * rng.uniform(0.3, 0.8) * (1 - tone / 0.35 * 0.6), 0, 0.6)   # faint, never gone
        out = out + (bg - out) * fade
    out = out - lerp(2, 22) * low
    # background grain of a strong copy
    if tone > 0.5:
        out -= np.abs(noise_field(np_rng, H, W)) * lerp(0, 14)
    n = int(H * W * lerp(2e-5, 3e-3) * rng.uniform(0.5, 1.5))
    ys, xs = np_rng.integers(0, H - 2, n), np_rng.integers(0, W - 2, n)
    v = np_rng.uniform(lerp(120, 10), lerp(200, 130), n).astype(np.float32)
    out[ys, xs] = np.minimum(out[ys, xs], v)
    big = n // 5
    out[ys[:big] + 1, xs[:big]] = np.minimum(out[ys[:big] + 1, xs[:big]], v[:big])
    out[ys[:big], xs[:big] + 1] = np.minimum(out[ys[:big], xs[:big] + 1], v[:big])
    out[ys[:big] + 1, xs[:big] + 1] = np.minimum(out[ys[:big] + 1, xs[:big] + 1], v[:big])
    for _ in range(rng.randrange(0, 2 + int(5 * tone))):
        x = rng.randrange(0, W - 4)
        out[:, x:x + rng.randrange(1, 4)] -= rng.uniform(4, lerp(12, 45))
    if rng.random() < lerp(0.2, 0.7):
        side = rng.choice(["top", "bottom", "left", "right"])
        wdt = int(rng.uniform(0.006, 0.04) * min(H, W))
        lvl = rng.uniform(lerp(110, 15), lerp(170, 90))
        sl = {"top": np.s_[:wdt], "bottom": np.s_[-wdt:], "left": np.s_[:, :wdt], "right": np.s_[:, -wdt:]}[side]
        out[sl] = np.minimum(out[sl], lvl)
    out += noise_field(np_rng, H, W) * rng.uniform(2, lerp(5, 10))
    np.clip(out, 0, 255, out=out)
    return out


def scan(page, rng, np_rng, photocopied, skew, rotation, blur, paper_tint=True, tone=None):
    """Turn a Page into a scanned RGB PIL image. tone (0..1, --variety wide only) picks the
    photocopy strength of photocopy_toned; None keeps the classic photocopy."""
    arr = np.asarray(page.img, dtype=np.float32)
    if photocopied:
        arr = photocopy(arr, rng, np_rng) if tone is None else photocopy_toned(arr, rng, np_rng, tone)
    H, W = arr.shape
    rgb = np.repeat(arr[:, :, None], 3, axis=2)
    apply_inks(rgb, page.inks)
    if paper_tint and not photocopied:
        base = rng.uniform(0.94, 1.0)
        tint = np.array([base, base * rng.uniform(0.985, 1.0), base * rng.uniform(0.95, 0.99)], dtype=np.float32)
        rgb *= tint[None, None, :]
    # uneven lighting
    gx = np.linspace(0, 1, W, dtype=np.float32)[None, :]
    gy = np.linspace(0, 1, H, dtype=np.float32)[:, None]
    ang = rng.uniform(0, 2 * math.pi)
    g = 1 - rng.uniform(0.0, 0.12) * ((gx * math.cos(ang) + gy * math.sin(ang)) - min(0, math.cos(ang)) - min(0, math.sin(ang)))
    rgb *= g[:, :, None]
    np.clip(rgb, 0, 255, out=rgb)
    img = Image.fromarray(rgb.astype(np.uint8), "RGB")
    if abs(skew) > 0.01:
        fill = tuple(int(v) for v in np.clip(rgb[2, 2] * rng.uniform(0.9, 1.05), 0, 255)) if rng.random() < 0.5 else (
            (255, 255, 255) if rng.random() < 0.6 else (int(rng.uniform(20, 60)),) * 3)
        img = img.rotate(skew, resample=Image.BILINEAR, expand=False, fillcolor=fill)
    if blur > 0.05:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    # sensor noise
    a = np.asarray(img, dtype=np.float32)
    a += (noise_field(np_rng, a.shape[0], a.shape[1]) * rng.uniform(1.5, 4.5))[:, :, None]
    np.clip(a, 0, 255, out=a)
    img = Image.fromarray(a.astype(np.uint8), "RGB")
    if rotation:
        img = img.transpose({90: Image.ROTATE_90, 180: Image.ROTATE_180, 270: Image.ROTATE_270}[rotation])
    return img


def blank_scan(rng, np_rng, w, h):
    p = Page(w, h, 1.0, bg=255)
    # faint show-through of the other side in some scans
    if rng.random() < 0.5:
        for k in range(rng.randrange(5, 25)):
            y = 150 + k * rng.uniform(40, 60)
            x = rng.uniform(100, 200)
            p.rect(x, y, x + rng.uniform(300, 900), y + 12, w=1, fill=rng.randrange(244, 252), outline=None)
    return scan(p, rng, np_rng, photocopied=False, skew=rng.uniform(-1, 1), rotation=0, blur=rng.uniform(0.5, 1.5))


def encode_jpeg(img, quality, limit=200 * 1024, min_quality=20):
    """JPEG bytes, lowering the quality (then the size) until under limit. Returns (bytes, quality, img)."""
    q = quality
    while True:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=q, optimize=False)
        data = buf.getvalue()
        if limit is None or len(data) <= limit:
            return data, q, img
        if q > min_quality:
            q = max(min_quality, q - 8)
        else:
            img = img.resize((int(img.width * 0.9), int(img.height * 0.9)), Image.BICUBIC)
