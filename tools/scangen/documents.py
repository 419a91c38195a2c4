"""Renderers for the seven material types.  Each renderer draws a draw.Page and
returns (page, truth, photocopied).  Coordinates are base units (A4 = 1240 x 1754)."""

import datetime
import math
import random

import numpy as np

from PIL import Image, ImageDraw

import draw
from draw import Page

PRINT_FONTS = ["hei", "mhei", "song"]
SEAL_REDS = [(220, 40, 50), (205, 30, 45), (232, 62, 70), (200, 45, 60), (238, 55, 40), (214, 24, 36)]
PEN_COLOURS = [(25, 35, 120), (30, 45, 150), (20, 25, 80), (28, 28, 34), (40, 40, 48)]

# --variety wide: more faces (Song: AR PL UMing, AR PL SungtiL GB, Noto Serif CJK SC; Hei: WenQuanYi
# Zen/Micro Hei, Noto Sans CJK SC; Kai: AR PL KaitiM GB), repeated entries weigh the choice.
WIDE_FACES = {
    "print": ["song", "gbsong", "nserif", "gbsong", "nserif", "hei", "mhei", "nsans", "gbkai"],
    "title": ["song", "gbsong", "nserifb", "nserifb", "hei", "nsansb", "gbkai"],
    "label": ["song", "gbsong", "nserif", "hei", "mhei", "nsans"],
    "seal": ["song", "gbsong", "gbsong", "nserif", "hei", "nsans"],
}
HAND_FACES = ["kai", "gbkai"]
# Signature and seal labels as printed forms word them (wide only).
LEGAL_SIG_LABELS = ["法定代表人（签字）：", "法定代表人签字：", "法定代表人（签名）：", "法定代表人签名：",
                    "法定代表人（签字/盖章）：", "签字/盖章：", "签名："]
USER_SIG_LABELS = ["授权用户（签字）：", "授权用户签字：", "授权用户（签名）：", "授权用户签名：", "签名：", "签字："]
TRUSTEE_SIG_LABELS = ["受托人（签字）：", "受托人签字：", "受托人（签名）：", "受托人签名："]
SEAL_LABELS = ["企业公章：", "单位盖章：", "单位（盖章）：", "（公章）", "公章：", "企业（盖章）："]
POA_SEAL_LABELS = ["委托单位（盖章）：", "委托单位（公章）：", "委托单位盖章：", "单位盖章：", "（公章）", "公章："]
TICK_STYLES = ["overlay", "glyph", "pen_tick", "pen_cross", "filled"]


def faces(p, kind, classic):
    """The font keys a renderer chooses from: the classic list, or the wide one on a wide page."""
    return WIDE_FACES[kind] if p.wide else classic


def spaced(p, rng, name, prob=0.35):
    """On a wide page, a name sometimes printed with spaced characters (张　伟, 张 伟)."""
    if not p.wide or " " in name:
        return name
    if len(name) == 2 and rng.random() < prob:
        return rng.choice(["\u3000", "\u3000", " ", "  "]).join(name)
    if len(name) == 3 and rng.random() < prob * 0.25:
        return " ".join(name)
    return name


def plain(s):
    """A printed value without its layout: spacing between characters and line ends removed."""
    return s.replace("\n", "").replace("\u3000", "").replace(" ", "")


class Fields:
    """The fields a wide document prints (for scoring "fields read"): the value of each, with
    layout removed (plain()), and each distinct printed form that differs from it ("\\n" where a
    line ends inside the value). Off (records nothing, adds nothing to the truth) on classic pages."""

    def __init__(self, p):
        self.on = p.wide
        self.values, self.printed = {}, {}
        self.seal_name = None

    def add(self, key, printed):
        if not self.on or key is None or printed is None or printed == "":
            return
        v = plain(printed)
        self.values.setdefault(key, v)
        if printed != v and printed not in self.printed.setdefault(key, []):
            self.printed[key].append(printed)

    def extra(self, **more):
        if not self.on:
            return {}
        out = dict(more)
        out["fields"] = {k: self.values[k] for k in FIELD_KEYS if k in self.values}
        out["fields_printed"] = {k: self.printed[k] for k in FIELD_KEYS if self.printed.get(k)}
        out["seal_name"] = self.seal_name
        return out


FIELD_KEYS = ["company_name", "uscc", "legal_representative", "legal_representative_id_number", "authorized_user",
              "authorized_user_id_number"]


def printed_spans(text, lines, spans):
    """For each (start, end, key) span of text, the text as laid out in lines ("\\n" at line ends)."""
    ends, o = set(), 0
    for ln in lines[:-1]:
        o += len(ln)
        ends.add(o)
    out = []
    for s, e, k in spans:
        out.append((k, "".join(("\n" if i in ends and i > s else "") + text[i] for i in range(s, e))))
    return out


def _spans(parts):
    text, spans = "", []
    for part in parts:
        if isinstance(part, tuple):
            spans.append((len(text), len(text) + len(part[1]), part[0]))
            text += part[1]
        else:
            text += part
    return text, spans


def running_para(p, rng, x, y, width, parts, size, key, line_h, indent, fr, force=None, leads=()):
    """A paragraph of running text whose parts are strings or (field key, printed value). Draws as
    p.para does. With force (a field key, wide pages only), the value is made to break across a
    line end with at least two characters on each side: the width is narrowed by up to six
    characters and, if that is not enough, one of leads (openings that shift the text, tried in a
    seeded order) is put before the text. Without a width that breaks it the text is drawn as given.
    Records every value as laid out into fr. Returns (y after the paragraph, the width used, broken)."""
    text, spans = _spans(parts)
    w, broken = width, False
    if force:
        extra = list(leads)
        rng.shuffle(extra)
        for lead in [""] + extra:
            t, sp = _spans([lead] + list(parts))
            s, e = next((a, b) for a, b, k in sp if k == force)
            for k in range(0, 13):
                ww = width - k * size * 0.5
                lines = p.wrap_lines(t, size, ww, key, indent)
                o, inside = 0, False
                for ln in lines[:-1]:
                    o += len(ln)
                    inside = inside or s + 2 <= o <= e - 2
                if inside:
                    w, broken, text, spans = ww, True, t, sp
                    break
            if broken:
                break
    lines = []
    y = p.para(x, y, w, text, size, key, line_h=line_h, indent=indent, lines_out=lines)
    for k, printed in printed_spans(text, lines, spans):
        fr.add(k, printed)
    return y, w, broken


ESIGN_LEADS = ["根据电子口岸电子签章业务的有关要求，", "为办理电子钥匙及电子签章业务，", "经研究，", "现", "经我单位研究决定，",
               "根据中国电子口岸数据中心的有关规定，"]
POA_LETTER_LEADS = ["根据业务需要，", "经研究决定，", "因业务办理需要，", "现", "经我单位研究决定，",
                    "根据中国电子口岸电子钥匙管理的有关规定，"]
POA_BODY_LEADS = ["我单位", "我单位现", "经研究决定，我单位", "因业务需要，我单位", "现"]


def cn_date(d, rng=None, style=None):
    style = style if style is not None else (rng.randrange(3) if rng else 0)
    if style == 0:
        return "%d年%d月%d日" % (d.year, d.month, d.day)
    if style == 1:
        return "%d年%02d月%02d日" % (d.year, d.month, d.day)
    return "%d 年 %d 月 %d 日" % (d.year, d.month, d.day)


def shown_name(name, rng, p_half=0.25):
    """Company name as printed: sometimes with half-width brackets."""
    if "（" in name and rng.random() < p_half:
        return name.replace("（", "(").replace("）", ")")
    return name


def new_page(rng, landscape=False, ctx=None):
    if landscape:
        h = rng.randrange(1100, 1401)
        s = h / 1240.0
        p = Page(1754, 1240, s)
    else:
        w = rng.randrange(1100, 1401)
        p = Page(1240, 1754, w / 1240.0)
    if ctx is not None and ctx.get("wide"):
        p.wide = True
        p.hand_face = rng.choice(HAND_FACES)
    return p


# ------------------------------------------------------------------ inks

def company_stamp(page, name):
    """The one company seal (公章) a company presses on all its papers: its size, anti-forgery number,
    face, ring and the spacing of its name are the stamp's, the same on every material (drawn from
    the name alone, so another company's seal is another stamp). How it is pressed (angle, ink,
    pressure, the scanner's squeeze) is each paper's own."""
    srng = random.Random("公章:" + name)
    return dict(diam=srng.uniform(220, 250),
                code="%013d" % srng.randrange(10 ** 12, 10 ** 13) if srng.random() < 0.4 else None,
                font_key=srng.choice(faces(page, "seal", ["song", "song", "hei"])),
                ring_ratio=srng.uniform(0.030, 0.042), star_ratio=srng.uniform(0.28, 0.33),
                spacing=srng.uniform(19, 23))


