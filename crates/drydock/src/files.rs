//! Which files drydock reads, and reading them safely.

use std::io::Read as _;
use std::path::Path;

use drydock_core::FileKind;

/// Files larger than this are refused with an error rather than read.
pub const MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

/// The kind of a file, judged by its name alone.
pub fn kind_by_name(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    if lower == "dockerfile"
        || lower == "containerfile"
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
    {
        // Skip companions that are not Dockerfiles.
        if lower.ends_with(".dockerignore") || lower.ends_with(".md") {
            return None;
        }
        return Some(FileKind::Dockerfile);
    }
    let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
    if yaml && (lower.starts_with("compose") || lower.starts_with("docker-compose")) {
        return Some(FileKind::Compose);
    }
    if lower == "daemon.json" {
        return Some(FileKind::DaemonJson);
    }
    None
}

/// The kind of a file that holds `docker run` lines, judged by its path:
/// `*.sh`/`*.bash`, `Makefile`/`GNUmakefile`/`*.mk`, `.gitlab-ci.yml`,
/// `.github/workflows/*.y(a)ml`, and with `markdown`, `*.md`.
pub fn script_kind_by_name(path: &Path, markdown: bool) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".sh") || lower.ends_with(".bash") {
        return Some(FileKind::Script);
    }
    if lower == "makefile" || lower == "gnumakefile" || lower.ends_with(".mk") {
        return Some(FileKind::Makefile);
    }
    let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
    if yaml && lower.starts_with(".gitlab-ci") {
        return Some(FileKind::GitlabCi);
    }
    if yaml {
        let mut parents = path.parent()?.components().rev();
        let dir = parents.next()?.as_os_str().to_str()?;
        let top = parents.next()?.as_os_str().to_str()?;
        if dir == "workflows" && top == ".github" {
            return Some(FileKind::GithubWorkflow);
        }
    }
    if markdown && (lower.ends_with(".md") || lower.ends_with(".markdown")) {
        return Some(FileKind::Markdown);
    }
    None
}

/// Whether a text starts with a shell's `#!` line (`#!/bin/sh`,
/// `#!/usr/bin/env bash`, …).
pub fn has_shell_shebang(text: &str) -> bool {
    let Some(first) = text.trim_start_matches('\u{feff}').lines().next() else {
        return false;
    };
    let Some(rest) = first.strip_prefix("#!") else {
        return false;
    };
    let mut words = rest.split_whitespace();
    let Some(mut prog) = words.next().map(|p| p.rsplit('/').next().unwrap_or(p)) else {
        return false;
    };
    if prog == "env" {
        prog = words.find(|w| !w.starts_with('-')).unwrap_or("");
    }
    matches!(
        prog,
        "sh" | "bash" | "dash" | "ash" | "zsh" | "ksh" | "mksh"
    )
}

/// Whether a file without an extension starts with a shell's `#!` line;
/// reads only its first bytes.
pub fn file_has_shell_shebang(path: &Path) -> bool {
    if path.extension().is_some() {
        return false;
    }
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = Vec::with_capacity(128);
    if file.take(128).read_to_end(&mut head).is_err() {
        return false;
    }
    has_shell_shebang(&String::from_utf8_lossy(&head))
}

/// The kind of a text judged by its content (stdin, or a named file whose
/// name says nothing).
pub fn kind_by_content(text: &str) -> Option<FileKind> {
    if has_shell_shebang(text) {
        return Some(FileKind::Script);
    }
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        return Some(FileKind::DaemonJson);
    }
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with('#') {
            let l = line
                .trim_start_matches('#')
                .trim_start()
                .to_ascii_lowercase();
            if l.starts_with("syntax=") || l.starts_with("escape=") || l.starts_with("check=") {
                return Some(FileKind::Dockerfile);
            }
            continue;
        }
        let first = line
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        if first == "FROM" || first == "ARG" {
            return Some(FileKind::Dockerfile);
        }
        break;
    }
    if text
        .lines()
        .any(|l| l.starts_with("services:") || l.starts_with("include:"))
    {
        return Some(FileKind::Compose);
    }
    None
}

/// Why a file could not be read, with the position where that applies.
#[derive(Debug)]
pub struct ReadError {
    pub kind: ReadErrorKind,
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

/// What kind of problem a [`ReadError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadErrorKind {
    NotFound,
    TooLarge,
    NotUtf8,
    Other,
}

