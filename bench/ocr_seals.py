#!/usr/bin/python3
"""How well keydesk reads the name on red seals, against the generator's truth.

Reads keydesk's per-scan log (`KEYDESK_SCAN_DEBUG=- keydesk batch verify SET --jobs 1`: each
scan's `scan PATH` line, then one `  seal N: TEXT (CONFIDENCE) VERDICT read …` line a seal) and
each submission's expected.json (tools/scangen: `truth[material].seal_name`, the name on the
seal it drew, and `name`, the enterprise's). Business licences are left out: their seal is the
registration authority's. Prints the seals read, the characters of the seal's name found in the
reading (the name aligned inside it, junk around it free), and how many seals got each verdict,
split by whether the seal was the enterprise's own or another company's.

usage: ocr_seals.py LOG [LOG...]
"""
import collections, json, os, re, sys


def brackets_out(name):
    return re.sub(r"[（）()]", "", name or "")


def edits_inside(read, want):
    """Least edits turning some stretch of `read` into `want`."""
    previous = list(range(len(want) + 1))
    best = previous[-1]
    for i in range(1, len(read) + 1):
        current = [0] * (len(want) + 1)
        for j in range(1, len(want) + 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (read[i - 1] != want[j - 1]))
        previous = current
        best = min(best, current[-1])
    return best


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    seals = found = characters = whole = 0
    verdicts = collections.Counter()
    truths = {}
    for log in sys.argv[1:]:
        scan = None
        for line in open(log, encoding="utf-8", errors="replace"):
            if line.startswith("scan "):
                scan = line[5:].strip()
                continue
            m = re.match(r"  seal \d+: (\S*) \(\d+\)(?: (\w+) read)?", line)
            if not m or not scan:
                continue
            folder, file = os.path.split(scan)
            material = os.path.splitext(file)[0]
            if material == "business_licence":
                continue
            if folder not in truths:
                path = os.path.join(folder, "expected.json")
                truths[folder] = (json.load(open(path, encoding="utf-8")).get("truth", {})
                                  if os.path.exists(path) else {})
            truth = truths[folder].get(material) or {}
            want = brackets_out(truth.get("seal_name"))
            if not want:
                continue
            own = not truth.get("name") or want == brackets_out(truth.get("name"))
            edits = edits_inside(m.group(1), want)
            seals += 1
            characters += len(want)
            found += max(0, len(want) - edits)
            whole += edits == 0
            verdicts[("own" if own else "another's", m.group(2) or "not compared")] += 1
    print(f"seals {seals}: characters of the seal's name read {found} of {characters} "
          f"({100 * found / max(characters, 1):.1f} %), whole names {whole}")
    for (whose, verdict), n in sorted(verdicts.items()):
        print(f"  {whose} seal, {verdict}: {n}")


if __name__ == "__main__":
    main()
