//! The package catalogue: `parse` never panics on any bytes for any path
//! kind it recognises, and `finish` accepts whatever `parse` returned. The
//! first byte selects the path, the rest is the file content.
#![no_main]

use drydock_catalog::{EXAMPLE_PATHS as PATHS, FileRef, finish, parse, wants};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, content)) = data.split_first() else {
        return;
    };
    let path = PATHS[usize::from(sel) % PATHS.len()];
    let _ = wants(path, content.len() as u64, 0o100755);
    if let Ok(facts) = parse(path, content) {
        let file = FileRef {
            path: path.to_string(),
            layer: Some(0),
        };
        let _ = finish(facts.into_iter().map(|f| (file.clone(), f)).collect());
    }
});