/// Reads a file as UTF-8 text, refusing huge files and reporting the
/// position of the first invalid byte.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    let plain = |kind: ReadErrorKind, message: String| ReadError {
        kind,
        message,
        line: None,
        column: None,
    };
    let io = |e: std::io::Error| {
        let kind = if e.kind() == std::io::ErrorKind::NotFound {
            ReadErrorKind::NotFound
        } else {
            ReadErrorKind::Other
        };
        plain(kind, format!("cannot read: {e}"))
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(plain(ReadErrorKind::Other, "is a directory".into()));
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(plain(
            ReadErrorKind::TooLarge,
            format!(
                "file is {} bytes, over drydock's {MAX_FILE_SIZE}-byte limit; not scanned",
                meta.len()
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(plain(
            ReadErrorKind::TooLarge,
            format!("file is over drydock's {MAX_FILE_SIZE}-byte limit; not scanned"),
        ));
    }
    decode(bytes)
}

/// UTF-8 decoding with a positioned error; a leading BOM is kept (parsers
/// skip it) so that byte offsets stay those of the file.
pub fn decode(bytes: Vec<u8>) -> Result<String, ReadError> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let prefix = &bytes[..valid];
        let line = prefix.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = prefix
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&prefix[line_start..])
            .chars()
            .count()
            + 1;
        ReadError {
            kind: ReadErrorKind::NotUtf8,
            message: format!(
                "not valid UTF-8 (invalid byte 0x{:02x} at offset {valid})",
                bytes.get(valid).copied().unwrap_or(0)
            ),
            line: u32::try_from(line).ok(),
            column: u32::try_from(column).ok(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for (n, k) in [
            ("Dockerfile", Some(FileKind::Dockerfile)),
            ("app.Dockerfile", Some(FileKind::Dockerfile)),
            ("Dockerfile.dev", Some(FileKind::Dockerfile)),
            ("Containerfile", Some(FileKind::Dockerfile)),
            ("compose.yaml", Some(FileKind::Compose)),
            ("docker-compose.prod.yml", Some(FileKind::Compose)),
            ("daemon.json", Some(FileKind::DaemonJson)),
            ("values.yaml", None),
            ("Dockerfile.dockerignore", None),
        ] {
            assert_eq!(kind_by_name(Path::new(n)), k, "{n}");
        }
    }

    #[test]
    fn content() {
        assert_eq!(
            kind_by_content("# syntax=docker/dockerfile:1\nFROM x"),
            Some(FileKind::Dockerfile)
        );
        assert_eq!(kind_by_content("\n# c\nFROM x"), Some(FileKind::Dockerfile));
        assert_eq!(
            kind_by_content("services:\n  a: {}"),
            Some(FileKind::Compose)
        );
        assert_eq!(
            kind_by_content(" {\"icc\": false}"),
            Some(FileKind::DaemonJson)
        );
        assert_eq!(kind_by_content("hello"), None);
    }

    #[test]
    fn script_names() {
        for (n, md, k) in [
            ("deploy.sh", false, Some(FileKind::Script)),
            ("x/run.BASH", false, Some(FileKind::Script)),
            ("Makefile", false, Some(FileKind::Makefile)),
            ("GNUmakefile", false, Some(FileKind::Makefile)),
            ("build/rules.mk", false, Some(FileKind::Makefile)),
            (".gitlab-ci.yml", false, Some(FileKind::GitlabCi)),
            (
                "repo/.github/workflows/ci.yaml",
                false,
                Some(FileKind::GithubWorkflow),
            ),
            (".github/ci.yaml", false, None),
            ("workflows/ci.yaml", false, None),
            ("README.md", false, None),
            ("README.md", true, Some(FileKind::Markdown)),
        ] {
            assert_eq!(script_kind_by_name(Path::new(n), md), k, "{n}");
        }
        assert!(has_shell_shebang("#!/bin/sh\necho"));
        assert!(has_shell_shebang("#!/usr/bin/env -S bash -e\n"));
        assert!(!has_shell_shebang("#!/usr/bin/env python3\n"));
        assert!(!has_shell_shebang("echo\n"));
        assert_eq!(
            kind_by_content("#!/bin/bash\ndocker run x"),
            Some(FileKind::Script)
        );
    }

    #[test]
    fn invalid_utf8_position() {
        let e = decode(b"FROM a\nRUN \xff\n".to_vec()).unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(5)));
    }
}
