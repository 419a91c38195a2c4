#!/usr/bin/python3
"""scangen: deterministic synthetic scans of e-key submission materials.

    /usr/bin/python3 tools/scangen/scangen.py --out DIR [--count N] [--seed S]
        [--faults none|mix|each] [--procedure P] [--variety classic|wide] [--list-faults] [--selftest]
    /usr/bin/python3 tools/scangen/scangen.py --from DIR [--variety classic|wide]
        [--fault KIND [--fault-material TYPE]]

See README.md beside this file.
"""

import argparse
import datetime
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import codes  # noqa: E402
import data  # noqa: E402
import documents  # noqa: E402
import draw  # noqa: E402

SIZE_LIMIT = 200 * 1000        # clean scans stay under 200 KB whichever way KB is counted
TOO_LARGE_MIN = 300 * 1024     # too_large scans are well over it

PROCEDURES = ["first_issue_online", "first_issue_offline", "reissue", "additional"]
ONLINE = {"first_issue_online"}
SIX = ["application_form", "esign_confirmation", "FILING", "business_licence", "id_card_copy", "power_of_attorney"]
FIVE = ["application_form", "FILING", "business_licence", "id_card_copy", "power_of_attorney"]
MATERIALS = {"first_issue_online": SIX, "first_issue_offline": FIVE, "reissue": FIVE, "additional": SIX}
NEEDS_REASON = {"reissue", "additional"}

# fault kind -> (description, procedures it applies to or None for all)
FAULTS = {
    "seal_missing": ("a sealed document (application form / e-sign confirmation / power of attorney) has no red seal", None),
    "grey_seal_only": ("the business licence copy carries only the grey registration seal, no red company seal", None),
    "signature_missing": ("application form without the legal representative's signature, or e-sign confirmation without the authorised user's", None),
    "uscc_mismatch": ("business licence or filing document shows a different valid USCC than submission.json", None),
    "uscc_invalid": ("submission.json's USCC fails its checksum (documents show the same wrong code)", None),
    "name_mismatch": ("the business licence shows a different company name", None),
    "idnum_mismatch": ("the ID card copy shows a different valid ID number", None),
    "idnum_invalid": ("the authorised user's ID number fails its check digit (documents show the same number)", None),
    "material_missing": ("a required material is left out of materials[] (and not written)", None),
    "file_missing": ("a material is listed in materials[] but its file is absent", None),
    "truncated": ("one JPEG cut in half", None),
    "empty_file": ("one material is a 0-byte file", None),
    "blank_page": ("one material is a scan of an empty sheet", None),
    "wrong_type": ("a slot holds another document (e.g. business_licence slot holds an ID card copy)", None),
    "too_large": ("online procedure: one scan saved over 200 KB", ["first_issue_online"]),
    "pdf_renamed": ("a small valid PDF saved under the .jpg name", None),
    "reason_missing": ("reissue/additional submission without a reason", ["reissue", "additional"]),
    # --variety wide only (a classic run keeps the 17 kinds above, and so its output)
    "tick_mismatch": ("the application form ticks another 申请事项 item than the procedure's", None),
    "seal_name_mismatch": ("a red company seal carries another company's name along its arc", None),
    "person_lookalike": ("the ID card copy shows the authorised user's name with one character swapped for one "
                         "that looks like it (张伟 / 张炜)", None),
}
WIDE_FAULTS = {"tick_mismatch", "seal_name_mismatch", "person_lookalike"}
# Kinds a mix plan never draws (only --faults each and --fault give them), so that the mix runs
# measured before they came draw the same submissions.
NOT_IN_MIX = {"person_lookalike"}
VARIETIES = ["classic", "wide"]


def variety_faults(variety):
    return [f for f in FAULTS if variety == "wide" or f not in WIDE_FAULTS]


def fault_procedures(fault):
    if fault is None:
        return PROCEDURES
    return FAULTS[fault][1] or PROCEDURES


