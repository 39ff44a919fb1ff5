#!/usr/bin/env python3
"""Generates a realistic-size OSV corpus for the vulnerability-database bench.

300,000 records (default) across 8 ecosystems, shaped like the real records
in shared/testdata/osv: ECOSYSTEM/SEMVER ranges with introduced/fixed (some
unfixed, some last_affected), enumerated `versions` lists for part of
them, aliases (or `upstream` for Ubuntu/Debian), CVSS v3.1 vectors,
references and `details` of 300-1500 characters. Records are pretty-printed
like osv.dev's bulk files and written as one `all.zip` per ecosystem under
OUT/<Ecosystem>/all.zip, plus OUT/pairs.tsv: 10,000 (ecosystem, package)
pairs drawn from the generated `affected` entries, for the lookup bench.

Deterministic (seeded). Usage: vulndb_gen.py [OUT] [--records N]
"""
import json
import os
import random
import sys
import zipfile

OUT = "bench/out/vulndb"
N = 300_000
args = sys.argv[1:]
if "--records" in args:
    i = args.index("--records")
    N = int(args[i + 1])
    del args[i : i + 2]
if args:
    OUT = args[0]

rng = random.Random(6)

# ecosystem: (share of records, distinct packages)
ECOS = {
    "Debian": (0.20, 9000),
    "Ubuntu": (0.20, 9000),
    "Alpine": (0.10, 3000),
    "PyPI": (0.10, 6000),
    "npm": (0.16, 12000),
    "Go": (0.07, 4000),
    "Maven": (0.10, 5000),
    "crates.io": (0.07, 2500),
}
DEBIAN = ["Debian:10", "Debian:11", "Debian:12", "Debian:13"]
UBUNTU = ["Ubuntu:20.04:LTS", "Ubuntu:22.04:LTS", "Ubuntu:24.04:LTS", "Ubuntu:Pro:16.04:LTS", "Ubuntu:24.10"]
ALPINE = ["Alpine:v3.%d" % i for i in range(12, 21)]

WORDS = (
    "a an the in of to and or vulnerability attacker remote local crafted request "
    "buffer overflow heap use-after-free denial service memory corruption allows "
    "via function parser when handling input could lead execution arbitrary code "
    "information disclosure null pointer dereference integer length check missing "
    "validation certificate authentication bypass path traversal injection header "
    "cookie session server client library version versions before prior fixed "
    "issue component module package resource exhaustion infinite loop regular "
    "expression timing side channel leak sensitive data privilege escalation"
).split()
SYL = ["ab", "ex", "lib", "net", "ssl", "xml", "py", "js", "go", "core", "util", "http",
       "data", "img", "tls", "zip", "json", "yaml", "re", "auth", "log", "cli", "db", "io"]


def pkg_names(eco, n):
    names = set()
    out = []
    while len(out) < n:
        k = rng.randint(1, 3)
        base = "".join(rng.choice(SYL) for _ in range(k)) + (str(rng.randint(0, 9)) if rng.random() < 0.2 else "")
        if eco == "PyPI":
            name = rng.choice([base, base.capitalize(), base + "_" + rng.choice(SYL), base + "-" + rng.choice(SYL)])
        elif eco == "npm":
            name = ("@" + rng.choice(SYL) + "/" + base) if rng.random() < 0.25 else base
        elif eco == "Go":
            name = "github.com/%s%d/%s" % (rng.choice(SYL), rng.randint(1, 999), base)
        elif eco == "Maven":
            name = "org.%s.%s:%s-%s" % (rng.choice(SYL), rng.choice(SYL), base, rng.choice(SYL))
        elif eco == "crates.io":
            name = base + ("-" + rng.choice(SYL) if rng.random() < 0.4 else "")
        else:
            name = base + (rng.choice(["", "", "-utils", "2", "-dev"]) if eco != "Alpine" else "")
        if name not in names:
            names.add(name)
            out.append(name)
    return out


def details():
    target = rng.randint(300, 1500)
    words = []
    size = 0
    while size < target:
        w = rng.choice(WORDS)
        words.append(w)
        size += len(w) + 1
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def cvss():
    return "CVSS:3.1/AV:%s/AC:%s/PR:%s/UI:%s/S:%s/C:%s/I:%s/A:%s" % (
        rng.choice("NALP"), rng.choice("LH"), rng.choice("NLH"), rng.choice("NR"),
        rng.choice("UC"), rng.choice("NLH"), rng.choice("NLH"), rng.choice("NLH"))


def version(eco, major=None):
    a = major if major is not None else rng.randint(0, 12)
    b, c = rng.randint(0, 30), rng.randint(0, 40)
    if eco in ("Debian", "Ubuntu"):
        v = "%d.%d.%d-%d" % (a, b, c, rng.randint(1, 9))
        return v
    if eco == "Alpine":
        return "%d.%d.%d-r%d" % (a, b, c, rng.randint(0, 5))
    if eco == "Go":
        return "%d.%d.%d" % (a, b, c)
    return "%d.%d.%d" % (a, b, c)


def stamp():
    return "20%02d-%02d-%02dT%02d:%02d:%02d%sZ" % (
        rng.randint(15, 25), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
        rng.randint(0, 59), rng.randint(0, 59), rng.choice(["", ".%06d" % rng.randint(0, 999999)]))


