//! The compiled match index of one package: every record naming an
//! (ecosystem, package) pair, its ranges reduced to integers, in one blob.
//!
//! Matching a package used to parse each of its records and compare the
//! installed version with every event of every range (each comparison
//! parsing both versions again). The index does that work once, when the
//! database is built:
//!
//! * every version the records name is collected, sorted in the
//!   ecosystem's order and given a **class** (equal versions such as `1.0`
//!   and `1.0.0` share one), once for the ecosystem's own order and once
//!   for SemVer (OSV `SEMVER` ranges);
//! * each range keeps its events already sorted, as classes;
//! * each record keeps what a match reports (id, aliases, summary, the
//!   severity already computed), read only when the record matches.
//!
//! Judging a version is then one binary search among the package's versions
//! (a handful of comparisons), then integer comparisons. The result is the
//! same as [`Affected::judge`] on the original entries; a property test
//! checks that. An entry whose own versions do not parse in the ecosystem
//! is kept whole as JSON and judged by [`Affected::judge`] when asked, so
//! that its [`Verdict::Unknown`] still says which version is wrong.
//!
//! Layout (varints are LEB128, strings are a varint length then UTF-8):
//!
//! ```text
//! u8 FORMAT
//! versions(ecosystem order)  varint n, n × (string, varint class)
//! versions(SemVer order)     varint n, n × (string, varint class)
//! varint records, each:      varint rid, bytes meta, varint entries, each:
//!   u8 0 compiled:           varint ranges, each: u8 semver, varint limits, limits × point,
//!                                                 varint events, events × (u8 kind, point)
//!                            varint listed, listed × point, varint texts, texts × string
//!   u8 1 kept:               string (JSON of the `affected` entry)
//! point: 0 = `introduced: "0"`, 1 = `*`, k + 2 = the k-th version of the range's order
//! meta: string id, varint aliases × string, optional summary, optional severity
//!       (string kind, optional f64 LE score, u8 rating, optional vector)
//! ```

use std::cmp::Ordering;

use crate::cvss::Rating;
use crate::matcher::{SeverityInfo, normalise_name, severity_of};
use crate::osv::{Affected, Record, Verdict};
use drydock_version::{Scheme, VersionError};

const FORMAT: u8 = 1;

const EV_INTRODUCED: u8 = 0;
const EV_FIXED: u8 = 1;
const EV_LAST_AFFECTED: u8 = 2;

/// What a match reports of a record, computed when the index is built.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordMeta {
    pub id: String,
    /// `aliases` then `upstream` (the CVE of Ubuntu records).
    pub aliases: Vec<String>,
    /// `summary`, else the first line of `details`.
    pub summary: Option<String>,
    pub severity: Option<SeverityInfo>,
}

/// A blob that is not a package index this version can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("corrupt package index: {0}")]
pub struct IndexError(pub &'static str);

/// One record whose verdict is not plainly "not affected".
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub rid: u64,
    pub meta: RecordMeta,
    /// One verdict per `affected` entry naming the package; at least one is
    /// `Affected` or `Unknown`.
    pub verdicts: Vec<Verdict>,
}

/// The verdicts of one version against every record of a package.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Judgement {
    /// Every record of the index (its rid), affected or not, in index order.
    pub seen: Vec<u64>,
    pub hits: Vec<Hit>,
}

// ---------------------------------------------------------------- building

/// Where an event or limit sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pt {
    Zero,
    Infinity,
    /// A version text, by its text (resolved to an index when encoding).
    V,
}

fn classify(s: &str, zero_ok: bool) -> Pt {
    if zero_ok && s == "0" {
        Pt::Zero
    } else if s == "*" {
        Pt::Infinity
    } else {
        Pt::V
    }
}

/// The versions of one order: distinct texts sorted, with their classes.
struct Order {
    scheme: Scheme,
    texts: Vec<String>,
    classes: Vec<u64>,
}

