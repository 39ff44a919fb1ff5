//! Every real Dockerfile of the shared corpus parses without errors and
//! yields at least one ImageSpec.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::Path;
use std::time::Instant;

use drydock_core::FileId;
use drydock_dockerfile::{SpecOptions, image_specs, parse};

const CORPUS: &str = "/work/shared/corpus/dockerfiles";

#[test]
fn corpus_parses_cleanly() {
    let dir = Path::new(CORPUS);
    if !dir.is_dir() {
        eprintln!("note: {CORPUS} is absent; corpus test skipped");
        return;
    }
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let mut failures = Vec::new();
    let mut total = std::time::Duration::ZERO;
    let mut parse_total = std::time::Duration::ZERO;
    let mut slowest = (std::time::Duration::ZERO, String::new());
    let mut count = 0;
    for path in paths {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        count += 1;
        // Warm-up run (the shell parser is created lazily per thread).
        let _ = image_specs(&parse(&text, FileId(0)), &text, &SpecOptions::default());
        let start = Instant::now();
        let df = parse(&text, FileId(0));
        parse_total += start.elapsed();
        let specs = image_specs(&df, &text, &SpecOptions::default());
        let took = start.elapsed();
        total += took;
        if took > slowest.0 {
            slowest = (took, path.display().to_string());
        }
        if !df.errors.is_empty() {
            let errs: Vec<String> = df
                .errors
                .iter()
                .map(|e| format!("  {:?} {:?}: {}", e.range, e.range.slice(&text), e.message))
                .collect();
            failures.push(format!("{}:\n{}", path.display(), errs.join("\n")));
        }
        if specs.is_empty() {
            failures.push(format!("{}: no ImageSpec", path.display()));
        }
        for inst in &df.instructions {
            assert!(inst.range.end as usize <= text.len());
            assert!(text.is_char_boundary(inst.range.start as usize));
        }
    }
    eprintln!(
        "{count} files: parse {parse_total:?}, parse+specs (incl. shell parsing) {total:?}, slowest {:?} ({})",
        slowest.0, slowest.1
    );
    assert!(
        failures.is_empty(),
        "{} files with problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