def ranges_and_versions(eco, semver):
    major = rng.randint(0, 12)
    intro = "0" if rng.random() < 0.5 else version(eco, major)
    events = [{"introduced": intro}]
    fixed = None
    r = rng.random()
    if r < 0.8:
        fixed = version(eco, major + 1)
        events.append({"fixed": fixed})
    elif r < 0.9:
        events.append({"last_affected": version(eco, major)})
    out = {"ranges": [{"type": "SEMVER" if semver else "ECOSYSTEM", "events": events}]}
    if rng.random() < 0.3:
        out["versions"] = ["%d.%d.%d" % (major, rng.randint(0, 9), i) for i in range(rng.randint(3, 60))]
    return out


def record(eco, idx, names, serial):
    year = rng.randint(2014, 2025)
    cve = "CVE-%d-%d" % (year, 1000 + serial)
    pkg = names[min(int(len(names) * rng.random() ** 2), len(names) - 1)]
    rec = {"schema_version": "1.6.0"}
    aff = []
    if eco == "Debian":
        rec["id"] = rng.choice(["DEBIAN-", "DLA-", "DSA-"]) + cve if rng.random() < 0.8 else "DSA-%d-1" % serial
        rec["upstream"] = [cve]
        for e in rng.sample(DEBIAN, rng.randint(1, 3)):
            a = {"package": {"ecosystem": e, "name": pkg, "purl": "pkg:deb/debian/%s?arch=source" % pkg}}
            a.update(ranges_and_versions(eco, False))
            aff.append(a)
    elif eco == "Ubuntu":
        rec["id"] = "UBUNTU-" + cve + ("-%d" % serial)
        rec["upstream"] = [cve]
        rec["severity"] = [{"type": "Ubuntu", "score": rng.choice(["low", "medium", "high", "negligible"])}]
        for e in rng.sample(UBUNTU, rng.randint(1, 3)):
            a = {"package": {"ecosystem": e, "name": pkg, "purl": "pkg:deb/ubuntu/%s" % pkg}}
            a.update(ranges_and_versions(eco, False))
            a["ecosystem_specific"] = {"binaries": [{"binary_name": pkg + s, "binary_version": version(eco)} for s in ("", "-dev", "-doc")[: rng.randint(1, 3)]]}
            aff.append(a)
    elif eco == "Alpine":
        rec["id"] = "ALPINE-" + cve + ("-%d" % serial)
        rec["upstream"] = [cve]
        for e in rng.sample(ALPINE, rng.randint(1, 5)):
            a = {"package": {"ecosystem": e, "name": pkg, "purl": "pkg:apk/alpine/%s?arch=source" % pkg}}
            a.update(ranges_and_versions(eco, False))
            aff.append(a)
    else:
        prefix = {"PyPI": "PYSEC-%d-%d" % (year, serial), "Go": "GO-%d-%d" % (year, serial),
                  "crates.io": "RUSTSEC-%d-%d" % (year, serial)}.get(eco)
        ghsa = "GHSA-" + "-".join("".join(rng.choice("23456789cfghjmpqrvwx") for _ in range(4)) for _ in range(3))
        rec["id"] = prefix if prefix else ghsa
        rec["aliases"] = [cve] + ([ghsa] if prefix else [])
        rec["severity"] = [{"type": "CVSS_V3", "score": cvss()}]
        purl_type = {"PyPI": "pypi", "npm": "npm", "Go": "golang", "Maven": "maven", "crates.io": "cargo"}[eco]
        for _ in range(1 if rng.random() < 0.9 else 2):
            a = {"package": {"ecosystem": eco, "name": pkg, "purl": "pkg:%s/%s" % (purl_type, pkg)}}
            a.update(ranges_and_versions(eco, eco in ("Go", "crates.io")))
            a["database_specific"] = {"source": "https://example.invalid/advisories/%s.json" % rec["id"]}
            aff.append(a)
    rec["modified"] = stamp()
    rec["published"] = stamp()
    if rng.random() < 0.01:
        rec["withdrawn"] = stamp()
    rec["summary"] = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12)))
    rec["details"] = details()
    rec["affected"] = aff
    rec["references"] = [{"type": rng.choice(["ADVISORY", "WEB", "FIX", "REPORT"]),
                          "url": "https://example.invalid/%s/%d" % (rec["id"], i)} for i in range(rng.randint(1, 8))]
    return rec


def main():
    os.makedirs(OUT, exist_ok=True)
    pairs = []
    serial = 0
    total = 0
    ecos = list(ECOS.items())
    for k, (eco, (share, npkgs)) in enumerate(ecos):
        count = int(N * share) if k < len(ecos) - 1 else N - total
        names = pkg_names(eco, npkgs)
        d = os.path.join(OUT, eco)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "all.zip")
        with zipfile.ZipFile(path + ".part", "w", zipfile.ZIP_DEFLATED) as z:
            for i in range(count):
                serial += 1
                rec = record(eco, i, names, serial)
                z.writestr(rec["id"] + ".json", json.dumps(rec, indent=2))
                if rng.random() < 0.05:
                    a = rng.choice(rec["affected"])["package"]
                    pairs.append((a["ecosystem"], a["name"]))
        os.replace(path + ".part", path)
        total += count
        print("%-10s %7d records  %s (%.1f MB)" % (eco, count, path, os.path.getsize(path) / 1e6), flush=True)
    rng.shuffle(pairs)
    while len(pairs) < 10_000:
        pairs.extend(pairs[: 10_000 - len(pairs)])
    with open(os.path.join(OUT, "pairs.tsv"), "w") as f:
        for e, n in pairs[:10_000]:
            f.write("%s\t%s\n" % (e, n))
    print("total %d records; pairs.tsv: 10000 lookups" % total)


if __name__ == "__main__":
    main()