impl Order {
    fn new(scheme: Scheme, mut texts: Vec<String>) -> Order {
        texts.sort_by(|a, b| {
            scheme
                .compare(a, b)
                .unwrap_or(Ordering::Equal)
                .then_with(|| a.cmp(b))
        });
        texts.dedup();
        let mut classes = Vec::with_capacity(texts.len());
        let mut class = 0u64;
        for i in 0..texts.len() {
            if i > 0 && scheme.compare(&texts[i - 1], &texts[i]) != Ok(Ordering::Equal) {
                class += 1;
            }
            classes.push(class);
        }
        Order {
            scheme,
            texts,
            classes,
        }
    }

    fn index_of(&self, text: &str) -> Option<usize> {
        // Sorted by version then text; equal versions are few: a linear
        // probe from the binary-search point finds the exact text.
        let at = self.texts.partition_point(|t| {
            self.scheme
                .compare(t, text)
                .unwrap_or(Ordering::Equal)
                .then_with(|| t.as_str().cmp(text))
                == Ordering::Less
        });
        (self.texts.get(at).map(String::as_str) == Some(text)).then_some(at)
    }
}

/// The point code of a text (see the layout): 0, 1 or index + 2.
fn point_code(order: &Order, text: &str, zero_ok: bool) -> Option<u64> {
    match classify(text, zero_ok) {
        Pt::Zero => Some(0),
        Pt::Infinity => Some(1),
        Pt::V => order.index_of(text).map(|i| i as u64 + 2),
    }
}

fn point_pos(order: &Order, code: u64) -> u64 {
    match code {
        0 => 0,
        1 => u64::MAX,
        k => order
            .classes
            .get((k - 2) as usize)
            .map_or(u64::MAX, |c| 2 * c + 2),
    }
}

/// Whether every version an entry's ranges name parses in its order.
fn compilable(scheme: Scheme, a: &Affected) -> bool {
    a.ranges.iter().all(|r| {
        let s = match r.kind.as_str() {
            "ECOSYSTEM" => scheme,
            "SEMVER" => Scheme::Semver,
            _ => return true,
        };
        r.events.iter().all(|e| {
            let texts = [
                e.introduced.as_deref().map(|t| (t, true)),
                e.fixed.as_deref().map(|t| (t, false)),
                e.last_affected.as_deref().map(|t| (t, false)),
                e.limit.as_deref().map(|t| (t, false)),
            ];
            texts
                .into_iter()
                .flatten()
                .all(|(t, zero_ok)| classify(t, zero_ok) != Pt::V || s.compare(t, t).is_ok())
        })
    })
}