def company_seal(page, rng, nrng, name, cx, cy):
    """Queue the red company seal (公章) centred at base (cx, cy): the company's one stamp
    (company_stamp), pressed at its own angle, ink and pressure (drawn from the name and the place,
    so that two papers' presses differ)."""
    # Each paper's seal was once a stamp of its own: that seal is still drawn from the set's
    # random streams and put aside, so that everything else a set draws (its noise, its other
    # inks) is drawn as it was, and a page keeps all but its seal.
    diam = int(rng.uniform(220, 250) * page.s)
    code = "%013d" % rng.randrange(10 ** 12, 10 ** 13) if rng.random() < 0.4 else None
    draw.make_seal(rng, nrng, name, diam, font_key=rng.choice(faces(page, "seal", ["song", "song", "hei"])), code=code)
    stamp = company_stamp(page, name)
    press = random.Random("%s:%.4f:%.4f" % (name, cx, cy))
    mask = draw.make_seal(press, np.random.default_rng(press.getrandbits(32)), name, int(stamp["diam"] * page.s),
                          font_key=stamp["font_key"], code=stamp["code"], stamp=stamp)
    col = rng.choice(SEAL_REDS)
    col = tuple(max(0, min(255, c + rng.randrange(-12, 13))) for c in col)
    page.add_ink(mask, page.px(cx), page.px(cy), col, rng.uniform(0.8, 1.0), "seal")