def tiny_pdf(title):
    """A minimal valid one-page PDF (correct xref offsets)."""
    content = ("BT /F1 24 Tf 72 760 Td (%s) Tj ET" % title).encode("latin-1")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offs:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def render_image(ctx, rng, nrng, doc_type, overrides, big=False):
    """Render one material and scan it. Returns (PIL image, truth dict)."""
    page, truth, photocopied = documents.RENDERERS[doc_type](ctx, rng, nrng, overrides)
    r = rng.random()
    if ctx.get("wide"):    # 10 % upside down, 6 % each way sideways
        rotation = 180 if r < 0.10 else 90 if r < 0.16 else 270 if r < 0.22 else 0
    else:
        rotation = 180 if r < 0.05 else 90 if r < 0.075 else 270 if r < 0.10 else 0
    skew = round(rng.uniform(-3, 3), 2) if rng.random() < 0.75 else round(rng.uniform(-0.4, 0.4), 2)
    blur = round(rng.uniform(0, 1.2), 2)
    tone = round(rng.random(), 2) if ctx.get("wide") and photocopied else None
    img = draw.scan(page, rng, nrng, photocopied, skew, rotation, blur, tone=tone)
    truth.update({"rotation": rotation, "skew_deg": skew, "blur": blur, "photocopy": photocopied})
    if tone is not None:
        truth["copy_tone"] = tone
    return img, truth


def doc_fault(rng, fault, types, filing, ent, user, findings, overrides, listed, file_state, slot_doc, target=None):
    """Apply a fault that lives in the documents (or materials list): fill overrides, listed,
    file_state and slot_doc, and append the finding. target pins the material (else seeded choice)."""
    def ov(t):
        return overrides.setdefault(t, {})

    def pick(cands, fixed=False):   # fixed: the generator's default target, no random draw
        cands = [t for t in cands if t in types]
        if target is not None:
            if target not in cands:
                raise ValueError("fault %s cannot apply to material %s (possible: %s)" % (fault, target, ", ".join(cands) or "none"))
            return target
        if not cands:
            raise ValueError("fault %s: none of the materials it needs is listed" % fault)
        return cands[0] if fixed else rng.choice(cands)

    if fault == "seal_missing":
        t = pick(("application_form", "esign_confirmation", "power_of_attorney") if target is None else
                 ("application_form", "esign_confirmation", "power_of_attorney", "business_licence", "id_card_copy",
                  "trade_filing_form", "fie_approval_certificate"))
        ov(t)["red_seal"] = False
        findings.append(("seal.missing", t))
    elif fault == "grey_seal_only":
        t = pick(["business_licence"], fixed=True)
        ov(t)["red_seal"] = False
        findings.append(("seal.missing", t))
    elif fault == "signature_missing":
        t = pick(("application_form", "esign_confirmation"))
        ov(t)["signature"] = False
        findings.append(("signature.missing", t))
    elif fault == "uscc_mismatch":
        t = pick(["business_licence", filing])
        ov(t)["uscc"] = codes.other_uscc(rng, ent["uscc"])
        findings.append(("uscc.mismatch", t))
    elif fault == "name_mismatch":
        t = pick(["business_licence"] if target is None else
                 ["business_licence", "application_form", "esign_confirmation", "power_of_attorney", filing], fixed=True)
        ov(t)["name"] = data.other_name(rng, ent)
        findings.append(("name.mismatch", t))
    elif fault == "idnum_mismatch":
        t = pick(["id_card_copy"] if target is None else
                 ["id_card_copy", "application_form", "esign_confirmation", "power_of_attorney"], fixed=True)
        ov(t)["idnum"] = codes.other_idnum(rng, user["id_number"], user["male"])
        findings.append(("idnum.mismatch", t))
    elif fault == "material_missing":
        t = pick(types)
        listed.remove(t)
        findings.append(("material.missing", t))
    elif fault in ("file_missing", "truncated", "empty_file", "blank_page", "too_large", "pdf_renamed"):
        t = pick(types)
        file_state[t] = fault
        code = {"file_missing": "material.missing", "too_large": "material.too_large"}.get(fault, "material.unreadable")
        findings.append((code, t))
    elif fault == "tick_mismatch":
        t = pick(["application_form"], fixed=True)
        ov(t)["tick_other"] = True
        findings.append(("form.tick_mismatch", t, "fail"))
    elif fault == "seal_name_mismatch":
        t = pick(("application_form", "esign_confirmation", "power_of_attorney") if target is None else
                 ("application_form", "esign_confirmation", "power_of_attorney", "business_licence", "id_card_copy",
                  "trade_filing_form", "fie_approval_certificate"))
        ov(t)["seal_name"] = data.other_name(rng, ent)
        findings.append(("seal.name_mismatch", t, "fail"))
    elif fault == "person_lookalike":
        t = pick(["id_card_copy"], fixed=True)
        ov(t)["person_name"] = data.lookalike_name(rng, user["name"])
        findings.append(("name.mismatch", t, "review"))   # a person's name one character off: a person's call
    elif fault == "wrong_type":
        pairs = [("business_licence", "id_card_copy"), ("id_card_copy", "business_licence"),
                 ("power_of_attorney", "application_form"), (filing, "business_licence"),
                 ("business_licence", filing)]
        pairs = [(a, b) for a, b in pairs if a in types and (target is None or a == target)]
        if not pairs:
            raise ValueError("fault wrong_type cannot apply to %s" % (target or "these materials"))
        t, other = rng.choice(pairs)
        slot_doc[t] = other
        findings.append(("material.wrong_type", t))


