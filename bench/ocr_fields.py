#!/usr/bin/python3
"""Field accuracy of keydesk and of peer OCR pipelines (tesseract CLI, PaddleOCR) on one batch.

The same extraction runs on every text: a field counts as read when the value printed on the scan
(expected.json "truth") is found in the text, codes after folding full-width characters and the
confusions GB 32100 rules out (O/I/Z/S in a USCC; O/I/Z/S/B in an ID number), names after folding
brackets and spaces. Line ends and spaces are removed before the search, so a value wrapped onto
the next line is found as long as nothing comes between its pieces. Where the generator printed a
value wrapped (wide set: "fields_printed", "\\n" where its line ended) and the text is read line by
line across columns (the rest of the row between the pieces), the value also counts when its
pieces are found in order on successive text lines (each piece within two lines of the one
before, empty lines skipped). Both rules apply alike to every text.

keydesk's text is what it read: the lines of the scan results in its batch database, and the
values it took from them, each a line of its own (a code a cell's line end cut in two, joined; a
code the Latin model read again). Every value is read text: none is made from the form's. A
peer's is DIR/<submission>/<file>.txt (the tesseract CLI's output layout, followed by
bench/paddle/ocr.mjs). "keydesk lines" is keydesk's lines alone (the measure until 2026-12-06):
a code wrapped in a table cell is read as two lines with the rest of the table's row between
them, which the rule for wrapped values above does not join.

usage: ocr_fields.py SUBMISSIONS KEYDESK_DB [NAME=]PEER_DIR...   (a bare PEER_DIR is "tesseract")
prints JSON: per reader read/fields/accuracy, "kinds" (uscc, name, person, id_number: [read, of])
and "rotation" (the page's rotation in degrees: [read, of]).
"""
import hashlib, json, os, sqlite3, sys

# What each material's checks compare (rules/procedures: checks.fields)
FIELDS = {
    "business_licence": ["uscc", "name"],
    "trade_filing_form": ["uscc", "name"],
    "fie_approval_certificate": ["name"],
    "application_form": ["uscc", "name"],
    "esign_confirmation": ["name"],
    "id_card_copy": ["person", "id_number"],
    "power_of_attorney": ["person", "id_number"],
}
KINDS = ["uscc", "name", "person", "id_number"]

FOLD = {ord("（"): "(", ord("）"): ")", ord("【"): "(", ord("】"): ")", ord("："): ":"}


def norm(text):
    out = []
    for ch in text:
        o = ord(ch)
        if 0xFF01 <= o <= 0xFF5E:
            ch = chr(o - 0xFEE0)
        ch = ch.translate(FOLD)
        if ch in " \t\n\r\u3000·_:":
            continue
        out.append(ch.upper())
    return "".join(out)


def views(field, text):
    """The forms of a text a value of this field is looked for in."""
    t = norm(text)
    if field not in ("uscc", "id_number"):
        return [t]
    uscc = t.replace("O", "0").replace("I", "1").replace("Z", "2").replace("S", "5")
    return [t, uscc] if field == "uscc" else [t, uscc.replace("B", "8")]


def found_in(field, value, text):
    return any(value in v for v in views(field, text))


def found_wrapped(field, pieces, lines):
    """Pieces of a wrapped value found in order on successive non-empty lines."""
    lines = [l for l in lines if norm(l)]
    def walk(k, start):
        if k == len(pieces):
            return True
        stop = len(lines) if k == 0 else min(len(lines), start + 2)
        return any(found_in(field, pieces[k], lines[i]) and walk(k + 1, i + 1) for i in range(start, stop))
    return walk(0, 0)


def found(field, value, text, wrapped):
    if not value:
        return None
    if found_in(field, norm(value) if field not in ("uscc", "id_number") else value, text):
        return True
    lines = text.split("\n")
    for form in wrapped:
        pieces = [norm(p) for p in form.split("\n") if norm(p)]
        if len(pieces) > 1 and found_wrapped(field, pieces, lines):
            return True
    return False


def wrapped_forms(truth, value):
    """The printed forms of this value with a line end inside (wide set only)."""
    out = []
    for forms in (truth.get("fields_printed") or {}).values():
        out += [f for f in forms if "\n" in f and norm(f) == norm(value)]
    return out


def main():
    subs, db, peers = sys.argv[1], sys.argv[2], sys.argv[3:]
    peers = [p.split("=", 1) if "=" in p else ("tesseract", p) for p in peers]
    texts = {"keydesk": {}, "keydesk lines": {}}
    con = sqlite3.connect(db) if os.path.exists(db) else None
    for sha, material, result in (con.execute("SELECT sha256, material, result FROM scan_results") if con else []):
        r = json.loads(result)
        lines = "\n".join(l["text"] for l in r["lines"])
        values = "\n".join(f["text"] for f in r.get("fields", []))
        texts["keydesk"][(sha, material)] = lines + "\n" + values
        texts["keydesk lines"][(sha, material)] = lines
    names = ["keydesk", "keydesk lines"] + [n for n, _ in peers]
    score = {n: {"read": 0, "fields": 0, "kinds": {k: [0, 0] for k in KINDS}, "rotation": {}} for n in names}
    for sub in sorted(os.listdir(subs)):
        d = os.path.join(subs, sub)
        if not os.path.exists(os.path.join(d, "expected.json")):
            continue
        exp = json.load(open(os.path.join(d, "expected.json"), encoding="utf-8"))
        for material, truth in exp["truth"].items():
            path = os.path.join(d, truth.get("file") or f"{material}.jpg")
            if truth.get("doc_type") != material or not os.path.exists(path):
                continue  # a blank, broken or wrong page has no fields to read
            sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
            text = {n: texts[n].get((sha, material), "") for n in ("keydesk", "keydesk lines")}
            for name, peer in peers:
                f = os.path.join(peer, sub, os.path.basename(path) + ".txt")
                text[name] = open(f, encoding="utf-8", errors="replace").read() if os.path.exists(f) else ""
            rot = str(truth.get("rotation") or 0)
            for field in FIELDS.get(material, []):
                value = truth.get(field)
                if not value:
                    continue
                wrapped = wrapped_forms(truth, value)
                for name in names:
                    ok = 1 if found(field, value, text[name], wrapped) else 0
                    s = score[name]
                    s["read"] += ok
                    s["fields"] += 1
                    s["kinds"][field][0] += ok
                    s["kinds"][field][1] += 1
                    r = s["rotation"].setdefault(rot, [0, 0])
                    r[0] += ok
                    r[1] += 1
    for s in score.values():
        s["accuracy"] = round(s["read"] / max(s["fields"], 1), 4)
    print(json.dumps(score))


if __name__ == "__main__":
    main()
