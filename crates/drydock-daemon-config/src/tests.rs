use super::*;

const F: FileId = FileId(7);

/// The range of the `n`th (0-based) occurrence of `needle` in `text`.
fn find(text: &str, needle: &str, n: usize) -> TextRange {
    let (start, _) = text.match_indices(needle).nth(n).unwrap();
    TextRange::from_usize(start, start + needle.len())
}

fn at(text: &str, needle: &str, n: usize) -> Origin {
    Origin::file(F, find(text, needle, n))
}

fn messages(c: &DaemonConfig) -> Vec<&str> {
    c.errors.iter().map(|e| e.message.as_str()).collect()
}

const REALISTIC: &str = r#"{
    "data-root": "/srv/docker",
    "icc": false,
    "iptables": true,
    "ip-forward": true,
    "live-restore": true,
    "userland-proxy": false,
    "no-new-privileges": true,
    "log-level": "info",
    "log-driver": "json-file",
    "log-opts": {
        "max-size": "10m",
        "max-file": "3"
    },
    "storage-driver": "overlay2",
    "storage-opts": ["overlay2.size=20G"],
    "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"],
    "tls": true,
    "tlsverify": true,
    "tlscacert": "/etc/docker/ca.pem",
    "tlscert": "/etc/docker/server-cert.pem",
    "tlskey": "/etc/docker/server-key.pem",
    "insecure-registries": ["registry.local:5000"],
    "registry-mirrors": ["https://mirror.gcr.io"],
    "default-ulimits": {
        "nofile": {"Name": "nofile", "Hard": 64000, "Soft": 32000}
    },
    "userns-remap": "default",
    "cgroup-parent": "docker.slice",
    "authorization-plugins": ["authz-broker"],
    "seccomp-profile": "/etc/docker/seccomp.json",
    "experimental": false,
    "selinux-enabled": true,
    "ip": "127.0.0.1",
    "debug": false,
    "default-runtime": "runc",
    "max-concurrent-downloads": 3,
    "default-address-pools": [{"base": "172.30.0.0/16", "size": 24}],
    "features": {"buildkit": true},
    "proxies": {"http-proxy": "http://proxy:3128"},
    "runtimes": {"crun": {"path": "/usr/bin/crun", "runtimeArgs": ["--debug"]}}
}
"#;

