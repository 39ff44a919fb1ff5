//! The daemon.json parser and every daemon rule.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let cfg = drydock_daemon_config::parse(text, drydock_core::FileId(0));
    for e in &cfg.errors {
        assert!(e.range.end as usize <= text.len());
    }
    let input = drydock_rules::Input {
        path: std::path::Path::new("daemon.json"),
        display: "daemon.json".into(),
        kind: drydock_core::FileKind::DaemonJson,
        text: text.into(),
    };
    let env = drydock_rules::LintEnv { fs: &drydock_core::fs::NoFs, env: &|_| None };
    let _ = drydock_rules::lint(&input, &drydock_rules::Settings::default(), &env);
});
