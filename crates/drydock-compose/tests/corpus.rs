//! Loads every real Compose file of the shared corpus.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::{Path, PathBuf};

use drydock_compose::{LoadOptions, load};
use drydock_core::fs::{FileSystem, FsError};
use drydock_core::{FileKind, SourceFile, SourceMap};

/// A read-only view of the real filesystem.
struct RealFs;

impl FileSystem for RealFs {
    fn read_to_string(&self, path: &Path) -> Result<String, FsError> {
        std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => FsError::NotFound,
            std::io::ErrorKind::InvalidData => FsError::NotUtf8,
            _ => FsError::Other(e.to_string()),
        })
    }

    fn canonicalize(&self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }
}

fn corpus_files() -> Option<Vec<PathBuf>> {
    let root = Path::new("/work/shared/corpus/compose");
    let mut out = Vec::new();
    for d in std::fs::read_dir(root).ok()? {
        let d = d.ok()?.path();
        for f in std::fs::read_dir(&d).ok()? {
            let f = f.ok()?.path();
            if f.is_file() {
                out.push(f);
            }
        }
    }
    out.sort();
    Some(out)
}

#[test]
fn corpus_loads() {
    let Some(files) = corpus_files() else {
        eprintln!("note: /work/shared/corpus/compose is absent; corpus test skipped");
        return;
    };
    assert!(files.len() >= 70, "{} files", files.len());
    let texts: Vec<(PathBuf, String)> = files
        .iter()
        .map(|f| (f.clone(), std::fs::read_to_string(f).unwrap()))
        .collect();
    let env = |_: &str| None;
    let opts = LoadOptions {
        fs: &RealFs,
        env: &env,
    };
    let start = std::time::Instant::now();
    let mut services = 0;
    for (path, text) in &texts {
        let mut sources = SourceMap::new();
        let id = sources.add(SourceFile::new(
            path.to_string_lossy(),
            FileKind::Compose,
            text.as_str(),
        ));
        let t0 = std::time::Instant::now();
        let p = load(path, id, &mut sources, &opts);
        let dt = t0.elapsed();
        if dt.as_micros() > 1000 {
            eprintln!("slow: {} took {dt:?}", path.display());
        }
        services += p.services.len();
        let name = path.file_name().unwrap().to_string_lossy();
        if name == "docker-compose-yaml-parse-error.yaml" {
            let e = p
                .errors
                .iter()
                .find(|e| e.fatal)
                .expect("the broken file has a fatal error");
            // "no a yaml file" is a YAML scalar: the error covers it.
            assert_eq!(e.range.slice(text), "no a yaml file", "{e:?}");
            continue;
        }
        // Non-fatal errors that are right for these files:
        // * an empty `compose.yaml` (osv-scalibr test data), which Compose
        //   reports as "empty compose file";
        // * `env_file`s (CMP007) and `extends` files the corpus does not ship.
        // (plex's `${PLEX_MEDIA_PATH}:/media/` with the variable unset is
        // an unknown volume, not an error.)
        let expected = |e: &drydock_core::ParseError| {
            e.message.starts_with("cannot read")
                || e.rule == Some(drydock_compose::RULE_ENV_FILE_MISSING)
                || (text.is_empty() && e.message.contains("empty"))
        };
        let unexpected: Vec<_> = p
            .errors
            .iter()
            .filter(|e| e.fatal || !expected(e))
            .collect();
        assert!(
            unexpected.is_empty(),
            "{}: {:?}",
            path.display(),
            unexpected
        );
        assert!(
            !p.services.is_empty() || text.is_empty(),
            "{}",
            path.display()
        );
    }
    let elapsed = start.elapsed();
    eprintln!(
        "loaded {} corpus files ({services} services) in {elapsed:?}",
        texts.len()
    );
}
