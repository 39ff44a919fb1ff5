//! Smoke test: every RUN body of the Dockerfile corpus parses without panic,
//! and nearly all of them yield commands.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::Path;

use drydock_core::FileId;
use drydock_shell::{OffsetMap, parse_script};

/// RUN bodies, naively: lines starting with `RUN `, joined on trailing
/// backslashes (continuations removed, like the Dockerfile parser does).
fn run_bodies(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.trim_start().strip_prefix("RUN ") else {
            continue;
        };
        let mut body = String::new();
        let mut cur = rest;
        loop {
            match cur.trim_end().strip_suffix('\\') {
                Some(head) => {
                    body.push_str(head);
                    match lines.next() {
                        Some(next) if next.trim_start().starts_with('#') => cur = "\\",
                        Some(next) => cur = next,
                        None => break,
                    }
                }
                None => {
                    body.push_str(cur);
                    break;
                }
            }
        }
        out.push(body);
    }
    out
}

#[test]
fn corpus_run_bodies() {
    let dir = Path::new("/work/shared/corpus/dockerfiles");
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("corpus not available, skipping");
        return;
    };
    let mut bodies = Vec::new();
    for e in entries.flatten() {
        if let Ok(text) = std::fs::read_to_string(e.path()) {
            bodies.extend(run_bodies(&text));
        }
    }
    assert!(!bodies.is_empty());
    let start = std::time::Instant::now();
    let mut with_commands = 0;
    let mut commands = 0;
    for b in &bodies {
        let s = parse_script(b, FileId(0), &OffsetMap::identity(0));
        commands += s.commands.len();
        if !s.commands.is_empty() {
            with_commands += 1;
        }
        for c in &s.commands {
            // Every origin is inside the body.
            let r = c.origin.range().unwrap_or_default();
            assert!(r.end as usize <= b.len(), "{b:?}");
        }
    }
    let elapsed = start.elapsed();
    // For comparison: tree-sitter alone.
    let ts_start = std::time::Instant::now();
    let mut parser = tree_sitter::Parser::new();
    if parser
        .set_language(&tree_sitter_bash::LANGUAGE.into())
        .is_ok()
    {
        for b in &bodies {
            let _ = parser.parse(b, None);
        }
    }
    eprintln!("tree-sitter alone: {:?}", ts_start.elapsed());
    eprintln!(
        "{} RUN bodies, {commands} commands, {with_commands} with commands, parsed in {elapsed:?}",
        bodies.len()
    );
    // Exec-form `RUN ["…"]` and `RUN <<EOF` bodies yield nothing useful here.
    assert!(
        with_commands * 10 >= bodies.len() * 9,
        "{with_commands}/{}",
        bodies.len()
    );
}