/// Builds the index of (`ecosystem`, `name`) from the records naming it
/// (with their database ids). Withdrawn records and records without an
/// entry for the package are left out. `None` when the ecosystem has no
/// version order here.
pub fn build(ecosystem: &str, name: &str, records: &[(u64, &Record)]) -> Option<Vec<u8>> {
    let scheme = Scheme::of_ecosystem(ecosystem)?;
    let name = normalise_name(ecosystem, name);
    let mut kept: Vec<(u64, &Record, Vec<&Affected>)> = Vec::new();
    for &(rid, rec) in records {
        if rec.withdrawn.is_some() {
            continue;
        }
        let entries: Vec<&Affected> = rec
            .affected
            .iter()
            .filter(|a| {
                a.package.as_ref().is_some_and(|p| {
                    p.ecosystem == ecosystem && normalise_name(&p.ecosystem, &p.name) == name
                })
            })
            .collect();
        if !entries.is_empty() {
            kept.push((rid, rec, entries));
        }
    }
    kept.sort_by(|a, b| a.1.id.cmp(&b.1.id).then(a.0.cmp(&b.0)));

    // The versions of both orders.
    let mut eco_texts: Vec<String> = Vec::new();
    let mut sem_texts: Vec<String> = Vec::new();
    for (_, _, entries) in &kept {
        for a in entries.iter().filter(|a| compilable(scheme, a)) {
            for r in &a.ranges {
                let out = match r.kind.as_str() {
                    "ECOSYSTEM" => &mut eco_texts,
                    "SEMVER" => &mut sem_texts,
                    _ => continue,
                };
                for e in &r.events {
                    for (t, zero_ok) in [
                        (e.introduced.as_deref(), true),
                        (e.fixed.as_deref(), false),
                        (e.last_affected.as_deref(), false),
                        (e.limit.as_deref(), false),
                    ] {
                        if let Some(t) = t
                            && classify(t, zero_ok) == Pt::V
                        {
                            out.push(t.to_string());
                        }
                    }
                }
            }
            for v in &a.versions {
                if scheme.compare(v, v).is_ok() {
                    eco_texts.push(v.clone());
                }
            }
        }
    }
    let eco = Order::new(scheme, eco_texts);
    let sem = Order::new(Scheme::Semver, sem_texts);

    let mut out = Enc(Vec::with_capacity(256));
    out.u8(FORMAT);
    for order in [&eco, &sem] {
        out.varint(order.texts.len() as u64);
        for (t, c) in order.texts.iter().zip(&order.classes) {
            out.str(t);
            out.varint(*c);
        }
    }
    out.varint(kept.len() as u64);
    for (rid, rec, entries) in &kept {
        out.varint(*rid);
        let mut meta = Enc(Vec::with_capacity(128));
        RecordMeta::of(rec, entries).encode(&mut meta);
        out.bytes(&meta.0);
        out.varint(entries.len() as u64);
        for a in entries {
            let compiled = compilable(scheme, a)
                .then(|| encode_entry(a, &eco, &sem))
                .flatten();
            if let Some(bytes) = compiled {
                out.u8(0);
                out.0.extend_from_slice(&bytes);
            } else {
                out.u8(1);
                let kept = Affected {
                    package: None,
                    severity: Vec::new(),
                    ranges: a.ranges.clone(),
                    versions: a.versions.clone(),
                };
                out.bytes(&serde_json::to_vec(&kept).unwrap_or_default());
            }
        }
    }
    Some(out.0)
}

/// A compiled entry; `None` when a version cannot be placed (the entry is
/// then kept whole).
fn encode_entry(a: &Affected, eco: &Order, sem: &Order) -> Option<Vec<u8>> {
    let mut out = Enc(Vec::with_capacity(64));
    let ranges: Vec<_> = a
        .ranges
        .iter()
        .filter(|r| r.kind == "ECOSYSTEM" || r.kind == "SEMVER")
        .collect();
    out.varint(ranges.len() as u64);
    for r in ranges {
        let semver = r.kind == "SEMVER";
        let order = if semver { sem } else { eco };
        out.u8(u8::from(semver));
        let limits: Vec<u64> = r
            .events
            .iter()
            .filter_map(|e| e.limit.as_deref())
            .map(|l| point_code(order, l, false))
            .collect::<Option<_>>()?;
        out.varint(limits.len() as u64);
        for l in limits {
            out.varint(l);
        }
        // Events in version order (stable: equal versions keep the
        // record's order, as the OSV evaluation does).
        let mut events: Vec<(u64, u8, u64)> = Vec::new();
        for e in &r.events {
            let (kind, text, zero_ok) = if let Some(i) = &e.introduced {
                (EV_INTRODUCED, i, true)
            } else if let Some(f) = &e.fixed {
                (EV_FIXED, f, false)
            } else if let Some(l) = &e.last_affected {
                (EV_LAST_AFFECTED, l, false)
            } else {
                continue;
            };
            let code = point_code(order, text, zero_ok)?;
            events.push((point_pos(order, code), kind, code));
        }
        events.sort_by_key(|e| e.0);
        out.varint(events.len() as u64);
        for (_, kind, code) in events {
            out.u8(kind);
            out.varint(code);
        }
    }
    let mut listed = Vec::new();
    let mut texts = Vec::new();
    for v in &a.versions {
        match eco.index_of(v) {
            Some(i) if eco.scheme.compare(v, v).is_ok() => listed.push(i as u64 + 2),
            _ => texts.push(v.as_str()),
        }
    }
    out.varint(listed.len() as u64);
    for l in listed {
        out.varint(l);
    }
    out.varint(texts.len() as u64);
    for t in texts {
        out.str(t);
    }
    Some(out.0)
}