#[test]
fn realistic_file() {
    let t = REALISTIC;
    let c = parse(t, F);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert!(c.comments.is_empty());
    let s = &c.spec;
    assert_eq!(s.origin, Origin::file(F, TextRange::from_usize(0, 1)));
    assert_eq!(s.icc, Some(Sp::new(false, at(t, "false", 0))));
    assert_eq!(s.iptables, Some(Sp::new(true, at(t, "true", 0))));
    assert_eq!(s.ip_forward, Some(Sp::new(true, at(t, "true", 1))));
    assert_eq!(s.live_restore.as_ref().map(|b| b.value), Some(true));
    assert_eq!(s.userland_proxy.as_ref().map(|b| b.value), Some(false));
    assert_eq!(s.no_new_privileges.as_ref().map(|b| b.value), Some(true));
    assert_eq!(
        s.data_root,
        Some(Sp::new("/srv/docker".into(), at(t, "\"/srv/docker\"", 0)))
    );
    assert_eq!(
        s.log_level,
        Some(Sp::new("info".into(), at(t, "\"info\"", 0)))
    );
    assert_eq!(
        s.log_driver.as_ref().map(|v| v.value.as_str()),
        Some("json-file")
    );
    assert_eq!(
        s.storage_driver.as_ref().map(|v| v.value.as_str()),
        Some("overlay2")
    );
    assert_eq!(
        s.storage_opts,
        vec![Sp::new(
            "overlay2.size=20G".into(),
            at(t, "\"overlay2.size=20G\"", 0)
        )]
    );
    assert_eq!(
        s.hosts,
        vec![
            Sp::new(
                "unix:///var/run/docker.sock".into(),
                at(t, "\"unix:///var/run/docker.sock\"", 0)
            ),
            Sp::new(
                "tcp://0.0.0.0:2376".into(),
                at(t, "\"tcp://0.0.0.0:2376\"", 0)
            ),
        ]
    );
    assert_eq!(s.tls.as_ref().map(|b| b.value), Some(true));
    assert_eq!(s.tlsverify.as_ref().map(|b| b.value), Some(true));
    assert_eq!(
        s.tlscacert.as_ref().map(|v| v.value.as_str()),
        Some("/etc/docker/ca.pem")
    );
    assert_eq!(
        s.tlscert.as_ref().map(|v| v.value.as_str()),
        Some("/etc/docker/server-cert.pem")
    );
    assert_eq!(
        s.tlskey,
        Some(Sp::new(
            "/etc/docker/server-key.pem".into(),
            at(t, "\"/etc/docker/server-key.pem\"", 0)
        ))
    );
    assert_eq!(
        s.insecure_registries,
        vec![Sp::new(
            "registry.local:5000".into(),
            at(t, "\"registry.local:5000\"", 0)
        )]
    );
    assert_eq!(s.registry_mirrors.len(), 1);
    assert_eq!(
        s.userns_remap.as_ref().map(|v| v.value.as_str()),
        Some("default")
    );
    assert_eq!(
        s.cgroup_parent.as_ref().map(|v| v.value.as_str()),
        Some("docker.slice")
    );
    assert_eq!(s.authorization_plugins.len(), 1);
    assert_eq!(
        s.seccomp_profile.as_ref().map(|v| v.value.as_str()),
        Some("/etc/docker/seccomp.json")
    );
    assert_eq!(s.experimental.as_ref().map(|b| b.value), Some(false));
    assert_eq!(s.selinux_enabled.as_ref().map(|b| b.value), Some(true));
    assert_eq!(
        s.ip,
        Some(Sp::new("127.0.0.1".into(), at(t, "\"127.0.0.1\"", 0)))
    );
    assert_eq!(s.debug.as_ref().map(|b| b.value), Some(false));
    assert_eq!(
        s.default_runtime.as_ref().map(|v| v.value.as_str()),
        Some("runc")
    );

    // log-opts, with origins of the member, its key and its value.
    assert_eq!(s.log_opts.len(), 2);
    let max_size = s.log_opt("max-size").unwrap();
    assert_eq!(max_size.origin, at(t, "\"max-size\": \"10m\"", 0));
    assert_eq!(
        max_size.key,
        Sp::new("max-size".into(), at(t, "\"max-size\"", 0))
    );
    assert_eq!(max_size.value, Sp::new("10m".into(), at(t, "\"10m\"", 0)));
    assert_eq!(s.log_opt("max-file").unwrap().value.value, "3");

    // default-ulimits: name -> "soft:hard".
    assert_eq!(s.default_ulimits_key, Some(at(t, "\"default-ulimits\"", 0)));
    assert_eq!(s.default_ulimits.len(), 1);
    let nofile = &s.default_ulimits[0];
    assert_eq!(nofile.key, Sp::new("nofile".into(), at(t, "\"nofile\"", 0)));
    assert_eq!(nofile.value.value, "32000:64000");
    assert_eq!(
        nofile.value.origin,
        at(t, r#"{"Name": "nofile", "Hard": 64000, "Soft": 32000}"#, 0)
    );

    // settings: every key, in order, key range with quotes, value range.
    assert_eq!(s.settings.len(), 35);
    assert_eq!(
        s.settings[0].key,
        Sp::new("data-root".into(), at(t, "\"data-root\"", 0))
    );
    assert_eq!(s.settings[0].value, at(t, "\"/srv/docker\"", 0));
    let lo = s.setting("log-opts").unwrap();
    assert_eq!(
        lo.value.range().unwrap().slice(t),
        "{\n        \"max-size\": \"10m\",\n        \"max-file\": \"3\"\n    }"
    );

    // The insertion point.
    let a = s.insert_at.as_ref().unwrap();
    assert_eq!(a.open_brace_end, 1);
    assert_eq!(a.indent, "    ");
    assert!(!a.is_empty);
    assert_eq!(a.file, F);
}

#[test]
fn comments_are_reported_and_collected() {
    let t = "// daemon config\n{\n  /* no ICC */ \"icc\": false, # not a comment\n}";
    // `#` is no comment in JSONC either: that is a syntax error.
    let c = parse(t, F);
    assert!(c.is_fatal());

    let t = "// daemon config\n{\n  /* no ICC */ \"icc\": false // trailing\n}";
    let c = parse(t, F);
    assert!(!c.is_fatal(), "{:?}", c.errors);
    assert_eq!(
        c.comments,
        vec![
            find(t, "// daemon config", 0),
            find(t, "/* no ICC */", 0),
            find(t, "// trailing", 0)
        ]
    );
    assert_eq!(c.errors.len(), 3);
    for (e, r) in c.errors.iter().zip(&c.comments) {
        assert_eq!(e.range, *r);
        assert!(!e.fatal);
        assert_eq!(
            e.message,
            "comments are not allowed in daemon.json; dockerd refuses to start"
        );
    }
    assert_eq!(c.spec.icc.as_ref().map(|b| b.value), Some(false));
}

#[test]
fn trailing_commas() {
    let t = "{\n  \"hosts\": [\"fd://\",],\n  \"icc\": false,\n}";
    let c = parse(t, F);
    assert_eq!(c.errors.len(), 2, "{:?}", c.errors);
    assert!(
        c.errors
            .iter()
            .all(|e| !e.fatal && e.message.starts_with("trailing comma"))
    );
    let comma1 = find(t, ",]", 0).start;
    assert_eq!(c.errors[0].range, TextRange::new(comma1, comma1 + 1));
    let comma2 = find(t, "false,", 0).start + 5;
    assert_eq!(c.errors[1].range, TextRange::new(comma2, comma2 + 1));
    assert_eq!(c.spec.hosts.len(), 1);
    assert_eq!(c.spec.icc.as_ref().map(|b| b.value), Some(false));
}

#[test]
fn other_json5_extensions_are_reported() {
    let t = "{icc: false, 'log-level': 'debug', \"mtu\": 0x10 \"debug\": true}";
    let c = parse(t, F);
    assert!(!c.is_fatal(), "{:?}", c.errors);
    let m = messages(&c);
    assert!(
        m.iter()
            .any(|m| m.starts_with("object keys must be double-quoted")),
        "{m:?}"
    );
    assert_eq!(
        m.iter()
            .filter(|m| m.starts_with("strings must be double-quoted"))
            .count(),
        2,
        "{m:?}"
    );
    assert!(
        m.iter()
            .any(|m| m.starts_with("`0x10` is not a JSON number")),
        "{m:?}"
    );
    assert!(m.iter().any(|m| m.starts_with("missing comma")), "{m:?}");
    let e = c
        .errors
        .iter()
        .find(|e| e.message.starts_with("object keys"))
        .unwrap();
    assert_eq!(e.range.slice(t), "icc");

    let t = "{\"log-level\": \"a\\qb\\u00e9\\n\tc\"}";
    let c = parse(t, F);
    let m = messages(&c);
    assert!(m.iter().any(|m| m.starts_with("invalid escape")), "{m:?}");
    assert!(
        m.iter().any(|m| m.starts_with("control character")),
        "{m:?}"
    );
    let e = c
        .errors
        .iter()
        .find(|e| e.message.starts_with("invalid escape"))
        .unwrap();
    assert_eq!(e.range.slice(t), "\\q");
}

#[test]
fn unknown_keys_with_suggestions() {
    let t = "{\n  \"insecure-registry\": [\"a:5000\"],\n  \"totally-made-up\": 1,\n  \"http-proxy\": \"x\",\n  \"nested-thing\": {\"debug\": true}\n}";
    let c = parse(t, F);
    assert_eq!(c.errors.len(), 4, "{:?}", c.errors);
    assert_eq!(c.errors[0].range, find(t, "\"insecure-registry\"", 0));
    assert_eq!(
        c.errors[0].message,
        "unknown key `insecure-registry`; dockerd refuses to start with unknown keys; did you mean `insecure-registries`?"
    );
    assert_eq!(
        c.errors[1].message,
        "unknown key `totally-made-up`; dockerd refuses to start with unknown keys"
    );
    assert!(c.errors[2].message.contains("belongs inside `proxies`"));
    assert_eq!(
        c.errors[3].message,
        "unknown key `nested-thing`; dockerd ignores it"
    );
    assert!(c.errors.iter().all(|e| !e.fatal));
    // Unknown keys are still recorded as settings; no typed field is filled.
    assert_eq!(c.spec.settings.len(), 4);
    assert!(c.spec.insecure_registries.is_empty());
}

#[test]
fn wrong_types() {
    let t = r#"{
  "icc": "false",
  "hosts": "tcp://0.0.0.0:2375",
  "mtu": 1.5,
  "insecure-registries": ["ok:5000", 5000],
  "log-opts": {"max-file": 3, "max-size": "10m"},
  "features": {"buildkit": "yes"},
  "default-ulimits": {"nofile": {"Hard": "x", "Soft": 1}, "nproc": {"hard": 10, "soft": 5}},
  "max-concurrent-uploads": 99999999999999999999,
  "debug": null
}"#;
    let c = parse(t, F);
    assert!(!c.is_fatal());
    let m = messages(&c);
    assert_eq!(
        m,
        vec![
            "`icc` must be a boolean, not a string; dockerd refuses to start",
            "`hosts` must be an array of strings, not a string; dockerd refuses to start",
            "`mtu` must be an integer, not `1.5`; dockerd refuses to start",
            "`insecure-registries[]` must be a string, not a number; dockerd refuses to start",
            "`log-opts.max-file` must be a string, not a number; dockerd refuses to start",
            "`features.buildkit` must be a boolean, not a string; dockerd refuses to start",
            "`default-ulimits.nofile.Hard` must be an integer, not a string; dockerd refuses to start",
            "`max-concurrent-uploads` must be an integer, not `99999999999999999999`; dockerd refuses to start",
        ]
    );
    assert_eq!(c.errors[0].range, find(t, "\"false\"", 0));
    let n = find(t, "5000]", 0).start;
    assert_eq!(c.errors[3].range, TextRange::new(n, n + 4));
    assert_eq!(c.spec.icc, None);
    assert!(c.spec.hosts.is_empty());
    assert_eq!(c.spec.insecure_registries.len(), 1);
    assert_eq!(c.spec.log_opts.len(), 1);
    assert_eq!(c.spec.default_ulimits.len(), 1);
    assert_eq!(c.spec.default_ulimits[0].key.value, "nproc");
    assert_eq!(c.spec.default_ulimits[0].value.value, "5:10");
    // null is accepted by dockerd and leaves the default.
    assert_eq!(c.spec.debug, None);
}

