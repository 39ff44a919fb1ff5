//! The extractors and the argument parser never panic, and every range they
//! return lies within the input, on character boundaries.

#![allow(clippy::unwrap_used)] // test code

use drydock_core::spec::ContainerSpec;
use drydock_core::{FileId, Origin};
use drydock_runline::{SourceKind, extract};
use proptest::prelude::*;

fn origins(s: &ContainerSpec) -> Vec<Origin> {
    let mut o = vec![s.origin.clone()];
    let sp = |x: &Option<drydock_core::Sp<String>>| x.as_ref().map(|v| v.origin.clone());
    o.extend(
        [
            &s.image,
            &s.user,
            &s.network_mode,
            &s.pid,
            &s.ipc,
            &s.restart,
        ]
        .into_iter()
        .filter_map(sp),
    );
    o.extend(s.privileged.iter().map(|p| p.origin.clone()));
    o.extend(s.read_only.iter().map(|p| p.origin.clone()));
    for m in &s.mounts {
        o.push(m.origin.clone());
        o.push(m.target.origin.clone());
        o.extend(m.source.iter().map(|x| x.origin.clone()));
        o.extend(m.propagation.iter().map(|x| x.origin.clone()));
    }
    for p in &s.ports {
        o.push(p.origin.clone());
        o.push(p.target.origin.clone());
        o.extend(p.published.iter().map(|x| x.origin.clone()));
        o.extend(p.host_ip.iter().map(|x| x.origin.clone()));
    }
    for kv in s.environment.iter().chain(&s.sysctls).chain(&s.ulimits) {
        o.extend([
            kv.origin.clone(),
            kv.key.origin.clone(),
            kv.value.origin.clone(),
        ]);
    }
    for v in s
        .cap_add
        .iter()
        .chain(&s.cap_drop)
        .chain(&s.security_opt)
        .chain(&s.devices)
    {
        o.push(v.origin.clone());
    }
    o.extend(s.unknown.iter().map(|u| u.origin.clone()));
    o
}

fn check(text: &str) {
    for kind in [
        SourceKind::Script,
        SourceKind::Makefile,
        SourceKind::GithubWorkflow,
        SourceKind::GitlabCi,
        SourceKind::Markdown,
    ] {
        let ex = extract(text, FileId(0), kind);
        for line in &ex.lines {
            let mut all = origins(&line.spec);
            all.push(line.origin.clone());
            for o in all {
                let r = o.range().expect("file origin");
                assert!(
                    r.start <= r.end && r.end as usize <= text.len(),
                    "{r:?} in {text:?}"
                );
                assert!(
                    text.is_char_boundary(r.start as usize)
                        && text.is_char_boundary(r.end as usize)
                );
            }
        }
        for e in &ex.errors {
            assert!(e.range.end as usize <= text.len());
        }
    }
}

const PIECES: &[&str] = &[
    "docker",
    "run",
    "create",
    "container",
    "sudo",
    "podman",
    " ",
    " ",
    " ",
    "\n",
    "\t",
    "\\\n",
    "--privileged",
    "-v",
    "/a:/b:ro",
    "-p",
    "80:80",
    "[::1]:1:2/udp",
    "--mount",
    "type=bind,src=/x,target=/y,readonly",
    "-e",
    "A=$B",
    "$X",
    "\"$@\"",
    "'",
    "\"",
    "$(",
    ")",
    "`",
    "-it",
    "-p8080:80",
    "--user=",
    "root",
    "--",
    "img:1",
    ";",
    "|",
    "&&",
    "#",
    "é",
    "{1",
    "jobs:",
    "steps:",
    "- run: |",
    "  ",
    "script:",
    "```sh",
    "```console",
    "```",
    "$ ",
    "--memory",
    "-m",
    "--health-cmd",
    "--network",
    "host",
    "-H",
    "tcp://h:2375",
    "=",
    ":",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn token_soup(parts in prop::collection::vec(prop::sample::select(PIECES), 0..40)) {
        check(&parts.concat());
    }

    #[test]
    fn arbitrary_text(s in "\\PC{0,200}") {
        check(&format!("docker run {s}"));
        check(&s);
    }
}

#[test]
fn ten_thousand_lines() {
    let mut text = String::from("#!/bin/sh\n");
    for i in 0..10_000 {
        text.push_str(&format!(
            "docker run -d --name c{i} --privileged -p {p}:80 -v /srv/{i}:/data nginx:1.27\n",
            p = 1000 + i % 50000
        ));
    }
    let ex = extract(&text, FileId(0), SourceKind::Script);
    assert_eq!(ex.lines.len(), 10_000);
}
