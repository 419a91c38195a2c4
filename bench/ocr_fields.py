#!/usr/bin/python3
"""Field accuracy of keydesk and of the plain tesseract CLI on the same generated batch.

The same extraction runs on both texts: a field counts as read when the value printed on the scan
(expected.json "truth") is found in the text, codes after folding full-width characters and the
confusions GB 32100 rules out (O/I/Z/S in a USCC; O/I/Z/S/B in an ID number), names after folding
brackets and spaces. keydesk's text is what it read (the scan results in its batch database);
the peer's is tesseract's full-page output.

usage: ocr_fields.py SUBMISSIONS KEYDESK_DB PEER_DIR
"""
import json, os, sqlite3, sys

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

FOLD = {ord("（"): "(", ord("）"): ")", ord("【"): "(", ord("】"): ")", ord("："): ":"}


def norm(text):
    out = []
    for ch in text:
        o = ord(ch)
        if 0xFF01 <= o <= 0xFF5E:
            ch = chr(o - 0xFEE0)
        ch = ch.translate(FOLD)
        if ch in " \t\n\r·_:":
            continue
        out.append(ch.upper())
    return "".join(out)


def code_views(text):
    t = norm(text)
    uscc = t.replace("O", "0").replace("I", "1").replace("Z", "2").replace("S", "5")
    idn = uscc.replace("B", "8")
    return t, uscc, idn


def found(field, value, text):
    if not value:
        return None
    t, uscc, idn = code_views(text)
    if field == "uscc":
        return value in t or value in uscc
    if field == "id_number":
        return value in t or value in idn
    return norm(value) in t


def main():
    subs, db, peer = sys.argv[1:4]
    kd_text = {}
    con = sqlite3.connect(db)
    for sha, material, result in con.execute("SELECT sha256, material, result FROM scan_results"):
        r = json.loads(result)
        kd_text[(sha, material)] = "\n".join(l["text"] for l in r["lines"])
    import hashlib
    score = {"keydesk": [0, 0], "tesseract": [0, 0]}
    for sub in sorted(os.listdir(subs)):
        d = os.path.join(subs, sub)
        exp = json.load(open(os.path.join(d, "expected.json")))
        for material, truth in exp["truth"].items():
            path = os.path.join(d, truth.get("file") or f"{material}.jpg")
            if truth.get("doc_type") != material or not os.path.exists(path):
                continue  # a blank, broken or wrong page has no fields to read
            sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
            peer_file = os.path.join(peer, sub, os.path.basename(path) + ".txt")
            peer_text = open(peer_file, encoding="utf-8", errors="replace").read() if os.path.exists(peer_file) else ""
            ours = kd_text.get((sha, material), "")
            for field in FIELDS.get(material, []):
                value = truth.get(field)
                if not value:
                    continue
                for name, text in (("keydesk", ours), ("tesseract", peer_text)):
                    score[name][1] += 1
                    score[name][0] += 1 if found(field, value, text) else 0
    print(json.dumps({k: {"read": v[0], "fields": v[1], "accuracy": round(v[0] / max(v[1], 1), 4)}
                      for k, v in score.items()}))


if __name__ == "__main__":
    main()
