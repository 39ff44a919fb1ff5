use std::cmp::Ordering;
use std::sync::OnceLock;

use drydock_core::package::OsRelease;
use drydock_core::spec::{ImageFiles, ImageSpec};
use drydock_core::{Origin, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::files::{in_text, lines};
use drydock_core::time::{format_date, parse_date};

declare_rule! {
    /// ## What it does
    /// Reports a built image whose operating system release has reached
    /// the end of its regular security support. The release comes from
    /// `/etc/os-release` (or `/usr/lib/os-release`): its `ID` and
    /// `VERSION_ID` are looked up in a dated table shipped with drydock
    /// (`crates/drydock-rules/data/eol.toml`, with its sources in
    /// `EOL-SOURCES.md` beside it), which covers Debian (and Google's
    /// distroless images, which carry Debian's `os-release`), Ubuntu,
    /// Alpine, RHEL and UBI, CentOS, AlmaLinux, Rocky Linux, Oracle Linux,
    /// Amazon Linux, Fedora, SLES and openSUSE Leap.
    ///
    /// A table row's `cycle` is matched against `VERSION_ID` cut to as
    /// many dot-separated parts as the cycle has: Debian, RHEL and UBI,
    /// Amazon Linux by major version (`12`; `9.4` → `9`), Ubuntu by
    /// `YY.MM`, Alpine by `major.minor` (`3.19.1` → `3.19`); when several
    /// rows match, the one with the most parts wins, and a row that also
    /// names a `PRETTY_NAME` substring (CentOS Stream 8, which shares
    /// `VERSION_ID` 8 with CentOS Linux 8) wins over a plain one. A release
    /// is past its end of life from the day after the table's `eol` date
    /// (dates are inclusive, UTC). The message names the release, the date,
    /// the end of extended support (Debian LTS, Ubuntu ESM, …) when the
    /// table gives one that is still ahead, and the table row's source.
    ///
    /// Not judged: an image without `os-release`, without `VERSION_ID`
    /// (Debian testing, Alpine edge, rolling releases), or whose release is
    /// not in the table; and any image when drydock does not know the date
    /// (rules read no clock: `drydock image` gives them the current time).
    ///
    /// ## Why is this bad?
    /// After the end of life, the distribution publishes no more security
    /// fixes for the release: every vulnerability found since in its
    /// packages (OpenSSL, glibc, the kernel's user-space tools) stays open
    /// in the image, however often it is rebuilt, and vulnerability
    /// scanners may stop reporting them because the vendor no longer
    /// triages the release.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:buster
    /// ```
    /// A built image whose `/etc/os-release` says `ID=debian` and
    /// `VERSION_ID="10"`: Debian 10 reached its end of life on 2022-09-10.
    ///
    /// ## How to fix
    /// Move the image to a supported release of its distribution (`FROM
    /// debian:bookworm`, `FROM alpine:3.22`) and rebuild; if that is not
    /// possible yet, use a vendor's extended support channel (Debian LTS,
    /// Ubuntu Pro/ESM, Red Hat ELS) and plan the upgrade.
    pub struct BaseOsEndOfLife {
        id: "IMG080",
        name: "base-os-end-of-life",
        title: "Base operating system past its end of life",
        severity: High,
        category: SupplyChain,
        references: [],
        fix: None,
    }
}

/// The table, as shipped.
const EOL_TOML: &str = include_str!("../../../data/eol.toml");

/// One release cycle of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EolRow {
    pub id: String,
    pub cycle: String,
    pub name: String,
    /// End of regular support, days since 1970-01-01.
    pub eol: i64,
    pub extended_eol: Option<i64>,
    pub source: String,
    /// Matched in place of `cycle` (with `pretty_name_contains`).
    pub version_id: Option<String>,
    pub pretty_name_contains: Option<String>,
}

fn str_field(t: &toml::Table, key: &str, row: usize) -> Result<Option<String>, String> {
    match t.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("os row {row}: `{key}` is not a string")),
    }
}

fn required(t: &toml::Table, key: &str, row: usize) -> Result<String, String> {
    str_field(t, key, row)?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("os row {row}: `{key}` is missing"))
}

fn date_field(t: &toml::Table, key: &str, row: usize) -> Result<Option<i64>, String> {
    str_field(t, key, row)?
        .map(|s| {
            parse_date(&s)
                .ok_or_else(|| format!("os row {row}: `{key}` = {s:?} is not a YYYY-MM-DD date"))
        })
        .transpose()
}