def grey_seal(page, rng, nrng, text, cx, cy, horiz=None, diam=None):
    """Authority seal printed in grey (it is part of the photocopy)."""
    diam = int((diam or rng.uniform(200, 240)) * page.s)
    mask = draw.make_seal(rng, nrng, text, diam, font_key="song", horiz=horiz)
    page.paste_mask(mask, page.px(cx) - mask.width // 2, page.px(cy) - mask.height // 2, level=rng.randrange(90, 150))


def signature(page, rng, nrng, name, x, ymid, h=52, colour=None):
    """Queue a handwritten signature whose left edge is at base x, centred on ymid."""
    style = "scribble" if rng.random() < 0.25 else "kai"
    mask = draw.make_handwriting(rng, nrng, name, int(h * rng.uniform(0.85, 1.25) * page.s), style=style,
                                 face=page.hand_face)
    col = colour or rng.choice(PEN_COLOURS)
    page.add_ink(mask, page.px(x) + mask.width // 2 + page.px(rng.uniform(0, 25)),
                 page.px(ymid + rng.uniform(-12, 6)), col, rng.uniform(0.85, 1.0), "pen")
    return style


def handnote(page, rng, nrng, text, cx, cy, h=40, colour=None):
    mask = draw.make_handwriting(rng, nrng, text, int(h * page.s), style="kai", overlap=rng.uniform(0.92, 1.02),
                                 slant=rng.uniform(-0.15, 0.05), jitter=0.08, flourish=False, face=page.hand_face)
    if rng.random() < 0.5:
        mask = mask.rotate(rng.uniform(-18, 18), resample=Image.BICUBIC, expand=True)
    page.add_ink(mask, page.px(cx), page.px(cy), colour or rng.choice(PEN_COLOURS), rng.uniform(0.85, 1.0), "pen")


def hand_value(page, rng, nrng, text, x, ymid, h=34, colour=None, bold=True, max_w=None):
    """A value filled in by hand (left edge at x), squeezed to max_w base units if given."""
    mask = draw.make_handwriting(rng, nrng, text, int(h * page.s), style="kai", overlap=rng.uniform(0.92, 1.0),
                                 slant=rng.uniform(-0.12, 0.05), jitter=0.05, flourish=False, bold=bold,
                                 face=page.hand_face)
    if max_w and mask.width > page.px(max_w):
        k = page.px(max_w) / mask.width
        mask = mask.resize((page.px(max_w), max(1, int(mask.height * max(k, 0.75)))), Image.BILINEAR)
    page.add_ink(mask, page.px(x) + mask.width // 2, page.px(ymid), colour, rng.uniform(0.85, 1.0), "pen")


def truth(doc_type, uscc=None, name=None, id_number=None, person=None, red=False, sig=False, **extra):
    t = {"doc_type": doc_type, "uscc": uscc, "name": name, "id_number": id_number, "person": person,
         "has_red_seal": red, "has_signature": sig}
    t.update(extra)
    return t


def fmt_uscc(code, rng):
    return code if rng.random() < 0.85 else " ".join([code[:6], code[6:12], code[12:]])


# ------------------------------------------------------------------ business licence

def business_licence(ctx, rng, nrng, o):
    ent = ctx["ent"]
    variant = rng.choice(["modern2col", "modern2col", "single", "landscape"])
    land = variant == "landscape"
    p = new_page(rng, land, ctx)
    fr = Fields(p)
    W, H = p.wb, p.hb
    name = shown_name(o.get("name", ent["name"]), rng, 0.35)
    uscc = o.get("uscc", ent["uscc"])
    lf = rng.choice(faces(p, "label", ["hei", "song", "mhei"]))
    vf = rng.choice(faces(p, "label", ["song", "hei", "mhei"]))
    # decorative border
    m = rng.uniform(45, 75)
    band = rng.uniform(14, 24)
    p.rect(m, m, W - m, H - m, w=3, outline=70)
    p.rect(m + band, m + band, W - m - band, H - m - band, w=2, outline=70)
    step = rng.uniform(7, 11)
    x = m
    while x < W - m - band:
        p.line(x, m, x + band, m + band, w=1, fill=130)
        p.line(x, H - m - band, x + band, H - m, w=1, fill=130)
        x += step
    y = m
    while y < H - m - band:
        p.line(m, y, m + band, y + band, w=1, fill=130)
        p.line(W - m - band, y, W - m, y + band, w=1, fill=130)
        y += step
    top = m + band
    cx = W / 2
    draw.draw_emblem(p, cx, top + 95, 62, level=rng.randrange(40, 90))
    # code top-left
    cs = rng.uniform(20, 24)
    p.text(top + 40, top + 55, "统一社会信用代码", cs, lf)
    shown_uscc = fmt_uscc(uscc, rng)
    fr.add("uscc", shown_uscc)
    p.text(top + 40, top + 55 + cs * 1.5, shown_uscc, cs * 1.15,
           rng.choice(["hei", "mono", "song"] + (["gbsong", "nserif", "nsans"] if p.wide else [])))
    # licence number / copy number top right
    lic_no = "%s%011d" % (ent["division"][0], rng.randrange(10 ** 10, 10 ** 11))
    p.text(W - top - 40, top + 30, "证照编号：" + lic_no, 16, "hei", align="r")
    title_y = top + 180
    p.text(cx, title_y, "营业执照", rng.uniform(82, 100), rng.choice(faces(p, "title", ["song", "hei"])), align="m", bold=2,
           spacing=rng.uniform(25, 45))
    p.text(cx, title_y + 115, "（副　本）", 30, "song", align="m")
    p.text(cx + 190, title_y + 160, "副本编号：%d-%d" % (1, rng.randrange(1, 4)), 16, "hei")
    qr = draw.qr_mask(rng, 25, p.px(150))
    if variant == "single":
        qx, qy = top + 50, H - top - 330
    else:
        qx, qy = W - top - 230, top + 70
    p.paste_mask(qr, p.px(qx), p.px(qy), 20)
    cap = ["扫描二维码登录“国家", "企业信用信息公示系统”", "了解更多登记、备案、", "许可、监管信息。"]
    for i, ln in enumerate(cap):
        p.text(qx - 10, qy + 160 + i * 19, ln, 14, "hei")
    fs = rng.uniform(22, 26)
    rowh = fs * rng.uniform(2.3, 2.8)
    scope = "；".join(ent["scope"]) + "。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
    est = ent["established"]
    fields_l = [("名称", name), ("类型", ent["type"]), ("法定代表人", ent["legal"]["name"]), ("经营范围", scope)]
    fields_r = [("注册资本", ent["capital"]), ("成立日期", cn_date(est, rng, 1)),
                ("营业期限", "%s至%s" % (cn_date(est, rng, 1), ent["term_end"])), ("住所", ent["address"])]
    y0 = title_y + 210
    if variant == "single":
        lx, lw, vx = top + 110, 130, top + 290
        vw = W - top - 90 - vx
        y = y0
        for lab, val in [fields_l[0], fields_l[1], fields_r[3], fields_l[2], fields_r[0], fields_r[1], fields_r[2], fields_l[3]]:
            p.spread(lx, y, lab, fs, lw if len(lab) > 2 else lw, lf)
            lo = []
            y = p.para(vx, y, vw, val, fs, vf, line_h=fs * 1.55, justify=False, lines_out=lo) + rowh - fs * 1.55
            fr.add(LICENCE_FIELDS.get(lab), "\n".join(lo))
        seal_cx, seal_cy = W - top - 250, H - top - 250
    else:
        colw = (W - 2 * top) / 2
        lx, lw = top + 60, fs * 5
        vx = lx + lw + 25
        vw = colw - (vx - top) - 20
        y = y0
        for lab, val in fields_l:
            p.spread(lx, y, lab, fs, lw, lf)
            lo = []
            y = p.para(vx, y, vw, val, fs * (0.9 if lab == "经营范围" else 1), vf, line_h=fs * 1.5, justify=False,
                       lines_out=lo)
            fr.add(LICENCE_FIELDS.get(lab), "\n".join(lo))
            y += rowh - fs * 1.5
        rx = top + colw + 30
        rvx = rx + lw + 25
        rvw = W - top - 50 - rvx
        y = y0
        for lab, val in fields_r:
            p.spread(rx, y, lab, fs, lw, lf)
            y = p.para(rvx, y, rvw, val, fs, vf, line_h=fs * 1.5, justify=False) + rowh - fs * 1.5
        seal_cx, seal_cy = W - top - 260, H - top - (230 if land else 300)
    # registration authority + grey seal + date
    p.text(seal_cx - 150, seal_cy - 30, "登记机关", fs * 1.05, lf, bold=1)
    reg_date = ent["established"] + datetime.timedelta(days=rng.randrange(0, 1500))
    if reg_date > ctx["doc_date"]:
        reg_date = ent["established"]
    p.text(seal_cx - 40, seal_cy + 75, cn_date(reg_date, rng, 1), fs * 0.95, vf)
    grey_seal(p, rng, nrng, ent["regulator"], seal_cx + 20, seal_cy, diam=rng.uniform(210, 240))
    fy = H - top - 95
    p.text(cx, fy, "国家企业信用信息公示系统网址：http://www.gsxt.gov.cn", 15, "hei", align="m")
    p.text(cx, fy + 22, "市场主体应当于每年1月1日至6月30日通过国家企业信用信息公示系统报送公示年度报告。", 14, "hei", align="m")
    p.text(cx + 250, fy + 50, "国家市场监督管理总局监制", 13, "hei")
    red = o.get("red_seal", True)
    if red:
        sx = rng.uniform(W * 0.3, W * 0.6)
        sy = rng.uniform(y0 + 260, H * 0.72)
        fr.seal_name = o.get("seal_name", ctx["ent"]["name"])
        company_seal(p, rng, nrng, fr.seal_name, sx, sy)
        if rng.random() < 0.5:
            handnote(p, rng, nrng, rng.choice(["与原件一致", "仅供办理电子钥匙使用", "复印件与原件一致"]), sx + 40, sy - 140)
    return p, truth("business_licence", uscc, name, None, ent["legal"]["name"], red, False, layout=variant,
                    seal_grey=True, **fr.extra()), True


LICENCE_FIELDS = {"名称": "company_name", "法定代表人": "legal_representative"}


# ------------------------------------------------------------------ ID card copy

def _idnum_face(p, idnum):
    """The face an ID card's number is printed in: DejaVu Sans Mono bold (its 0 dotted), or on a
    wide page one of several, chosen by the number itself so that the page's other draws (and so
    every other submission of a seed) stay as they were."""
    if not p.wide:
        return "monob"
    return random.Random("idnum-face-" + idnum).choice(["monob", "monob", "nmonob", "nhelvb", "sansb", "nsansb"])


def _card_front(p, rng, x0, y0, cw, ch, person, idnum, lvl):
    c = cw / 505.0
    p.rect(x0, y0, x0 + cw, y0 + ch, w=2, fill=lvl, outline=lvl - 60, radius=22 * c)
    for k in range(7):   # guilloche
        pts = [(p.px(x0 + 15 * c + t * cw / 60), p.px(y0 + ch * (0.15 + 0.12 * k) + 8 * c * math.sin(t / 3.0 + k)))
               for t in range(0, 57)]
        p.d.line(pts, fill=lvl - 12, width=1)
    lab = lvl - 95
    fs = 17 * c
    vf = "hei"
    lx, vx = x0 + 32 * c, x0 + 92 * c
    p.spread(lx, y0 + 34 * c, "姓名", fs, 38 * c, "hei", fill=lab)
    p.text(vx, y0 + 32 * c, person["name"], fs * 1.2, vf)
    p.spread(lx, y0 + 78 * c, "性别", fs, 38 * c, "hei", fill=lab)
    p.text(vx, y0 + 77 * c, person["sex"], fs * 1.1, vf)
    p.text(x0 + 170 * c, y0 + 78 * c, "民族", fs, "hei", fill=lab)
    p.text(x0 + 225 * c, y0 + 77 * c, person["ethnicity"], fs * 1.1, vf)
    b = person["birth"]
    p.spread(lx, y0 + 120 * c, "出生", fs, 38 * c, "hei", fill=lab)
    p.text(vx, y0 + 119 * c, "%d" % b.year, fs * 1.1, vf)
    p.text(vx + 55 * c, y0 + 120 * c, "年", fs, "hei", fill=lab)
    p.text(vx + 85 * c, y0 + 119 * c, "%d" % b.month, fs * 1.1, vf)
    p.text(vx + 113 * c, y0 + 120 * c, "月", fs, "hei", fill=lab)
    p.text(vx + 143 * c, y0 + 119 * c, "%d" % b.day, fs * 1.1, vf)
    p.text(vx + 171 * c, y0 + 120 * c, "日", fs, "hei", fill=lab)
    p.spread(lx, y0 + 162 * c, "住址", fs, 38 * c, "hei", fill=lab)
    lines = p.wrap_lines(person["address"], fs * 1.1, 205 * c, vf)
    for i, ln in enumerate(lines[:3]):
        p.text(vx, y0 + (161 + 27 * i) * c, ln, fs * 1.1, vf)
    p.text(lx, y0 + 262 * c, "公民身份号码", fs, "hei", fill=lab)
    p.text(x0 + 160 * c, y0 + 258 * c, idnum, fs * 1.35, _idnum_face(p, idnum), spacing=2.2 * c)
    # photo
    px0, py0, pw, ph = x0 + 330 * c, y0 + 40 * c, 140 * c, 175 * c
    p.rect(px0, py0, px0 + pw, py0 + ph, w=1, fill=lvl - 25, outline=None)
    p.ellipse(px0 + pw * 0.25, py0 + ph * 0.08, px0 + pw * 0.75, py0 + ph * 0.50, w=1, fill=lvl - 170, outline=None)
    p.ellipse(px0 + pw * 0.29, py0 + ph * 0.18, px0 + pw * 0.71, py0 + ph * 0.63, w=1, fill=lvl - 80, outline=None)
    p.d.pieslice([p.px(px0 + pw * 0.02), p.px(py0 + ph * 0.62), p.px(px0 + pw * 0.98), p.px(py0 + ph * 1.35)],
                 180, 360, fill=lvl - 130)


def _card_back(p, rng, x0, y0, cw, ch, person, lvl):
    c = cw / 505.0
    p.rect(x0, y0, x0 + cw, y0 + ch, w=2, fill=lvl, outline=lvl - 60, radius=22 * c)
    for k in range(9):
        pts = [(p.px(x0 + 15 * c + t * cw / 60), p.px(y0 + ch * (0.1 + 0.1 * k) + 10 * c * math.cos(t / 4.0 + k)))
               for t in range(0, 57)]
        p.d.line(pts, fill=lvl - 12, width=1)
    draw.draw_emblem(p, x0 + 80 * c, y0 + 80 * c, 52 * c, level=lvl - 120)
    p.text(x0 + 175 * c, y0 + 45 * c, "中华人民共和国", 30 * c, "hei", fill=lvl - 150, spacing=6 * c)
    p.text(x0 + 160 * c, y0 + 105 * c, "居民身份证", 44 * c, "hei", fill=lvl - 160, spacing=10 * c, bold=1)
    lab = lvl - 95
    p.text(x0 + 90 * c, y0 + 222 * c, "签发机关", 17 * c, "hei", fill=lab)
    p.text(x0 + 180 * c, y0 + 220 * c, person["issuer"], 19 * c, "hei")
    p.text(x0 + 90 * c, y0 + 264 * c, "有效期限", 17 * c, "hei", fill=lab)
    p.text(x0 + 180 * c, y0 + 262 * c, person["validity"], 19 * c, "hei")


def _card_image(p, side, cw, ch, person, idnum, lvl, angle):
    """One side of the card drawn on its own small page at p's scale and turned angle degrees
    (counter-clockwise). Returns (L image, L mask of the card's shape)."""
    m = 14
    cp = Page(cw + 2 * m, ch + 2 * m, p.s)
    cp.wide = p.wide
    mask = Image.new("L", (cp.W, cp.H), 0)
    ImageDraw.Draw(mask).rounded_rectangle([cp.px(m), cp.px(m), cp.px(m + cw), cp.px(m + ch)],
                                           radius=cp.px(22 * cw / 505.0), fill=255)
    if side == "front":
        _card_front(cp, None, m, m, cw, ch, person, idnum, lvl)
    else:
        _card_back(cp, None, m, m, cw, ch, person, lvl)
    img = cp.img.rotate(angle, resample=Image.BICUBIC, expand=True, fillcolor=255)
    return img, mask.rotate(angle, resample=Image.BILINEAR, expand=True)


def _free_band(H, boxes, lo=120, hi=None):
    """The tallest vertical band (y0, y1) of the page that no box (x0, y0, x1, y1) covers."""
    hi = hi or H - 70
    edges, y = [], lo
    for b in sorted(boxes, key=lambda b: b[1]):
        if b[1] > y:
            edges.append((y, min(b[1], hi)))
        y = max(y, b[3])
    if y < hi:
        edges.append((y, hi))
    return max(edges, key=lambda e: e[1] - e[0]) if edges else (lo, lo)


def _id_card_copy_wide(ctx, rng, nrng, o):
    """--variety wide: the two sides anywhere on the page, each turned up to ±4°, stacked, side by
    side or placed freely."""
    user = dict(ctx["user"], name=o["person_name"]) if "person_name" in o else ctx["user"]
    idnum = o.get("idnum", user["id_number"])
    p = new_page(rng, False, ctx)
    fr = Fields(p)
    W, H = p.wb, p.hb
    layout = rng.choice(["stack", "stack", "side_by_side", "free", "free"])
    c = rng.uniform(0.85, 1.05) if layout == "side_by_side" else rng.uniform(0.9, 1.6)
    cw, ch = 505 * c, 319 * c
    lvl = rng.randrange(200, 238)
    a = rng.uniform(-4, 4)
    angles = [a, a] if rng.random() < 0.4 else [rng.uniform(-4, 4), rng.uniform(-4, 4)]
    angles = [round(x, 2) for x in angles]
    bw = [cw * math.cos(math.radians(abs(x))) + ch * math.sin(math.radians(abs(x))) for x in angles]
    bh = [cw * math.sin(math.radians(abs(x))) + ch * math.cos(math.radians(abs(x))) for x in angles]
    mg, top_lim = 45, 140
    centres = None
    if layout == "free":
        for _ in range(300):
            cs = [(rng.uniform(mg + bw[i] / 2, W - mg - bw[i] / 2), rng.uniform(top_lim + bh[i] / 2, H - mg - bh[i] / 2))
                  for i in range(2)]
            b = [(x - bw[i] / 2 - 20, y - bh[i] / 2 - 20, x + bw[i] / 2 + 20, y + bh[i] / 2 + 20) for i, (x, y) in enumerate(cs)]
            if b[0][2] < b[1][0] or b[1][2] < b[0][0] or b[0][3] < b[1][1] or b[1][3] < b[0][1]:
                centres = cs
                break
        if centres is None:
            layout = "stack"
    if layout == "side_by_side":
        gap = max(5.0, min(rng.uniform(15, 80), W - 2 * mg - bw[0] - bw[1]))
        x0 = rng.uniform(mg, max(mg, W - mg - bw[0] - bw[1] - gap))
        yc = rng.uniform(top_lim + max(bh) / 2, H * 0.62)
        centres = [(x0 + bw[0] / 2, yc), (x0 + bw[0] + gap + bw[1] / 2, yc + rng.uniform(-40, 40))]
    elif layout == "stack":
        gap = rng.uniform(25, 200)
        total = bh[0] + gap + bh[1]
        ytop = rng.uniform(top_lim, max(top_lim, H - mg - 150 - total))
        x1 = rng.uniform(mg + bw[0] / 2, W - mg - bw[0] / 2)
        x2 = min(max(x1 + rng.uniform(-90, 90), mg + bw[1] / 2), W - mg - bw[1] / 2)
        centres = [(x1, ytop + bh[0] / 2), (x2, ytop + bh[0] + gap + bh[1] / 2)]
    sides = ["front", "back"] if rng.random() < 0.5 else ["back", "front"]
    if rng.random() < 0.35:
        p.text(W / 2, 70, rng.choice(["授权用户身份证复印件", "身份证复印件（正反面）", "经办人身份证复印件"]), 30,
               rng.choice(faces(p, "title", [])), align="m", bold=1)
    boxes = []
    for i, side in enumerate(sides):
        img, mask = _card_image(p, side, cw, ch, user, idnum, lvl, angles[i])
        x, y = centres[i]
        p.img.paste(img, (p.px(x) - img.width // 2, p.px(y) - img.height // 2), mask)
        boxes.append((x - bw[i] / 2, y - bh[i] / 2, x + bw[i] / 2, y + bh[i] / 2))
    fr.add("authorized_user", user["name"])
    fr.add("authorized_user_id_number", idnum)
    red = o.get("red_seal", True)
    note = red or rng.random() < 0.4
    y0, y1 = _free_band(H, boxes)
    ny = (y0 + y1) / 2 if y1 - y0 < 260 else y0 + rng.uniform(70, 130)
    nx = W / 2 + rng.uniform(-200, 200)
    if note:
        handnote(p, rng, nrng, rng.choice(["仅供办理电子钥匙使用", "仅供办理电子钥匙使用，他用无效", "此复印件仅供办理电子钥匙使用",
                                           "本复印件仅用于办理电子钥匙，再复印无效"]), nx, ny, h=rng.uniform(34, 48))
    if red:
        fr.seal_name = o.get("seal_name", ctx["ent"]["name"])
        company_seal(p, rng, nrng, fr.seal_name, nx + rng.uniform(-160, 180), ny + rng.uniform(-70, 50))
    return p, truth("id_card_copy", None, None, idnum, user["name"], red, False, layout=layout, card_scale=round(c, 3),
                    card_angles=angles, sides=sides, handwritten_note=note, **fr.extra()), True


def id_card_copy(ctx, rng, nrng, o):
    if ctx.get("wide"):
        return _id_card_copy_wide(ctx, rng, nrng, o)
    user = dict(ctx["user"], name=o["person_name"]) if "person_name" in o else ctx["user"]
    idnum = o.get("idnum", user["id_number"])
    p = new_page(rng)
    W, H = p.wb, p.hb
    c = rng.choice([1.0, 1.0, 1.2, 1.4, 1.6])
    cw, ch = 505 * c, 319 * c
    lvl = rng.randrange(205, 235)
    layout = rng.choice(["stack_center", "stack_top", "side"]) if c == 1.0 else rng.choice(["stack_center", "stack_top"])
    if layout == "side":
        y = rng.uniform(200, 500)
        x1 = rng.uniform(70, 100)
        pos = [(x1, y), (x1 + cw + rng.uniform(40, 90), y + rng.uniform(-15, 15))]
    else:
        gap = rng.uniform(60, 160)
        top = rng.uniform(140, 300) if layout == "stack_top" else (H - 2 * ch - gap) / 2 + rng.uniform(-60, 40)
        x = (W - cw) / 2 + rng.uniform(-50, 50)
        pos = [(x, top), (x + rng.uniform(-20, 20), top + ch + gap)]
    if rng.random() < 0.5:
        pos = pos[::-1]
    if rng.random() < 0.35:
        p.text(W / 2, 90, rng.choice(["授权用户身份证复印件", "身份证复印件（正反面）", "经办人身份证复印件"]), 30, "hei",
               align="m", bold=1)
    _card_front(p, rng, pos[0][0], pos[0][1], cw, ch, user, idnum, lvl)
    _card_back(p, rng, pos[1][0], pos[1][1], cw, ch, user, lvl)
    # The seed requires the ID copy to be stamped (盖公章): clean submissions always are.
    red = o.get("red_seal", True)
    note = red or rng.random() < 0.4
    ys = sorted([pos[0][1], pos[1][1]])
    if layout == "side":
        ny = ys[0] + ch + 180
    else:
        ny = ys[1] + ch + rng.uniform(90, 180) if ys[1] + ch + 250 < H else ys[0] + ch + 20
    nx = W / 2 + rng.uniform(-150, 150)
    if note:
        handnote(p, rng, nrng, rng.choice(["仅供办理电子钥匙使用", "仅供办理电子钥匙使用，他用无效", "此复印件仅供办理电子钥匙使用"]),
                 nx, ny, h=rng.uniform(36, 48))
    if red:
        company_seal(p, rng, nrng, ctx["ent"]["name"], nx + rng.uniform(-120, 160), ny + rng.uniform(-60, 40))
    return p, truth("id_card_copy", None, None, idnum, user["name"], red, False, layout=layout, card_scale=c,
                    handwritten_note=note), True


# ------------------------------------------------------------------ application form

ITEMS = ["首次申领", "补办", "增办", "更新", "解锁", "注销"]
ITEMS_WIDE = ["首次申领", "补办", "增办", "重新申领", "解锁", "注销"]
PROC_ITEM = {"first_issue_online": "首次申领", "first_issue_offline": "首次申领", "reissue": "补办", "additional": "增办"}


def _checkboxes(p, rng, nrng, x, y, fs, key, chosen, items=ITEMS, gap=None, style=None):
    """The □ items with chosen ticked. style None: the classic mix of a printed √ and a pen tick;
    wide pages name one of TICK_STYLES (☑ glyph, √ over □, pen tick, pen cross, ■)."""
    gap = gap or fs * 1.2
    if style is not None:
        for it in items:
            if style == "glyph":
                p.text(x, y - fs * 0.04, "☑" if it == chosen else "☐", fs * 1.05, "sans")
            elif style == "filled":
                p.text(x, y, "■" if it == chosen else "□", fs, key)
            else:
                p.text(x, y, "□", fs, key)
                if it == chosen and style == "overlay":
                    p.text(x + fs * 0.12, y - fs * 0.12, "√", fs * 0.9, "song")
                elif it == chosen:
                    size = int(fs * 1.1 * p.s)
                    if style == "pen_tick":
                        m = draw.tick_mask(rng, size)
                        p.add_ink(m, p.px(x + fs * 0.6), p.px(y + fs * 0.3), rng.choice(PEN_COLOURS), 0.95, "pen")
                    else:
                        m = draw.cross_mask(rng, size)
                        p.add_ink(m, p.px(x + fs * 0.5), p.px(y + fs * 0.55), rng.choice(PEN_COLOURS), 0.95, "pen")
            x = p.text(x + fs * 1.05, y, it, fs, key) + gap
        return x
    hand = rng.random() < 0.6
    for it in items:
        bx = x
        if it == chosen and not hand:
            p.text(bx, y, "□", fs, key)
            p.text(bx + fs * 0.12, y - fs * 0.12, "√", fs * 0.9, "song")
        else:
            p.text(bx, y, "□", fs, key)
            if it == chosen:
                m = draw.tick_mask(rng, int(fs * 1.1 * p.s))
                p.add_ink(m, p.px(bx + fs * 0.6), p.px(y + fs * 0.3), rng.choice(PEN_COLOURS), 0.95, "pen")
        x = p.text(x + fs * 1.05, y, it, fs, key) + gap
    return x


def application_form(ctx, rng, nrng, o):
    ent, user = ctx["ent"], ctx["user"]
    p = new_page(rng, False, ctx)
    fr = Fields(p)
    W, H = p.wb, p.hb
    key = rng.choice(faces(p, "print", PRINT_FONTS))
    vkey = rng.choice(faces(p, "print", PRINT_FONTS))
    by_hand = rng.random() < 0.2
    variant = rng.choice(["two_col", "four_col"] + (["grid", "grid"] if p.wide else []))
    name = shown_name(o.get("name", ent["name"]), rng, 0.1)
    uscc = o.get("uscc", ent["uscc"])
    idnum = o.get("idnum", user["id_number"])
    user_name = user["name"] if by_hand else spaced(p, rng, user["name"])
    mx = rng.uniform(90, 130)
    y = rng.uniform(110, 170)
    if rng.random() < 0.5:
        p.text(mx, y - 55, "附件%d" % rng.randrange(1, 4), 20, "hei")
    tsize = rng.uniform(30, 36)
    title = "进出口企业电子钥匙与电子认证证书申请表"
    p.text(W / 2, y, title, tsize, rng.choice(faces(p, "title", ["song", "hei"])), align="m", bold=1)
    y += tsize * 2.1
    fs = rng.uniform(20, 24)
    p.text(W - mx, y, "编号：", fs * 0.9, key, align="r")
    p.text(mx, y, "填表日期：" + ("" if by_hand else cn_date(ctx["doc_date"], rng)), fs * 0.9, key)
    if by_hand:
        hand_value(p, rng, nrng, cn_date(ctx["doc_date"], rng, 0), mx + fs * 4.6, y + fs * 0.5, h=fs * 1.1,
                   colour=rng.choice(PEN_COLOURS))
    y += fs * 2.0
    x0, x3 = mx, W - mx
    lw = rng.uniform(230, 280)
    x1 = x0 + lw
    rh = fs * rng.uniform(2.5, 3.1)
    pen = rng.choice(PEN_COLOURS)
    pen_bold = rng.random() < 0.7
    split = rng.uniform(0.36, 0.5) if p.wide else 0.36    # where a two-value row's second label starts
    items, chosen, tick_style = ITEMS, PROC_ITEM[ctx["procedure"]], None
    if p.wide:
        items = ITEMS_WIDE if rng.random() < 0.75 else ITEMS
        if o.get("tick_other"):
            chosen = rng.choice([it for it in items if it != chosen])
        tick_style = rng.choice(TICK_STYLES)

    def cell(s, width):
        """A value's lines in its cell: wrapped on wide printed forms, one line otherwise."""
        if not s:
            return []
        if not p.wide or by_hand:
            return [s]
        return p.wrap_lines(s, fs, width - 28, vkey)

    def val(x, yy, s, width=None, rr=None):
        if not s:
            return
        rr = rr or rh
        if by_hand:
            hand_value(p, rng, nrng, s, x + 14, yy + rr / 2, h=fs * 1.15, colour=pen, bold=pen_bold,
                       max_w=(width or (x3 - x)) - 24)
        elif not p.wide:
            p.text(x + 14, yy + (rh - fs) / 2, s, fs, vkey)
        else:
            lines = cell(s, width or (x3 - x))
            ty = yy + (rr - fs * 1.3 * len(lines)) / 2 + fs * 0.15
            for ln in lines:
                p.text(x + 14, ty, ln, fs, vkey)
                ty += fs * 1.3

    def label(x, yy, s, width, rr=None):
        rr = rr or rh
        lines = p.wrap_lines(s, fs, width - 20, key)
        ty = yy + (rr - fs * 1.3 * len(lines)) / 2 + fs * 0.15
        for ln in lines:
            p.text(x + width / 2, ty, ln, fs, key, align="m")
            ty += fs * 1.3

    rows = []
    top = y
    proc = ctx["procedure"]
    reason = ctx.get("reason") or ""
    if variant == "grid":
        rows.append(("企业名称|统一社会信用代码", (name, uscc)))
    else:
        rows.append(("企业名称", name))
        rows.append(("统一社会信用代码", uscc))
    rows.append(("企业类型", "KIND"))
    rows.append(("登录系统用户名", ent["login"]))
    rows.append(("申请事项", "ITEMS"))
    rows.append(("补办/增办原因", reason))
    if variant in ("four_col", "grid"):
        rows.append(("授权用户姓名|身份证号码", (user_name, idnum)))
        rows.append(("联系电话|电子邮箱", (user["phone"], ctx["email"])))
    else:
        rows += [("授权用户姓名", user_name), ("身份证号码", idnum), ("联系电话", user["phone"]),
                 ("电子邮箱", ctx["email"])]
    if rng.random() < 0.5:
        rows.append(("申请数量", "1"))
    for lab, v in rows:
        p.line(x0, y, x3, y, w=1.5)
        rr = rh
        if "|" in lab:
            l1, l2 = lab.split("|")
            xm = x1 + (x3 - x1) * split
            xm2 = xm + lw * 0.8
            if p.wide:
                n = max(len(cell(v[0], xm - x1)), len(cell(v[1], x3 - xm2)), 1)
                rr = max(rh, fs * 1.3 * n + fs * 1.0)
            for lb, s, width in ((l1, v[0], xm - x1), (l2, v[1], x3 - xm2)):
                fr.add(APP_FIELDS.get(lb), "\n".join(cell(s, width)))
            label(x0, y, l1, lw, rr)
            val(x1, y, v[0], xm - x1, rr)
            label(xm, y, l2, xm2 - xm, rr)
            val(xm2, y, v[1], x3 - xm2, rr)
            p.line(xm, y, xm, y + rr, w=1.5)
            p.line(xm2, y, xm2, y + rr, w=1.5)
        else:
            if p.wide and v not in ("KIND", "ITEMS"):
                rr = max(rh, fs * 1.3 * len(cell(v, x3 - x1)) + fs * 1.0)
            label(x0, y, lab, lw, rr)
            if v == "KIND":
                _checkboxes(p, rng, nrng, x1 + 14, y + (rh - fs) / 2, fs, key,
                            "内资企业" if ent["kind"] == "domestic" else "外商投资企业", items=["内资企业", "外商投资企业"],
                            gap=fs * 2, style=tick_style)
            elif v == "ITEMS":
                _checkboxes(p, rng, nrng, x1 + 14, y + (rh - fs) / 2, fs * 0.95, key, chosen, items=items,
                            style=tick_style)
            elif lab == "统一社会信用代码" and rng.random() < 0.4 and not by_hand:
                cwid = (x3 - x1 - 30) / 18
                for i, ch_ in enumerate(v):
                    cx = x1 + 14 + i * cwid
                    p.rect(cx, y + rh * 0.18, cx + cwid, y + rh * 0.82, w=1)
                    p.text(cx + cwid / 2, y + (rh - fs) / 2, ch_, fs, vkey, align="m")
                fr.add("uscc", v)
            else:
                val(x1, y, v, None, rr)
                fr.add(APP_FIELDS.get(lab), "\n".join(cell(v, x3 - x1)))
        p.line(x1, y, x1, y + rr, w=1.5)
        y += rr
    # declaration + signature block
    p.line(x0, y, x3, y, w=1.5)
    decl = rng.choice([
        "本企业承诺以上填写内容及所提交的申请材料真实、准确、有效，并对授权用户使用电子钥匙的行为承担法律责任。",
        "我单位保证所填内容真实有效，同意遵守电子口岸电子钥匙及电子认证证书使用管理的有关规定，由此产生的一切法律责任由我单位承担。",
    ])
    yy = p.para(x0 + 25, y + 25, x3 - x0 - 50, decl, fs * 0.95, key, indent=fs * 2)
    sig_y = yy + rng.uniform(40, 80)
    lab_text = rng.choice(LEGAL_SIG_LABELS) if p.wide else "法定代表人（签字）："
    ex = p.text(x0 + 40, sig_y, lab_text, fs, key)
    has_sig = o.get("signature", True)
    if has_sig:
        signature(p, rng, nrng, ent["legal"]["name"], ex, sig_y + fs * 0.5)
    seal_lab_x = x0 + (x3 - x0) * rng.uniform(0.52, 0.6)
    seal_lab = rng.choice(SEAL_LABELS) if p.wide else "企业公章："
    p.text(seal_lab_x, sig_y, seal_lab, fs, key)
    date_y = sig_y + rng.uniform(110, 150)
    if by_hand:
        hand_value(p, rng, nrng, cn_date(ctx["doc_date"], rng, 0), x3 - 60 - fs * 7.5, date_y + fs * 0.5, h=fs * 1.1,
                   colour=pen)
    else:
        p.text(x3 - 60, date_y, cn_date(ctx["doc_date"], rng), fs, key, align="r")
    bottom = date_y + rng.uniform(70, 110)
    p.line(x0, bottom, x3, bottom, w=1.5)
    for xx in (x0, x3):
        p.line(xx, top, xx, bottom, w=2.5)
    p.line(x0, top, x3, top, w=2.5)
    p.line(x0, bottom, x3, bottom, w=2.5)
    red = o.get("red_seal", True)
    if red:
        fr.seal_name = o.get("seal_name", ent["name"])
        company_seal(p, rng, nrng, fr.seal_name, seal_lab_x + fs * 5 + rng.uniform(30, 140), sig_y + rng.uniform(20, 90))
    ny = bottom + 40
    if rng.random() < 0.6:
        p.text(x0, ny, "填表说明：", fs * 0.75, key)
        notes = ["1.本表一式一份，由申请企业填写并加盖企业公章；", "2.补办、增办电子钥匙须填写原因；",
                 "3.授权用户须持本人有效身份证件原件及复印件办理。"]
        for i, n in enumerate(notes):
            p.text(x0 + 20, ny + (i + 1) * fs * 1.2, n, fs * 0.75, key)
    wide = {} if not p.wide else dict(procedure_item=PROC_ITEM[proc], items=items, tick_style=tick_style,
                                      signature_label=lab_text, seal_label=seal_lab)
    return p, truth("application_form", uscc, name, idnum, user["name"], red, has_sig, layout=variant,
                    filled_by="hand" if by_hand else "print", legal_representative=ent["legal"]["name"],
                    item=chosen, **wide, **fr.extra()), False


APP_FIELDS = {"企业名称": "company_name", "统一社会信用代码": "uscc", "授权用户姓名": "authorized_user",
              "身份证号码": "authorized_user_id_number"}


# ------------------------------------------------------------------ e-sign confirmation

def esign_confirmation(ctx, rng, nrng, o):
    ent, user = ctx["ent"], ctx["user"]
    p = new_page(rng, False, ctx)
    fr = Fields(p)
    W, H = p.wb, p.hb
    key = rng.choice(faces(p, "print", PRINT_FONTS))
    name = shown_name(o.get("name", ent["name"]), rng, 0.15)
    uscc = o.get("uscc", ent["uscc"])
    idnum = o.get("idnum", user["id_number"])
    mx = rng.uniform(120, 170)
    y = rng.uniform(170, 260)
    p.text(W / 2, y, "电子签章申请确认函", rng.uniform(38, 46), rng.choice(faces(p, "title", ["song", "hei"])), align="m",
           bold=1, spacing=rng.uniform(0, 10))
    y += 120
    fs = rng.uniform(23, 27)
    lh = fs * rng.uniform(1.8, 2.2)
    p.text(mx, y, rng.choice(["中国电子口岸数据中心：", "中国电子口岸数据中心%s分中心：" % ent["division"][3],
                              "%s电子口岸管理服务中心：" % ent["division"][3]]), fs, key)
    y += lh * 1.2
    user_name = spaced(p, rng, user["name"], 0.15)
    force = rng.choice([None, "company_name", "uscc", "authorized_user_id_number", "authorized_user_id_number"]) \
        if p.wide else None
    paras = [
        ["我单位", ("company_name", name), "（统一社会信用代码：", ("uscc", uscc), "）确认，已知悉并同意由授权用户",
         ("authorized_user", user_name), "（身份证号码：", ("authorized_user_id_number", idnum), "）使用本单位电子钥匙，"
         "在中国国际贸易“单一窗口”及中国电子口岸相关业务系统中以本单位名义进行电子签章。"],
        rng.choice(["本单位确认，使用上述电子钥匙所加盖的电子签章与本单位实物印章具有同等法律效力，由此产生的一切法律责任由本单位承担。",
                    "我单位承诺妥善保管电子钥匙及其密码，授权用户变更或电子钥匙遗失时及时办理相关手续；电子签章所产生的法律后果由我单位承担。"]),
        "特此确认。",
    ]
    broken = False
    for t in paras:
        if isinstance(t, list):
            y, _, broken = running_para(p, rng, mx, y, W - 2 * mx, t, fs, key, lh, fs * 2, fr, force, ESIGN_LEADS)
            y += lh * 0.3
        else:
            y = p.para(mx, y, W - 2 * mx, t, fs, key, line_h=lh, indent=fs * 2) + lh * 0.3
    y += rng.uniform(80, 160)
    sx = W - mx - rng.uniform(420, 480)
    sig_lab = rng.choice(USER_SIG_LABELS) if p.wide else "授权用户（签字）："
    ex = p.text(sx, y, sig_lab, fs, key)
    has_sig = o.get("signature", True)
    if has_sig:
        signature(p, rng, nrng, user["name"], ex, y + fs * 0.5)
    y += lh * 2.2
    seal_lab = rng.choice(SEAL_LABELS) if p.wide else "单位（盖章）："
    p.text(sx, y, seal_lab, fs, key)
    y += lh * 1.6
    p.text(W - mx - 30, y, cn_date(ctx["doc_date"], rng), fs, key, align="r")
    red = o.get("red_seal", True)
    if red:
        fr.seal_name = o.get("seal_name", ent["name"])
        company_seal(p, rng, nrng, fr.seal_name, sx + fs * 7 + rng.uniform(0, 120), y - rng.uniform(20, 90))
    wide = {} if not p.wide else dict(signature_label=sig_lab, seal_label=seal_lab,
                                      broken_value=force if broken else None)
    return p, truth("esign_confirmation", uscc, name, idnum, user["name"], red, has_sig,
                    layout="letter", **wide, **fr.extra()), False


# ------------------------------------------------------------------ power of attorney

def power_of_attorney(ctx, rng, nrng, o):
    ent, user = ctx["ent"], ctx["user"]
    p = new_page(rng, False, ctx)
    fr = Fields(p)
    W, H = p.wb, p.hb
    key = rng.choice(faces(p, "print", PRINT_FONTS))
    name = shown_name(o.get("name", ent["name"]), rng, 0.15)
    uscc = o.get("uscc", ent["uscc"])
    idnum = o.get("idnum", user["id_number"])
    legal = ent["legal"]["name"]
    variant = rng.choice(["header_fields", "letter"])
    mx = rng.uniform(120, 170)
    y = rng.uniform(160, 250)
    p.text(W / 2, y, "授权委托书", rng.uniform(42, 52), rng.choice(faces(p, "title", ["song", "hei"])), align="m", bold=1,
           spacing=rng.uniform(8, 24))
    y += 130
    fs = rng.uniform(23, 27)
    lh = fs * rng.uniform(1.8, 2.2)
    if variant == "header_fields":
        for lab, v, fk in [("委托单位：", name, "company_name"), ("统一社会信用代码：", uscc, "uscc"),
                           ("法定代表人：", spaced(p, rng, legal), "legal_representative"),
                           ("受托人：", spaced(p, rng, user["name"]), "authorized_user"),
                           ("身份证号码：", idnum, "authorized_user_id_number")]:
            ex = p.text(mx, y, lab, fs, key)
            p.text(ex + 5, y, v, fs, key)
            fr.add(fk, v)
            p.line(ex, y + fs * 1.25, min(W - mx, ex + max(260, p.width(v, fs, key) + 30)), y + fs * 1.25, w=1)
            y += lh
        y += lh * 0.4
        force = rng.choice([None, "authorized_user_id_number", "authorized_user_id_number"]) if p.wide else None
        body = ["兹委托", ("authorized_user", spaced(p, rng, user["name"], 0.1)), "（身份证号码：",
                ("authorized_user_id_number", idnum), "）为我单位电子钥匙授权用户，代表我单位办理电子钥匙申领、使用及相关业务，"
                "并在中国国际贸易“单一窗口”及中国电子口岸以我单位名义进行相关操作。"]
    else:
        p.text(mx, y, rng.choice(["中国电子口岸数据中心：", "致：%s电子口岸管理服务中心" % ent["division"][3]]), fs, key)
        y += lh * 1.2
        force = rng.choice([None, "company_name", "uscc", "authorized_user_id_number", "authorized_user_id_number"]) \
            if p.wide else None
        body = ["我单位", ("company_name", name), "（统一社会信用代码：", ("uscc", uscc), "），法定代表人",
                ("legal_representative", spaced(p, rng, legal, 0.1)), "，兹委托",
                ("authorized_user", spaced(p, rng, user["name"], 0.1)), "（身份证号码：",
                ("authorized_user_id_number", idnum), "）为我单位电子钥匙授权用户，代表我单位办理电子钥匙申领、使用及相关业务。"]
    d1 = ctx["doc_date"]
    body.append(rng.choice(["委托期限自%s至%s。" % (cn_date(d1, rng, 0), cn_date(datetime.date(d1.year + rng.choice([1, 2, 3]), d1.month, min(d1.day, 28)), rng, 0)),
                            "委托期限：自签发之日起一年。", ""]))
    body.append("受托人在上述委托权限内所办理的一切事项，我单位均予以承认，并承担相应的法律责任。")
    y, _, broken = running_para(p, rng, mx, y, W - 2 * mx, body, fs, key, lh, fs * 2, fr, force,
                                POA_BODY_LEADS if variant == "header_fields" else POA_LETTER_LEADS)
    y += lh * 0.3
    y = p.para(mx, y, W - 2 * mx, "特此委托。", fs, key, line_h=lh, indent=fs * 2)
    y += rng.uniform(90, 170)
    sx = W - mx - rng.uniform(440, 520)
    seal_lab = rng.choice(POA_SEAL_LABELS) if p.wide else "委托单位（盖章）："
    p.text(sx, y, seal_lab, fs, key)
    seal_y = y
    y += lh * 1.9
    sig_lab = rng.choice(LEGAL_SIG_LABELS) if p.wide else "法定代表人（签字）："
    ex = p.text(sx, y, sig_lab, fs, key)
    has_sig = o.get("signature", True)
    if has_sig:
        signature(p, rng, nrng, legal, ex, y + fs * 0.5)
    user_sig = rng.random() < 0.5
    if user_sig:
        y += lh * 1.6
        ex = p.text(sx, y, rng.choice(TRUSTEE_SIG_LABELS) if p.wide else "受托人（签字）：", fs, key)
        signature(p, rng, nrng, user["name"], ex, y + fs * 0.5)
    y += lh * 1.6
    p.text(W - mx - 30, y, cn_date(d1, rng), fs, key, align="r")
    red = o.get("red_seal", True)
    if red:
        fr.seal_name = o.get("seal_name", ent["name"])
        company_seal(p, rng, nrng, fr.seal_name, sx + fs * 8 + rng.uniform(0, 80), seal_y + rng.uniform(0, 60))
    wide = {} if not p.wide else dict(signature_label=sig_lab, seal_label=seal_lab,
                                      broken_value=force if broken else None)
    return p, truth("power_of_attorney", uscc, name, idnum, user["name"], red, has_sig, layout=variant,
                    legal_representative=legal, authorized_user_signed=user_sig, **wide, **fr.extra()), False


# ------------------------------------------------------------------ trade filing form

def trade_filing_form(ctx, rng, nrng, o):
    ent = ctx["ent"]
    p = new_page(rng, False, ctx)
    fr = Fields(p)
    W, H = p.wb, p.hb
    key = rng.choice(faces(p, "print", PRINT_FONTS))
    vkey = rng.choice(faces(p, "print", PRINT_FONTS))
    name = shown_name(o.get("name", ent["name"]), rng, 0.3)
    uscc = o.get("uscc", ent["uscc"])
    legal = ent["legal"]
    mx = rng.uniform(85, 120)
    y = rng.uniform(120, 180)
    p.text(W / 2, y, "对外贸易经营者备案登记表", rng.uniform(36, 42), rng.choice(faces(p, "title", ["song", "hei"])), align="m",
           bold=1)
    y += 85
    fs = rng.uniform(19, 22)
    p.text(mx, y, "备案登记表编号：%s" % ent["filing_no"], fs, key)
    p.text(W - mx, y, "进出口企业代码：%s" % uscc, fs, key, align="r")
    y += fs * 2.2
    x0, x3 = mx, W - mx
    lw = rng.uniform(210, 250)
    rh = fs * rng.uniform(2.3, 2.7)
    reg_date = ent["established"]
    capital = ent["capital"]
    rows = [("经营者中文名称", name), ("经营者英文名称", ent["en_name"]), ("统一社会信用代码", uscc),
            ("经营者类型|（由备案登记机关填写）", ent["type"].split("（")[0]),
            ("住　　所", ent["address"]), ("经营场所（中文）", ent["address"]), ("经营场所（英文）", ent["en_address"]),
            ("联系电话|联系传真", (ent["phone"], ent["phone"][:-1] + str((int(ent["phone"][-1]) + 1) % 10))),
            ("邮政编码|电子邮箱", (ent["postcode"], "")),
            ("工商登记注册日期|工商登记注册号", (cn_date(reg_date, rng, 1), uscc))]
    legal_name = spaced(p, rng, legal["name"])
    rows2 = [("企业法定代表人姓名|有效证件号", (legal_name, legal["id_number"])),
             ("注册资金|（折美元）", (capital, ""))]
    fr.add("company_name", name)
    fr.add("uscc", uscc)
    fr.add("legal_representative", legal_name)
    fr.add("legal_representative_id_number", legal["id_number"])
    top = y

    def draw_rows(rows, y):
        for lab, v in rows:
            p.line(x0, y, x3, y, w=1.5)
            if isinstance(v, tuple):
                l1, l2 = lab.split("|")
                xm = x0 + lw + (x3 - x0 - lw) * 0.42
                xm2 = xm + lw * 0.85
                p.text(x0 + lw / 2, y + (rh - fs) / 2, l1, fs * (0.85 if len(l1) > 8 else 1), key, align="m")
                p.text(x0 + lw + 10, y + (rh - fs) / 2, v[0], fs, vkey)
                p.text(xm + (xm2 - xm) / 2, y + (rh - fs) / 2, l2, fs * (0.85 if len(l2) > 6 else 1), key, align="m")
                p.text(xm2 + 10, y + (rh - fs) / 2, v[1], fs * (0.9 if len(v[1]) > 16 else 1), vkey)
                p.line(xm, y, xm, y + rh, w=1.5)
                p.line(xm2, y, xm2, y + rh, w=1.5)
            else:
                parts = lab.split("|")
                s = fs * (0.85 if len(parts[0]) > 9 else 1)
                if len(parts) == 2:
                    p.text(x0 + lw / 2, y + rh / 2 - s * 1.1, parts[0], s, key, align="m")
                    p.text(x0 + lw / 2, y + rh / 2 + s * 0.05, parts[1], s * 0.7, key, align="m")
                else:
                    p.text(x0 + lw / 2, y + (rh - s) / 2, parts[0], s, key, align="m")
                vs = fs * (0.85 if p.width(v, fs, vkey) > (x3 - x0 - lw - 20) else 1)
                p.text(x0 + lw + 10, y + (rh - vs) / 2, v, vs, vkey)
            p.line(x0 + lw, y, x0 + lw, y + rh, w=1.5)
            y += rh
        return y

    y = draw_rows(rows, y)
    p.line(x0, y, x3, y, w=1.5)
    p.text(W / 2, y + (rh - fs) / 2, "依法办理工商登记的企业还须填写以下内容", fs, key, align="m")
    y += rh
    y = draw_rows(rows2, y)
    p.line(x0, y, x3, y, w=1.5)
    y2 = y + 30
    stmt = ("依照《中华人民共和国对外贸易法》的规定，本对外贸易经营者已办理备案登记。备案登记表中所填内容真实、准确、完整。")
    y2 = p.para(x0 + 25, y2, x3 - x0 - 50, stmt, fs, key, indent=fs * 2)
    seal_cx = x3 - rng.uniform(230, 300)
    seal_cy = y2 + 130
    p.text(seal_cx - 140, seal_cy - 60, "备案登记机关签章", fs, key)
    fdate = ent["established"] + datetime.timedelta(days=rng.randrange(10, 400))
    if fdate > ctx["doc_date"]:
        fdate = ent["established"]
    p.text(seal_cx - 90, seal_cy + 70, cn_date(fdate, rng, 2), fs, key)
    bottom = seal_cy + 140
    for xx in (x0, x3):
        p.line(xx, top, xx, bottom, w=2.5)
    p.line(x0, top, x3, top, w=2.5)
    p.line(x0, bottom, x3, bottom, w=2.5)
    office = ent["commerce"]
    grey_seal(p, rng, nrng, "对外贸易经营者备案登记（%s%s）" % (ent["division"][3], ent["division"][2].replace("区", "").replace("新", "")[:2]),
              seal_cx, seal_cy, horiz="备案登记专用章", diam=rng.uniform(200, 230))
    p.text(x0, bottom + 30, "注：本表一式两份，备案登记机关和对外贸易经营者各留存一份。", fs * 0.8, key)
    red = o.get("red_seal", True)
    if red:
        sx, sy = rng.uniform(W * 0.25, W * 0.55), rng.uniform(top + 150, bottom - 200)
        fr.seal_name = o.get("seal_name", ent["name"])
        company_seal(p, rng, nrng, fr.seal_name, sx, sy)
        if rng.random() < 0.5:
            handnote(p, rng, nrng, "与原件一致", sx + 60, sy + 150, h=40)
    return p, truth("trade_filing_form", uscc, name, None, legal["name"], red, False, layout="table",
                    filing_no=ent["filing_no"], seal_grey=True, office=office, **fr.extra()), True


# ------------------------------------------------------------------ FIE approval certificate

def fie_approval_certificate(ctx, rng, nrng, o):
    ent = ctx["ent"]
    land = rng.random() < 0.5
    p = new_page(rng, land, ctx)
    fr = Fields(p)
    W, H = p.wb, p.hb
    key = rng.choice(faces(p, "label", ["song", "hei"]))
    vkey = rng.choice(faces(p, "print", PRINT_FONTS))
    name = shown_name(o.get("name", ent["name"]), rng, 0.3)
    uscc = o.get("uscc", ent["uscc"])
    m = rng.uniform(50, 80)
    p.rect(m, m, W - m, H - m, w=4, outline=60)
    p.rect(m + 12, m + 12, W - m - 12, H - m - 12, w=1.5, outline=60)
    y = m + 90
    draw.draw_emblem(p, W / 2, y + 20, 50, level=70)
    y += 95
    p.text(W / 2, y, "中华人民共和国", 34, key, align="m", spacing=12, bold=1)
    y += 60
    p.text(W / 2, y, "外商投资企业批准证书", rng.uniform(46, 56), key, align="m", spacing=8, bold=2)
    y += 90
    fs = rng.uniform(20, 24)
    d = ent["division"]
    est = ent["established"]
    approval = "商外资%s字〔%d〕%04d号" % (rng.choice(["%s%s" % (d[3][0], "合资"), "%s独资" % d[3][0], "%s审" % d[3][0]]),
                                    est.year, rng.randrange(1, 9999))
    p.text(m + 60, y, "批准号：" + approval, fs, key)
    p.text(W - m - 60, y, "进出口企业代码：%s" % uscc[8:16] if rng.random() < 0.3 else "", fs, key, align="r")
    y += fs * 2.3
    lx, lw = m + 70, fs * 8.2
    vx = lx + lw + 30
    vw = W - m - 70 - vx
    lh = fs * (1.9 if land else 2.3)
    inv = ent["investors"] or [("香港%s控股有限公司" % ent["brand"], "香港")]
    fields = [("企业名称", name), ("统一社会信用代码", uscc), ("地　　址", ent["address"]),
              ("企业类型", "%s" % {"有限责任公司（外国法人独资）": "外资企业", "有限责任公司（中外合资）": "中外合资企业",
                                  "有限责任公司（台港澳法人独资）": "台港澳侨投资企业"}.get(ent["type"], "外商投资企业")),
              ("经营年限", "%s年" % rng.choice([20, 30, 50])),
              ("投资总额", "%d万美元" % max(30, ent["capital_wan"] // 5)), ("注册资本", ent["capital"]),
              ("经营范围", "；".join(ent["scope"][:5]) + "。")]
    for lab, v in fields:
        p.spread(lx, y, lab, fs, lw, key)
        lo = []
        y = p.para(vx, y, vw, v, fs, vkey, line_h=fs * 1.45, justify=False, lines_out=lo) + lh - fs * 1.45
        fr.add({"企业名称": "company_name", "统一社会信用代码": "uscc"}.get(lab), "\n".join(lo))
    # investors table
    p.text(lx, y, "投资者名称", fs, key)
    p.text(lx + vw * 0.55, y, "注册地", fs, key)
    p.text(lx + vw * 0.8, y, "出资额", fs, key)
    y += lh * 0.9
    for nm, place in inv:
        p.text(lx, y, nm, fs * 0.95, vkey)
        p.text(lx + vw * 0.55, y, place, fs * 0.95, vkey)
        p.text(lx + vw * 0.8, y, ent["capital"] if len(inv) == 1 else "%d万美元" % max(10, ent["capital_wan"] // 14), fs * 0.95, vkey)
        y += lh * 0.8
    issue = est - datetime.timedelta(days=rng.randrange(5, 60))
    sx, sy = W - m - 260, H - m - 190
    p.text(sx - 120, sy - 80, "发证机关：%s人民政府" % d[1].replace("广东省", "").replace("江苏省", "").replace("浙江省", "")
           .replace("湖北省", "").replace("山东省", "").replace("福建省", ""), fs, key)
    p.text(sx - 120, sy + 60, "发证日期：" + cn_date(issue, rng, 1), fs, key)
    grey_seal(p, rng, nrng, "%s人民政府" % d[1].replace("广东省", "").replace("江苏省", "").replace("浙江省", "")
              .replace("湖北省", "").replace("山东省", "").replace("福建省", ""), sx + 20, sy, diam=rng.uniform(210, 240))
    p.text(m + 60, H - m - 60, "（副本）", fs, key)
    red = o.get("red_seal", True)
    if red:
        fr.seal_name = o.get("seal_name", ent["name"])
        company_seal(p, rng, nrng, fr.seal_name, rng.uniform(W * 0.3, W * 0.55), rng.uniform(H * 0.35, H * 0.65))
    return p, truth("fie_approval_certificate", uscc, name, None, ent["legal"]["name"], red, False,
                    layout="landscape" if land else "portrait", approval_no=approval, seal_grey=True,
                    **fr.extra()), True


RENDERERS = {
    "business_licence": business_licence, "id_card_copy": id_card_copy, "application_form": application_form,
    "esign_confirmation": esign_confirmation, "power_of_attorney": power_of_attorney,
    "trade_filing_form": trade_filing_form, "fie_approval_certificate": fie_approval_certificate,
}
