//! IMG053 and IMG054: the format of `EXPOSE` entries.

use drydock_core::spec::{ImageSpec, StepKind};
use drydock_core::{Fix, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::util::replace;

declare_rule! {
    /// ## What it does
    /// Reports an `EXPOSE` entry that is not `port`, `port/protocol` or
    /// `start-end/protocol` with ports from 0 to 65535 and a protocol
    /// `tcp`, `udp` or `sctp`: a port out of range, a name, a host-port
    /// mapping (`8080:80`) or an IP address.
    ///
    /// ## Why is this bad?
    /// The build fails on some of these, and the others do not mean what
    /// the author thinks: `EXPOSE` cannot publish a port or bind it to an
    /// address (only `docker run -p` can), so `EXPOSE 8080:80` documents a
    /// port that does not exist.
    ///
    /// ## Example
    /// ```dockerfile
    /// EXPOSE 80000
    /// EXPOSE 8080:80
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// EXPOSE 8080
    /// ```
    ///
    /// ## How to fix
    /// Expose the container port alone; publish it with `-p` or Compose
    /// `ports:`.
    pub struct ExposeInvalidPort {
        id: "IMG053",
        name: "expose-invalid-port",
        title: "EXPOSE entry out of range or malformed",
        severity: High,
        category: Network,
        references: ["concern:53", "hadolint:DL3011", "trivy:DS008", "kics:unix-ports-out-of-range", "buildkit:ExposeInvalidFormat"],
        fix: None,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports an `EXPOSE` protocol not written in lower case
    /// (`EXPOSE 53/UDP`).
    ///
    /// ## Why is this bad?
    /// Docker lower-cases the protocol, but other tools reading the
    /// Dockerfile or the image configuration may not; lower case is the
    /// documented form.
    ///
    /// ## Example
    /// ```dockerfile
    /// EXPOSE 53/UDP
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// EXPOSE 53/udp
    /// ```
    ///
    /// ## How to fix
    /// Write the protocol in lower case.
    ///
    /// ## Fix
    /// Lower-cases the protocol. Safe: Docker already treats it so.
    pub struct ExposeProtoCasing {
        id: "IMG054",
        name: "expose-protocol-casing",
        title: "EXPOSE protocol not in lower case",
        severity: Info,
        category: BestPractice,
        references: ["concern:53", "buildkit:ExposeProtoCasing"],
        fix: Safe,
    }
}

fn port(s: &str) -> Result<u32, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{s}` is not a port number"));
    }
    match s.parse::<u32>() {
        Ok(n) if n <= 65535 => Ok(n),
        _ => Err(format!("port {s} is out of range (0-65535)")),
    }
}

/// Why an entry is invalid, or `None` when it is valid.
pub(crate) fn expose_problem(entry: &str) -> Option<String> {
    let (ports, proto) = match entry.rsplit_once('/') {
        Some((p, proto)) => (p, Some(proto)),
        None => (entry, None),
    };
    if ports.contains(':') {
        return Some(
            "`EXPOSE` takes a container port, not an address or a host-port mapping".to_string(),
        );
    }
    if let Some(proto) = proto
        && !["tcp", "udp", "sctp"].contains(&proto.to_ascii_lowercase().as_str())
    {
        return Some(format!(
            "unknown protocol `{proto}` (`tcp`, `udp` or `sctp`)"
        ));
    }
    let result = match ports.split_once('-') {
        Some((a, b)) => port(a).and_then(|a| {
            port(b).and_then(|b| {
                if a <= b {
                    Ok(())
                } else {
                    Err(format!("range {ports} is reversed"))
                }
            })
        }),
        None => port(ports).map(|_| ()),
    };
    result.err()
}

impl Rule for ExposeInvalidPort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            let StepKind::Expose(entries) = &step.kind else {
                continue;
            };
            for e in entries {
                let v = e.value.trim_matches(['"', '\'']);
                if v.is_empty() || v.contains('$') {
                    continue;
                }
                if let Some(problem) = expose_problem(v) {
                    cx.report(&e.origin, format!("`EXPOSE {v}`: {problem}"));
                }
            }
        }
    }
}

impl Rule for ExposeProtoCasing {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            let StepKind::Expose(entries) = &step.kind else {
                continue;
            };
            for e in entries {
                let Some((_, proto)) = e.value.rsplit_once('/') else {
                    continue;
                };
                let lower = proto.to_ascii_lowercase();
                if lower == proto || !["tcp", "udp", "sctp"].contains(&lower.as_str()) {
                    continue;
                }
                let raw = cx.text_of(&e.origin);
                let f = cx.report(
                    &e.origin,
                    format!("protocol `{proto}` should be written `{lower}`"),
                );
                // Only when the word as written is this entry alone.
                if raw == e.value
                    && let Some((ports, _)) = raw.rsplit_once('/')
                    && let Some(edit) = replace(&e.origin, format!("{ports}/{lower}"))
                {
                    f.set_fix(Fix::safe("Lower-case the protocol", vec![edit]));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::expose_problem;

    #[test]
    fn entries() {
        for ok in [
            "80",
            "80/tcp",
            "53/UDP",
            "0",
            "65535",
            "8000-8010/tcp",
            "9/sctp",
        ] {
            assert_eq!(expose_problem(ok), None, "{ok}");
        }
        for bad in [
            "65536",
            "80/http",
            "8080:80",
            "127.0.0.1:80:80",
            "http",
            "10-5",
            "-1",
            "",
        ] {
            assert!(expose_problem(bad).is_some(), "{bad}");
        }
    }
}