#[test]
fn empty_object() {
    let c = parse("{}", F);
    assert!(c.errors.is_empty());
    assert_eq!(c.spec.origin, Origin::file(F, TextRange::new(0, 1)));
    let a = c.spec.insert_at.unwrap();
    assert!(a.is_empty);
    assert_eq!(a.open_brace_end, 1);
    assert_eq!(a.indent, "  ");
    assert!(c.spec.settings.is_empty());

    let c = parse("  {\"icc\": false}\n", F);
    let a = c.spec.insert_at.unwrap();
    assert_eq!(
        (a.open_brace_end, a.indent.as_str(), a.is_empty),
        (3, "  ", false)
    );

    let c = parse("{\n\t\"icc\": false\n}", F);
    assert_eq!(c.spec.insert_at.unwrap().indent, "\t");
}

#[test]
fn empty_file_is_an_empty_configuration() {
    // dockerd trims whitespace and starts with defaults on an empty file.
    for t in ["", "  \n\t", "\u{feff}", "\u{feff}\n"] {
        let c = parse(t, F);
        assert!(c.errors.is_empty(), "{t:?}: {:?}", c.errors);
        assert_eq!(
            c.spec.origin,
            Origin::file(F, TextRange::from_usize(0, t.len()))
        );
        assert!(c.spec.settings.is_empty());
        assert!(c.spec.insert_at.is_none());
    }
}

