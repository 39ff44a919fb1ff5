//! The shell parser (tree-sitter-bash → commands).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let map = drydock_shell::OffsetMap::identity(0);
    let script = drydock_shell::parse_script(text, drydock_core::FileId(0), &map);
    for c in &script.commands {
        if let Some(r) = c.origin.range() {
            assert!(r.end as usize <= text.len());
        }
    }
});
