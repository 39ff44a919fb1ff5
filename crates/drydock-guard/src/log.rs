//! The decision log: one JSON line per decision, to stdout or to a file
//! that is rotated by size (`--log-max-size`, `--log-keep`) and reopened
//! on SIGHUP (for an outside `logrotate` that moves the file).
//!
//! Rotation renames `guard.jsonl` to `guard.jsonl.1`, `.1` to `.2` and so
//! on, dropping the oldest beyond `keep`, then starts a new file: the
//! scheme of logrotate's `rotate N` without `dateext`, so the usual tools
//! read it. A line is never split across files.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where decisions are written, one JSON line each.
pub struct DecisionLog {
    out: Mutex<Sink>,
}

/// How a log file is rotated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// Rotate before a line would take the file over this many bytes.
    pub max_bytes: u64,
    /// How many rotated files are kept (`.1` … `.keep`); 0: none, the file
    /// is truncated instead.
    pub keep: u32,
}

enum Sink {
    File(LogFile),
    Writer(Box<dyn Write + Send>),
}

struct LogFile {
    path: PathBuf,
    file: File,
    size: u64,
    rotation: Option<Rotation>,
    /// The last error, reported once on stderr until writing works again.
    failing: bool,
}

impl LogFile {
    fn open(path: &Path, rotation: Option<Rotation>) -> std::io::Result<LogFile> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let size = file.metadata()?.len();
        Ok(LogFile {
            path: path.to_path_buf(),
            file,
            size,
            rotation,
            failing: false,
        })
    }

    fn rotate(&mut self, r: Rotation) -> std::io::Result<()> {
        let numbered = |n: u32| {
            let mut s = self.path.clone().into_os_string();
            s.push(format!(".{n}"));
            PathBuf::from(s)
        };
        if r.keep == 0 {
            self.file.set_len(0)?;
            self.size = 0;
            return Ok(());
        }
        // The oldest goes; the others move up by one.
        match std::fs::remove_file(numbered(r.keep)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        for n in (1..r.keep).rev() {
            match std::fs::rename(numbered(n), numbered(n + 1)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        std::fs::rename(&self.path, numbered(1))?;
        let fresh = LogFile::open(&self.path, self.rotation)?;
        *self = fresh;
        Ok(())
    }

    fn write_line(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if let Some(r) = self.rotation
            && self.size > 0
            && self.size + bytes.len() as u64 > r.max_bytes
        {
            self.rotate(r)?;
        }
        self.file.write_all(bytes)?;
        self.size += bytes.len() as u64;
        Ok(())
    }
}

impl DecisionLog {
    pub fn stdout() -> DecisionLog {
        DecisionLog::to_writer(Box::new(std::io::stdout()))
    }

    /// Appends to a file, creating it, rotated by size when `rotation`
    /// is given.
    pub fn rotating(path: &Path, rotation: Option<Rotation>) -> std::io::Result<DecisionLog> {
        Ok(DecisionLog {
            out: Mutex::new(Sink::File(LogFile::open(path, rotation)?)),
        })
    }

    pub fn to_writer(w: Box<dyn Write + Send>) -> DecisionLog {
        DecisionLog {
            out: Mutex::new(Sink::Writer(w)),
        }
    }

    /// Reopens a log file at its path (after an outside tool moved it);
    /// nothing for stdout. On error the old file stays in use.
    pub fn reopen(&self) -> std::io::Result<()> {
        let mut out = match self.out.lock() {
            Ok(o) => o,
            Err(p) => p.into_inner(),
        };
        if let Sink::File(f) = &mut *out {
            *f = LogFile::open(&f.path, f.rotation)?;
        }
        Ok(())
    }

    pub fn write(&self, line: &serde_json::Value) {
        // One write per line: `Display` of a JSON value writes it piece by
        // piece, a system call each on an unbuffered file (measured: most
        // of the plugin's time at 1,000 decisions a second).
        let mut bytes = serde_json::to_vec(line).unwrap_or_default();
        bytes.push(b'\n');
        let mut out = match self.out.lock() {
            Ok(o) => o,
            Err(p) => p.into_inner(),
        };
        // A log that cannot be written must not stop decisions; the error
        // is said once on stderr, and again only after writing worked.
        match &mut *out {
            Sink::Writer(w) => {
                let _ = w.write_all(&bytes);
                let _ = w.flush();
            }
            Sink::File(f) => match f.write_line(&bytes) {
                Ok(()) => f.failing = false,
                Err(e) => {
                    if !f.failing {
                        eprintln!(
                            "drydock guard: cannot write the decision log {}: {e}",
                            f.path.display()
                        );
                    }
                    f.failing = true;
                }
            },
        }
    }
}

/// A size as `--log-max-size` takes it: bytes, or with `K`, `M`, `G`
/// (powers of 1024; `KiB`, `MB` and the like accepted).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(digits);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("`{s}` is not a size (like 100M)"))?;
    let unit = unit.trim().to_ascii_uppercase();
    let mult: u64 = match unit.trim_end_matches("IB").trim_end_matches('B') {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        _ => return Err(format!("`{s}`: the unit must be K, M or G")),
    };
    let v = n
        .checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))?;
    if v == 0 {
        return Err(format!("`{s}`: the size must be above 0"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn lines(p: &Path) -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn rotates_by_size_and_keeps_n_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("guard.jsonl");
        // Each line is `{"n":NN}\n`: 9 bytes; 3 lines fit in 30 bytes.
        let log = DecisionLog::rotating(
            &p,
            Some(Rotation {
                max_bytes: 30,
                keep: 2,
            }),
        )
        .unwrap();
        for n in 10..20 {
            log.write(&json!({ "n": n }));
        }
        // 10 lines: files of 3, 3, 3 and 1; the oldest (10..13) dropped.
        assert_eq!(lines(&p), vec![r#"{"n":19}"#]);
        assert_eq!(
            lines(&dir.path().join("guard.jsonl.1")),
            vec![r#"{"n":16}"#, r#"{"n":17}"#, r#"{"n":18}"#]
        );
        assert_eq!(lines(&dir.path().join("guard.jsonl.2")).len(), 3);
        assert!(!dir.path().join("guard.jsonl.3").exists());
        for f in ["guard.jsonl", "guard.jsonl.1", "guard.jsonl.2"] {
            assert!(std::fs::metadata(dir.path().join(f)).unwrap().len() <= 30);
        }
    }

    #[test]
    fn a_line_longer_than_the_limit_is_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("g.log");
        let log = DecisionLog::rotating(
            &p,
            Some(Rotation {
                max_bytes: 4,
                keep: 1,
            }),
        )
        .unwrap();
        log.write(&json!({"long": "x".repeat(20)}));
        log.write(&json!({"b": 1}));
        assert_eq!(lines(&p), vec![r#"{"b":1}"#]);
        assert_eq!(lines(&dir.path().join("g.log.1")).len(), 1);
    }

    #[test]
    fn keep_zero_truncates() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("g.log");
        let log = DecisionLog::rotating(
            &p,
            Some(Rotation {
                max_bytes: 10,
                keep: 0,
            }),
        )
        .unwrap();
        log.write(&json!({"a": 1}));
        log.write(&json!({"b": 2}));
        assert_eq!(lines(&p), vec![r#"{"b":2}"#]);
        assert!(!dir.path().join("g.log.1").exists());
    }

    #[test]
    fn an_existing_file_counts_and_reopen_follows_a_move() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("g.log");
        std::fs::write(&p, "x".repeat(25)).unwrap();
        let log = DecisionLog::rotating(
            &p,
            Some(Rotation {
                max_bytes: 30,
                keep: 1,
            }),
        )
        .unwrap();
        log.write(&json!({"a": 1}));
        assert_eq!(lines(&p), vec![r#"{"a":1}"#]);
        // logrotate moves the file away, then signals.
        std::fs::rename(&p, dir.path().join("moved")).unwrap();
        log.reopen().unwrap();
        log.write(&json!({"b": 2}));
        assert_eq!(lines(&p), vec![r#"{"b":2}"#]);
        assert_eq!(lines(&dir.path().join("moved")), vec![r#"{"a":1}"#]);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("100").unwrap(), 100);
        assert_eq!(parse_size("100M").unwrap(), 100 << 20);
        assert_eq!(parse_size("2KiB").unwrap(), 2048);
        assert_eq!(parse_size("1g").unwrap(), 1 << 30);
        assert_eq!(parse_size("5 MB").unwrap(), 5 << 20);
        for bad in ["", "M", "0", "1T", "-1", "99999999999999999999G"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
