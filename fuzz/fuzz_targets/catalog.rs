//! The package catalogue: `parse` never panics on any bytes for any path
//! kind it recognises, and `finish` accepts whatever `parse` returned. The
//! first byte selects the path, the rest is the file content.
#![no_main]

use drydock_catalog::{FileRef, finish, parse, wants};
use libfuzzer_sys::fuzz_target;

const PATHS: &[&str] = &[
    "/etc/os-release",
    "/etc/alpine-release",
    "/etc/debian_version",
    "/etc/redhat-release",
    "/etc/lsb-release",
    "/var/lib/dpkg/status",
    "/var/lib/dpkg/status.d/libc6",
    "/usr/share/doc/bash/copyright",
    "/lib/apk/db/installed",
    "/var/lib/rpm/rpmdb.sqlite",
    "/var/lib/rpm/Packages",
    "/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA",
    "/usr/lib/python3/site-packages/x-1.0.egg-info",
    "/app/node_modules/x/package.json",
    "/app/package-lock.json",
    "/usr/local/bundle/specifications/x-1.0.gemspec",
    "/app/vendor/composer/installed.json",
    "/app/x-1.0.jar",
    "/usr/local/bin/tool",
];

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
