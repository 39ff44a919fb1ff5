//! The offline vulnerability database: OSV records imported from `all.zip`
//! files, directories or single JSON files into one SQLite file (bundled
//! SQLite through `rusqlite`), indexed by (ecosystem, package name) and by
//! every identifier a record carries (its `id`, `aliases`, `upstream`).
//!
//! # File layout
//! * `PRAGMA user_version` holds the schema version ([`SCHEMA`]); a file
//!   written by a newer drydock is refused with [`StoreError::NewerSchema`].
//! * `records`: one row per OSV `id`, the raw JSON compressed with zstd
//!   (level 3; about a third of the raw size, and decompressing a record
//!   costs about a microsecond), its `modified` time and a withdrawn flag.
//! * `pkg`: (ecosystem exactly as in the record, normalised name) → record,
//!   for every `affected[].package` whose ecosystem has a version scheme.
//! * `ids`: identifier → record, for the `id`, `aliases` and `upstream`.
//! * `sources`, `ecosystems`, `meta`: what [`Db::status`] shows.
//!
//! # Import: atomic and locked
//! [`import`] takes `<db>.lock` (an exclusive OS file lock), copies the old
//! database (if any) to `<db>.tmp` in the same directory, upserts every
//! record there and renames the copy over the old file only when all inputs
//! imported. Any error (a corrupt zip, an unreadable file, a full disk)
//! removes the copy and leaves the old database as it was: an import is
//! all or nothing. A second import while one runs fails at once with
//! [`StoreError::Locked`]. Readers take no lock: the file they open is always
//! a complete database (the rename is atomic), and an open [`Db`] keeps
//! reading the file it opened even after an import replaced it.
//!
//! # Upsert rule
//! Records are keyed by `id`. An incoming record replaces the stored one
//! unless both have a `modified` time and the stored one is strictly newer;
//! equal times (and records without a readable `modified`) replace.
//!
//! # Bad input
//! Records that are not JSON, JSON that is not OSV (no `id`), records whose
//! packages are all in ecosystems without a version scheme
//! ([`Scheme::of_ecosystem`] is `None`) and records naming no package are
//! skipped and counted per reason (and per ecosystem), never fatal. A zip
//! that cannot be read is an error naming the file, and fails the import.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use drydock_version::Scheme;
use rayon::prelude::*;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::de::IgnoredAny;

use crate::osv::Record;

/// The schema this drydock writes and reads.
/// 2: the compiled per-package match index (`pkgidx`).
pub const SCHEMA: u32 = 2;

/// Marks a SQLite file as a drydock OSV database (`meta.format`).
const FORMAT: &str = "drydock-osv";

/// zstd level for record bodies (see the module docs).
const ZSTD_LEVEL: i32 = 3;

/// Records handed to the parallel parse/compress step at once.
const CHUNK: usize = 4096;

/// Errors of the database; each names the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}: database error: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("{path}: not a readable zip archive (corrupt or truncated?): {source}")]
    CorruptZip {
        path: PathBuf,
        #[source]
        source: zip::result::ZipError,
    },
    #[error("{path}: entry `{entry}` of the zip cannot be read (corrupt or truncated?): {source}")]
    CorruptZipEntry {
        path: PathBuf,
        entry: String,
        #[source]
        source: io::Error,
    },
    #[error(
        "{path}: written by a newer drydock (schema {found}, this one reads {supported}); \
         update drydock or re-import into a new database"
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error(
        "{path}: written by an older drydock (schema {found}, this one reads {supported}); \
         remove it and import again (`drydock db update` or `drydock db import`)"
    )]
    OlderSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{path}: not a drydock vulnerability database ({reason})")]
    NotADatabase { path: PathBuf, reason: String },
    #[error("{path}: no vulnerability database here; import one with `drydock db import`")]
    Missing { path: PathBuf },
    #[error(
        "{lock}: another drydock is importing into this database (lock held); \
         try again when it has finished"
    )]
    Locked { lock: PathBuf },
    #[error("{path}: not a zip, a directory or a JSON file")]
    UnknownInput { path: PathBuf },
}

impl StoreError {
    fn io(path: &Path, source: io::Error) -> StoreError {
        StoreError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn sql(path: &Path) -> impl FnOnce(rusqlite::Error) -> StoreError + '_ {
        move |source| StoreError::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Why a record was skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// The bytes are not JSON.
    NotJson,
    /// JSON, but not an OSV record (no `id`, or fields of the wrong type).
    NotOsv,
    /// Every `affected[].package` is in an ecosystem without a version scheme.
    UnsupportedEcosystem,
    /// No `affected[].package` at all (e.g. only GIT ranges).
    NoPackage,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::NotJson => "not JSON",
            SkipReason::NotOsv => "not an OSV record",
            SkipReason::UnsupportedEcosystem => "unsupported ecosystem",
            SkipReason::NoPackage => "no affected package",
        }
    }
}

/// Progress of an [`import`], reported at least every [`CHUNK`] records and
/// at the end of each input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportProgress {
    /// The input being read.
    pub input: PathBuf,
    /// Its position among the inputs (0-based) and their number.
    pub input_index: usize,
    pub inputs: usize,
    /// Records (files or zip entries) read from this input so far.
    pub done: u64,
    /// How many it holds, when known (zip and directory inputs).
    pub total: Option<u64>,
}