#[test]
fn only_comments_is_fatal() {
    let t = "// nothing here\n";
    let c = parse(t, F);
    assert_eq!(c.errors.len(), 2);
    assert_eq!(c.comments, vec![find(t, "// nothing here", 0)]);
    assert!(!c.errors[0].fatal);
    assert!(c.errors[1].fatal);
    assert_eq!(
        c.errors[1].message,
        "daemon.json holds no JSON value, only comments; dockerd refuses to start"
    );
}

#[test]
fn invalid_json_is_fatal_with_position() {
    let t = "{\n  \"icc\": false\n  \"debug\" true\n}";
    let c = parse(t, F);
    assert_eq!(c.errors.len(), 1, "{:?}", c.errors);
    let e = &c.errors[0];
    assert!(e.fatal);
    assert!(
        e.message.starts_with("invalid JSON: expected colon"),
        "{}",
        e.message
    );
    assert_eq!(e.range.start, find(t, "true", 0).start);
    assert_eq!(c.spec, DaemonSpec::default());

    for t in [
        "{",
        "{\"icc\": }",
        "[1,",
        "\"unterminated",
        "{} {}",
        "{\"a\": tru}",
    ] {
        let c = parse(t, F);
        assert!(c.is_fatal(), "{t}");
        assert!(
            c.errors.iter().all(|e| e.range.end as usize <= t.len()),
            "{t}"
        );
    }
}

