//! The Compose loader (YAML, anchors, merge keys, interpolation) and every rule.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let input = drydock_rules::Input {
        path: std::path::Path::new("compose.yaml"),
        display: "compose.yaml".into(),
        kind: drydock_core::FileKind::Compose,
        text: text.into(),
    };
    let fs = drydock_core::fs::MemoryFs::new().with("other.yml", "services:\n  base:\n    image: x\n    privileged: true\n");
    let env = drydock_rules::LintEnv { fs: &fs, env: &|_| None };
    let _ = drydock_rules::lint(&input, &drydock_rules::Settings::default(), &env);
});
