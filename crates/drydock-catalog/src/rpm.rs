//! rpm: the SQLite rpmdb (`/var/lib/rpm/rpmdb.sqlite`, `/usr/lib/sysimage/rpm/rpmdb.sqlite`),
//! read from bytes (SQLite's in-memory VFS, no temporary file). The
//! `Packages` table holds one header blob per package.
//!
//! Header blob layout (rpm's `headerExport` without the 8-byte magic; all
//! integers big-endian):
//!
//! ```text
//! il: u32   number of index entries
//! dl: u32   size of the data store
//! il × { tag: i32, type: u32, offset: i32, count: u32 }   16 bytes each
//! data store: dl bytes; entry data at `offset` from its start
//! ```
//!
//! Types used here: STRING (6, NUL-terminated), I18NSTRING (9, `count`
//! NUL-terminated strings, the first is taken), STRING_ARRAY (8), INT32 (4,
//! `count` big-endian i32). Tags: NAME 1000, VERSION 1001, RELEASE 1002,
//! EPOCH 1003, LICENSE 1014, ARCH 1022, SOURCERPM 1044. Every offset and
//! length is bounds-checked against the blob; `il` is capped at 65 535 and
//! `dl` at 256 MiB as rpm itself does.
//!
//! Berkeley DB (`Packages`) and NDB (`Packages.db`) databases are reported as
//! unsupported.

use drydock_core::package::{Package, PackageKind};
use rusqlite::{Connection, OpenFlags};

const TAG_NAME: i32 = 1000;
const TAG_VERSION: i32 = 1001;
const TAG_RELEASE: i32 = 1002;
const TAG_EPOCH: i32 = 1003;
const TAG_LICENSE: i32 = 1014;
const TAG_ARCH: i32 = 1022;
const TAG_SOURCERPM: i32 = 1044;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

const MAX_INDEX: u32 = 0xffff;
const MAX_DATA: u32 = 256 * 1024 * 1024;
const MAX_PACKAGES: usize = 1_000_000;

/// The fields of one rpm header the catalogue uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RpmHeader {
    pub name: Option<String>,
    pub version: Option<String>,
    pub release: Option<String>,
    pub epoch: Option<i32>,
    pub arch: Option<String>,
    pub sourcerpm: Option<String>,
    pub license: Option<String>,
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// Parse a header blob (see the module docs for the layout).
pub fn parse_rpm_header(blob: &[u8]) -> Result<RpmHeader, String> {
    let il = be_u32(blob, 0).ok_or("header shorter than 8 bytes")?;
    let dl = be_u32(blob, 4).ok_or("header shorter than 8 bytes")?;
    if il == 0 || il > MAX_INDEX {
        return Err(format!(
            "header index count {il} out of range 1..={MAX_INDEX}"
        ));
    }
    if dl > MAX_DATA {
        return Err(format!("header data length {dl} over {MAX_DATA}"));
    }
    let index_len = (il as usize) * 16;
    let data_start = 8 + index_len;
    let data_end = data_start + dl as usize;
    if blob.len() < data_end {
        return Err(format!(
            "header truncated: {il} entries and {dl} data bytes need {data_end} bytes, blob has {}",
            blob.len()
        ));
    }
    let data = &blob[data_start..data_end];
    let mut h = RpmHeader::default();
    for i in 0..il as usize {
        let e = 8 + i * 16;
        let (Some(tag), Some(ty), Some(off), Some(count)) = (
            be_u32(blob, e),
            be_u32(blob, e + 4),
            be_u32(blob, e + 8),
            be_u32(blob, e + 12),
        ) else {
            return Err(format!("index entry {i} truncated"));
        };
        let tag = tag as i32;
        let off = off as usize;
        let field = match tag {
            TAG_NAME | TAG_VERSION | TAG_RELEASE | TAG_ARCH | TAG_SOURCERPM | TAG_LICENSE => {
                if !matches!(ty, TYPE_STRING | TYPE_I18NSTRING | TYPE_STRING_ARRAY) {
                    return Err(format!("tag {tag}: type {ty} is not a string"));
                }
                let s = data
                    .get(off..)
                    .ok_or_else(|| format!("tag {tag}: offset {off} past data end {dl}"))?;
                let end = s
                    .iter()
                    .position(|&b| b == 0)
                    .ok_or_else(|| format!("tag {tag}: string not NUL-terminated"))?;
                Some(String::from_utf8_lossy(&s[..end]).into_owned())
            }
            TAG_EPOCH => {
                if ty != TYPE_INT32 || count < 1 {
                    return Err(format!(
                        "tag {tag}: type {ty} count {count}, expected INT32"
                    ));
                }
                let v = be_u32(data, off)
                    .ok_or_else(|| format!("tag {tag}: offset {off} past data end {dl}"))?;
                h.epoch = Some(v as i32);
                None
            }
            _ => None,
        };
        if let Some(s) = field {
            let slot = match tag {
                TAG_NAME => &mut h.name,
                TAG_VERSION => &mut h.version,
                TAG_RELEASE => &mut h.release,
                TAG_ARCH => &mut h.arch,
                TAG_SOURCERPM => &mut h.sourcerpm,
                _ => &mut h.license,
            };
            *slot = Some(s);
        }
    }
    Ok(h)
}

