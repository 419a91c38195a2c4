#!/usr/bin/python3
"""scangen: deterministic synthetic scans of e-key submission materials.

    /usr/bin/python3 tools/scangen/scangen.py --out DIR [--count N] [--seed S]
        [--faults none|mix|each] [--procedure P] [--list-faults] [--selftest]

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
}


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
    rotation = 180 if r < 0.05 else 90 if r < 0.075 else 270 if r < 0.10 else 0
    skew = round(rng.uniform(-3, 3), 2) if rng.random() < 0.75 else round(rng.uniform(-0.4, 0.4), 2)
    blur = round(rng.uniform(0, 1.2), 2)
    img = draw.scan(page, rng, nrng, photocopied, skew, rotation, blur)
    truth.update({"rotation": rotation, "skew_deg": skew, "blur": blur, "photocopy": photocopied})
    return img, truth


def build(seed, index, fault, procedure, outdir):
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

    def ov(t):
        return overrides.setdefault(t, {})

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
           "email": data.email_for(rng, user, ent)}

    target = None
    file_state = {}
    slot_doc = {t: t for t in types}
    listed = list(types)
    big = None
    if fault == "seal_missing":
        target = rng.choice([t for t in ("application_form", "esign_confirmation", "power_of_attorney") if t in types])
        ov(target)["red_seal"] = False
        findings.append(("seal.missing", target))
    elif fault == "grey_seal_only":
        ov("business_licence")["red_seal"] = False
        findings.append(("seal.missing", "business_licence"))
    elif fault == "signature_missing":
        target = rng.choice([t for t in ("application_form", "esign_confirmation") if t in types])
        ov(target)["signature"] = False
        findings.append(("signature.missing", target))
    elif fault == "uscc_mismatch":
        target = rng.choice(["business_licence", filing])
        ov(target)["uscc"] = codes.other_uscc(rng, ent["uscc"])
        findings.append(("uscc.mismatch", target))
    elif fault == "name_mismatch":
        ov("business_licence")["name"] = data.other_name(rng, ent)
        findings.append(("name.mismatch", "business_licence"))
    elif fault == "idnum_mismatch":
        ov("id_card_copy")["idnum"] = codes.other_idnum(rng, user["id_number"], user["male"])
        findings.append(("idnum.mismatch", "id_card_copy"))
    elif fault == "material_missing":
        target = rng.choice(types)
        listed.remove(target)
        findings.append(("material.missing", target))
    elif fault in ("file_missing", "truncated", "empty_file", "blank_page", "too_large", "pdf_renamed"):
        target = rng.choice(types)
        file_state[target] = fault
        code = {"file_missing": "material.missing", "too_large": "material.too_large"}.get(fault, "material.unreadable")
        findings.append((code, target))
    elif fault == "wrong_type":
        pairs = [("business_licence", "id_card_copy"), ("id_card_copy", "business_licence"),
                 ("power_of_attorney", "application_form"), (filing, "business_licence"),
                 ("business_licence", filing)]
        target, other = rng.choice(pairs)
        slot_doc[target] = other
        findings.append(("material.wrong_type", target))

    os.makedirs(os.path.join(outdir, sid), exist_ok=True)
    truth = {}
    materials = []
    for t in types:
        fname = t + ".jpg"
        path = os.path.join(outdir, sid, fname)
        if t in listed:
            materials.append({"type": t, "file": fname})
        else:
            continue
        state = file_state.get(t)
        if state == "file_missing":
            continue
        if state == "empty_file":
            open(path, "wb").close()
            truth[t] = {"doc_type": None, "file_state": "empty", "file": fname}
            continue
        if state == "pdf_renamed":
            blob = tiny_pdf("%s %s" % (t, sid))
            with open(path, "wb") as f:
                f.write(blob)
            truth[t] = {"doc_type": None, "file_state": "pdf", "file": fname, "bytes": len(blob)}
            continue
        if state == "blank_page":
            img = draw.blank_scan(rng, nrng, 1240, 1754)
            tr = {"doc_type": "blank", "has_red_seal": False, "has_signature": False, "rotation": 0, "skew_deg": 0.0}
        else:
            img, tr = render_image(ctx, rng, nrng, slot_doc[t], overrides.get(slot_doc[t] if slot_doc[t] != t else t, {}))
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
    exp = {"verdict": "fail" if findings else "pass", "fault": fault,
           "findings": [{"code": c, "material": m} for c, m in findings], "truth": truth}
    with open(os.path.join(outdir, sid, "submission.json"), "w", encoding="utf-8") as f:
        json.dump(sub, f, ensure_ascii=False, indent=2)
        f.write("\n")
    with open(os.path.join(outdir, sid, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(exp, f, ensure_ascii=False, indent=2)
        f.write("\n")
    return sid, fault, procedure


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
        for f in FAULTS:
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
            kinds = [f for f in FAULTS if any(p in procs for p in fault_procedures(f))]
            fault = r.choice(kinds)
        allowed = [p for p in fault_procedures(fault) if p in procs]
        out.append((i, fault, r.choice(allowed)))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description="Deterministic synthetic scans of e-key submission materials.")
    ap.add_argument("--out", help="output directory")
    ap.add_argument("--count", type=int, default=10, help="number of submissions (ignored with --faults each)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--faults", choices=["none", "mix", "each"], default="none")
    ap.add_argument("--procedure", choices=PROCEDURES)
    ap.add_argument("--list-faults", action="store_true", help="print the fault kinds and exit")
    ap.add_argument("--selftest", action="store_true", help="check the USCC / ID number code and exit")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (output is identical for any value)")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.list_faults:
        for k, (desc, procs) in FAULTS.items():
            print("%-18s %s%s" % (k, desc, "" if not procs else " [%s]" % ", ".join(procs)))
        return 0
    if args.selftest:
        return 0 if codes.selftest() else 1
    if not args.out:
        ap.error("--out is required")
    draw.check_fonts()
    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    jobs = plan(args)
    work = [(args.seed, i, fault, proc, args.out) for i, fault, proc in jobs]
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
    if not args.quiet:
        print("scangen: %d submissions in %.1f s -> %s" % (len(jobs), time.time() - t0, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
