//! Reads an image and prints what it found and how fast:
//!
//! ```text
//! cargo run --release -p drydock-image --example read -- IMAGE [--stream] [--platform os/arch[/variant]] [--visit all|catalog|none] [--sequential] [--list]
//! ```
//!
//! IMAGE: a `docker save` archive, an OCI layout (directory or tar) or a root
//! filesystem directory. `--stream` reads the file through `read_stream`
//! (as the Engine API export would be read). `--visit catalog` (default)
//! hands the visitor the files a package catalogue wants (dpkg/apk status,
//! os-release, Python/Node metadata); `all` every file up to 1 MiB.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use drydock_image::{EntryMeta, Options, Visitor, read_path, read_stream};

#[derive(Clone, Copy, PartialEq)]
enum Visit {
    All,
    Catalog,
    None,
}

struct Counting {
    visit: Visit,
    files: AtomicU64,
    bytes: AtomicU64,
}

impl Visitor for Counting {
    type Fact = u64;
    fn wants(&self, path: &str, _entry: &EntryMeta) -> Option<u64> {
        let wanted = match self.visit {
            Visit::All => true,
            Visit::None => false,
            Visit::Catalog => {
                path == "/var/lib/dpkg/status"
                    || path.starts_with("/var/lib/dpkg/status.d/")
                    || path == "/lib/apk/db/installed"
                    || path == "/etc/os-release"
                    || path == "/usr/lib/os-release"
                    || path.ends_with(".dist-info/METADATA")
                    || path.ends_with("/package.json")
            }
        };
        wanted.then_some(1 << 20)
    }
    fn visit(&self, _path: &str, _entry: &EntryMeta, data: &[u8]) -> Vec<u64> {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
        vec![data.len() as u64]
    }
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut path: Option<PathBuf> = None;
    let mut stream = false;
    let mut opts = Options::default();
    let mut visit = Visit::Catalog;
    let mut list = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--stream" => stream = true,
            "--list" => list = true,
            "--sequential" => opts.parallel = false,
            "--platform" => match args.next().map(|p| p.parse()) {
                Some(Ok(p)) => opts.platform = Some(p),
                _ => {
                    eprintln!("--platform needs os/arch[/variant]");
                    return ExitCode::from(2);
                }
            },
            "--visit" => {
                visit = match args.next().as_deref() {
                    Some("all") => Visit::All,
                    Some("catalog") => Visit::Catalog,
                    Some("none") => Visit::None,
                    _ => {
                        eprintln!("--visit all|catalog|none");
                        return ExitCode::from(2);
                    }
                }
            }
            _ if path.is_none() => path = Some(PathBuf::from(a)),
            _ => {
                eprintln!("unexpected argument {a}");
                return ExitCode::from(2);
            }
        }
    }
    let Some(path) = path else {
        eprintln!(
            "usage: read IMAGE [--stream] [--platform os/arch[/variant]] [--visit all|catalog|none] [--sequential]"
        );
        return ExitCode::from(2);
    };
    let visitor = Counting {
        visit,
        files: AtomicU64::new(0),
        bytes: AtomicU64::new(0),
    };
    let size = std::fs::metadata(&path)
        .map(|m| if m.is_file() { m.len() } else { 0 })
        .unwrap_or(0);
    let start = Instant::now();
    let result = if stream {
        match std::fs::File::open(&path) {
            Ok(f) => read_stream(
                std::io::BufReader::with_capacity(1 << 20, f),
                &opts,
                &visitor,
            ),
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                return ExitCode::from(1);
            }
        }
    } else {
        read_path(&path, &opts, &visitor)
    };
    let elapsed = start.elapsed();
    let scan = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let files = scan
        .fs
        .iter()
        .filter(|(_, e)| e.meta.kind == drydock_image::EntryKind::File)
        .count();
    let secs = elapsed.as_secs_f64();
    println!("format: {:?}", scan.format);
    println!("layers: {}", scan.layers.len());
    println!("entries: {} ({} regular files)", scan.fs.len(), files);
    println!(
        "visited: {} files, {} bytes; facts kept: {}",
        visitor.files.load(Ordering::Relaxed),
        visitor.bytes.load(Ordering::Relaxed),
        scan.facts.len()
    );
    let uncompressed: u64 = scan.layers.iter().map(|l| l.uncompressed_bytes).sum();
    println!("uncompressed: {} bytes", uncompressed);
    if list {
        for (p, e) in scan.fs.iter() {
            println!("  {:>2} {:o} {:?} {p}", e.layer, e.meta.mode, e.meta.kind);
        }
    }
    println!("problems: {}", scan.problems.len());
    for p in scan.problems.iter().take(20) {
        println!("  {p}");
    }
    if size > 0 {
        println!(
            "time: {:.3} s ({:.0} MB/s of the {:.1} MB archive)",
            secs,
            size as f64 / 1e6 / secs.max(1e-9),
            size as f64 / 1e6
        );
    } else {
        println!("time: {secs:.3} s");
    }
    ExitCode::SUCCESS
}