#[test]
fn top_level_not_an_object_is_fatal() {
    for (t, what) in [
        ("[]", "an array"),
        ("\"x\"", "a string"),
        ("true", "a boolean"),
        ("null", "null"),
        (" 3 ", "a number"),
    ] {
        let c = parse(t, F);
        assert_eq!(c.errors.len(), 1, "{t}");
        assert!(c.errors[0].fatal);
        assert_eq!(
            c.errors[0].message,
            format!(
                "the top level of daemon.json must be a JSON object, not {what}; dockerd refuses to start"
            )
        );
        assert_eq!(c.errors[0].range.slice(t), t.trim());
    }
}

#[test]
fn deep_nesting_is_a_clear_error() {
    let t = "[".repeat(10_000);
    let c = parse(&t, F);
    assert_eq!(c.errors.len(), 1);
    assert!(c.errors[0].fatal);
    assert!(
        c.errors[0].message.contains("nesting depth"),
        "{}",
        c.errors[0].message
    );

    let t = format!(
        "{{\"log-opts\": {}{}}}",
        "{\"a\":".repeat(10_000),
        "}".repeat(10_000)
    );
    let c = parse(&t, F);
    assert!(c.is_fatal());
    assert!(c.errors[0].message.contains("nesting depth"));
}

#[test]
fn bom_is_skipped_and_offsets_kept() {
    let t = "\u{feff}{\"icc\": false}";
    let c = parse(t, F);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.spec.origin, Origin::file(F, TextRange::new(3, 4)));
    assert_eq!(c.spec.icc, Some(Sp::new(false, at(t, "false", 0))));
    assert_eq!(c.spec.insert_at.unwrap().open_brace_end, 4);
}

#[test]
fn non_ascii_uses_byte_offsets() {
    let t = "{\"labels\": [\"équipe=données\"], \"data-root\": \"/srv/dockér\", \"log-opts\": {\"tag\": \"日本\"}}";
    let c = parse(t, F);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let dr = c.spec.data_root.clone().unwrap();
    assert_eq!(dr.value, "/srv/dockér");
    assert_eq!(dr.origin, at(t, "\"/srv/dockér\"", 0));
    assert_eq!(dr.origin.range().unwrap().slice(t), "\"/srv/dockér\"");
    let tag = c.spec.log_opt("tag").unwrap();
    assert_eq!(tag.value.origin.range().unwrap().slice(t), "\"日本\"");
    assert_eq!(
        c.spec.setting("log-opts").unwrap().key.origin,
        at(t, "\"log-opts\"", 0)
    );

    // An unknown non-ASCII key, and an escaped one.
    let t = "{\"dëbug\": true, \"\\u0069cc\": false}";
    let c = parse(t, F);
    assert_eq!(c.errors.len(), 1, "{:?}", c.errors);
    assert_eq!(c.errors[0].range.slice(t), "\"dëbug\"");
    assert!(c.errors[0].message.contains("did you mean `debug`?"));
    assert_eq!(c.spec.icc.as_ref().map(|b| b.value), Some(false));
}

#[test]
fn duplicate_keys() {
    let t = "{\n  \"icc\": true,\n  \"hosts\": [\"a\"],\n  \"icc\": false,\n  \"hosts\": [\"b\", \"c\"]\n}";
    let c = parse(t, F);
    assert_eq!(c.errors.len(), 2, "{:?}", c.errors);
    assert_eq!(c.errors[0].range, find(t, "\"icc\"", 1));
    assert_eq!(
        c.errors[0].message,
        "duplicate key `icc` (first at line 2); dockerd uses the last value and ignores the earlier one"
    );
    assert!(!c.errors[0].fatal);
    // Go keeps the last value.
    assert_eq!(c.spec.icc, Some(Sp::new(false, at(t, "false", 0))));
    assert_eq!(
        c.spec
            .hosts
            .iter()
            .map(|h| h.value.as_str())
            .collect::<Vec<_>>(),
        ["b", "c"]
    );
    assert_eq!(c.spec.settings.len(), 4);
}

