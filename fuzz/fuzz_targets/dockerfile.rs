//! The Dockerfile parser, its conversion to ImageSpecs and every rule.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = drydock_core::FileId(0);
    let df = drydock_dockerfile::parse(text, file);
    for e in &df.errors {
        assert!(e.range.end as usize <= text.len());
    }
    let _ = drydock_dockerfile::image_specs(&df, text, &drydock_dockerfile::SpecOptions::default());
    let input = drydock_rules::Input {
        path: std::path::Path::new("Dockerfile"),
        display: "Dockerfile".into(),
        kind: drydock_core::FileKind::Dockerfile,
        text: text.into(),
    };
    let env = drydock_rules::LintEnv { fs: &drydock_core::fs::NoFs, env: &|_| None };
    let _ = drydock_rules::lint(&input, &drydock_rules::Settings::default(), &env);
});
