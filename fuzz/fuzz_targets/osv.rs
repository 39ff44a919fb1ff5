//! OSV records: `Record::parse` never panics on any bytes, and for every
//! record it accepts, the compiled match index (`drydock_vulndb::index`)
//! judges each version the record names exactly as the record's own
//! `affected` entries do (a differential check), and never panics.
#![no_main]

use drydock_version::Scheme;
use drydock_vulndb::index;
use drydock_vulndb::osv::{Record, Verdict};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(rec) = Record::parse(data) else {
        return;
    };
    for a in &rec.affected {
        let Some(p) = &a.package else { continue };
        let Some(scheme) = Scheme::of_ecosystem(&p.ecosystem) else {
            continue;
        };
        let Some(blob) = index::build(&p.ecosystem, &p.name, &[(1, &rec)]) else {
            continue;
        };
        let mut versions: Vec<&str> = a.versions.iter().map(String::as_str).collect();
        for r in &a.ranges {
            for e in &r.events {
                for v in [&e.introduced, &e.fixed, &e.last_affected, &e.limit]
                    .into_iter()
                    .flatten()
                {
                    versions.push(v);
                }
            }
        }
        versions.push("1.0.0");
        for v in versions.into_iter().take(16) {
            let got = index::judge(&blob, scheme, v).expect("an index just built reads back");
            let want: Vec<Verdict> = if rec.withdrawn.is_some() {
                Vec::new()
            } else {
                rec.affected
                    .iter()
                    .filter(|x| {
                        x.package.as_ref().is_some_and(|q| {
                            q.ecosystem == p.ecosystem
                                && drydock_vulndb::matcher::normalise_name(&q.ecosystem, &q.name)
                                    == drydock_vulndb::matcher::normalise_name(
                                        &p.ecosystem,
                                        &p.name,
                                    )
                        })
                    })
                    .map(|x| x.judge(scheme, v))
                    .collect()
            };
            let got: Vec<Verdict> = got.hits.into_iter().flat_map(|h| h.verdicts).collect();
            if want.iter().any(|w| !matches!(w, Verdict::NotAffected)) {
                assert_eq!(got, want, "{} {} at {v}", p.ecosystem, p.name);
            } else {
                assert!(got.is_empty(), "{} {} at {v}: {got:?}", p.ecosystem, p.name);
            }
        }
    }
});