def expected_verdict(findings):
    """pass with no finding, review when every finding is one a person settles, else fail."""
    if not findings:
        return "pass"
    return "review" if all(len(f) > 2 and f[2] == "review" for f in findings) else "fail"


def findings_json(findings):
    """(code, material[, severity]) tuples as expected.json writes them: severity only where given."""
    return [dict(zip(("code", "material", "severity"), f)) for f in findings]


def write_materials(folder, sid, types, listed, fnames, file_state, slot_doc, overrides, ctx, rngs):
    """Render and write every listed material into folder; rngs(t) gives the (rng, nrng) for slot t.
    Returns the truth dict."""
    truth = {}
    no_fields = {"fields": {}, "fields_printed": {}, "seal_name": None} if ctx.get("wide") else {}
    for t in types:
        if t not in listed:
            continue
        fname = fnames[t]
        path = os.path.join(folder, fname)
        rng, nrng = rngs(t)
        state = file_state.get(t)
        if state == "file_missing":
            continue
        if state == "empty_file":
            open(path, "wb").close()
            truth[t] = {"doc_type": None, "file_state": "empty", "file": fname, **no_fields}
            continue
        if state == "pdf_renamed":
            blob = tiny_pdf("%s %s" % (t, sid))
            with open(path, "wb") as f:
                f.write(blob)
            truth[t] = {"doc_type": None, "file_state": "pdf", "file": fname, "bytes": len(blob), **no_fields}
            continue
        if state == "blank_page":
            img = draw.blank_scan(rng, nrng, 1240, 1754)
            tr = {"doc_type": "blank", "has_red_seal": False, "has_signature": False, "rotation": 0, "skew_deg": 0.0,
                  **no_fields}
        else:
            img, tr = render_image(ctx, rng, nrng, slot_doc[t], overrides.get(slot_doc[t], {}))
        if state == "too_large":
            img = img.resize((int(img.width * 1.25), int(img.height * 1.25)), resample=3)
            blob, q, _ = draw.encode_jpeg(img, 92, limit=None)
            while len(blob) <= TOO_LARGE_MIN:
                img = img.resize((int(img.width * 1.2), int(img.height * 1.2)), resample=3)
                blob, q, _ = draw.encode_jpeg(img, 97, limit=None)
        else:
            blob, q, img = draw.encode_jpeg(img, rng.randrange(35, 81), limit=SIZE_LIMIT)
        if state == "truncated":
            full = len(blob)
            blob = blob[:full // 2]
            tr["file_state"] = "truncated"
            tr["original_bytes"] = full
        with open(path, "wb") as f:
            f.write(blob)
        tr.update({"file": fname, "width": img.width, "height": img.height, "jpeg_quality": q, "bytes": len(blob)})
        truth[t] = tr
    return truth


def build(seed, index, fault, procedure, outdir, variety="classic"):
    rng = random.Random("scangen:%d:%d" % (seed, index))
    nrng = np.random.default_rng(rng.getrandbits(63))
    sid = "S-2026-1%05d" % ((seed * 9973 + index + 1) % 100000)
    ent = data.make_enterprise(rng)
    user = data.make_person(rng)
    while user["name"] == ent["legal"]["name"]:
        user = data.make_person(rng)
    sub_day = datetime.date(2026, 1, 5) + datetime.timedelta(days=rng.randrange(0, 345))
    while sub_day.weekday() >= 5:
        sub_day += datetime.timedelta(days=1)
    submitted = datetime.datetime(sub_day.year, sub_day.month, sub_day.day, rng.randrange(8, 18), rng.choice([0, 5, 10, 15, 20, 30, 40, 45, 50]),
                                  rng.randrange(0, 60))
    doc_date = sub_day - datetime.timedelta(days=rng.randrange(0, 12))
    reason = None
    if procedure == "reissue":
        reason = rng.choice(data.REISSUE_REASONS)
    elif procedure == "additional":
        reason = rng.choice(data.ADDITIONAL_REASONS)
    findings = []
    overrides = {}

    filing = "trade_filing_form" if ent["kind"] == "domestic" else "fie_approval_certificate"
    types = [filing if t == "FILING" else t for t in MATERIALS[procedure]]

    if fault == "uscc_invalid":
        ent["uscc"] = codes.corrupt_uscc(rng, ent["uscc"])
        findings.append(("uscc.invalid", "submission"))
    elif fault == "idnum_invalid":
        user["id_number"] = codes.corrupt_idnum(rng, user["id_number"])
        findings.append(("idnum.invalid", "submission"))
    elif fault == "reason_missing":
        reason = None
        findings.append(("reason.missing", "submission"))
    ctx = {"ent": ent, "user": user, "procedure": procedure, "reason": reason, "doc_date": doc_date,
           "email": data.email_for(rng, user, ent), "wide": variety == "wide"}

    listed = list(types)
    file_state, slot_doc = {}, {t: t for t in types}
    doc_fault(rng, fault, types, filing, ent, user, findings, overrides, listed, file_state, slot_doc)
    os.makedirs(os.path.join(outdir, sid), exist_ok=True)
    materials = [{"type": t, "file": t + ".jpg"} for t in types if t in listed]
    truth = write_materials(os.path.join(outdir, sid), sid, types, listed, {t: t + ".jpg" for t in types}, file_state,
                            slot_doc, overrides, ctx, lambda t: (rng, nrng))

    sub = {
        "id": sid, "procedure": procedure, "submitted_at": submitted.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
        "channel": "online" if procedure in ONLINE else "paper",
        "enterprise": {"name": ent["name"], "uscc": ent["uscc"], "kind": ent["kind"]},
        "applicant": {"login_username": ent["login"], "legal_representative": ent["legal"]["name"],
                      "authorized_user": {"name": user["name"], "id_number": user["id_number"]},
                      "email": ctx["email"]},
    }
    if reason:
        sub["reason"] = reason
    sub["materials"] = materials
    exp = {"verdict": expected_verdict(findings), "fault": fault, "findings": findings_json(findings),
           "truth": truth}
    with open(os.path.join(outdir, sid, "submission.json"), "w", encoding="utf-8") as f:
        json.dump(sub, f, ensure_ascii=False, indent=2)
        f.write("\n")
    with open(os.path.join(outdir, sid, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(exp, f, ensure_ascii=False, indent=2)
        f.write("\n")
    return sid, fault, procedure


# ------------------------------------------------------------------ --from: an existing submission

SUBMISSION_FAULTS = {"uscc_invalid", "idnum_invalid", "reason_missing", "material_missing"}   # rewrite submission.json
RENDERS = set(documents.RENDERERS)


def _person_from(rng, name, idnum, division_hint=""):
    """A full person record for a name and ID number: birth and sex read from the number
    (sex from the 17th digit), the rest (address, ethnicity, card validity, phone) seeded."""
    birth = male = None
    if isinstance(idnum, str) and len(idnum) == 18 and idnum[:17].isdigit():
        try:
            birth = datetime.date(int(idnum[6:10]), int(idnum[10:12]), int(idnum[12:14]))
        except ValueError:
            birth = None
        male = int(idnum[16]) % 2 == 1
    if male is None:
        male = data.guess_male(name, rng)
    div = data.division_for(idnum[:6] if isinstance(idnum, str) else "", rng, division_hint)
    p = data.make_person(rng, male=male, division=div, birth=birth)
    p["name"] = name
    if idnum:
        p["id_number"] = idnum
    return p


def _enterprise_from(rng, e, legal_name):
    uscc, name = e["uscc"], e["name"]
    kind = e.get("kind", "domestic")
    div = data.division_for(uscc[2:8] if isinstance(uscc, str) else "", rng, name)
    ent = data.make_enterprise(rng, kind=kind, division=div)
    ent["name"], ent["uscc"] = name, uscc
    ent["brand"], ent["brand_py"] = data.brand_of(name, div)
    ent["en_name"] = data.english_name(name, ent["brand_py"], div)
    # registration date consistent with the code: MA... codes were issued from October 2015 on
    modern = isinstance(uscc, str) and uscc[8:10] == "MA"
    if modern and ent["established"] < datetime.date(2015, 10, 1):
        ent["established"] = data.rand_date(rng, datetime.date(2015, 10, 1), datetime.date(2024, 6, 30))
    elif not modern and ent["established"] >= datetime.date(2016, 1, 1):
        ent["established"] = data.rand_date(rng, datetime.date(2003, 1, 1), datetime.date(2015, 9, 30))
    if ent["term_end"] != "长期":
        est = ent["established"]
        ent["term_end"] = "%04d年%02d月%02d日" % (est.year + rng.choice([20, 30, 50]), est.month, est.day)
    legal = data.make_person(rng, male=data.guess_male(legal_name, rng), division=div if rng.random() < 0.6 else None)
    legal["name"] = legal_name
    ent["legal"] = legal
    return ent


def _inherent_findings(sub, types):
    """Problems the submission already has (so a render without --fault is not necessarily a pass)."""
    out = []
    ent, app = sub.get("enterprise", {}), sub.get("applicant", {})
    if not codes.uscc_valid(ent.get("uscc")):
        out.append(("uscc.invalid", "submission"))
    if not codes.idnum_valid(app.get("authorized_user", {}).get("id_number")):
        out.append(("idnum.invalid", "submission"))
    if sub["procedure"] in NEEDS_REASON and not sub.get("reason"):
        out.append(("reason.missing", "submission"))
    filing = "trade_filing_form" if ent.get("kind") == "domestic" else "fie_approval_certificate"
    for t in MATERIALS[sub["procedure"]]:
        t = filing if t == "FILING" else t
        if t not in types:
            out.append(("material.missing", t))
    return out


def _faulted_submission_text(raw, new, fault, old_value, new_value):
    """The text of the faulted submission.json: the original text with as small an edit as
    possible (one value or one entry), or a full json.dump when the text edit is not clean."""
    import re
    text = None
    if fault in ("uscc_invalid", "idnum_invalid"):
        a, b = json.dumps(old_value, ensure_ascii=False), json.dumps(new_value, ensure_ascii=False)
        if raw.count(a) == 1:
            text = raw.replace(a, b)
    elif fault == "reason_missing":
        m = re.search(r'\n[ \t]*"reason"[ \t]*:[ \t]*"(?:[^"\\]|\\.)*"[ \t]*,', raw)
        if m:
            text = raw[:m.start()] + raw[m.end():]
    elif fault == "material_missing":
        t, f = old_value
        m = re.search(r'[ \t]*\{\s*"type"\s*:\s*%s\s*,\s*"file"\s*:\s*%s\s*\}' % (
            re.escape(json.dumps(t, ensure_ascii=False)), re.escape(json.dumps(f, ensure_ascii=False))), raw)
        if m:
            after = re.match(r'[ \t]*,[ \t]*\n?', raw[m.end():])
            if after:
                text = raw[:m.start()] + raw[m.end() + after.end():]
            else:   # last entry: drop the comma before it
                before = re.search(r',\s*$', raw[:m.start()])
                if before:
                    text = raw[:before.start()] + raw[m.end():]
    try:
        ok = text is not None and json.loads(text) == new
    except ValueError:
        ok = False
    if not ok:
        text = json.dumps(new, ensure_ascii=False, indent=2) + "\n"
    return text


def build_from(folder, fault=None, target=None, variety="classic"):
    """Render the materials of an existing submission folder (scangen --from)."""
    if fault in WIDE_FAULTS and variety != "wide":
        raise ValueError("fault %s needs --variety wide" % fault)
    path = os.path.join(folder, "submission.json")
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    sub = json.loads(raw)
    sid, procedure = sub["id"], sub["procedure"]
    if procedure not in PROCEDURES:
        raise ValueError("%s: unknown procedure %r" % (sid, procedure))
    if fault and procedure not in fault_procedures(fault):
        raise ValueError("fault %s does not apply to procedure %s" % (fault, procedure))
    mats = sub.get("materials", [])
    types = [m["type"] for m in mats]
    fnames = {m["type"]: m["file"] for m in mats}
    if len(set(types)) != len(types):
        raise ValueError("%s: a material type is listed twice" % sid)
    for m in mats:
        if m["type"] not in RENDERS:
            raise ValueError("%s: no renderer for material type %r" % (sid, m["type"]))
        if os.path.basename(m["file"]) != m["file"] or not m["file"]:
            raise ValueError("%s: material file %r is not a plain file name" % (sid, m["file"]))
        if not m["file"].lower().endswith((".jpg", ".jpeg")):
            print("scangen: %s: %s gets JPEG data despite its name" % (sid, m["file"]), file=sys.stderr)
    if target is not None and target not in types:
        raise ValueError("--fault-material %s is not listed in %s" % (target, sid))

    rng = random.Random("scangen-from:%s" % sid)          # the submission's own filler data
    frng = random.Random("scangen-from-fault:%s:%s" % (sid, fault))   # fault choices only
    e, app = sub["enterprise"], sub["applicant"]
    au = app["authorized_user"]
    ent = _enterprise_from(rng, e, app["legal_representative"])
    ent["login"] = app.get("login_username", ent["login"])
    user = _person_from(rng, au["name"], au["id_number"], e["name"])
    try:
        sub_day = datetime.datetime.fromisoformat(sub["submitted_at"]).date()
    except (KeyError, TypeError, ValueError):
        sub_day = datetime.date(2026, 11, 2) + datetime.timedelta(days=rng.randrange(0, 25))
    doc_date = sub_day - datetime.timedelta(days=rng.randrange(0, 12))
    if ent["established"] > doc_date:
        ent["established"] = doc_date - datetime.timedelta(days=rng.randrange(30, 400))
    reason = sub.get("reason")
    findings = _inherent_findings(sub, types)
    if findings:
        print("scangen: %s already has: %s" % (sid, ", ".join("%s (%s)" % f for f in findings)), file=sys.stderr)

    new_sub = None
    if fault == "uscc_invalid":
        old = ent["uscc"]
        ent["uscc"] = codes.corrupt_uscc(frng, old)
        new_sub = json.loads(raw)
        new_sub["enterprise"]["uscc"] = ent["uscc"]
        edit = (old, ent["uscc"])
        findings.append(("uscc.invalid", "submission"))
    elif fault == "idnum_invalid":
        old = user["id_number"]
        user["id_number"] = codes.corrupt_idnum(frng, old)
        new_sub = json.loads(raw)
        new_sub["applicant"]["authorized_user"]["id_number"] = user["id_number"]
        edit = (old, user["id_number"])
        findings.append(("idnum.invalid", "submission"))
    elif fault == "reason_missing":
        if not reason:
            raise ValueError("%s has no reason to remove" % sid)
        reason = None
        new_sub = json.loads(raw)
        del new_sub["reason"]
        edit = (None, None)
        findings.append(("reason.missing", "submission"))
    ctx = {"ent": ent, "user": user, "procedure": procedure, "reason": reason, "doc_date": doc_date,
           "email": app.get("email", ""), "wide": variety == "wide"}

    filing = next((t for t in types if t in ("trade_filing_form", "fie_approval_certificate")),
                  "trade_filing_form" if ent["kind"] == "domestic" else "fie_approval_certificate")
    listed = list(types)
    file_state, slot_doc, overrides = {}, {t: t for t in types}, {}
    if fault in SUBMISSION_FAULTS - {"material_missing"}:
        if target is not None:
            raise ValueError("fault %s is about submission.json; --fault-material does not apply" % fault)
    elif fault:
        doc_fault(frng, fault, types, filing, ent, user, findings, overrides, listed, file_state, slot_doc, target)
    if fault == "material_missing":
        gone = findings[-1][1]
        new_sub = json.loads(raw)
        new_sub["materials"] = [m for m in new_sub["materials"] if m["type"] != gone]
        edit = ((gone, fnames[gone]), None)
    new_text = None if new_sub is None else _faulted_submission_text(raw, new_sub, fault, *edit)

    # files this run must not leave behind from an earlier one
    for t in types:
        if t not in listed or file_state.get(t) == "file_missing":
            p = os.path.join(folder, fnames[t])
            if os.path.exists(p):
                os.remove(p)

    def rngs(t):    # one stream per slot: a fault in one material leaves the others unchanged
        r = random.Random("scangen-from:%s:%s" % (sid, t))
        return r, np.random.default_rng(r.getrandbits(63))

    truth = write_materials(folder, sid, types, listed, fnames, file_state, slot_doc, overrides, ctx, rngs)
    if new_text is not None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(new_text)
    exp = {"verdict": expected_verdict(findings), "fault": fault, "findings": findings_json(findings),
           "truth": truth}
    with open(os.path.join(folder, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(exp, f, ensure_ascii=False, indent=2)
        f.write("\n")
    return sid, fault, procedure, truth


def _build_star(a):
    return build(*a)


def plan(args):
    """List of (index, fault, procedure)."""
    procs = [args.procedure] if args.procedure else PROCEDURES
    out = []
    if args.faults == "each":
        i = 0
        for p in procs:
            out.append((i, None, p))
            i += 1
        for f in variety_faults(args.variety):
            allowed = [p for p in fault_procedures(f) if p in procs]
            if not allowed:
                print("scangen: skipping fault %s: not applicable to procedure %s" % (f, args.procedure), file=sys.stderr)
                continue
            r = random.Random("scangen-plan:%d:%s" % (args.seed, f))
            out.append((i, f, r.choice(allowed)))
            i += 1
        return out
    for i in range(args.count):
        r = random.Random("scangen-plan:%d:%d" % (args.seed, i))
        fault = None
        if args.faults == "mix" and r.random() >= 0.6:
            kinds = [f for f in variety_faults(args.variety)
                     if f not in NOT_IN_MIX and any(p in procs for p in fault_procedures(f))]
            fault = r.choice(kinds)
        allowed = [p for p in fault_procedures(fault) if p in procs]
        out.append((i, fault, r.choice(allowed)))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="Deterministic synthetic scans of e-key submission materials.")
    ap.add_argument("--out", help="output directory")
    ap.add_argument("--from", dest="from_dir", metavar="DIR",
                    help="render the materials listed in an existing DIR/submission.json into DIR")
    ap.add_argument("--fault", choices=list(FAULTS), help="with --from: the one fault to apply")
    ap.add_argument("--fault-material", metavar="TYPE",
                    help="with --from --fault: the material the fault goes on (default: a seeded choice)")
    ap.add_argument("--count", type=int, default=10, help="number of submissions (ignored with --faults each)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--faults", choices=["none", "mix", "each"], default="none")
    ap.add_argument("--procedure", choices=PROCEDURES)
    ap.add_argument("--variety", choices=VARIETIES, default="classic",
                    help="classic (default, the tests' scans) or wide: more faces, layouts, label wordings, "
                         "rotations and copy tones, and the fault kinds tick_mismatch and seal_name_mismatch")
    ap.add_argument("--list-faults", action="store_true", help="print the fault kinds and exit")
    ap.add_argument("--selftest", action="store_true", help="check the USCC / ID number code and exit")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (output is identical for any value)")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.list_faults:
        for k, (desc, procs) in FAULTS.items():
            print("%-18s %s%s%s" % (k, desc, "" if not procs else " [%s]" % ", ".join(procs),
                                    " [--variety wide]" if k in WIDE_FAULTS else ""))
        return 0
    if args.selftest:
        return 0 if codes.selftest() else 1
    if args.from_dir:
        if args.out:
            ap.error("--from and --out cannot be combined")
        draw.check_fonts(args.variety == "wide")
        t0 = time.time()
        try:
            sid, fault, proc, truth = build_from(args.from_dir, args.fault, args.fault_material, args.variety)
        except (ValueError, KeyError, OSError, draw.FontError) as e:
            print("scangen: %s: %s" % (args.from_dir, e if not isinstance(e, KeyError) else "missing key %s" % e),
                  file=sys.stderr)
            return 2
        if not args.quiet:
            for t, tr in truth.items():
                print("  %-26s %7s bytes" % (tr["file"], tr.get("bytes", 0)))
            print("%s  %-20s %s  (%.1f s)" % (sid, proc, fault or "clean", time.time() - t0))
        return 0
    if args.fault or args.fault_material:
        ap.error("--fault and --fault-material need --from")
    if not args.out:
        ap.error("--out is required")
    draw.check_fonts(args.variety == "wide")
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    jobs = plan(args)
    work = [(args.seed, i, fault, proc, args.out, args.variety) for i, fault, proc in jobs]
    try:
        if args.jobs > 1:
            import multiprocessing
            with multiprocessing.Pool(args.jobs) as pool:
                results = pool.imap(_build_star, work)
                for sid, fault, proc in results:
                    if not args.quiet:
                        print("%s  %-20s %s" % (sid, proc, fault or "clean"), flush=True)
        else:
            for w in work:
                sid, fault, proc = build(*w)
                if not args.quiet:
                    print("%s  %-20s %s" % (sid, proc, fault or "clean"), flush=True)
    except draw.FontError as e:
        print("scangen: %s" % e, file=sys.stderr)
        return 2
    if not args.quiet:
        print("scangen: %d submissions in %.1f s -> %s" % (len(jobs), time.time() - t0, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
