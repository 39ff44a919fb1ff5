//! `docker run` / `docker create` lines in scripts, Makefiles, CI files and
//! Markdown (`--include-scripts`, `--include-markdown`, `include-scripts`
//! in drydock.toml).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use std::path::Path;
use std::process::Output;

use common::drydock;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// `(path, line, column)` of every CTR001 finding, from the JSON report.
fn privileged_at(out: &Output) -> Vec<(String, u64, u64)> {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut at: Vec<(String, u64, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "CTR001")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    at.sort();
    at
}

/// One file of every kind, each with a `--privileged` at a known place.
fn project() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "deploy.sh",
        "#!/bin/sh\nset -e\nsudo docker run -d \\\n  --privileged nginx:1.27\n",
    );
    write(
        d.path(),
        "bin/start",
        "#!/usr/bin/env bash\nexec docker run --rm --privileged alpine:3.20 sh\n",
    );
    write(
        d.path(),
        "Makefile",
        "run:\n\t@docker run --rm \\\n\t  --privileged $(IMAGE)\n",
    );
    write(
        d.path(),
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          echo start\n          docker run --privileged alpine:3.20 true\n",
    );
    write(
        d.path(),
        ".gitlab-ci.yml",
        "test:\n  script:\n    - docker run --rm --privileged alpine:3.20 true\n",
    );
    write(
        d.path(),
        "README.md",
        "# Run\n\n```console\n$ docker run --privileged alpine:3.20\nHello\n```\n",
    );
    write(d.path(), "notes.txt", "docker run --privileged x\n");
    d
}

#[test]
fn scripts_are_off_by_default() {
    let d = project();
    let out = drydock(d.path(), &["scan", "--format", "json", "."]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(privileged_at(&out).is_empty());
}

#[test]
fn every_source_kind_points_at_the_flag() {
    let d = project();
    let out = drydock(
        d.path(),
        &["scan", "--format", "json", "--include-scripts", "."],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let at = privileged_at(&out);
    let expect = [
        (".github/workflows/ci.yml", 8, 22),
        (".gitlab-ci.yml", 3, 23),
        ("Makefile", 3, 4),
        ("bin/start", 2, 22),
        ("deploy.sh", 4, 3),
    ];
    let expect: Vec<(String, u64, u64)> = expect
        .iter()
        .map(|(p, l, c)| (p.to_string(), *l, *c))
        .collect();
    assert_eq!(at, expect);

    // Markdown only with its own flag.
    let out = drydock(
        d.path(),
        &[
            "scan",
            "--format",
            "json",
            "--include-scripts",
            "--include-markdown",
            ".",
        ],
    );
    let at = privileged_at(&out);
    assert!(at.contains(&("README.md".to_string(), 4, 14)), "{at:?}");
    assert_eq!(at.len(), 6);
}

#[test]
fn config_file_turns_scripts_on() {
    let d = project();
    write(d.path(), "drydock.toml", "include-scripts = true\n");
    let out = drydock(d.path(), &["scan", "--format", "json", "."]);
    assert_eq!(privileged_at(&out).len(), 5, "{out:?}");
    write(
        d.path(),
        "drydock.toml",
        "include-scripts = true\ninclude-markdown = true\n",
    );
    let out = drydock(d.path(), &["scan", "--format", "json", "."]);
    assert_eq!(privileged_at(&out).len(), 6, "{out:?}");
}

#[test]
fn named_files_are_read_without_the_flag() {
    let d = project();
    let out = drydock(
        d.path(),
        &[
            "scan",
            "--format",
            "json",
            "deploy.sh",
            "bin/start",
            "README.md",
        ],
    );
    assert_eq!(privileged_at(&out).len(), 3, "{out:?}");
    // `--type` names the kind of a file whose name says nothing.
    let out = drydock(
        d.path(),
        &["scan", "--format", "json", "--type", "script", "notes.txt"],
    );
    assert_eq!(
        privileged_at(&out),
        [("notes.txt".to_string(), 1, 12)],
        "{out:?}"
    );
}

#[test]
fn suppression_comment_in_a_script() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "x.sh",
        "# drydock:ignore=CTR001\ndocker run --privileged a\ndocker run --privileged b # drydock:ignore=CTR001\n",
    );
    let out = drydock(d.path(), &["scan", "--format", "json", "x.sh"]);
    assert!(privileged_at(&out).is_empty(), "{out:?}");
}