impl RecordMeta {
    /// The reported part of a record, for the entries naming one package.
    pub fn of(rec: &Record, entries: &[&Affected]) -> RecordMeta {
        RecordMeta {
            id: rec.id.clone(),
            aliases: rec
                .also_known_as()
                .into_iter()
                .map(str::to_string)
                .collect(),
            summary: rec.summary_line(),
            severity: severity_of(entries, rec),
        }
    }
}

const RATINGS: [Rating; 5] = [
    Rating::None,
    Rating::Low,
    Rating::Medium,
    Rating::High,
    Rating::Critical,
];

impl RecordMeta {
    fn encode(&self, out: &mut Enc) {
        out.str(&self.id);
        out.varint(self.aliases.len() as u64);
        for a in &self.aliases {
            out.str(a);
        }
        out.opt_str(self.summary.as_deref());
        match &self.severity {
            None => out.u8(0),
            Some(s) => {
                out.u8(1);
                out.str(&s.kind);
                match s.score {
                    None => out.u8(0),
                    Some(f) => {
                        out.u8(1);
                        out.0.extend_from_slice(&f.to_le_bytes());
                    }
                }
                out.u8(RATINGS.iter().position(|r| *r == s.rating).unwrap_or(0) as u8);
                out.opt_str(s.vector.as_deref());
            }
        }
    }

    fn decode(d: &mut Dec<'_>) -> Result<RecordMeta, IndexError> {
        let id = d.str()?.to_string();
        let n = d.count()?;
        let mut aliases = Vec::with_capacity(n);
        for _ in 0..n {
            aliases.push(d.str()?.to_string());
        }
        let summary = d.opt_str()?.map(str::to_string);
        let severity = match d.u8()? {
            0 => None,
            1 => {
                let kind = d.str()?.to_string();
                let score = match d.u8()? {
                    0 => None,
                    1 => {
                        let b =
                            d.b.get(d.at..d.at + 8)
                                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                                .ok_or(IndexError("truncated"))?;
                        d.at += 8;
                        Some(f64::from_le_bytes(b))
                    }
                    _ => return Err(IndexError("bad score flag")),
                };
                let rating = *RATINGS
                    .get(usize::from(d.u8()?))
                    .ok_or(IndexError("bad rating"))?;
                let vector = d.opt_str()?.map(str::to_string);
                Some(SeverityInfo {
                    kind,
                    score,
                    rating,
                    vector,
                })
            }
            _ => return Err(IndexError("bad severity flag")),
        };
        Ok(RecordMeta {
            id,
            aliases,
            summary,
            severity,
        })
    }
}

struct Enc(Vec<u8>);

impl Enc {
    fn u8(&mut self, b: u8) {
        self.0.push(b);
    }

    fn varint(&mut self, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(b);
                return;
            }
            self.0.push(b | 0x80);
        }
    }

    fn bytes(&mut self, b: &[u8]) {
        self.varint(b.len() as u64);
        self.0.extend_from_slice(b);
    }

    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    fn opt_str(&mut self, s: Option<&str>) {
        match s {
            None => self.u8(0),
            Some(s) => {
                self.u8(1);
                self.str(s);
            }
        }
    }
}

// ---------------------------------------------------------------- judging

struct Dec<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Dec<'a> {
    fn u8(&mut self) -> Result<u8, IndexError> {
        let b = *self.b.get(self.at).ok_or(IndexError("truncated"))?;
        self.at += 1;
        Ok(b)
    }

    fn varint(&mut self) -> Result<u64, IndexError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(IndexError("varint too long"))
    }

    /// A count of items of at least one byte each: never more than remain.
    fn count(&mut self) -> Result<usize, IndexError> {
        let n = self.varint()?;
        let left = (self.b.len() - self.at) as u64;
        if n > left {
            return Err(IndexError("count beyond the end"));
        }
        Ok(n as usize)
    }

    fn bytes(&mut self) -> Result<&'a [u8], IndexError> {
        let n = self.count()?;
        let s = self
            .b
            .get(self.at..self.at + n)
            .ok_or(IndexError("truncated"))?;
        self.at += n;
        Ok(s)
    }

    fn str(&mut self) -> Result<&'a str, IndexError> {
        std::str::from_utf8(self.bytes()?).map_err(|_| IndexError("a string is not UTF-8"))
    }

    fn opt_str(&mut self) -> Result<Option<&'a str>, IndexError> {
        match self.u8()? {
            0 => Ok(None),
            1 => self.str().map(Some),
            _ => Err(IndexError("bad option flag")),
        }
    }
}