/// Parses the table's text.
pub(crate) fn parse_table(text: &str) -> Result<Vec<EolRow>, String> {
    let table: toml::Table = text.parse().map_err(|e| format!("eol table: {e}"))?;
    let Some(toml::Value::Array(rows)) = table.get("os") else {
        return Err("eol table: no [[os]] rows".into());
    };
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let toml::Value::Table(t) = row else {
            return Err(format!("os row {i}: not a table"));
        };
        out.push(EolRow {
            id: required(t, "id", i)?,
            cycle: required(t, "cycle", i)?,
            name: required(t, "name", i)?,
            eol: date_field(t, "eol", i)?.ok_or_else(|| format!("os row {i}: `eol` is missing"))?,
            extended_eol: date_field(t, "extended_eol", i)?,
            source: required(t, "source", i)?,
            version_id: str_field(t, "version_id", i)?,
            pretty_name_contains: str_field(t, "pretty_name_contains", i)?,
        });
    }
    Ok(out)
}

/// The shipped table, parsed once (`None` if it does not parse; a test
/// makes sure it does).
fn table() -> Option<&'static [EolRow]> {
    static TABLE: OnceLock<Option<Vec<EolRow>>> = OnceLock::new();
    TABLE.get_or_init(|| parse_table(EOL_TOML).ok()).as_deref()
}

/// A cycle as a sort key: each dot-separated part as its leading number
/// and the rest (`8-stream` → (8, "-stream")).
pub(crate) fn cycle_key(cycle: &str) -> Vec<(u64, String)> {
    cycle
        .split('.')
        .map(|part| {
            let digits = part.len() - part.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            (
                part[..digits].parse().unwrap_or(0),
                part[digits..].to_string(),
            )
        })
        .collect()
}

/// `VERSION_ID` cut to `parts` dot-separated parts (`9.4`, 1 → `9`).
fn cut(version: &str, parts: usize) -> Option<String> {
    let split: Vec<&str> = version.split('.').collect();
    (split.len() >= parts).then(|| split[..parts].join("."))
}

/// The row for an OS release: matching `id`, the cycle (or `version_id`)
/// equal to `VERSION_ID` cut to as many parts; the most specific wins.
pub(crate) fn lookup<'a>(rows: &'a [EolRow], os: &OsRelease) -> Option<&'a EolRow> {
    let id = os.id.as_deref()?.trim().to_ascii_lowercase();
    let version = os.version_id.as_deref()?.trim();
    if version.is_empty() {
        return None;
    }
    let pretty = os.pretty_name.as_deref().unwrap_or("");
    rows.iter()
        .filter(|r| r.id == id)
        .filter_map(|r| {
            let (pattern, special) = match (&r.version_id, &r.pretty_name_contains) {
                (Some(v), Some(p)) => {
                    if !pretty.contains(p.as_str()) {
                        return None;
                    }
                    (v.as_str(), true)
                }
                (Some(v), None) => (v.as_str(), false),
                (None, _) => (r.cycle.as_str(), false),
            };
            let parts = pattern.split('.').count();
            (cut(version, parts).as_deref() == Some(pattern)).then_some((r, special, parts))
        })
        .max_by_key(|(_, special, parts)| (*special, *parts))
        .map(|(r, _, _)| r)
}

/// Where the finding goes: the `VERSION_ID=` line of the os-release file
/// whose text was read, else the file as a path.
fn version_line(cx: &Checker<'_>, files: &ImageFiles) -> Origin {
    for path in ["/etc/os-release", "/usr/lib/os-release"] {
        let Some(file) = files.text(path) else {
            continue;
        };
        if let Some((range, _)) =
            lines(cx.file_text(file)).find(|(_, l)| l.trim_start().starts_with("VERSION_ID="))
        {
            return in_text(file, range);
        }
    }
    Origin::api("/etc/os-release")
}