#[test]
fn unknown_words_drop_absence_findings_only() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "x.sh",
        "docker run $OPTS --privileged img\ndocker run --rm img2\n",
    );
    let out = drydock(d.path(), &["scan", "--format", "json", "x.sh"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v["findings"].as_array().unwrap();
    let on_line = |line: u64, rule: &str| f.iter().any(|x| x["line"] == line && x["rule"] == rule);
    // Line 1: `--privileged` is reported; "no memory limit" is not, since
    // `$OPTS` may set one.
    assert!(on_line(1, "CTR001"));
    assert!(!on_line(1, "CTR012"));
    assert!(on_line(2, "CTR012"));
    // No fixes on command lines.
    assert!(f.iter().all(|x| x["fix"].is_null()));
}

#[test]
fn bad_input_is_reported_and_the_scan_goes_on() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "broken.sh",
        "#!/bin/sh\ndocker run --privileged -v \"/etc:/h nginx\n",
    );
    write(d.path(), ".gitlab-ci.yml", "job: [unclosed\n");
    write(d.path(), "ok.sh", "docker run --pid=host x\n");
    let out = drydock(
        d.path(),
        &["scan", "--format", "json", "--include-scripts", "."],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v["findings"].as_array().unwrap();
    let has = |path: &str, rule: &str| f.iter().any(|x| x["path"] == path && x["rule"] == rule);
    assert!(has("broken.sh", "SYN004"));
    assert!(has("broken.sh", "CTR001"));
    assert!(has(".gitlab-ci.yml", "SYN004"));
    assert!(has("ok.sh", "CTR008"));
}

/// `(rule, line, column, message)` of every finding, from the JSON report.
fn findings(out: &Output) -> Vec<(String, u64, u64, String)> {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The message of the one finding of `rule` on `line`.
fn message(f: &[(String, u64, u64, String)], rule: &str, line: u64) -> String {
    let hits: Vec<&String> = f
        .iter()
        .filter(|x| x.0 == rule && x.1 == line)
        .map(|x| &x.3)
        .collect();
    assert_eq!(hits.len(), 1, "{rule} on line {line}: {f:#?}");
    hits[0].clone()
}

#[test]
fn run_line_messages_name_flags_not_compose_keys() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "x.sh",
        "docker run --rm alpine:3.20 true\n\
         docker run --privileged --user root --restart always nginx:1.27\n\
         docker create --name web --read-only=false --pid=host --pids-limit -1 nginx:1.27\n",
    );
    write(
        d.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    pid: host\n",
    );
    let out = drydock(
        d.path(),
        &["scan", "--format", "json", "--include-scripts", "."],
    );
    let f = findings(&out);
    let run = |rule: &str, line: u64| {
        let m = message(&f, rule, line);
        // No Compose key in a run line's message.
        for key in [
            "pids_limit",
            "read_only",
            "security_opt",
            "network_mode",
            "user:",
        ] {
            assert!(!m.contains(key), "{m}");
        }
        m
    };

    // Line 1: no `--name`, so the line is named by its image.
    assert_eq!(
        run("CTR014", 1),
        "`docker run` of `alpine:3.20` has no process limit (`--pids-limit`): a fork bomb can exhaust the host"
    );
    assert!(run("CTR015", 1).ends_with("(no `--read-only`)"));
    assert!(run("CTR005", 1).ends_with("add `--cap-drop ALL`"));
    assert!(run("CTR006", 1).contains("does not set `--security-opt no-new-privileges`"));
    assert!(run("CTR026", 1).contains("has no `--security-opt`"));
    assert!(run("CTR031", 1).contains("sets no `--network`: it joins the default bridge network"));

    // Line 2.
    assert!(
        run("CTR001", 2).starts_with("`docker run` of `nginx:1.27` runs privileged:"),
        "{f:#?}"
    );
    assert_eq!(
        run("CTR016", 2),
        "`docker run` of `nginx:1.27` runs as root (`--user=root`)"
    );
    assert!(run("CTR024", 2).ends_with("use `--restart on-failure:5`"));

    // Line 3: `docker create` with `--name`.
    assert_eq!(
        run("CTR015", 3),
        "container `web` sets `--read-only=false`: its root filesystem is writable"
    );
    assert!(run("CTR008", 3).ends_with("(`--pid=host`)"));
    assert_eq!(
        run("CTR014", 3),
        "container `web` sets `--pids-limit=-1`, which means unlimited"
    );

    // The Compose service keeps the Compose wording.
    let compose: Vec<&String> = f
        .iter()
        .filter(|x| x.3.starts_with("service `web`"))
        .map(|x| &x.3)
        .collect();
    assert!(
        compose
            .iter()
            .any(|m| m.contains("has no process limit (`pids_limit`)")),
        "{compose:#?}"
    );
    assert!(compose.iter().any(|m| m.ends_with("(`pid: host`)")));
}

