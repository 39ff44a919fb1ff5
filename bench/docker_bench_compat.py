#!/usr/bin/env python3
"""Compare a Docker Bench for Security (DBS) JSON log with `drydock audit` output.

Called by bench/docker_bench_compat.sh. Inputs: the DBS JSON log
(`-l FILE` writes FILE.json), `drydock audit --format json`, optionally
`drydock audit --format docker-bench`, and the fixture's container list
(`name<TAB>status<TAB>image`).

Verdicts are reduced to four classes so that the two vocabularies meet:

  pass     DBS PASS                        drydock pass
  flag     DBS WARN, or INFO naming the    drydock fail, warn
           target in its items
  neutral  DBS INFO/NOTE (not found, no    drydock info, manual,
           test, listing)                  not_applicable, skipped
  error    -                               drydock error

Per check and per target: `agree` (same class), `differ` (both judged the
target, differently), `dbs-skipped` (DBS never looked at the target: stopped
container, a name containing "nil", or the check is missing from its log),
`drydock-missing` (DBS judged a target drydock has no result for),
`dbs-no-test` (one of the 12 checks DBS has no test for, and drydock judged
the target).
"""

import argparse
import collections
import json
import re
import sys

# DBS checks that contain no test at all (reference: "12 CIS checks contain no test").
NO_TEST = {"1.2.1", "2.1", "4.2", "4.3", "4.4", "4.8", "4.10", "4.11", "4.12", "5.23", "5.24", "5.28"}
# DBS checks that loop over running containers; the rest of 5.x too.
CONTAINER_CHECKS = {"4.1"} | {f"5.{i}" for i in range(2, 33)}
IMAGE_CHECKS = {"4.6", "4.7", "4.9", "4.10"}

DRYDOCK_CLASS = {
    "pass": "pass",
    "fail": "flag",
    "warn": "flag",
    "info": "neutral",
    "manual": "neutral",
    "not_applicable": "neutral",
    "skipped": "neutral",
    "error": "error",
}


def check_key(cid):
    return [int(p) if p.isdigit() else p for p in re.split(r"[.]", cid)]


