//! Bench of the on-disk database (run by `bench/vulndb.sh`):
//! `vulndb_bench DB INPUT_DIR` imports every `*/all.zip` under INPUT_DIR
//! into a fresh DB, then times `Db::open` and the lookups of
//! INPUT_DIR/pairs.tsv (ecosystem TAB name per line).
//! With `--no-import` it reuses an existing DB.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

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
    for round in 0..3 {
        let t = Instant::now();
        let mut found = 0usize;
        let mut empty = 0usize;
        for (e, n) in &pairs {
            let r = d.lookup(e, n)?;
            if r.is_empty() {
                empty += 1;
            }
            found += r.len();
        }
        let ms = t.elapsed().as_secs_f64() * 1e3;
        println!(
            "lookups (round {}): {} in {ms:.1} ms, {found} records returned ({:.1} per lookup), {empty} empty",
            round + 1,
            pairs.len(),
            found as f64 / pairs.len().max(1) as f64
        );
    }
    // Index reads alone: one compiled blob per package.
    for round in 0..3 {
        let t = Instant::now();
        let mut bytes = 0usize;
        for (e, n) in &pairs {
            bytes += d.index(e, n)?.map_or(0, |b| b.len());
        }
        println!(
            "index reads (round {}): {} in {:.1} ms, {:.0} bytes per package",
            round + 1,
            pairs.len(),
            t.elapsed().as_secs_f64() * 1e3,
            bytes as f64 / pairs.len().max(1) as f64
        );
    }
    // Matching as `drydock image --vulns` does it (`match_queries`: index
    // read, judgement of every record, the reported matches with their
    // severities). Each package at version 1.0.0 (valid in every scheme
    // here), then at a version per package drawn from the records'
    // own versions ("mixed"), so that the judgement is not one cached answer.
    let versions = [
        "1.0.0",
        "0.9.1",
        "2.3.4",
        "1.2.0",
        "3.0.0-rc.1",
        "0.1.0",
        "4.5.6",
    ];
    for (label, pick) in [("1.0.0", false), ("mixed", true)] {
        let queries: Vec<Vec<Query>> = pairs
            .iter()
            .enumerate()
            .map(|(i, (e, n))| {
                vec![Query {
                    ecosystem: e.clone(),
                    name: n.clone(),
                    version: if pick {
                        versions[i % versions.len()]
                    } else {
                        "1.0.0"
                    }
                    .to_string(),
                }]
            })
            .collect();
        for round in 0..3 {
            let t = Instant::now();
            let report = match_queries(&d, &queries);
            println!(
                "match {label} (round {}): {} packages in {:.1} ms, {} matches, {} unknown, {} errors",
                round + 1,
                pairs.len(),
                t.elapsed().as_secs_f64() * 1e3,
                report.matches.len(),
                report.unknown.len(),
                report.lookup_errors.len()
            );
        }
    }
    Ok(())
}
