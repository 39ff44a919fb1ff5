//! `docker run` and `docker exec` lines in scripts, Makefiles, CI YAML and Markdown: no
//! panic, and every range lies within the input.
#![no_main]

use drydock_runline::{SourceKind, extract};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for kind in [
        SourceKind::Script,
        SourceKind::Makefile,
        SourceKind::GithubWorkflow,
        SourceKind::GitlabCi,
        SourceKind::Markdown,
    ] {
        let ex = extract(text, drydock_core::FileId(0), kind);
        for line in &ex.lines {
            let spec = &line.spec;
            let origins = [&line.origin, &spec.origin]
                .into_iter()
                .chain(spec.privileged.iter().map(|p| &p.origin))
                .chain(spec.mounts.iter().map(|m| &m.origin))
                .chain(spec.ports.iter().map(|p| &p.origin))
                .chain(spec.unknown.iter().map(|u| &u.origin));
            for o in origins {
                if let Some(r) = o.range() {
                    assert!(r.start <= r.end && r.end as usize <= text.len());
                }
            }
        }
        // `docker exec` lines.
        for line in &ex.execs {
            let spec = &line.spec;
            let origins = [&line.origin, &spec.origin]
                .into_iter()
                .chain(spec.privileged.iter().map(|p| &p.origin))
                .chain(spec.user.iter().map(|u| &u.origin))
                .chain(spec.container.iter().map(|c| &c.origin))
                .chain(spec.command.iter().map(|c| &c.origin))
                .chain(spec.unknown.iter().map(|u| &u.origin));
            for o in origins {
                if let Some(r) = o.range() {
                    assert!(r.start <= r.end && r.end as usize <= text.len());
                }
            }
        }
    }
});
