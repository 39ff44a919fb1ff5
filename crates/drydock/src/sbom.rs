//! `drydock sbom TARGET`: the package catalogue of an image as CycloneDX
//! 1.6 or SPDX 2.3 JSON.
//!
//! TARGET is a `docker save` archive, an OCI image layout (directory or
//! tar), a root filesystem directory, or, when no such path exists, an
//! image of the local daemon (streamed through the Engine API's image
//! export, never written to disk).

use std::io::{Read, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::ValueEnum;
use drydock_catalog::{Catalogue, Fact, FileRef};
use drydock_engine::{Engine, EngineAddress, Timeouts};
use drydock_image::{EntryMeta, ImageScan, Options, Platform, ProblemKind, Visitor};
use drydock_report::sbom::{SbomSubject, cyclonedx, spdx};
use futures_util::StreamExt;

#[derive(clap::Args, Debug)]
pub struct SbomArgs {
    /// A `docker save` archive, an OCI layout (directory or tar), a root
    /// filesystem directory, or an image of the local daemon (name or ID).
    target: String,
    #[arg(long, value_enum, default_value_t = SbomFormat::Cyclonedx)]
    format: SbomFormat,
    /// Write the SBOM to this file.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The image of a multi-platform index to read (`linux/arm64/v8`); default the host's.
    #[arg(long)]
    platform: Option<String>,
    /// Daemon address for an image of the daemon; default like the Docker CLI.
    #[arg(short = 'H', long)]
    host: Option<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SbomFormat {
    /// CycloneDX 1.6 JSON.
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
}

/// The catalogue as an image visitor: the files it wants, parsed while the
/// layers stream. A file that does not parse is kept as its reason.
struct CatalogVisitor;

impl Visitor for CatalogVisitor {
    type Fact = Result<Fact, String>;

    fn wants(&self, path: &str, entry: &EntryMeta) -> Option<u64> {
        drydock_catalog::wants(path, entry.size, entry.mode)
    }

    fn visit(&self, path: &str, _entry: &EntryMeta, data: &[u8]) -> Vec<Self::Fact> {
        match drydock_catalog::parse(path, data) {
            Ok(facts) => facts.into_iter().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        }
    }
}

/// An image's catalogue, with what could not be read.
pub struct Catalogued {
    pub catalogue: Catalogue,
    /// Problems of the image and package files that did not parse, each
    /// with whether it leaves the catalogue incomplete (an error) or not
    /// (a warning: a note, a file too large to examine, an unsupported
    /// format).
    pub notes: Vec<(bool, String)>,
    /// Something that matters could not be read (not only notes).
    pub incomplete: bool,
    pub repo_tags: Vec<String>,
    pub digest: Option<String>,
}

/// Catalogues what [`CatalogVisitor`] collected while the image was read.
pub fn catalogue(scan: ImageScan<Result<Fact, String>>) -> Catalogued {
    let mut notes = Vec::new();
    let mut incomplete = false;
    for p in &scan.problems {
        let error = !matches!(
            p.kind,
            ProblemKind::Note | ProblemKind::FileTooLarge | ProblemKind::Unsupported
        );
        incomplete |= error;
        notes.push((error, p.to_string()));
    }
    let mut facts = Vec::new();
    for (path, layer, fact) in scan.facts {
        match fact {
            Ok(f) => facts.push((
                FileRef {
                    path,
                    layer: Some(layer),
                },
                f,
            )),
            Err(e) => {
                incomplete = true;
                notes.push((true, format!("layer {layer}: {path}: {e}")));
            }
        }
    }
    Catalogued {
        catalogue: drydock_catalog::finish(facts),
        notes,
        incomplete,
        repo_tags: scan.manifest.repo_tags,
        digest: scan.manifest.config_digest,
    }
}

/// A `Read` over the chunks a task sends (the Engine API's image export).
struct ChannelReader {
    rx: mpsc::Receiver<Result<Vec<u8>, String>>,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.buf.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.buf = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(std::io::Error::other(e)),
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Streams `image` from the daemon's export endpoint into the reader.
fn read_from_daemon(
    host: Option<&str>,
    image: &str,
    opts: &Options,
) -> anyhow::Result<ImageScan<Result<Fact, String>>> {
    let env = |k: &str| std::env::var(k).ok();
    let address = EngineAddress::resolve(host, None, &env)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let engine = rt.block_on(Engine::connect(
        &address,
        Timeouts {
            connect: Duration::from_secs(5),
            call: Duration::from_secs(60),
        },
    ))?;
    // A few chunks in flight: the reader's pace bounds the memory.
    let (tx, rx) = mpsc::sync_channel::<Result<Vec<u8>, String>>(8);
    let name = image.to_string();
    let pump = std::thread::spawn(move || {
        rt.block_on(async {
            let mut stream = engine.docker().export_image(&name);
            while let Some(item) = stream.next().await {
                let msg = item
                    .map(|b| b.to_vec())
                    .map_err(|e| format!("exporting `{name}` from the daemon: {e}"));
                let stop = msg.is_err();
                if tx.send(msg).is_err() || stop {
                    break;
                }
            }
        });
    });
    let reader = ChannelReader {
        rx,
        buf: Vec::new(),
        pos: 0,
    };
    let scan = drydock_image::read_stream(reader, opts, &CatalogVisitor);
    let _ = pump.join();
    Ok(scan?)
}

fn now_rfc3339() -> String {
    rfc3339(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    )
}

/// `YYYY-MM-DDTHH:MM:SSZ` of seconds since the epoch (the civil date by
/// Howard Hinnant's days-from-civil inverse).
fn rfc3339(secs: u64) -> String {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

pub fn run(args: &SbomArgs) -> anyhow::Result<ExitCode> {
    let mut opts = Options::default();
    if let Some(p) = &args.platform {
        opts.platform = Some(p.parse::<Platform>().map_err(anyhow::Error::msg)?);
    }
    let path = PathBuf::from(&args.target);
    let scan = if path.exists() {
        drydock_image::read_path(&path, &opts, &CatalogVisitor).map_err(|e| anyhow::anyhow!("{e}"))
    } else {
        read_from_daemon(args.host.as_deref(), &args.target, &opts).map_err(|e| {
            anyhow::anyhow!(
                "{}: no such file, and the daemon could not export it: {e:#}",
                args.target
            )
        })
    };
    let scan = match scan {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "drydock: error: {e:#}");
            return Ok(ExitCode::from(2));
        }
    };
    let c = catalogue(scan);
    let created = now_rfc3339();
    let name = c
        .repo_tags
        .first()
        .cloned()
        .unwrap_or_else(|| args.target.clone());
    let subject = SbomSubject {
        name: &name,
        digest: c.digest.as_deref(),
        os: c.catalogue.os.as_ref(),
        packages: &c.catalogue.packages,
        created: &created,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let doc = match args.format {
        SbomFormat::Cyclonedx => cyclonedx(&subject),
        SbomFormat::Spdx => spdx(&subject),
    };
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    match &args.output {
        Some(p) => std::fs::write(p, text)?,
        None => anstream::stdout().lock().write_all(text.as_bytes())?,
    }
    let mut err = anstream::stderr().lock();
    for (error, n) in &c.notes {
        let level = if *error { "error" } else { "warning" };
        writeln!(err, "drydock: {level}: {}: {n}", args.target)?;
    }
    // A partial catalogue is still written, but the exit code says so.
    Ok(if c.incomplete {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::{now_rfc3339, rfc3339};

    #[test]
    fn civil_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let t = now_rfc3339();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z'), "{t}");
        assert_eq!(&t[10..11], "T");
    }
}
