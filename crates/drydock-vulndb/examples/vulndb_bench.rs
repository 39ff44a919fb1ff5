//! Bench of the on-disk database (run by `bench/vulndb.sh`):
//! `vulndb_bench DB INPUT_DIR` imports every `*/all.zip` under INPUT_DIR
//! into a fresh DB, then times `Db::open` and the lookups of
//! INPUT_DIR/pairs.tsv (ecosystem TAB name per line).
//! With `--no-import` it reuses an existing DB.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use drydock_version::Scheme;
use drydock_vulndb::index;
use drydock_vulndb::matcher::{Query, match_queries};
use drydock_vulndb::store::{Db, import};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vulndb_bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let no_import = args.iter().any(|a| a == "--no-import");
    args.retain(|a| a != "--no-import");
    let [db, dir] = args.as_slice() else {
        return Err("usage: vulndb_bench [--no-import] DB INPUT_DIR".into());
    };
    let db = PathBuf::from(db);
    let dir = PathBuf::from(dir);

    if !no_import {
        let mut zips: Vec<PathBuf> = std::fs::read_dir(&dir)?
            .filter_map(|e| e.ok().map(|e| e.path().join("all.zip")))
            .filter(|p| p.is_file())
            .collect();
        zips.sort();
        let _ = std::fs::remove_file(&db);
        let t = Instant::now();
        let report = import(&db, &zips, &|_| {})?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "import: {secs:.1} s for {} records from {} zips ({} stored, {} skipped)",
            report.read,
            zips.len(),
            report.records,
            report.skipped_total()
        );
    }
    let size = std::fs::metadata(&db)?.len();
    println!("size: {:.1} MB on disk", size as f64 / 1e6);

    // Open: the first (cold-ish) and the best of 20.
    let mut opens = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let d = Db::open(&db)?;
        opens.push(t.elapsed().as_secs_f64() * 1e3);
        drop(d);
    }
    let first = opens[0];
    opens.sort_by(f64::total_cmp);
    println!(
        "open: first {first:.2} ms, median {:.2} ms",
        opens[opens.len() / 2]
    );

    let pairs: Vec<(String, String)> = std::fs::read_to_string(dir.join("pairs.tsv"))?
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(e, n)| (e.to_string(), n.to_string()))
        .collect();
    let d = Db::open(&db)?;
    let st = d.status()?;
    println!(
        "status: {} records, {} withdrawn, {} ecosystems",
        st.records,
        st.withdrawn,
        st.per_ecosystem.len()
    );
    // The machine this runs on is shared and noisy: every measure is taken
    // ROUNDS times and reported as its best and its median.
    const ROUNDS: usize = 9;
    let timed = |label: &str, f: &mut dyn FnMut() -> Result<String, Box<dyn std::error::Error>>| {
        let mut ms = Vec::with_capacity(ROUNDS);
        let mut what = String::new();
        for _ in 0..ROUNDS {
            let t = Instant::now();
            what = f()?;
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        ms.sort_by(f64::total_cmp);
        println!(
            "{label}: best {:.1} ms, median {:.1} ms ({ROUNDS} rounds); {what}",
            ms[0],
            ms[ROUNDS / 2]
        );
        Ok::<(), Box<dyn std::error::Error>>(())
    };
    // Index reads alone: one compiled blob per package.
    timed("index reads, 10,000 packages", &mut || {
        let mut bytes = 0usize;
        for (e, n) in &pairs {
            bytes += d.index(e, n)?.map_or(0, |b| b.len());
        }
        Ok(format!(
            "{:.0} bytes per index",
            bytes as f64 / pairs.len().max(1) as f64
        ))
    })?;
    // Judging alone, on one core: the blobs already in memory.
    let blobs: Vec<(Scheme, Vec<u8>)> = pairs
        .iter()
        .filter_map(|(e, n)| Some((Scheme::of_ecosystem(e)?, d.index(e, n).ok()??)))
        .collect();
    timed("judge only, one core", &mut || {
        let (mut hits, mut records) = (0usize, 0usize);
        for (scheme, blob) in &blobs {
            let j = index::judge(blob, *scheme, "1.0.0")?;
            hits += j.hits.len();
            records += j.seen.len();
        }
        Ok(format!("{records} records judged, {hits} hits"))
    })?;
    // Matching as `drydock image --vulns` does it (`match_queries`: index
    // reads, judgement of every record, the reported matches with their
    // severities):
    // * "stress": every package is named by records (13.9 on average) and
    //   at 1.0.0 half of them match: far more than a real image;
    // * "mixed": the same packages at versions spread over the records'
    //   range, so that judgements are not one cached answer;
    // * "clean": 10,000 names no record mentions (most packages of a real
    //   image): the cost of asking;
    // * "typical": one package in five named by records (at the mixed
    //   versions), the others by none: still more advisories per package
    //   than a real image shows.
    let versions = [
        "1.0.0",
        "0.9.1",
        "2.3.4",
        "1.2.0",
        "3.0.0-rc.1",
        "0.1.0",
        "4.5.6",
    ];
    for (label, pick, listed_every) in [
        ("match stress", false, 0),
        ("match mixed", true, 0),
        ("match clean", false, 1),
        ("match typical", true, 5),
    ] {
        let queries: Vec<Vec<Query>> = pairs
            .iter()
            .enumerate()
            .map(|(i, (e, n))| {
                vec![Query {
                    ecosystem: e.clone(),
                    // 0: every package listed; 1: none; k: one in k.
                    name: if match listed_every {
                        0 => true,
                        1 => false,
                        k => i % k == 0,
                    } {
                        n.clone()
                    } else {
                        format!("{n}-unlisted-{i}")
                    },
                    version: if pick {
                        versions[i % versions.len()]
                    } else {
                        "1.0.0"
                    }
                    .to_string(),
                }]
            })
            .collect();
        timed(&format!("{label}, 10,000 packages"), &mut || {
            let report = match_queries(&d, &queries);
            Ok(format!(
                "{} matches, {} unknown, {} errors",
                report.matches.len(),
                report.unknown.len(),
                report.lookup_errors.len()
            ))
        })?;
    }
    Ok(())
}