#[test]
fn proxies_members() {
    let t = r#"{"proxies": {"http-proxy": "http://p:3128", "http_proxy": "x", "debug": true, "no-proxy": 1}}"#;
    let c = parse(t, F);
    let m = messages(&c);
    assert_eq!(
        m,
        vec![
            "unknown key `http_proxy` in `proxies`; dockerd refuses to start with unknown keys; did you mean `http-proxy`?",
            "`debug` has no effect inside `proxies`; dockerd ignores it",
            "`proxies.no-proxy` must be a string, not a number; dockerd refuses to start",
        ]
    );
}

#[test]
fn empty_default_ulimits_still_records_the_key() {
    let t = "{\"default-ulimits\": {}}";
    let c = parse(t, F);
    assert!(c.errors.is_empty());
    assert_eq!(
        c.spec.default_ulimits_key,
        Some(at(t, "\"default-ulimits\"", 0))
    );
    assert!(c.spec.default_ulimits.is_empty());
}

#[test]
fn every_known_key_parses_with_a_value_of_its_type() {
    let mut t = String::from("{\n");
    for (i, (k, kt)) in KNOWN_KEYS.iter().enumerate() {
        let v = match kt {
            KeyType::Bool => "true",
            KeyType::String => "\"x\"",
            KeyType::Int => "1",
            KeyType::StringArray => "[\"x\"]",
            KeyType::Object => "{}",
            KeyType::ObjectOfStrings => "{\"a\": \"b\"}",
            KeyType::Any => "[]",
        };
        let sep = if i + 1 == KNOWN_KEYS.len() { "" } else { "," };
        t.push_str(&format!("  \"{k}\": {v}{sep}\n"));
    }
    t.push('}');
    let c = parse(&t, F);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.spec.settings.len(), KNOWN_KEYS.len());
}

#[test]
fn many_keys_stay_fast() {
    // 20,000 unknown keys and 20,000 duplicates: linear work, one error each.
    let mut t = String::from("{");
    for i in 0..20_000 {
        t.push_str(&format!("\"unknown-key-{i}\": 1, \"icc\": true, "));
    }
    t.push_str("\"debug\": true}");
    let start = std::time::Instant::now();
    let c = parse(&t, F);
    assert_eq!(c.errors.len(), 20_000 + 19_999);
    assert_eq!(c.spec.debug.as_ref().map(|b| b.value), Some(true));
    // Generous even for an unoptimised build on a slow machine.
    assert!(start.elapsed().as_secs() < 20);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics_on_arbitrary_text(t in "\\PC{0,200}") {
        let c = parse(&t, F);
        for e in &c.errors {
            proptest::prop_assert!(e.range.end as usize <= t.len());
            proptest::prop_assert!(t.is_char_boundary(e.range.start as usize));
        }
    }

    #[test]
    fn never_panics_on_json_like_text(
        parts in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Just("{".to_string()),
                proptest::strategy::Just("}".to_string()),
                proptest::strategy::Just("[".to_string()),
                proptest::strategy::Just("]".to_string()),
                proptest::strategy::Just(",".to_string()),
                proptest::strategy::Just(":".to_string()),
                proptest::strategy::Just("\"icc\"".to_string()),
                proptest::strategy::Just("\"log-opts\"".to_string()),
                proptest::strategy::Just("\"default-ulimits\"".to_string()),
                proptest::strategy::Just("\"hosts\"".to_string()),
                proptest::strategy::Just("\"proxies\"".to_string()),
                proptest::strategy::Just("\"Hard\"".to_string()),
                proptest::strategy::Just("true".to_string()),
                proptest::strategy::Just("null".to_string()),
                proptest::strategy::Just("-1.5e3".to_string()),
                proptest::strategy::Just("0x1F".to_string()),
                proptest::strategy::Just("// c\n".to_string()),
                proptest::strategy::Just("/* c".to_string()),
                proptest::strategy::Just("'é'".to_string()),
                proptest::strategy::Just("\"\\u12".to_string()),
                proptest::strategy::Just("\u{feff}".to_string()),
                "[a-zé日\\\\\" ]{0,4}",
            ],
            0..40,
        )
    ) {
        let t: String = parts.concat();
        let c = parse(&t, F);
        for e in &c.errors {
            proptest::prop_assert!(e.range.end as usize <= t.len());
        }
        if !c.is_fatal() {
            for s in &c.spec.settings {
                let r = s.key.origin.range().unwrap();
                proptest::prop_assert!(r.end as usize <= t.len());
            }
        }
    }
}
