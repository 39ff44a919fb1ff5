//! `drydock_image::read_stream` over arbitrary bytes, with small limits: never
//! panics, never hangs, never allocates without bound.
#![no_main]

use drydock_image::{EntryMeta, Options, Visitor};
use libfuzzer_sys::fuzz_target;

struct Everything;

impl Visitor for Everything {
    type Fact = usize;
    fn wants(&self, _path: &str, _entry: &EntryMeta) -> Option<u64> {
        Some(4096)
    }
    fn visit(&self, _path: &str, _entry: &EntryMeta, data: &[u8]) -> Vec<usize> {
        vec![data.len()]
    }
}

fuzz_target!(|data: &[u8]| {
    let opts = Options {
        max_layer_bytes: 4 << 20,
        max_total_bytes: 8 << 20,
        ratio_grace_bytes: 1 << 20,
        max_entries: 10_000,
        max_json_bytes: 64 << 10,
        max_file_bytes: 64 << 10,
        parallel: false,
        ..Options::default()
    };
    if let Ok(scan) = drydock_image::read_stream(data, &opts, &Everything) {
        for (path, _) in scan.fs.iter().take(64) {
            let _ = scan.fs.resolve(path);
        }
        for p in &scan.problems {
            assert!(!p.to_string().is_empty());
        }
    }
});