def load_dbs(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        sys.exit(f"DBS JSON log {path} is not valid JSON: {e}")
    checks = {}
    for section in doc.get("tests", []):
        for r in section.get("results", []):
            checks[r["id"]] = r
    return doc, checks


def dbs_item_names(cid, items):
    """Target names DBS lists for a check (container or image names)."""
    names = set()
    for it in items or []:
        it = it.strip()
        if not it:
            continue
        if cid == "5.30":  # "<id>:<name>"
            names.add(it.split(":", 1)[-1])
        elif cid in ("5.6", "5.8", "5.9", "5.14"):  # "<name>:<detail>"
            names.add(it.split(":", 1)[0])
        else:
            names.add(it.strip("[]"))
    return names


def dbs_class(result, listed):
    if result == "PASS":
        return "pass"
    if result == "WARN":
        return "flag"
    if result == "INFO" and listed:
        return "flag"
    return "neutral"


def target_class(cid, result, listed):
    """DBS verdict for one container or image of a check that loops over them.

    The check's overall WARN/INFO names the offending targets in `items`; every
    other target it looked at passed.
    """
    if cid in NO_TEST:
        return "neutral"
    if listed:
        return "flag"
    return "pass"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dbs-json", required=True)
    ap.add_argument("--drydock-json", required=True)
    ap.add_argument("--drydock-bench-json")
    ap.add_argument("--containers", required=True, help="name<TAB>status<TAB>image per line")
    ap.add_argument("--summary-json")
    ap.add_argument("--markdown", help="also write the per-check table as Markdown here")
    ap.add_argument("--meta", action="append", default=[], help="key=value shown in the header")
    args = ap.parse_args()

    dbs_doc, dbs = load_dbs(args.dbs_json)
    with open(args.drydock_json, encoding="utf-8") as f:
        dd = json.load(f)

    containers = {}
    with open(args.containers, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts and parts[0]:
                containers[parts[0]] = {
                    "running": len(parts) > 1 and parts[1].startswith("Up"),
                    "image": parts[2] if len(parts) > 2 else "",
                }
    # DBS: `docker ps` names minus any containing "nil" (benchcont="nil" filter).
    dbs_containers = {n for n, c in containers.items() if c["running"] and "nil" not in n}

    # drydock results by check: target label -> [status, ...]
    dd_by_check = collections.defaultdict(lambda: collections.defaultdict(list))
    dd_kinds = collections.defaultdict(set)
    images = {}  # label -> set of names/ids DBS may print
    for r in dd["results"]:
        t = r["target"]
        kind = t["kind"]
        if kind == "container":
            label = t.get("name") or (t.get("id") or "")[:12]
        elif kind == "image":
            label = t.get("name") or (t.get("id") or "").replace("sha256:", "")[:12]
            images[label] = {label, (t.get("id") or "").replace("sha256:", "")[:12]}
        else:
            label = kind
        dd_kinds[r["rule"]].add(kind)
        dd_by_check[r["rule"]][label].append(r["status"])

    def dd_class(statuses):
        classes = [DRYDOCK_CLASS.get(s, "neutral") for s in statuses]
        for c in ("error", "flag", "pass"):
            if c in classes:
                return c
        return "neutral"

    all_ids = sorted(set(dbs) | {r for r in dd_by_check if re.fullmatch(r"[1-7](\.\d+)+", r)}, key=check_key)
    rows = []  # (check, target, dbs_verdict, dd_verdict, outcome)
    for cid in all_ids:
        d = dbs.get(cid)
        ddt = dd_by_check.get(cid, {})
        if cid in CONTAINER_CHECKS:
            listed = dbs_item_names(cid, d.get("items")) if d else set()
            targets = set(containers) | {k for k in ddt if k not in ("host", "daemon")}
            for name in sorted(targets):
                if name in images:
                    continue  # image-level results of a container check are compared below
                if d is None or name not in dbs_containers:
                    dv = None
                else:
                    dv = target_class(cid, d, name in listed)
                dv_dd = dd_class(ddt[name]) if name in ddt else None
                # A drydock that judges 4.1 only by image (before the per-container
                # check): carry the image's verdict to its containers.
                if dv_dd is None and cid == "4.1":
                    img = containers.get(name, {}).get("image", "")
                    for label, keys in images.items():
                        if img in keys and label in ddt:
                            dv_dd = dd_class(ddt[label])
                rows.append((cid, name, dv, dv_dd))
            for label in sorted(k for k in ddt if k in images):
                rows.append((cid, f"image {label}", None, dd_class(ddt[label])))
        elif cid in IMAGE_CHECKS:
            listed = dbs_item_names(cid, d.get("items")) if d else set()
            for label, keys in sorted(images.items()):
                dv = None if d is None else target_class(cid, d, bool(keys & listed))
                dv_dd = dd_class(ddt[label]) if label in ddt else None
                rows.append((cid, f"image {label}", dv, dv_dd))
        else:
            dv = None if d is None else dbs_class(d["result"], False)
            flat = [s for v in ddt.values() for s in v]
            dv_dd = dd_class(flat) if flat else None
            kind = "/".join(sorted(dd_kinds.get(cid, {"host"})))
            rows.append((cid, kind, dv, dv_dd))

    def outcome(cid, dv, dv_dd):
        if dv is None and dv_dd is None:
            return None
        if dv is None:
            return "dbs-skipped"
        if dv_dd is None:
            return "drydock-missing"
        if dv == dv_dd:
            return "agree"
        # DBS has no test here: whatever drydock finds is beyond DBS, not a disagreement.
        return "dbs-no-test" if cid in NO_TEST else "differ"

    full = [(c, t, dv, ddv, outcome(c, dv, ddv)) for c, t, dv, ddv in rows]
    full = [r for r in full if r[4] is not None]

    meta = dict(m.split("=", 1) for m in args.meta if "=" in m)
    print("# Docker Bench for Security vs drydock audit")
    for k, v in meta.items():
        print(f"# {k}: {v}")
    print(f"# DBS: {dbs_doc.get('checks')} checks, score {dbs_doc.get('score')}; "
          f"containers: {len(containers)} ({sum(c['running'] for c in containers.values())} running, "
          f"{len(dbs_containers)} seen by DBS); images: {len(images)}")
    print()
    print(f"{'check':<7} {'DBS':<8} {'targets':<8} {'agree':>5} {'differ':>6} {'dbs-skip':>8} {'dd-miss':>7} {'no-test':>7}  note")
    per_check = collections.OrderedDict()
    for c, t, dv, ddv, o in full:
        per_check.setdefault(c, []).append((t, dv, ddv, o))
    for c, lst in per_check.items():
        cnt = collections.Counter(o for _, _, _, o in lst)
        d = dbs.get(c)
        note = "no test in DBS" if c in NO_TEST else ""
        print(f"{c:<7} {(d['result'] if d else '-'):<8} {len(lst):<8} {cnt['agree']:>5} {cnt['differ']:>6} "
              f"{cnt['dbs-skipped']:>8} {cnt['drydock-missing']:>7} {cnt['dbs-no-test']:>7}  {note}")
    print()
    print("Differences (check, target, DBS, drydock, drydock statuses):")
    for c, t, dv, ddv, o in full:
        if o in ("differ", "drydock-missing"):
            label = t[6:] if t.startswith("image ") else t
            st = ",".join(dd_by_check.get(c, {}).get(label, [])) or "-"
            print(f"  {c:<7} {t:<28} DBS={dv or '-':<8} drydock={ddv or '-':<8} {o:<16} [{st}]")
    print()
    print("Targets DBS did not audit (drydock verdicts):")
    skipped = collections.defaultdict(list)
    for c, t, dv, ddv, o in full:
        if o == "dbs-skipped":
            skipped[t].append(f"{c}={ddv}")
    for t, lst in sorted(skipped.items()):
        reason = ""
        if t in containers and not containers[t]["running"]:
            reason = "not running"
        elif "nil" in t:
            reason = 'name contains "nil"'
        elif t.startswith("image "):
            reason = "image-level result of a container check" if any(
                x.split("=")[0] in CONTAINER_CHECKS for x in lst) else "image"
        print(f"  {t:<20} ({reason}): {len(lst)} checks")

    sec = collections.defaultdict(collections.Counter)
    for c, t, dv, ddv, o in full:
        sec[c.split(".")[0]][o] += 1
    tot = collections.Counter(o for *_, o in full)
    print()
    print("Summary per section (check x target pairs):")
    for s in sorted(sec, key=int):
        k = sec[s]
        print(f"  section {s}: agree {k['agree']}, differ {k['differ']}, dbs-skipped {k['dbs-skipped']}, "
              f"drydock-missing {k['drydock-missing']}, dbs-no-test {k['dbs-no-test']}")
    print(f"  total: agree {tot['agree']}, differ {tot['differ']}, dbs-skipped {tot['dbs-skipped']}, "
          f"drydock-missing {tot['drydock-missing']}, dbs-no-test {tot['dbs-no-test']}")

    bench_cmp = None
    if args.drydock_bench_json:
        with open(args.drydock_bench_json, encoding="utf-8") as f:
            db = json.load(f)
        dbr = {r["id"]: r for s in db.get("tests", []) for r in s.get("results", [])}
        same = [c for c in dbs if c in dbr and dbr[c]["result"] == dbs[c]["result"]]
        diff = [(c, dbs[c]["result"], dbr[c]["result"]) for c in dbs if c in dbr and dbr[c]["result"] != dbs[c]["result"]]
        only_dbs = [c for c in dbs if c not in dbr]
        print()
        print(f"--format docker-bench, `result` per check: same {len(same)}, different {len(diff)}, "
              f"missing in drydock {len(only_dbs)}; score DBS {dbs_doc.get('score')} / drydock {db.get('score')}, "
              f"checks DBS {dbs_doc.get('checks')} / drydock {db.get('checks')}")
        for c, a, b in sorted(diff, key=lambda x: check_key(x[0])):
            print(f"  {c:<7} DBS {a:<5} drydock {b}")
        bench_cmp = {"same": len(same), "different": diff, "missing": only_dbs}

    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write("| Check | DBS result | Targets | Agree | Differ | Not audited by DBS | Differing targets (DBS → drydock) |\n")
            f.write("|---|---|---|---|---|---|---|\n")
            for c, lst in per_check.items():
                cnt = collections.Counter(o for _, _, _, o in lst)
                d = dbs.get(c)
                res = (d["result"] if d else "-") + (" (no test)" if c in NO_TEST else "")
                diffs = collections.defaultdict(list)
                for t, dv, ddv, o in lst:
                    if o in ("differ", "drydock-missing", "dbs-no-test"):
                        diffs[(dv, ddv)].append(t)
                cell = "; ".join(
                    f"{dv} → {ddv or '-'}: " + (", ".join(f"`{t}`" for t in ts) if len(ts) <= 4 else f"{len(ts)} targets")
                    for (dv, ddv), ts in sorted(diffs.items(), key=lambda x: -len(x[1])))
                f.write(f"| {c} | {res} | {len(lst)} | {cnt['agree']} | {cnt['differ']} | {cnt['dbs-skipped']} | {cell} |\n")

    if args.summary_json:
        with open(args.summary_json, "w", encoding="utf-8") as f:
            json.dump({
                "meta": meta,
                "totals": dict(tot),
                "sections": {s: dict(k) for s, k in sec.items()},
                "rows": [{"check": c, "target": t, "dbs": dv, "drydock": ddv, "outcome": o,
                          "dbs_result": dbs[c]["result"] if c in dbs else None,
                          "drydock_statuses": dd_by_check.get(c, {}).get(t[6:] if t.startswith("image ") else t, [])}
                         for c, t, dv, ddv, o in full],
                "docker_bench_format": bench_cmp,
            }, f, indent=1)


if __name__ == "__main__":
    main()