/// The versions of one order, as read back. Texts stay bytes until a
/// comparison needs one (a binary search reads a handful of them).
struct View<'a> {
    scheme: Scheme,
    texts: Vec<&'a [u8]>,
    classes: Vec<u64>,
}

fn utf8(b: &[u8]) -> Result<&str, IndexError> {
    std::str::from_utf8(b).map_err(|_| IndexError("a version is not UTF-8"))
}

impl<'a> View<'a> {
    fn read(d: &mut Dec<'a>, scheme: Scheme) -> Result<View<'a>, IndexError> {
        let n = d.count()?;
        let mut texts = Vec::with_capacity(n);
        let mut classes = Vec::with_capacity(n);
        for _ in 0..n {
            texts.push(d.bytes()?);
            let c = d.varint()?;
            if c > n as u64 {
                return Err(IndexError("class out of range"));
            }
            classes.push(c);
        }
        Ok(View {
            scheme,
            texts,
            classes,
        })
    }

    /// The position of a version among these: `2c + 2` when it equals
    /// class `c`, `2c + 1` just below class `c`. The outer error is a
    /// corrupt index, the inner one a version that does not parse.
    fn position(&self, v: &str) -> Result<Result<u64, VersionError>, IndexError> {
        if let Err(e) = self.scheme.compare(v, v) {
            return Ok(Err(e));
        }
        let cmp = |t: &[u8]| -> Result<Ordering, IndexError> {
            self.scheme
                .compare(utf8(t)?, v)
                .map_err(|_| IndexError("a stored version does not parse"))
        };
        let mut lo = 0;
        let mut hi = self.texts.len();
        while lo < hi {
            let mid = (lo + hi) / 2;
            if cmp(self.texts[mid])? == Ordering::Less {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(Ok(match (self.texts.get(lo), self.classes.get(lo)) {
            (Some(t), Some(&c)) => {
                if cmp(t)? == Ordering::Equal {
                    2 * c + 2
                } else {
                    2 * c + 1
                }
            }
            _ => 2 * self.classes.last().map_or(0, |c| c + 1) + 1,
        }))
    }

    fn pos(&self, code: u64) -> Result<u64, IndexError> {
        Ok(match code {
            0 => 0,
            1 => u64::MAX,
            k => {
                let c = self
                    .classes
                    .get((k - 2) as usize)
                    .ok_or(IndexError("version index out of range"))?;
                2 * c + 2
            }
        })
    }

    fn text(&self, code: u64) -> Result<Option<&'a str>, IndexError> {
        code.checked_sub(2)
            .and_then(|k| self.texts.get(k as usize).copied())
            .map(utf8)
            .transpose()
    }
}

/// Judges `version` against every record of an index built by [`build`]
/// for an ecosystem whose order is `scheme`.
pub fn judge(blob: &[u8], scheme: Scheme, version: &str) -> Result<Judgement, IndexError> {
    let mut d = Dec { b: blob, at: 0 };
    if d.u8()? != FORMAT {
        return Err(IndexError("unknown format"));
    }
    let eco = View::read(&mut d, scheme)?;
    let sem = View::read(&mut d, Scheme::Semver)?;
    let eco_pos = eco.position(version)?;
    let bare = version.strip_prefix('v').unwrap_or(version);
    let mut sem_pos: Option<Result<u64, VersionError>> = None;

    let n = d.count()?;
    let mut out = Judgement {
        seen: Vec::with_capacity(n),
        hits: Vec::new(),
    };
    for _ in 0..n {
        let rid = d.varint()?;
        let meta = d.bytes()?;
        let entries = d.count()?;
        let mut verdicts = Vec::with_capacity(entries);
        for _ in 0..entries {
            let v = match d.u8()? {
                0 => judge_entry(&mut d, &eco, &sem, &eco_pos, bare, &mut sem_pos, version)?,
                1 => {
                    let a: Affected = serde_json::from_slice(d.bytes()?)
                        .map_err(|_| IndexError("a kept entry is not JSON"))?;
                    a.judge(scheme, version)
                }
                _ => return Err(IndexError("unknown entry kind")),
            };
            verdicts.push(v);
        }
        out.seen.push(rid);
        if verdicts.iter().any(|v| !matches!(v, Verdict::NotAffected)) {
            let meta = RecordMeta::decode(&mut Dec { b: meta, at: 0 })?;
            out.hits.push(Hit {
                rid,
                meta,
                verdicts,
            });
        }
    }
    Ok(out)
}

/// One compiled entry, read and judged in one pass (the same evaluation as
/// [`Affected::judge`], on positions).
fn judge_entry(
    d: &mut Dec<'_>,
    eco: &View<'_>,
    sem: &View<'_>,
    eco_pos: &Result<u64, VersionError>,
    bare: &str,
    sem_pos: &mut Option<Result<u64, VersionError>>,
    version: &str,
) -> Result<Verdict, IndexError> {
    let mut error: Option<VersionError> = eco_pos.as_ref().err().cloned();
    let mut affected = false;
    let mut fixed: Option<&str> = None;
    let ranges = d.count()?;
    for _ in 0..ranges {
        let semver = match d.u8()? {
            0 => false,
            1 => true,
            _ => return Err(IndexError("bad range kind")),
        };
        let view = if semver { sem } else { eco };
        let vpos = if error.is_some() {
            None
        } else if semver {
            if sem_pos.is_none() {
                *sem_pos = Some(sem.position(bare)?);
            }
            match sem_pos.get_or_insert(Ok(0)) {
                Ok(p) => Some(*p),
                Err(e) => {
                    error = Some(e.clone());
                    None
                }
            }
        } else {
            eco_pos.as_ref().ok().copied()
        };
        let limits = d.count()?;
        let mut below = limits == 0;
        for _ in 0..limits {
            let l = view.pos(d.varint()?)?;
            if vpos.is_some_and(|v| v < l) {
                below = true;
            }
        }
        let events = d.count()?;
        let mut vulnerable = false;
        let mut fix: Option<&str> = None;
        for _ in 0..events {
            let kind = d.u8()?;
            let code = d.varint()?;
            let p = view.pos(code)?;
            let Some(v) = vpos else { continue };
            let o = v.cmp(&p);
            match kind {
                EV_INTRODUCED => {
                    if o != Ordering::Less {
                        vulnerable = true;
                    }
                }
                EV_FIXED => {
                    if o != Ordering::Less {
                        vulnerable = false;
                    } else if fix.is_none() && code >= 2 {
                        fix = view.text(code)?;
                    }
                }
                EV_LAST_AFFECTED => {
                    if o == Ordering::Greater {
                        vulnerable = false;
                    }
                }
                _ => return Err(IndexError("bad event kind")),
            }
        }
        if vpos.is_some() && below && vulnerable {
            affected = true;
            if let Some(f) = fix {
                fixed = match fixed {
                    Some(old)
                        if eco
                            .scheme
                            .compare(old, f)
                            .is_ok_and(|o| o != Ordering::Greater) =>
                    {
                        Some(old)
                    }
                    Some(old) if eco.scheme.compare(old, f).is_err() => Some(old),
                    _ => Some(f),
                };
            }
        }
    }
    let listed = d.count()?;
    for _ in 0..listed {
        let p = eco.pos(d.varint()?)?;
        if !affected && eco_pos.as_ref().is_ok_and(|v| *v == p) {
            affected = true;
        }
    }
    let texts = d.count()?;
    for _ in 0..texts {
        if d.str()? == version {
            affected = true;
        }
    }
    Ok(match error {
        Some(e) => Verdict::Unknown(e),
        None if affected => Verdict::Affected {
            fixed: fixed.map(str::to_string),
        },
        None => Verdict::NotAffected,
    })
}

#[cfg(test)]
mod tests;
