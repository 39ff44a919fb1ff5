//! Cross-file reasoning: a Compose service with `build:` is judged together
//! with the Dockerfile stage it builds. The effective user, healthcheck and
//! exposed ports come from both files, and findings point at the file and
//! place that decides.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::Path;

use drydock_core::FileKind;
use drydock_core::fs::MemoryFs;
use drydock_rules::{Input, LintEnv, LintResult, Settings, lint};

fn no_env(_: &str) -> Option<String> {
    None
}

const DOCKERFILE: &str = "\
FROM node:22-slim AS build
RUN npm ci

FROM node:22-slim AS runtime
USER node
EXPOSE 22 8080
HEALTHCHECK CMD [\"node\", \"healthcheck.js\"]
CMD [\"node\", \"server.js\"]

FROM node:22-slim AS bare
USER node
CMD [\"node\", \"server.js\"]
";

/// Lints `compose` (at /p/compose.yaml, the Dockerfile at /p/app) with only
/// `rule` enabled.
fn lint_joined(compose: &str, rule: &str) -> LintResult {
    let fs = MemoryFs::new().with("/p/app/Dockerfile", DOCKERFILE);
    let env = LintEnv {
        fs: &fs,
        env: &no_env,
    };
    let mut settings = Settings::default();
    settings.selection.select = vec![rule.to_string()];
    let input = Input {
        path: Path::new("/p/compose.yaml"),
        display: "compose.yaml".into(),
        kind: FileKind::Compose,
        text: compose.into(),
    };
    lint(&input, &settings, &env)
}

/// A file and a 1-based line.
type Place = (String, usize);

/// `(file, line, message, related places)` of each finding.
fn summary(r: &LintResult) -> Vec<(String, usize, String, Vec<Place>)> {
    let place = |origin: &drydock_core::Origin| {
        let (file, range) = origin.file_range().unwrap();
        let src = r.sources.get(file).unwrap();
        (src.path.clone(), src.line_col(range.start).line as usize)
    };
    r.findings
        .iter()
        .map(|f| {
            let (file, line) = place(&f.origin);
            let related = f.related.iter().map(|rel| place(&rel.origin)).collect();
            (file, line, f.message.clone(), related)
        })
        .collect()
}

#[test]
fn compose_user_root_over_a_non_root_dockerfile_user() {
    let r = lint_joined(
        "services:\n  app:\n    build: {context: app, target: runtime}\n    user: root\n",
        "CTR016",
    );
    let s = summary(&r);
    assert_eq!(s.len(), 1, "{s:?}");
    let (file, line, msg, related) = &s[0];
    assert_eq!((file.as_str(), *line), ("compose.yaml", 4));
    assert!(
        msg.contains("overriding the image's non-root `USER node`"),
        "{msg}"
    );
    assert_eq!(related, &[("app/Dockerfile".to_string(), 5)]);
}

#[test]
fn a_healthcheck_in_either_file_satisfies_the_rule() {
    // The runtime stage has a HEALTHCHECK: the service needs none.
    let r = lint_joined(
        "services:\n  app:\n    build: {context: app, target: runtime}\n",
        "CTR025",
    );
    assert!(r.findings.is_empty(), "{:?}", summary(&r));
    // The bare stage has none, and neither has the service: reported.
    let r = lint_joined(
        "services:\n  app:\n    build: {context: app, target: bare}\n",
        "CTR025",
    );
    assert_eq!(summary(&r).len(), 1, "{:?}", summary(&r));
    // The bare stage has none, but the service defines one.
    let r = lint_joined(
        "services:\n  app:\n    build: {context: app, target: bare}\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n",
        "CTR025",
    );
    assert!(r.findings.is_empty(), "{:?}", summary(&r));
}

#[test]
fn exposed_ports_come_from_both_files() {
    let r = lint_joined(
        "services:\n  app:\n    build: {context: app, target: runtime}\n    ports:\n      - \"127.0.0.1:2222:22\"\n      - \"8080:8080\"\n",
        "IMG015",
    );
    let s = summary(&r);
    assert_eq!(s.len(), 1, "{s:?}");
    let (file, line, msg, related) = &s[0];
    assert_eq!((file.as_str(), *line), ("compose.yaml", 5));
    assert!(msg.contains("publishes the SSH port 22"), "{msg}");
    assert_eq!(related, &[("app/Dockerfile".to_string(), 6)]);

    // Compose `expose:` on an image built elsewhere: no Dockerfile to name.
    let r = lint_joined(
        "services:\n  app:\n    image: example/app:1.0\n    expose: [\"22\"]\n",
        "IMG015",
    );
    let s = summary(&r);
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(
        s[0].2.contains("exposes the SSH port 22") && s[0].3.is_empty(),
        "{s:?}"
    );
}