#[test]
fn engine_client_without_tls_is_reported_at_the_host() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "x.sh",
        "docker -H tcp://10.0.0.5:2375 run --rm a:1\n\
         DOCKER_HOST=tcp://h:2375 docker run b:1\n\
         docker -H tcp://h:2376 --tlsverify run c:1\n\
         docker -H ssh://me@h run d:1\n\
         DOCKER_TLS_VERIFY=1 DOCKER_HOST=tcp://h:2376 docker run e:1\n\
         docker --host=unix:///var/run/docker.sock run f:1\n\
         docker $DOCKER_OPTS -H tcp://h:2375 run g:1\n\
         docker --host=10.0.0.5:2375 create h:1\n\
         docker -H npipe:////./pipe/docker_engine run i:1\n\
         DOCKER_TLS=1 docker -H tcp://h:2376 run j:1\n\
         docker -H tcp://h:2376 --tlsverify=false run k:1\n",
    );
    let out = drydock(d.path(), &["scan", "--format", "json", "x.sh"]);
    let f = findings(&out);
    let at: Vec<(u64, u64)> = f
        .iter()
        .filter(|x| x.0 == "CTR011")
        .map(|x| (x.1, x.2))
        .collect();
    // `-H` and `DOCKER_HOST=` without TLS; a host without a scheme is TCP.
    // Not: TLS on, SSH, a Unix socket, a named pipe, nor `$DOCKER_OPTS`
    // (which may hold `--tlsverify`). `--tlsverify=false` turns it off.
    assert_eq!(at, [(1, 11), (2, 13), (8, 15), (11, 11)], "{f:#?}");
    assert_eq!(
        message(&f, "CTR011", 1),
        "`docker run` talks to the Docker engine at `tcp://10.0.0.5:2375` without TLS (no `--tlsverify`, no `DOCKER_TLS_VERIFY`): the request and any credentials travel in clear text, and an engine listening on plain TCP obeys whoever reaches it"
    );
    assert!(
        message(&f, "CTR011", 8)
            .starts_with("`docker create` talks to the Docker engine at `10.0.0.5:2375`")
    );
}

#[test]
fn docker_host_in_the_container_is_not_the_clients() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "x.sh",
        "docker run -e DOCKER_HOST=tcp://dind:2375 docker:27-cli\n",
    );
    let out = drydock(d.path(), &["scan", "--format", "json", "x.sh"]);
    let f = findings(&out);
    assert_eq!(
        message(&f, "CTR011", 1),
        "`docker run` of `docker:27-cli` points the Docker clients in the container at `tcp://dind:2375` without TLS (`DOCKER_TLS_VERIFY` is not set): commands and credentials travel in clear text"
    );
}