fn check(cx: &mut Checker<'_>, files: &ImageFiles, rows: &[EolRow], now: i64) {
    let Some(os) = &files.os else {
        return;
    };
    let Some(row) = lookup(rows, os) else {
        return;
    };
    // Dates are inclusive: support ends at the end of the `eol` day.
    if now < (row.eol + 1) * 86_400 {
        return;
    }
    let extended = row
        .extended_eol
        .filter(|d| now < (d + 1) * 86_400)
        .map(|d| {
            format!(
                "; extended support (paid or volunteer, narrower) continues until {}",
                format_date(d * 86_400)
            )
        })
        .unwrap_or_default();
    let origin = version_line(cx, files);
    cx.report(
        &origin,
        format!(
            "the image's operating system, {} (`{}` {}), reached the end of its security support on {}{extended} (source: {})",
            row.name,
            row.id,
            row.cycle,
            format_date(row.eol * 86_400),
            row.source
        ),
    );
}

impl Rule for BaseOsEndOfLife {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        let (Some(files), Some(now), Some(rows)) = (&image.files, cx.settings.now, table()) else {
            return;
        };
        check(cx, files, rows, now);
    }
}

impl PartialOrd for EolRow {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for EolRow {
    /// Table order: by `id`, then by cycle numerically.
    fn cmp(&self, other: &Self) -> Ordering {
        self.id
            .cmp(&other.id)
            .then_with(|| cycle_key(&self.cycle).cmp(&cycle_key(&other.cycle)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::image::files::testkit::Img;
    use drydock_core::time::parse_rfc3339;

    const TINY: &str = r#"
# test table
[[os]]
id = "alpine"
cycle = "3.19"
name = "Alpine Linux 3.19"
eol = "2025-11-01"
source = "https://alpinelinux.org/releases/"

[[os]]
id = "centos"
cycle = "8"
name = "CentOS Linux 8"
eol = "2021-12-31"
source = "https://www.centos.org/centos-linux-eol/"

[[os]]
id = "centos"
cycle = "8-stream"
name = "CentOS Stream 8"
eol = "2024-05-31"
version_id = "8"
pretty_name_contains = "Stream"
source = "https://blog.centos.org/"

[[os]]
id = "debian"
cycle = "10"
name = "Debian 10 (buster)"
eol = "2022-09-10"
extended_eol = "2024-06-30"
source = "https://www.debian.org/releases/buster/"

[[os]]
id = "debian"
cycle = "12"
name = "Debian 12 (bookworm)"
eol = "2026-06-10"
extended_eol = "2028-06-30"
source = "https://www.debian.org/releases/bookworm/"

[[os]]
id = "rhel"
cycle = "9"
name = "Red Hat Enterprise Linux 9"
eol = "2032-05-31"
source = "https://access.redhat.com/support/policy/updates/errata"

[[os]]
id = "ubuntu"
cycle = "20.04"
name = "Ubuntu 20.04 LTS (Focal Fossa)"
eol = "2025-05-31"
extended_eol = "2030-04-30"
source = "https://ubuntu.com/about/release-cycle"
"#;

    fn os(id: &str, version: &str, pretty: &str) -> OsRelease {
        OsRelease {
            id: Some(id.into()),
            version_id: Some(version.into()),
            pretty_name: Some(pretty.into()),
            ..OsRelease::default()
        }
    }

    #[test]
    fn shipped_table_parses_sorted_and_unique() {
        let rows = parse_table(EOL_TOML).unwrap();
        assert!(!rows.is_empty());
        for pair in rows.windows(2) {
            assert!(
                pair[0] < pair[1],
                "eol.toml: {} {} must come before {} {} (sorted by id, then cycle, no duplicates)",
                pair[0].id,
                pair[0].cycle,
                pair[1].id,
                pair[1].cycle
            );
        }
        for r in &rows {
            assert!(r.source.starts_with("https://"), "{} {}", r.id, r.cycle);
            if let Some(x) = r.extended_eol {
                assert!(x >= r.eol, "{} {}: extended_eol before eol", r.id, r.cycle);
            }
        }
        assert!(table().is_some());
    }

    #[test]
    fn parse_errors() {
        assert!(parse_table("[[os]]\nid = \"x\"\n").is_err());
        assert!(parse_table("x = 1").is_err());
        let bad_date = TINY.replace("2022-09-10", "2022-09-31");
        assert!(parse_table(&bad_date).unwrap_err().contains("eol"));
    }

    #[test]
    fn matching() {
        let rows = parse_table(TINY).unwrap();
        let cycle = |o: OsRelease| lookup(&rows, &o).map(|r| r.cycle.clone());
        assert_eq!(
            cycle(os("debian", "10", "Debian GNU/Linux 10 (buster)")).as_deref(),
            Some("10")
        );
        assert_eq!(
            cycle(os("rhel", "9.4", "Red Hat Enterprise Linux 9.4 (Plow)")).as_deref(),
            Some("9")
        );
        assert_eq!(
            cycle(os("alpine", "3.19.1", "Alpine Linux v3.19")).as_deref(),
            Some("3.19")
        );
        assert_eq!(cycle(os("alpine", "3.1", "Alpine Linux v3.1")), None);
        assert_eq!(
            cycle(os("ubuntu", "20.04", "Ubuntu 20.04.6 LTS")).as_deref(),
            Some("20.04")
        );
        assert_eq!(
            cycle(os("centos", "8", "CentOS Stream 8")).as_deref(),
            Some("8-stream")
        );
        assert_eq!(
            cycle(os("centos", "8", "CentOS Linux 8")).as_deref(),
            Some("8")
        );
        assert_eq!(cycle(os("debian", "", "Debian GNU/Linux trixie/sid")), None);
        assert_eq!(cycle(os("arch", "1", "Arch")), None);
        assert_eq!(cycle(os("debian", "100", "x")), None);
    }

    fn run(img: &Img, rows: &[EolRow], now: &str) -> Vec<String> {
        let spec = img.spec();
        let mut cx = Checker::new(&BaseOsEndOfLife::META, &img.settings, &img.sources);
        check(
            &mut cx,
            spec.files.as_ref().unwrap(),
            rows,
            parse_rfc3339(now).unwrap(),
        );
        cx.into_findings()
            .iter()
            .map(|f| format!("{} {}", img.place(f), f.message))
            .collect()
    }

    #[test]
    fn verdicts() {
        let rows = parse_table(TINY).unwrap();
        let mut img = Img::new().text(
            "/etc/os-release",
            "PRETTY_NAME=\"Debian GNU/Linux 10 (buster)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"10\"\nID=debian\n",
        );
        img.files.os = Some(os("debian", "10", "Debian GNU/Linux 10 (buster)"));
        assert_eq!(
            run(&img, &rows, "2023-01-01T00:00:00Z"),
            [
                "fixture.tar!/etc/os-release:3 the image's operating system, Debian 10 (buster) (`debian` 10), reached the end of its security support on 2022-09-10; extended support (paid or volunteer, narrower) continues until 2024-06-30 (source: https://www.debian.org/releases/buster/)"
            ]
        );
        assert_eq!(
            run(&img, &rows, "2026-11-23T00:00:00Z"),
            [
                "fixture.tar!/etc/os-release:3 the image's operating system, Debian 10 (buster) (`debian` 10), reached the end of its security support on 2022-09-10 (source: https://www.debian.org/releases/buster/)"
            ]
        );
        // The EOL day itself is still supported.
        assert!(run(&img, &rows, "2022-09-10T23:59:59Z").is_empty());
        assert_eq!(run(&img, &rows, "2022-09-11T00:00:00Z").len(), 1);

        // Supported release; no os-release text: the path as the origin.
        let mut img = Img::new();
        img.files.os = Some(os("debian", "12", "Debian GNU/Linux 12 (bookworm)"));
        assert!(run(&img, &rows, "2026-01-01T00:00:00Z").is_empty());
        assert_eq!(
            run(&img, &rows, "2026-11-23T00:00:00Z")[0]
                .split(' ')
                .next(),
            Some("api:/etc/os-release")
        );
        // Unknown OS, no OS: nothing.
        img.files.os = Some(os("gentoo", "2.15", "Gentoo"));
        assert!(run(&img, &rows, "2026-11-23T00:00:00Z").is_empty());
        img.files.os = None;
        assert!(run(&img, &rows, "2026-11-23T00:00:00Z").is_empty());
    }

    #[test]
    fn needs_now_and_files() {
        let mut img = Img::new();
        img.files.os = Some(os("debian", "10", "Debian GNU/Linux 10 (buster)"));
        assert!(img.check(&BaseOsEndOfLife).is_empty());
        img.settings.now = parse_rfc3339("2026-11-23T00:00:00Z");
        assert_eq!(
            img.check(&BaseOsEndOfLife).len(),
            usize::from(
                table().is_some_and(|t| lookup(t, img.files.os.as_ref().unwrap()).is_some())
            )
        );
        let mut spec = img.spec();
        spec.files = None;
        assert!(img.check_spec(&BaseOsEndOfLife, &spec).is_empty());
    }
}
