#!/usr/bin/python3
"""Findings of a keydesk batch report against the generator's expected.json, per submission.

Prints how many verdicts match, the findings keydesk gave that the generator did not plant (false,
by code) and the planted ones it missed. Findings from the registry (enterprise.no_key,
username.not_original) are left out: the benchmark runs without one.

usage: ocr_findings.py REPORT_JSON
"""
import collections, json, os, sys

REGISTRY = {"enterprise.no_key", "username.not_original"}


def main():
    report = json.load(open(sys.argv[1], encoding="utf-8"))
    false, missed, verdicts = collections.Counter(), collections.Counter(), collections.Counter()
    right = total = 0
    for s in report["submissions"]:
        path = os.path.join(s["dir"], "expected.json")
        if not os.path.exists(path):
            continue
        expected = json.load(open(path, encoding="utf-8"))
        kept = [f for f in s["findings"] if f["code"] not in REGISTRY]
        # A requirement met by either of two materials (the filing form or the FIE certificate)
        # is missing as a whole: keydesk names the first type it accepts, the generator the one
        # it left out.
        either = {t: "/".join(f["evidence"]["accepted_types"]) for f in kept
                  if f["code"] == "material.missing" and f.get("evidence", {}).get("accepted_types")
                  for t in f["evidence"]["accepted_types"]}
        got = {(either.get(f["material"], f["material"]), f["code"]) for f in kept}
        want = {(either.get(f["material"], f["material"]), f["code"]) for f in expected["findings"]}
        false.update(code for _, code in got - want)
        missed.update(code for _, code in want - got)
        severities = {f["severity"] for f in kept}
        verdict = "fail" if "fail" in severities else "review" if "review" in severities else "pass"
        total += 1
        right += verdict == expected["verdict"]
        verdicts[f'{expected["verdict"]}->{verdict}'] += 1
    print(f"verdicts right {right}/{total} ({', '.join(f'{k} {v}' for k, v in sorted(verdicts.items()))})")
    print(f"findings not planted {sum(false.values())}: " + ", ".join(f"{k} {v}" for k, v in false.most_common()))
    print(f"planted findings missed {sum(missed.values())}: " + ", ".join(f"{k} {v}" for k, v in missed.most_common()))


if __name__ == "__main__":
    main()
