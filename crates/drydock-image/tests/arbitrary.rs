//! Property tests: arbitrary bytes and mutated valid archives never panic,
//! through both the stream and the file reader.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use common::*;
use drydock_image::{Options, read_path, read_stream};
use proptest::prelude::*;

fn small_opts() -> Options {
    Options {
        max_layer_bytes: 1 << 20,
        max_total_bytes: 2 << 20,
        ratio_grace_bytes: 256 << 10,
        max_entries: 1000,
        max_json_bytes: 16 << 10,
        ..Options::default()
    }
}

fn valid_archive() -> Vec<u8> {
    let l0 = Layer::gz(layer(&[
        E::Dir("etc/"),
        E::File("etc/os-release", b"ID=x\n"),
        E::Symlink("l", "etc"),
    ]));
    let l1 = Layer::zst(layer(&[
        E::File("etc/.wh.os-release", b""),
        E::File("a", b"a"),
    ]));
    docker_save(&[&l0, &l1])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = read_stream(data.as_slice(), &small_opts(), &Collect::new());
    }

    #[test]
    fn mutated_archives_never_panic(flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), cut in any::<prop::sample::Index>()) {
        let mut data = valid_archive();
        for (i, b) in flips {
            let at = i.index(data.len());
            data[at] ^= b;
        }
        let keep = cut.index(data.len() + 1);
        let data = if keep > data.len() / 2 { &data[..keep] } else { &data[..] };
        let stream = read_stream(data, &small_opts(), &Collect::new());
        let f = temp_file(data);
        let file = read_path(f.path(), &small_opts(), &Collect::new());
        // Whatever happened, every fact is of a file in the final view.
        for scan in [stream, file].into_iter().flatten() {
            for (path, layer, _) in &scan.facts {
                let e = scan.fs.get(path).expect("fact of a path not in the view");
                prop_assert_eq!(e.layer, *layer);
            }
        }
    }
}