/// What an [`import`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Records read (files or zip entries holding JSON).
    pub read: u64,
    /// New ids stored.
    pub inserted: u64,
    /// Stored records replaced (newer or equal `modified`).
    pub replaced: u64,
    /// Incoming records older than the stored one, left out.
    pub kept_newer: u64,
    /// Skipped records per reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Skipped records (reason `UnsupportedEcosystem`) per ecosystem, and
    /// `affected` entries of stored records left out of the index because
    /// their ecosystem has no version scheme.
    pub unsupported_ecosystems: BTreeMap<String, u64>,
    /// The first few problems, as (input and entry, why), for the log.
    pub problems: Vec<(String, String)>,
    /// Records in the database after the import.
    pub records: u64,
    /// The schema of an older database that was found at the path and
    /// replaced: its records were not carried over (this drydock cannot
    /// read them), only this import's are in the new database.
    pub replaced_older_schema: Option<u32>,
}

impl ImportReport {
    /// All skipped records.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    fn skip(&mut self, reason: SkipReason, entry: &str, why: &str) {
        *self.skipped.entry(reason).or_default() += 1;
        if self.problems.len() < 20 {
            self.problems.push((entry.to_string(), why.to_string()));
        }
    }
}

/// One imported input, as [`Db::status`] lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceInfo {
    /// The path as given to [`import`] (made absolute when possible).
    pub path: String,
    /// When it was last imported (Unix seconds).
    pub imported_at: u64,
    /// Records it held that were accepted (stored or already newer).
    pub records: u64,
}

/// What [`Db::status`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub schema: u32,
    pub records: u64,
    pub withdrawn: u64,
    /// Records per ecosystem string (`Debian:12`, `PyPI` …); a record
    /// affecting several ecosystems counts in each.
    pub per_ecosystem: BTreeMap<String, u64>,
    pub sources: Vec<SourceInfo>,
    /// When the file was last written by an import (Unix seconds).
    pub built_at: u64,
    pub size_bytes: u64,
}

/// `$XDG_CACHE_HOME/drydock/osv.db`, else `$HOME/.cache/drydock/osv.db`.
pub fn default_path() -> Option<PathBuf> {
    default_path_from(std::env::var_os("XDG_CACHE_HOME"), std::env::var_os("HOME"))
}

fn default_path_from(
    xdg_cache_home: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> Option<PathBuf> {
    // The XDG spec says empty or relative values are to be ignored.
    if let Some(p) = xdg_cache_home.map(PathBuf::from)
        && p.is_absolute()
    {
        return Some(p.join("drydock").join("osv.db"));
    }
    home.filter(|h| !h.is_empty()).map(|h| {
        PathBuf::from(h)
            .join(".cache")
            .join("drydock")
            .join("osv.db")
    })
}

/// The lock file guarding imports into `db`: `<db>.lock`.
pub fn lock_path(db: &Path) -> PathBuf {
    sibling(db, ".lock")
}

/// The file beside `db` listing the OSV ecosystems scans needed
/// (`<db>.ecosystems`, one base name per line: `Debian`, `PyPI`, …), so
/// that `drydock db update` fetches what the scanned images hold.
pub fn seen_path(db: &Path) -> PathBuf {
    sibling(db, ".ecosystems")
}

/// The base ecosystems recorded by [`remember_ecosystems`], sorted.
pub fn remembered_ecosystems(db: &Path) -> Vec<String> {
    let mut out: Vec<String> = fs::read_to_string(seen_path(db))
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Adds the base names of `ecosystems` (`Debian:12` → `Debian`) to the
/// list beside `db`; written to a temporary file then renamed, so that a
/// reader never sees half a list. Returns whether the list changed.
pub fn remember_ecosystems<'a>(
    db: &Path,
    ecosystems: impl IntoIterator<Item = &'a str>,
) -> io::Result<bool> {
    let mut all = remembered_ecosystems(db);
    let before = all.len();
    for e in ecosystems {
        let base = e.split(':').next().unwrap_or(e).trim();
        if !base.is_empty() && !all.iter().any(|a| a == base) {
            all.push(base.to_string());
        }
    }
    if all.len() == before {
        return Ok(false);
    }
    all.sort();
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir)?;
    }
    let path = seen_path(db);
    let tmp = sibling(&path, &format!(".{}.tmp", std::process::id()));
    fs::write(&tmp, format!("{}\n", all.join("\n")))?;
    fs::rename(&tmp, &path)?;
    Ok(true)
}

fn sibling(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// How package names are keyed (the matcher's rule: PEP 503 for PyPI).
pub use crate::matcher::normalise_name;

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

const CREATE: &str = "
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE records(
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    modified INTEGER,
    withdrawn INTEGER NOT NULL,
    len INTEGER NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE pkg(
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    rid INTEGER NOT NULL,
    slim BLOB NOT NULL,
    PRIMARY KEY(ecosystem, name, rid)
) WITHOUT ROWID;
CREATE INDEX pkg_rid ON pkg(rid);
CREATE TABLE ids(
    alias TEXT NOT NULL,
    rid INTEGER NOT NULL,
    PRIMARY KEY(alias, rid)
) WITHOUT ROWID;
CREATE INDEX ids_rid ON ids(rid);
CREATE TABLE sources(
    path TEXT PRIMARY KEY,
    imported_at INTEGER NOT NULL,
    records INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE ecosystems(ecosystem TEXT PRIMARY KEY, records INTEGER NOT NULL) WITHOUT ROWID;
-- A rowid table: the index blob then sits in the table leaf, read once,
-- rather than in the key of a WITHOUT ROWID tree (copied on every probe).
CREATE TABLE pkgidx(
    id INTEGER PRIMARY KEY,
    ecosystem TEXT NOT NULL,
    name TEXT NOT NULL,
    idx BLOB NOT NULL
);
CREATE UNIQUE INDEX pkgidx_key ON pkgidx(ecosystem, name);
";

/// Reads and checks the schema version and format marker of an open file.
fn check_schema(conn: &Connection, path: &Path) -> Result<u32, StoreError> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
                StoreError::NotADatabase {
                    path: path.to_path_buf(),
                    reason: "not a SQLite file".into(),
                }
            }
            source => StoreError::Sqlite {
                path: path.to_path_buf(),
                source,
            },
        })?;
    let version = u32::try_from(version).unwrap_or(0);
    if version > SCHEMA {
        return Err(StoreError::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA,
        });
    }
    let format: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| {
            r.get(0)
        })
        .optional()
        .unwrap_or(None);
    if version != 0 && version < SCHEMA && format.as_deref() == Some(FORMAT) {
        return Err(StoreError::OlderSchema {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA,
        });
    }
    if version == 0 || format.as_deref() != Some(FORMAT) {
        return Err(StoreError::NotADatabase {
            path: path.to_path_buf(),
            reason: format!(
                "schema {version}, format {}",
                format.as_deref().unwrap_or("none")
            ),
        });
    }
    Ok(version)
}

