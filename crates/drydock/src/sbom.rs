//! `drydock sbom TARGET`: the package catalogue of an image as CycloneDX
//! 1.6 or SPDX 2.3 JSON.
//!
//! TARGET is a `docker save` archive, an OCI image layout (directory or
//! tar), a root filesystem directory, or, when no such path exists, an
//! image of the local daemon (streamed through the Engine API's image
//! export, never written to disk).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;
use drydock_image::{Options, Platform};
use drydock_imagespec::{Built, ImageVisitor, Wants};
use drydock_report::sbom::{SbomSubject, cyclonedx, spdx};

use crate::image_source;

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

fn now_rfc3339() -> String {
    drydock_core::time::format_rfc3339(crate::clock::now_i64())
}

pub fn run(args: &SbomArgs) -> anyhow::Result<ExitCode> {
    let mut opts = Options::default();
    if let Some(p) = &args.platform {
        opts.platform = Some(p.parse::<Platform>().map_err(anyhow::Error::msg)?);
    }
    let visitor = ImageVisitor {
        wants: Wants::NOTHING,
        catalog: true,
    };
    let built = match image_source::read(&args.target, args.host.as_deref(), &opts, &visitor) {
        Ok(b) => b,
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "drydock: error: {e:#}");
            return Ok(ExitCode::from(2));
        }
    };
    let text = sbom_text(&built, args.format, &[])?;
    match &args.output {
        Some(p) => std::fs::write(p, text)?,
        None => anstream::stdout().lock().write_all(text.as_bytes())?,
    }
    report_notes(&args.target, &built)?;
    // A partial catalogue is still written, but the exit code says so.
    Ok(if built.incomplete() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// The SBOM of an assembled image, as pretty JSON with a final newline.
pub fn sbom_text(
    built: &Built,
    format: SbomFormat,
    vulnerabilities: &[drydock_report::VulnerabilityRow],
) -> anyhow::Result<String> {
    let created = now_rfc3339();
    let subject = SbomSubject {
        name: &built.info.name,
        digest: built.info.id.as_deref(),
        os: built.catalogue.os.as_ref(),
        packages: &built.catalogue.packages,
        created: &created,
        tool_version: env!("CARGO_PKG_VERSION"),
        vulnerabilities,
    };
    let doc = match format {
        SbomFormat::Cyclonedx => cyclonedx(&subject),
        SbomFormat::Spdx => spdx(&subject),
    };
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    Ok(text)
}

/// What could not be read, on standard error (`error` when it leaves the
/// result incomplete, else `warning`).
pub fn report_notes(target: &str, built: &Built) -> std::io::Result<()> {
    let mut err = anstream::stderr().lock();
    for n in &built.notes {
        let level = if n.error { "error" } else { "warning" };
        writeln!(err, "drydock: {level}: {target}: {}", n.message)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::now_rfc3339;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        let t = now_rfc3339();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z'), "{t}");
        assert_eq!(&t[10..11], "T");
    }
}
