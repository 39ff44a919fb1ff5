//! Catalogue files of the local filesystem as if they were in an image:
//! `cargo run -p drydock-catalog --example catalog_files -- /var/lib/dpkg/status /usr/bin/docker`.
//! Prints one line per package (type, name, version, purl) and the OS.

use drydock_catalog::{FileRef, finish, parse, wants};

fn main() {
    let mut facts = Vec::new();
    for path in std::env::args().skip(1) {
        let Ok(meta) = std::fs::metadata(&path) else {
            eprintln!("{path}: cannot stat");
            continue;
        };
        use std::os::unix::fs::PermissionsExt;
        let Some(cap) = wants(&path, meta.len(), meta.permissions().mode()) else {
            eprintln!("{path}: not wanted by the catalogue");
            continue;
        };
        if meta.len() > cap {
            eprintln!("{path}: {} bytes, over the cap of {cap}", meta.len());
            continue;
        }
        let data = match std::fs::read(&path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        match parse(&path, &data) {
            Ok(f) => facts.extend(f.into_iter().map(|f| {
                (
                    FileRef {
                        path: path.clone(),
                        layer: None,
                    },
                    f,
                )
            })),
            Err(e) => eprintln!("{e}"),
        }
    }
    let cat = finish(facts);
    if let Some(os) = &cat.os {
        println!("os\t{:?}\t{:?}\t{:?}", os.id, os.version_id, os.pretty_name);
    }
    for p in &cat.packages {
        println!(
            "{}\t{}\t{}\t{}",
            p.kind.syft_type(),
            p.name,
            p.version,
            p.purl
        );
    }
}