/// The message for a Berkeley DB or NDB rpmdb.
pub(crate) fn unsupported(data: &[u8]) -> String {
    let what = if data.get(..4) == Some(b"RpmP") {
        "NDB"
    } else if matches!(
        data.get(12..16),
        Some([0x61, 0x15, 0x06, 0x00] | [0x00, 0x06, 0x15, 0x61])
    ) {
        "Berkeley DB"
    } else {
        "unrecognised"
    };
    format!("unsupported rpmdb format ({what}); only rpmdb.sqlite is read")
}

pub(crate) fn parse_sqlite(path: &str, data: &[u8]) -> Result<Vec<Package>, String> {
    if data.get(..16) != Some(b"SQLite format 3\0") {
        return Err("not an SQLite database".into());
    }
    let mut bytes = data.to_vec();
    // WAL-mode databases (rpm uses WAL) cannot be opened by the in-memory
    // VFS; bytes 18/19 (read/write format version) 2 → 1 selects rollback
    // journal mode. Changes still in a `-wal` file are not seen.
    if let Some(b) = bytes.get_mut(18..20) {
        for x in b {
            if *x == 2 {
                *x = 1;
            }
        }
    }
    let len = bytes.len();
    let mut conn = Connection::open_in_memory_with_flags(
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    )
    .map_err(|e| format!("sqlite: {e}"))?;
    conn.deserialize_read_exact("main", &bytes[..], len, true)
        .map_err(|e| format!("sqlite: {e}"))?;
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(|e| format!("sqlite: {e}"))?;
    let mut rows = stmt.query([]).map_err(|e| format!("sqlite: {e}"))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| format!("sqlite: {e}"))? {
        let hnum: i64 = row.get(0).map_err(|e| format!("sqlite: {e}"))?;
        let blob: Vec<u8> = row
            .get(1)
            .map_err(|e| format!("Packages row {hnum}: {e}"))?;
        let h = parse_rpm_header(&blob).map_err(|e| format!("Packages row {hnum}: {e}"))?;
        let Some(name) = h.name.filter(|n| !n.is_empty()) else {
            return Err(format!("Packages row {hnum}: no NAME"));
        };
        // gpg-pubkey entries are keys, not packages (Syft skips them too).
        if name == "gpg-pubkey" {
            continue;
        }
        let mut version = h.version.unwrap_or_default();
        if let Some(r) = h.release.filter(|r| !r.is_empty()) {
            version = format!("{version}-{r}");
        }
        if let Some(e) = h.epoch {
            version = format!("{e}:{version}");
        }
        let mut p = Package::new(PackageKind::Rpm, name, version, path);
        p.arch = h.arch.filter(|a| !a.is_empty());
        p.source = h
            .sourcerpm
            .filter(|s| !s.is_empty() && s != "(none)")
            .map(|s| (s, None));
        p.licenses = h.license.filter(|l| !l.is_empty()).into_iter().collect();
        p.purl = p.compute_purl(None);
        out.push(p);
        if out.len() > MAX_PACKAGES {
            return Err(format!("more than {MAX_PACKAGES} packages"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Build a header blob: entries of (tag, type, data bytes).
    pub(crate) fn blob(entries: &[(i32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, ty, d) in entries {
            if *ty == TYPE_INT32 {
                while data.len() % 4 != 0 {
                    data.push(0);
                }
            }
            index.extend_from_slice(&tag.to_be_bytes());
            index.extend_from_slice(&ty.to_be_bytes());
            index.extend_from_slice(&(data.len() as u32).to_be_bytes());
            index.extend_from_slice(&1u32.to_be_bytes());
            data.extend_from_slice(d);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend(index);
        out.extend(data);
        out
    }

    fn s(v: &str) -> Vec<u8> {
        let mut b = v.as_bytes().to_vec();
        b.push(0);
        b
    }

    #[test]
    fn header_blob() {
        let b = blob(&[
            (TAG_NAME, TYPE_STRING, s("openssl-libs")),
            (TAG_VERSION, TYPE_STRING, s("3.0.7")),
            (TAG_RELEASE, TYPE_STRING, s("25.el9_3")),
            (TAG_EPOCH, TYPE_INT32, 1i32.to_be_bytes().to_vec()),
            (TAG_ARCH, TYPE_STRING, s("x86_64")),
            (TAG_LICENSE, TYPE_STRING, s("ASL 2.0")),
            (
                TAG_SOURCERPM,
                TYPE_STRING,
                s("openssl-3.0.7-25.el9_3.src.rpm"),
            ),
            (1004, TYPE_I18NSTRING, s("summary")),
        ]);
        let h = parse_rpm_header(&b).unwrap();
        assert_eq!(h.name.as_deref(), Some("openssl-libs"));
        assert_eq!(h.epoch, Some(1));
        assert_eq!(
            h.sourcerpm.as_deref(),
            Some("openssl-3.0.7-25.el9_3.src.rpm")
        );
        // Every truncation is an error, never a panic.
        for n in 0..b.len() {
            assert!(parse_rpm_header(&b[..n]).is_err(), "prefix {n}");
        }
        // Offset pointing outside the data store.
        let mut bad = b.clone();
        bad[8 + 8..8 + 12].copy_from_slice(&10_000u32.to_be_bytes());
        assert!(
            parse_rpm_header(&bad)
                .unwrap_err()
                .contains("past data end")
        );
        let mut huge = b.clone();
        huge[0..4].copy_from_slice(&0x1_0000u32.to_be_bytes());
        assert!(
            parse_rpm_header(&huge)
                .unwrap_err()
                .contains("out of range")
        );
    }

    #[test]
    fn hand_built_sqlite() {
        let dir = std::env::temp_dir().join(format!("drydock-catalog-rpm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("rpmdb.sqlite");
        let _ = std::fs::remove_file(&file);
        {
            let c = Connection::open(&file).unwrap();
            c.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);")
                .unwrap();
            for (n, v, r, a) in [
                ("bash", "5.1.8", "6.el9", "x86_64"),
                ("gpg-pubkey", "fd431d51", "4ae0493b", ""),
            ] {
                let b = blob(&[
                    (TAG_NAME, TYPE_STRING, s(n)),
                    (TAG_VERSION, TYPE_STRING, s(v)),
                    (TAG_RELEASE, TYPE_STRING, s(r)),
                    (TAG_ARCH, TYPE_STRING, s(a)),
                    (TAG_SOURCERPM, TYPE_STRING, s("bash-5.1.8-6.el9.src.rpm")),
                    (TAG_LICENSE, TYPE_STRING, s("GPLv3+")),
                ]);
                c.execute("INSERT INTO Packages (blob) VALUES (?1)", [b])
                    .unwrap();
            }
        }
        let bytes = std::fs::read(&file).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let pkgs = parse_sqlite("/var/lib/rpm/rpmdb.sqlite", &bytes).unwrap();
        assert_eq!(pkgs.len(), 1);
        assert_eq!(pkgs[0].name, "bash");
        assert_eq!(pkgs[0].version, "5.1.8-6.el9");
        assert_eq!(pkgs[0].licenses, vec!["GPLv3+".to_string()]);
    }

    #[test]
    fn real_rpmdb_made_by_rpm() {
        // tests/data/rpmdb.sqlite: made with rpm 4.18 (Debian's `rpm` package):
        // `rpmbuild -bb` of two file-less specs, then
        // `rpm --define "_db_backend sqlite" --dbpath DIR --initdb` and
        // `rpm … -i --justdb --nodeps` of both. WAL journal mode, as on Fedora/RHEL.
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/rpmdb.sqlite"
        ))
        .unwrap();
        let pkgs = parse_sqlite("/var/lib/rpm/rpmdb.sqlite", &bytes).unwrap();
        let got: Vec<_> = pkgs
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.arch.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("drydock-hello", "2:1.2.3-4.el9", Some("noarch")),
                ("tiny-lib", "1.2.3-4.el9", Some("x86_64"))
            ]
        );
        assert_eq!(pkgs[0].licenses, vec!["MIT AND Apache-2.0".to_string()]);
        assert_eq!(
            pkgs[0].source,
            Some(("drydock-hello-1.2.3-4.el9.src.rpm".into(), None))
        );
        assert_eq!(
            pkgs[0].purl,
            "pkg:rpm/redhat/drydock-hello@1.2.3-4.el9?arch=noarch&epoch=2&upstream=drydock-hello-1.2.3-4.el9.src.rpm"
        );
        // Truncated database: an error, not a panic.
        assert!(parse_sqlite("x", &bytes[..bytes.len() / 3]).is_err());
    }

    #[test]
    fn other_formats() {
        assert!(
            parse_sqlite("x", b"not sqlite")
                .unwrap_err()
                .contains("not an SQLite")
        );
        let mut bdb = vec![0u8; 64];
        bdb[12..16].copy_from_slice(&[0x61, 0x15, 0x06, 0x00]);
        assert!(unsupported(&bdb).contains("Berkeley DB"));
        assert!(unsupported(b"RpmP\0\0\0\0").contains("NDB"));
    }
}
