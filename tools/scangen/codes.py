"""Chinese identification codes: USCC (GB 32100-2015), organisation code
(GB 11714-1997) and resident identity number (GB 11643-1999).

Generation and validation; no I/O.  Every generator takes a random.Random.
"""

import datetime

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"   # 31 chars, no I O Z S V
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# characters we generate inside an organisation-code body (digits + A-H, J-N, P-R, T, U, W-Y)
ORG_BODY_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def _org_value(ch):
    if ch.isdigit():
        return int(ch)
    return ord(ch) - ord("A") + 10


def org_check_char(body8):
    s = sum(w * _org_value(c) for w, c in zip(ORG_WEIGHTS, body8))
    c = 11 - s % 11
    if c == 10:
        return "X"
    if c == 11:
        return "0"
    return str(c)


def uscc_check_char(first17):
    s = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - s % 31) % 31]


def uscc_valid(code):
    """True when code is a well-formed USCC with correct check characters."""
    if not isinstance(code, str) or len(code) != 18:
        return False
    if any(c not in USCC_ALPHABET for c in code):
        return False
    if not code[2:8].isdigit():
        return False
    if org_check_char(code[8:16]) != code[16]:
        return False
    return uscc_check_char(code[:17]) == code[17]


def make_uscc(rng, division, modern=None):
    """A valid USCC for an enterprise registered by 工商 (9) as enterprise (1)."""
    if modern is None:
        modern = rng.random() < 0.7
    if modern:   # post-2015 codes issued directly: MA + 6 chars
        body = "MA" + "".join(rng.choice(ORG_BODY_CHARS) for _ in range(6))
    else:        # old organisation code carried over: 8 digits
        body = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = "91" + division + body + org_check_char(body)
    return first17 + uscc_check_char(first17)


def corrupt_uscc(rng, code):
    """A same-looking code whose checksum fails (typo)."""
    for _ in range(100):
        kind = rng.choice(["last", "digit", "swap"])
        c = list(code)
        if kind == "last":
            c[17] = rng.choice([x for x in USCC_ALPHABET if x != code[17]])
        elif kind == "digit":
            i = rng.choice([2, 3, 4, 5, 6, 7, 10, 11, 12, 13])
            c[i] = rng.choice([x for x in "0123456789" if x != code[i]])
        else:
            i = rng.randrange(8, 16)
            c[i], c[i + 1] = c[i + 1], c[i]
        bad = "".join(c)
        if bad != code and not uscc_valid(bad):
            return bad
    raise RuntimeError("could not corrupt USCC")


def other_uscc(rng, code):
    """A different VALID code from the same division (looks plausible)."""
    while True:
        o = make_uscc(rng, code[2:8])
        if o != code:
            return o


# ---------------------------------------------------------------- ID numbers

def id_check_char(first17):
    s = sum(int(a) * w for a, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK[s % 11]


def idnum_valid(num):
    if not isinstance(num, str) or len(num) != 18 or not num[:17].isdigit():
        return False
    try:
        datetime.date(int(num[6:10]), int(num[10:12]), int(num[12:14]))
    except ValueError:
        return False
    return id_check_char(num[:17]) == num[17]


def make_idnum(rng, division, birth, male):
    seq = rng.randrange(0, 100) * 10 + rng.randrange(0, 10)
    if (seq % 2 == 1) != male:
        seq = (seq + 1) % 1000
        if (seq % 2 == 1) != male:
            seq = (seq + 1) % 1000
    first17 = "%s%04d%02d%02d%03d" % (division, birth.year, birth.month, birth.day, seq)
    return first17 + id_check_char(first17)


def corrupt_idnum(rng, num):
    for _ in range(100):
        c = list(num)
        if rng.random() < 0.5:
            c[17] = rng.choice([x for x in ID_CHECK if x != num[17]])
        else:
            i = rng.choice([14, 15, 3, 4, 5])
            c[i] = rng.choice([x for x in "0123456789" if x != num[i]])
        bad = "".join(c)
        if bad != num and not idnum_valid(bad):
            return bad
    raise RuntimeError("could not corrupt ID number")


def other_idnum(rng, num, male):
    """A different valid number of a same-sex person (different sequence / date)."""
    b = datetime.date(int(num[6:10]), int(num[10:12]), int(num[12:14]))
    while True:
        if rng.random() < 0.5:
            b2 = b
        else:
            b2 = b + datetime.timedelta(days=rng.choice([-1, 1]) * rng.randrange(1, 400))
        o = make_idnum(rng, num[:6], b2, male)
        if o != num:
            return o


def selftest():
    import random
    ok = True

    def check(label, cond):
        nonlocal ok
        print(("ok    " if cond else "FAIL  ") + label)
        ok = ok and cond

    check("91110105MA01ABCD5F is a valid USCC", uscc_valid("91110105MA01ABCD5F"))
    check("91310115MA1K4XY72B is a valid USCC", uscc_valid("91310115MA1K4XY72B"))
    check("91110105MA01ABCD5G is invalid", not uscc_valid("91110105MA01ABCD5G"))
    check("org check of MA01ABCD is 5", org_check_char("MA01ABCD") == "5")
    rng = random.Random(12345)
    for i in range(2000):
        u = make_uscc(rng, rng.choice(["110105", "310115", "440300"]))
        if not uscc_valid(u):
            check("generated USCC %s valid" % u, False)
            break
        if uscc_valid(corrupt_uscc(rng, u)):
            check("corrupted USCC invalid", False)
            break
    else:
        check("2000 generated USCCs valid, corruptions invalid (e.g. %s)" % u, True)
    check("11010519491231002X is a valid ID (GB 11643 example)", idnum_valid("11010519491231002X"))
    check("110105199001010029 (example in the contract) is valid", idnum_valid("110105199001010029"))
    check("110105199001010028 is invalid (wrong check)", not idnum_valid("110105199001010028"))
    for i in range(2000):
        male = rng.random() < 0.5
        b = datetime.date(1960, 1, 1) + datetime.timedelta(days=rng.randrange(0, 14975))
        n = make_idnum(rng, "310115", b, male)
        if not idnum_valid(n) or (int(n[16]) % 2 == 1) != male:
            check("generated ID %s valid/sex" % n, False)
            break
        if idnum_valid(corrupt_idnum(rng, n)):
            check("corrupted ID invalid", False)
            break
    else:
        check("2000 generated ID numbers valid with matching sex digit (e.g. %s)" % n, True)
    return ok