/// A read-only open database.
pub struct Db {
    conn: Connection,
    path: PathBuf,
    schema: u32,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.path)
            .field("schema", &self.schema)
            .finish()
    }
}

impl Db {
    /// Opens `path` read-only and checks its schema.
    pub fn open(path: &Path) -> Result<Db, StoreError> {
        match fs::metadata(path) {
            Ok(m) if m.is_file() => {}
            Ok(_) => {
                return Err(StoreError::NotADatabase {
                    path: path.to_path_buf(),
                    reason: "not a file".into(),
                });
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::Missing {
                    path: path.to_path_buf(),
                });
            }
            Err(e) => return Err(StoreError::io(path, e)),
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(StoreError::sql(path))?;
        let schema = check_schema(&conn, path)?;
        // Memory-mapped reads: lookups touch a few pages each.
        conn.execute_batch(
            "PRAGMA mmap_size = 1073741824; PRAGMA query_only = 1; PRAGMA cache_size = -65536; \
             PRAGMA locking_mode = EXCLUSIVE;",
        )
        .map_err(StoreError::sql(path))?;
        Ok(Db {
            conn,
            path: path.to_path_buf(),
            schema,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn decode(&self, len: i64, body: &[u8]) -> Result<Record, StoreError> {
        decode(&self.path, len, body)
    }

    fn records_where(&self, sql: &str, args: &[&str]) -> Result<Vec<Record>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(StoreError::sql(&self.path))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(args))
            .map_err(StoreError::sql(&self.path))?;
        let mut bodies: Vec<(i64, Vec<u8>)> = Vec::new();
        while let Some(row) = rows.next().map_err(StoreError::sql(&self.path))? {
            let len: i64 = row.get(0).map_err(StoreError::sql(&self.path))?;
            let body: Vec<u8> = row.get(1).map_err(StoreError::sql(&self.path))?;
            bodies.push((len, body));
        }
        // Decompressing and parsing dominate a lookup: spread them over the
        // cores when there are several records.
        let path = self.path.as_path();
        if bodies.len() >= 4 {
            bodies
                .par_iter()
                .map(|(len, body)| decode(path, *len, body))
                .collect()
        } else {
            bodies
                .iter()
                .map(|(len, body)| self.decode(*len, body))
                .collect()
        }
    }

    /// Records naming (`ecosystem`, `name`) in an `affected[].package`; the
    /// ecosystem exactly as OSV spells it (`Debian:12`, `Alpine:v3.19`), the
    /// name normalised as at import ([`normalise_name`]). Withdrawn records
    /// are included (see [`Record::withdrawn`]).
    ///
    /// Each record is reduced to what matching reads: `id`, `modified`,
    /// `withdrawn`, `aliases`, `upstream`, `summary`, `severity` and the
    /// `affected` entries of this package only (stored per package at
    /// import, so a lookup never decompresses whole records). [`Db::raw`]
    /// and [`Db::by_id`] give the whole record.
    pub fn lookup(&self, ecosystem: &str, name: &str) -> Result<Vec<Record>, StoreError> {
        let name = normalise_name(ecosystem, name);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT slim FROM pkg WHERE ecosystem = ?1 AND name = ?2")
            .map_err(StoreError::sql(&self.path))?;
        let mut rows = stmt
            .query(rusqlite::params![ecosystem, name])
            .map_err(StoreError::sql(&self.path))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(StoreError::sql(&self.path))? {
            let json = row
                .get_ref(0)
                .and_then(|v| v.as_blob().map_err(Into::into))
                .map_err(StoreError::sql(&self.path))?;
            let record = serde_json::from_slice::<Record>(json).map_err(|e| {
                StoreError::io(&self.path, io::Error::new(io::ErrorKind::InvalidData, e))
            })?;
            out.push(record);
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// The compiled match index ([`crate::index`]) of (`ecosystem`, `name`),
    /// the name normalised as at import; `None` when no record names it.
    pub fn index(&self, ecosystem: &str, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let name = normalise_name(ecosystem, name);
        self.conn
            .prepare_cached("SELECT idx FROM pkgidx WHERE ecosystem = ?1 AND name = ?2")
            .and_then(|mut s| {
                s.query_row(rusqlite::params![ecosystem, name], |r| r.get(0))
                    .optional()
            })
            .map_err(StoreError::sql(&self.path))
    }

    /// Records whose `id`, `aliases` or `upstream` is `id`.
    pub fn by_id(&self, id: &str) -> Result<Vec<Record>, StoreError> {
        self.records_where(
            "SELECT r.len, r.body FROM ids i JOIN records r ON r.rid = i.rid \
             WHERE i.alias = ?1 ORDER BY r.id",
            &[id],
        )
    }

    /// The stored JSON of the record `id` (its own id, not an alias).
    pub fn raw(&self, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT len, body FROM records WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
            .map_err(StoreError::sql(&self.path))?;
        match row {
            None => Ok(None),
            Some((len, body)) => {
                let cap = usize::try_from(len).unwrap_or(0);
                zstd::bulk::decompress(&body, cap)
                    .map(Some)
                    .map_err(|e| StoreError::io(&self.path, e))
            }
        }
    }

    /// Counts, sources and age of the database.
    pub fn status(&self) -> Result<Status, StoreError> {
        let sql = StoreError::sql;
        let p = &self.path;
        let count = |q: &str| -> Result<u64, StoreError> {
            let n: i64 = self.conn.query_row(q, [], |r| r.get(0)).map_err(sql(p))?;
            Ok(u64::try_from(n).unwrap_or(0))
        };
        let records = count("SELECT COUNT(*) FROM records")?;
        let withdrawn = count("SELECT COUNT(*) FROM records WHERE withdrawn != 0")?;
        let mut per_ecosystem = BTreeMap::new();
        {
            let mut stmt = self
                .conn
                .prepare("SELECT ecosystem, records FROM ecosystems")
                .map_err(sql(p))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .map_err(sql(p))?;
            for row in rows {
                let (e, n) = row.map_err(sql(p))?;
                per_ecosystem.insert(e, u64::try_from(n).unwrap_or(0));
            }
        }
        let mut sources = Vec::new();
        {
            let mut stmt = self
                .conn
                .prepare(
                    "SELECT path, imported_at, records FROM sources ORDER BY imported_at, path",
                )
                .map_err(sql(p))?;
            let rows = stmt
                .query_map([], |r| {
                    Ok(SourceInfo {
                        path: r.get(0)?,
                        imported_at: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                        records: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
                    })
                })
                .map_err(sql(p))?;
            for row in rows {
                sources.push(row.map_err(sql(p))?);
            }
        }
        let built_at: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'built_at'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sql(p))?;
        let size_bytes = fs::metadata(p).map_err(|e| StoreError::io(p, e))?.len();
        Ok(Status {
            schema: self.schema,
            records,
            withdrawn,
            per_ecosystem,
            sources,
            built_at: built_at.and_then(|b| b.parse().ok()).unwrap_or(0),
            size_bytes,
        })
    }
}

/// Decompresses and parses one stored record of the database at `path`.
fn decode(path: &Path, len: i64, body: &[u8]) -> Result<Record, StoreError> {
    let cap = usize::try_from(len).unwrap_or(0);
    let raw = zstd::bulk::decompress(body, cap).map_err(|e| StoreError::io(path, e))?;
    Record::parse(&raw).map_err(|why| StoreError::NotADatabase {
        path: path.to_path_buf(),
        reason: format!("a stored record does not parse: {why}"),
    })
}

/// One record read from an input, before parsing.
struct Entry {
    name: String,
    bytes: Vec<u8>,
}

/// A record ready to be written, or why not.
enum Prepared {
    Ok {
        id: String,
        modified: Option<i64>,
        withdrawn: bool,
        /// (ecosystem, normalised name, slim record for that package).
        keys: Vec<(String, String, Vec<u8>)>,
        ids: Vec<String>,
        unsupported: Vec<String>,
        len: usize,
        body: Vec<u8>,
    },
    Skip {
        reason: SkipReason,
        why: String,
        ecosystems: Vec<String>,
    },
    Failed(io::Error),
}

fn prepare(bytes: &[u8]) -> Prepared {
    let record = match Record::parse(bytes) {
        Ok(r) => r,
        Err(why) => {
            let reason = if serde_json::from_slice::<IgnoredAny>(bytes).is_ok() {
                SkipReason::NotOsv
            } else {
                SkipReason::NotJson
            };
            return Prepared::Skip {
                reason,
                why,
                ecosystems: Vec::new(),
            };
        }
    };
    let mut names: Vec<(String, String)> = Vec::new();
    let mut unsupported: Vec<String> = Vec::new();
    for a in &record.affected {
        let Some(p) = &a.package else { continue };
        if Scheme::of_ecosystem(&p.ecosystem).is_none() {
            if !unsupported.contains(&p.ecosystem) {
                unsupported.push(p.ecosystem.clone());
            }
            continue;
        }
        let key = (p.ecosystem.clone(), normalise_name(&p.ecosystem, &p.name));
        if !names.contains(&key) {
            names.push(key);
        }
    }
    // Per package, the record reduced to what matching reads: its
    // identity, severity and the `affected` entries of that package only.
    // A lookup parses these few hundred bytes instead of the whole record.
    let mut keys: Vec<(String, String, Vec<u8>)> = Vec::with_capacity(names.len());
    for (eco, name) in names {
        let slim = Record {
            id: record.id.clone(),
            modified: record.modified.clone(),
            withdrawn: record.withdrawn.clone(),
            aliases: record.aliases.clone(),
            upstream: record.upstream.clone(),
            summary: record.summary_line(),
            severity: record.severity.clone(),
            database_severity: record.database_severity.clone(),
            affected: record
                .affected
                .iter()
                .filter(|a| {
                    a.package.as_ref().is_some_and(|p| {
                        p.ecosystem == eco && normalise_name(&p.ecosystem, &p.name) == name
                    })
                })
                .cloned()
                .collect(),
            ..Record::default()
        };
        // Plain JSON: zstd on blobs this small saved a sixth of the size
        // and doubled the lookup time (measured).
        match serde_json::to_vec(&slim) {
            Ok(bytes) => keys.push((eco, name, bytes)),
            Err(e) => return Prepared::Failed(io::Error::other(e)),
        }
    }
    if keys.is_empty() {
        return if unsupported.is_empty() {
            Prepared::Skip {
                reason: SkipReason::NoPackage,
                why: format!("{}: no affected package", record.id),
                ecosystems: Vec::new(),
            }
        } else {
            Prepared::Skip {
                reason: SkipReason::UnsupportedEcosystem,
                why: format!("{}: ecosystem {}", record.id, unsupported.join(", ")),
                ecosystems: unsupported,
            }
        };
    }
    let mut ids = vec![record.id.clone()];
    for a in record.also_known_as() {
        if !ids.iter().any(|i| i == a) {
            ids.push(a.to_string());
        }
    }
    let body = match zstd::bulk::compress(bytes, ZSTD_LEVEL) {
        Ok(b) => b,
        Err(e) => return Prepared::Failed(e),
    };
    Prepared::Ok {
        modified: record
            .modified
            .as_deref()
            .and_then(drydock_core::time::parse_rfc3339_nanos),
        withdrawn: record.withdrawn.is_some(),
        id: record.id,
        keys,
        ids,
        unsupported,
        len: bytes.len(),
        body,
    }
}

/// Where records come from.
enum Input {
    Zip(zip::ZipArchive<File>),
    Files(Vec<PathBuf>),
}

fn open_input(path: &Path) -> Result<Input, StoreError> {
    let meta = fs::metadata(path).map_err(|e| StoreError::io(path, e))?;
    if meta.is_dir() {
        let mut files = Vec::new();
        walk_json(path, &mut files)?;
        files.sort();
        return Ok(Input::Files(files));
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let mut file = File::open(path).map_err(|e| StoreError::io(path, e))?;
    let mut magic = [0u8; 4];
    let n = read_up_to(&mut file, &mut magic).map_err(|e| StoreError::io(path, e))?;
    let is_zip = ext.as_deref() == Some("zip") || (n == 4 && magic == *b"PK\x03\x04");
    if is_zip {
        let file = File::open(path).map_err(|e| StoreError::io(path, e))?;
        let archive = zip::ZipArchive::new(file).map_err(|source| StoreError::CorruptZip {
            path: path.to_path_buf(),
            source,
        })?;
        return Ok(Input::Zip(archive));
    }
    if ext.as_deref() == Some("json") || magic[..n].contains(&b'{') {
        return Ok(Input::Files(vec![path.to_path_buf()]));
    }
    Err(StoreError::UnknownInput {
        path: path.to_path_buf(),
    })
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn walk_json(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), StoreError> {
    for entry in fs::read_dir(dir).map_err(|e| StoreError::io(dir, e))? {
        let entry = entry.map_err(|e| StoreError::io(dir, e))?;
        let path = entry.path();
        let ty = entry.file_type().map_err(|e| StoreError::io(&path, e))?;
        if ty.is_dir() {
            walk_json(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Writes prepared records into the open copy.
struct Writer<'a> {
    conn: &'a Connection,
    path: &'a Path,
}

impl Writer<'_> {
    fn write(
        &self,
        p: Prepared,
        entry: &str,
        report: &mut ImportReport,
    ) -> Result<bool, StoreError> {
        let sql = StoreError::sql(self.path);
        let (id, modified, withdrawn, keys, ids, unsupported, len, body) = match p {
            Prepared::Ok {
                id,
                modified,
                withdrawn,
                keys,
                ids,
                unsupported,
                len,
                body,
            } => (id, modified, withdrawn, keys, ids, unsupported, len, body),
            Prepared::Skip {
                reason,
                why,
                ecosystems,
            } => {
                for e in ecosystems {
                    *report.unsupported_ecosystems.entry(e).or_default() += 1;
                }
                report.skip(reason, entry, &why);
                return Ok(false);
            }
            Prepared::Failed(e) => return Err(StoreError::io(self.path, e)),
        };
        for e in unsupported {
            *report.unsupported_ecosystems.entry(e).or_default() += 1;
        }
        let existing: Option<(i64, Option<i64>)> = self
            .conn
            .prepare_cached("SELECT rid, modified FROM records WHERE id = ?1")
            .and_then(|mut s| {
                s.query_row([&id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(sql)?;
        let len = i64::try_from(len).unwrap_or(i64::MAX);
        let rid = match existing {
            Some((_, Some(old))) if modified.is_some_and(|new| old > new) => {
                report.kept_newer += 1;
                return Ok(true);
            }
            Some((rid, _)) => {
                let sql = StoreError::sql(self.path);
                let c = self.conn;
                c.prepare_cached(
                    "UPDATE records SET modified = ?2, withdrawn = ?3, len = ?4, body = ?5 \
                     WHERE rid = ?1",
                )
                .and_then(|mut s| s.execute(params![rid, modified, withdrawn, len, body]))
                .and_then(|_| {
                    c.prepare_cached(
                        "INSERT OR IGNORE INTO temp.touched(ecosystem, name) \
                         SELECT ecosystem, name FROM pkg WHERE rid = ?1",
                    )?
                    .execute([rid])
                })
                .and_then(|_| {
                    c.prepare_cached("DELETE FROM pkg WHERE rid = ?1")?
                        .execute([rid])
                })
                .and_then(|_| {
                    c.prepare_cached("DELETE FROM ids WHERE rid = ?1")?
                        .execute([rid])
                })
                .map_err(sql)?;
                report.replaced += 1;
                rid
            }
            None => {
                let sql = StoreError::sql(self.path);
                self.conn
                    .prepare_cached(
                        "INSERT INTO records(id, modified, withdrawn, len, body) \
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                    )
                    .and_then(|mut s| s.execute(params![id, modified, withdrawn, len, body]))
                    .map_err(sql)?;
                report.inserted += 1;
                self.conn.last_insert_rowid()
            }
        };
        {
            let mut s = self
                .conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO pkg(ecosystem, name, rid, slim) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(StoreError::sql(self.path))?;
            let mut t = self
                .conn
                .prepare_cached(
                    "INSERT OR IGNORE INTO temp.touched(ecosystem, name) VALUES (?1, ?2)",
                )
                .map_err(StoreError::sql(self.path))?;
            for (e, n, slim) in &keys {
                s.execute(params![e, n, rid, slim])
                    .map_err(StoreError::sql(self.path))?;
                t.execute(params![e, n])
                    .map_err(StoreError::sql(self.path))?;
            }
        }
        {
            let mut s = self
                .conn
                .prepare_cached("INSERT OR IGNORE INTO ids(alias, rid) VALUES (?1, ?2)")
                .map_err(StoreError::sql(self.path))?;
            for a in &ids {
                s.execute(params![a, rid])
                    .map_err(StoreError::sql(self.path))?;
            }
        }
        Ok(true)
    }
}

/// Removes the temporary copy unless the import got to the rename.
struct TempGuard {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_file(&self.path);
            let _ = fs::remove_file(sibling(&self.path, "-journal"));
        }
    }
}

/// Imports OSV records from `inputs` (each an `all.zip`, a directory walked
/// for `*.json`, or one JSON record) into the database at `db`, creating it
/// if needed. All or nothing: see the module docs.
pub fn import(
    db: &Path,
    inputs: &[PathBuf],
    progress: &dyn Fn(ImportProgress),
) -> Result<ImportReport, StoreError> {
    let dir = match db.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;

    let lock = lock_path(db);
    let lock_file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(|e| StoreError::io(&lock, e))?;
    lock_exclusive(&lock_file, &lock)?;

    let tmp = sibling(db, ".tmp");
    let mut guard = TempGuard {
        path: tmp.clone(),
        armed: true,
    };
    let _ = fs::remove_file(&tmp);
    let _ = fs::remove_file(sibling(&tmp, "-journal"));

    let mut replaced_older_schema = None;
    let fresh = match fs::metadata(db) {
        Ok(_) => {
            // Refuse to touch a newer or foreign database before copying;
            // an older one is rebuilt from this import (it cannot be read).
            let old = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(StoreError::sql(db))?;
            let checked = check_schema(&old, db);
            drop(old);
            match checked {
                Ok(_) => {
                    fs::copy(db, &tmp).map_err(|e| StoreError::io(&tmp, e))?;
                    false
                }
                Err(StoreError::OlderSchema { found, .. }) => {
                    replaced_older_schema = Some(found);
                    true
                }
                Err(e) => return Err(e),
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => true,
        Err(e) => return Err(StoreError::io(db, e)),
    };

    let mut conn = Connection::open(&tmp).map_err(StoreError::sql(&tmp))?;
    // The copy is private until the rename, and is synced before it: no
    // journal is needed while writing it.
    conn.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; \
         PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;",
    )
    .map_err(StoreError::sql(&tmp))?;
    if fresh {
        // 16 KiB pages: a package's index (a few KiB) then sits in one
        // page instead of an overflow chain, which halves its read time.
        conn.execute_batch("PRAGMA page_size = 16384;")
            .map_err(StoreError::sql(&tmp))?;
        conn.execute_batch(CREATE).map_err(StoreError::sql(&tmp))?;
        conn.execute(
            "INSERT INTO meta(key, value) VALUES ('format', ?1)",
            [FORMAT],
        )
        .map_err(StoreError::sql(&tmp))?;
        conn.pragma_update(None, "user_version", SCHEMA)
            .map_err(StoreError::sql(&tmp))?;
    }

    let mut report = ImportReport {
        replaced_older_schema,
        ..ImportReport::default()
    };
    conn.execute_batch(
        "CREATE TEMP TABLE touched(ecosystem TEXT NOT NULL, name TEXT NOT NULL, \
         PRIMARY KEY(ecosystem, name)) WITHOUT ROWID;",
    )
    .map_err(StoreError::sql(&tmp))?;
    let tx = conn.transaction().map_err(StoreError::sql(&tmp))?;
    {
        let writer = Writer {
            conn: &tx,
            path: &tmp,
        };
        for (index, input) in inputs.iter().enumerate() {
            let accepted = import_one(&writer, input, index, inputs.len(), progress, &mut report)?;
            let shown = fs::canonicalize(input).unwrap_or_else(|_| input.clone());
            tx.execute(
                "INSERT OR REPLACE INTO sources(path, imported_at, records) VALUES (?1, ?2, ?3)",
                params![
                    shown.to_string_lossy(),
                    i64::try_from(now_secs()).unwrap_or(i64::MAX),
                    i64::try_from(accepted).unwrap_or(i64::MAX)
                ],
            )
            .map_err(StoreError::sql(&tmp))?;
        }
        rebuild_index(&tx, &tmp)?;
        tx.execute_batch(
            "DELETE FROM ecosystems; \
             INSERT INTO ecosystems(ecosystem, records) \
               SELECT ecosystem, COUNT(DISTINCT rid) FROM pkg GROUP BY ecosystem;",
        )
        .map_err(StoreError::sql(&tmp))?;
        tx.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('built_at', ?1)",
            [now_secs().to_string()],
        )
        .map_err(StoreError::sql(&tmp))?;
        let n: i64 = tx
            .query_row("SELECT COUNT(*) FROM records", [], |r| r.get(0))
            .map_err(StoreError::sql(&tmp))?;
        report.records = u64::try_from(n).unwrap_or(0);
    }
    tx.commit().map_err(StoreError::sql(&tmp))?;

    // Replacements leave free pages behind; compact when they are many.
    let (pages, free): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT page_count FROM pragma_page_count), \
                    (SELECT freelist_count FROM pragma_freelist_count)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(StoreError::sql(&tmp))?;
    if free * 4 > pages {
        conn.execute_batch("VACUUM")
            .map_err(StoreError::sql(&tmp))?;
    }
    conn.close().map_err(|(_, e)| StoreError::Sqlite {
        path: tmp.clone(),
        source: e,
    })?;

    File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| StoreError::io(&tmp, e))?;
    fs::rename(&tmp, db).map_err(|e| StoreError::io(db, e))?;
    guard.armed = false;
    // Make the rename itself durable; not all platforms can sync a directory.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    drop(lock_file);
    Ok(report)
}

/// Rebuilds the match index of every (ecosystem, name) whose records this
/// import changed, from the per-package rows: read in key order, compiled
/// in parallel a batch of keys at a time.
fn rebuild_index(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let sql = StoreError::sql;
    conn.execute(
        "DELETE FROM pkgidx WHERE (ecosystem, name) IN \
         (SELECT ecosystem, name FROM temp.touched)",
        [],
    )
    .map_err(sql(path))?;
    type Group = ((String, String), Vec<(u64, Vec<u8>)>);
    let flush = |groups: &mut Vec<Group>| -> Result<(), StoreError> {
        type Built = Result<Option<(usize, Vec<u8>)>, StoreError>;
        let built: Vec<Built> = groups
            .par_iter()
            .enumerate()
            .map(|(i, ((eco, name), rows))| {
                let mut records = Vec::with_capacity(rows.len());
                for (rid, slim) in rows {
                    let r = serde_json::from_slice::<Record>(slim).map_err(|e| {
                        StoreError::io(path, io::Error::new(io::ErrorKind::InvalidData, e))
                    })?;
                    records.push((*rid, r));
                }
                let refs: Vec<(u64, &Record)> = records.iter().map(|(i, r)| (*i, r)).collect();
                Ok(crate::index::build(eco, name, &refs).map(|b| (i, b)))
            })
            .collect();
        let mut ins = conn
            .prepare_cached("INSERT INTO pkgidx(ecosystem, name, idx) VALUES (?1, ?2, ?3)")
            .map_err(sql(path))?;
        for b in built {
            if let Some((i, blob)) = b? {
                let ((eco, name), _) = &groups[i];
                ins.execute(params![eco, name, blob]).map_err(sql(path))?;
            }
        }
        groups.clear();
        Ok(())
    };
    let mut stmt = conn
        .prepare(
            "SELECT p.ecosystem, p.name, p.rid, p.slim FROM temp.touched t \
             JOIN pkg p ON p.ecosystem = t.ecosystem AND p.name = t.name \
             ORDER BY p.ecosystem, p.name",
        )
        .map_err(sql(path))?;
    let mut rows = stmt.query([]).map_err(sql(path))?;
    let mut groups: Vec<Group> = Vec::new();
    let mut pending = 0usize;
    while let Some(row) = rows.next().map_err(sql(path))? {
        let eco: String = row.get(0).map_err(sql(path))?;
        let name: String = row.get(1).map_err(sql(path))?;
        let rid: i64 = row.get(2).map_err(sql(path))?;
        let slim: Vec<u8> = row.get(3).map_err(sql(path))?;
        let rid = u64::try_from(rid).unwrap_or(0);
        match groups.last_mut() {
            Some((k, rows)) if k.0 == eco && k.1 == name => rows.push((rid, slim)),
            _ => {
                // A batch ends between keys, never inside one.
                if pending >= 8192 {
                    flush(&mut groups)?;
                    pending = 0;
                }
                groups.push(((eco, name), vec![(rid, slim)]));
            }
        }
        pending += 1;
    }
    flush(&mut groups)?;
    conn.execute("DELETE FROM temp.touched", [])
        .map_err(sql(path))?;
    Ok(())
}

fn lock_exclusive(file: &File, lock: &Path) -> Result<(), StoreError> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(fs::TryLockError::WouldBlock) => Err(StoreError::Locked {
            lock: lock.to_path_buf(),
        }),
        Err(fs::TryLockError::Error(e)) => Err(StoreError::io(lock, e)),
    }
}

/// Imports one input; returns the records it held that were accepted.
fn import_one(
    writer: &Writer<'_>,
    input: &Path,
    index: usize,
    inputs: usize,
    progress: &dyn Fn(ImportProgress),
    report: &mut ImportReport,
) -> Result<u64, StoreError> {
    let mut source = open_input(input)?;
    let total = match &source {
        Input::Zip(z) => z.len(),
        Input::Files(f) => f.len(),
    };
    let report_progress = |done: u64| {
        progress(ImportProgress {
            input: input.to_path_buf(),
            input_index: index,
            inputs,
            done,
            total: Some(total as u64),
        })
    };
    report_progress(0);
    let mut accepted = 0u64;
    let mut done = 0u64;
    let mut next = 0usize;
    while next < total {
        let mut chunk: Vec<Entry> = Vec::with_capacity(CHUNK);
        while next < total && chunk.len() < CHUNK {
            let i = next;
            next += 1;
            match &mut source {
                Input::Zip(z) => {
                    let mut f = z.by_index(i).map_err(|source| StoreError::CorruptZip {
                        path: input.to_path_buf(),
                        source,
                    })?;
                    if f.is_dir() || !f.name().to_ascii_lowercase().ends_with(".json") {
                        continue;
                    }
                    let name = format!("{}!{}", input.display(), f.name());
                    let mut bytes = Vec::with_capacity(usize::try_from(f.size()).unwrap_or(0));
                    f.read_to_end(&mut bytes)
                        .map_err(|source| StoreError::CorruptZipEntry {
                            path: input.to_path_buf(),
                            entry: f.name().to_string(),
                            source,
                        })?;
                    chunk.push(Entry { name, bytes });
                }
                Input::Files(files) => {
                    let Some(p) = files.get(i) else { continue };
                    let bytes = fs::read(p).map_err(|e| StoreError::io(p, e))?;
                    chunk.push(Entry {
                        name: p.display().to_string(),
                        bytes,
                    });
                }
            }
        }
        let prepared: Vec<Prepared> = chunk.par_iter().map(|e| prepare(&e.bytes)).collect();
        for (entry, p) in chunk.iter().zip(prepared) {
            report.read += 1;
            if writer.write(p, &entry.name, report)? {
                accepted += 1;
            }
        }
        done = next as u64;
        report_progress(done);
    }
    if done != total as u64 {
        report_progress(total as u64);
    }
    Ok(accepted)
}

impl crate::matcher::Lookup for Db {
    fn index(&self, ecosystem: &str, name: &str) -> Result<Option<Vec<u8>>, String> {
        Db::index(self, ecosystem, name).map_err(|e| e.to_string())
    }

    /// Reads on every core: the keys are cut into one run per thread, each
    /// read through its own read-only connection (opening one costs a
    /// fraction of a millisecond), the index borrowed from SQLite's page
    /// rather than copied. Few keys are read on this connection.
    fn each_index(&self, keys: &[(&str, &str)], f: &crate::matcher::EachIndex<'_>) {
        let threads = rayon::current_num_threads().max(1);
        if keys.len() < 256 || threads == 1 {
            for (i, (e, n)) in keys.iter().enumerate() {
                read_index(&self.conn, &self.path, i, e, n, f);
            }
            return;
        }
        let path = self.path.as_path();
        let run = keys.len().div_ceil(threads);
        keys.par_chunks(run).enumerate().for_each(|(c, chunk)| {
            let base = c * run;
            match Db::open(path) {
                Ok(db) => {
                    for (k, (e, n)) in chunk.iter().enumerate() {
                        read_index(&db.conn, path, base + k, e, n, f);
                    }
                }
                Err(e) => {
                    for k in 0..chunk.len() {
                        f(base + k, Err(e.to_string()));
                    }
                }
            }
        });
    }
}

/// One index read for [`Lookup::each_index`](crate::matcher::Lookup::each_index).
fn read_index(
    conn: &Connection,
    path: &Path,
    i: usize,
    ecosystem: &str,
    name: &str,
    f: &crate::matcher::EachIndex<'_>,
) {
    let sql = "SELECT idx FROM pkgidx WHERE ecosystem = ?1 AND name = ?2";
    let name = normalise_name(ecosystem, name);
    let r = conn.prepare_cached(sql).and_then(|mut s| {
        let mut rows = s.query(params![ecosystem, name])?;
        match rows.next()? {
            Some(row) => {
                let blob = row.get_ref(0)?.as_blob()?;
                f(i, Ok(Some(blob)));
            }
            None => f(i, Ok(None)),
        }
        Ok(())
    });
    if let Err(e) = r {
        f(
            i,
            Err(StoreError::Sqlite {
                path: path.to_path_buf(),
                source: e,
            }
            .to_string()),
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_normalised_for_pypi_only() {
        assert_eq!(normalise_name("PyPI", "Foo_Bar.baz"), "foo-bar-baz");
        assert_eq!(normalise_name("npm", "Foo_Bar"), "Foo_Bar");
        assert_eq!(normalise_name("Debian:7", "nginx"), "nginx");
    }

    #[test]
    fn prepare_classifies_bad_records() {
        assert!(matches!(
            prepare(b"not json"),
            Prepared::Skip {
                reason: SkipReason::NotJson,
                ..
            }
        ));
        assert!(matches!(
            prepare(br#"{"hello": 1}"#),
            Prepared::Skip {
                reason: SkipReason::NotOsv,
                ..
            }
        ));
        assert!(matches!(
            prepare(
                br#"{"id": "X-1", "affected": [{"package": {"ecosystem": "Nope", "name": "a"}}]}"#
            ),
            Prepared::Skip {
                reason: SkipReason::UnsupportedEcosystem,
                ..
            }
        ));
        assert!(matches!(
            prepare(br#"{"id": "X-2", "affected": []}"#),
            Prepared::Skip {
                reason: SkipReason::NoPackage,
                ..
            }
        ));
        let Prepared::Ok {
            keys,
            ids,
            unsupported,
            ..
        } = prepare(
            br#"{"id": "X-3", "aliases": ["CVE-1"], "upstream": ["CVE-1", "CVE-2"],
                 "affected": [{"package": {"ecosystem": "PyPI", "name": "Req_Uests"}},
                              {"package": {"ecosystem": "Nope", "name": "a"}}]}"#,
        )
        else {
            panic!("X-3 should be accepted");
        };
        let names: Vec<(&str, &str)> = keys
            .iter()
            .map(|(e, n, _)| (e.as_str(), n.as_str()))
            .collect();
        assert_eq!(names, [("PyPI", "req-uests")]);
        assert_eq!(ids, vec!["X-3", "CVE-1", "CVE-2"]);
        assert_eq!(unsupported, vec!["Nope"]);
    }

    #[test]
    fn default_path_prefers_xdg() {
        let os = |s: &str| Some(std::ffi::OsString::from(s));
        assert_eq!(
            default_path_from(os("/x/cache"), os("/home/u")),
            Some(PathBuf::from("/x/cache/drydock/osv.db"))
        );
        assert_eq!(
            default_path_from(os("relative"), os("/home/u")),
            Some(PathBuf::from("/home/u/.cache/drydock/osv.db"))
        );
        assert_eq!(
            default_path_from(os(""), os("/home/u")),
            Some(PathBuf::from("/home/u/.cache/drydock/osv.db"))
        );
        assert_eq!(default_path_from(None, None), None);
        assert!(default_path().is_none_or(|p| p.ends_with("drydock/osv.db")));
    }
}
