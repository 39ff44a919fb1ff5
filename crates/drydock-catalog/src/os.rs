//! OS detection: `/etc/os-release` (and `/usr/lib/os-release`), with the
//! fallbacks Syft and Trivy use: `/etc/alpine-release`, `/etc/debian_version`,
//! `/etc/redhat-release` (and centos/fedora/system-release), `/etc/lsb-release`.

use drydock_core::package::OsRelease;

/// Which source wins when several are present (lower is better).
pub(crate) fn rank(path: &str) -> u8 {
    match path {
        "/etc/os-release" => 0,
        "/usr/lib/os-release" => 1,
        "/etc/lsb-release" => 2,
        "/etc/alpine-release" => 3,
        "/etc/redhat-release" => 4,
        "/etc/debian_version" => 6,
        _ => 5,
    }
}

/// Two facts from the same source rank: later fields fill earlier gaps.
pub(crate) fn merge(into: &mut OsRelease, o: OsRelease) {
    fill_missing(into, o);
}

pub(crate) fn fill_missing(best: &mut OsRelease, o: OsRelease) {
    if best.id.is_none() {
        best.id = o.id.clone();
    }
    // Only take versions from a fallback describing the same OS.
    if best.id == o.id {
        if best.version_id.is_none() {
            best.version_id = o.version_id;
        }
        if best.version_codename.is_none() {
            best.version_codename = o.version_codename;
        }
    }
    if best.pretty_name.is_none() {
        best.pretty_name = o.pretty_name;
    }
    if best.id_like.is_empty() {
        best.id_like = o.id_like;
    }
}

/// Parse a shell-style `KEY=value` file (os-release(5) / lsb-release): values
/// may be double- or single-quoted with backslash escapes in double quotes.
fn key_values(data: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            continue;
        }
        out.push((k.to_string(), unquote(v.trim())));
    }
    out
}

fn unquote(v: &str) -> String {
    let bytes = v.as_bytes();
    if bytes.len() >= 2 && bytes[0] == b'\'' && bytes[bytes.len() - 1] == b'\'' {
        return v[1..v.len() - 1].to_string();
    }
    if bytes.len() >= 2 && bytes[0] == b'"' && bytes[bytes.len() - 1] == b'"' {
        let inner = &v[1..v.len() - 1];
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else {
                out.push(c);
            }
        }
        return out;
    }
    // Unquoted: strip a trailing comment.
    v.split(" #").next().unwrap_or(v).trim().to_string()
}

fn nonempty(s: String) -> Option<String> {
    if s.is_empty() { None } else { Some(s) }
}

pub(crate) fn parse_os_release(data: &[u8]) -> Result<OsRelease, String> {
    let mut o = OsRelease::default();
    let mut any = false;
    for (k, v) in key_values(data) {
        any = true;
        match k.as_str() {
            "ID" => o.id = nonempty(v.to_ascii_lowercase()),
            "VERSION_ID" => o.version_id = nonempty(v),
            "VERSION_CODENAME" => o.version_codename = nonempty(v),
            "PRETTY_NAME" => o.pretty_name = nonempty(v),
            "ID_LIKE" => o.id_like = v.split_whitespace().map(str::to_ascii_lowercase).collect(),
            _ => {}
        }
    }
    if !any {
        return Err("no KEY=value lines in os-release".into());
    }
    // os-release(5): ID defaults to "linux".
    if o.id.is_none() {
        o.id = Some("linux".into());
    }
    Ok(o)
}

fn first_line(data: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(data);
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

pub(crate) fn alpine_release(data: &[u8]) -> Option<OsRelease> {
    let v = first_line(data)?;
    Some(OsRelease {
        id: Some("alpine".into()),
        pretty_name: Some(format!("Alpine Linux v{v}")),
        version_id: Some(v),
        ..OsRelease::default()
    })
}

/// `/etc/debian_version`: `12.5` (stable: VERSION_ID is the major) or
/// `trixie/sid` (testing: a codename, no version).
pub(crate) fn debian_version(data: &[u8]) -> Option<OsRelease> {
    let v = first_line(data)?;
    let mut o = OsRelease {
        id: Some("debian".into()),
        ..OsRelease::default()
    };
    if v.starts_with(|c: char| c.is_ascii_digit()) {
        o.version_id = v.split('.').next().map(str::to_string);
    } else {
        o.version_codename = v.split('/').next().map(str::to_string);
    }
    o.pretty_name = Some(format!("Debian GNU/Linux {v}"));
    Some(o)
}

/// `/etc/redhat-release`: `Red Hat Enterprise Linux release 9.3 (Plow)`,
/// `CentOS Linux release 7.9.2009 (Core)`, `Fedora release 39 (Thirty Nine)`,
/// `Rocky Linux release 9.3 (Blue Onyx)`, `AlmaLinux release 9.3 (…)`.
pub(crate) fn redhat_release(data: &[u8]) -> Option<OsRelease> {
    let line = first_line(data)?;
    let lower = line.to_ascii_lowercase();
    let id = if lower.starts_with("red hat") {
        "rhel"
    } else if lower.starts_with("centos") {
        "centos"
    } else if lower.starts_with("fedora") {
        "fedora"
    } else if lower.starts_with("rocky") {
        "rocky"
    } else if lower.starts_with("almalinux") {
        "almalinux"
    } else if lower.starts_with("oracle") {
        "ol"
    } else if lower.starts_with("amazon") {
        "amzn"
    } else {
        return None;
    };
    let version = lower
        .split_once(" release ")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .map(str::to_string);
    // CentOS 7.9.2009 → VERSION_ID 7 (as in its os-release); others keep major.minor.
    let version = version.map(|v| {
        if id == "centos" {
            v.split('.').next().unwrap_or(&v).to_string()
        } else {
            v
        }
    });
    Some(OsRelease {
        id: Some(id.into()),
        version_id: version,
        pretty_name: Some(line),
        ..OsRelease::default()
    })
}

pub(crate) fn lsb_release(data: &[u8]) -> Option<OsRelease> {
    let mut o = OsRelease::default();
    for (k, v) in key_values(data) {
        match k.as_str() {
            "DISTRIB_ID" => o.id = nonempty(v.to_ascii_lowercase()),
            "DISTRIB_RELEASE" => o.version_id = nonempty(v),
            "DISTRIB_CODENAME" => o.version_codename = nonempty(v),
            "DISTRIB_DESCRIPTION" => o.pretty_name = nonempty(v),
            _ => {}
        }
    }
    o.id.is_some().then_some(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN12: &str = r#"PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
"#;

    const ALPINE: &str = "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"Alpine Linux v3.19\"\nHOME_URL=\"https://alpinelinux.org/\"\nBUG_REPORT_URL=\"https://gitlab.alpinelinux.org/alpine/aports/-/issues\"\n";

    const UBI9: &str = r#"NAME="Red Hat Enterprise Linux"
VERSION="9.3 (Plow)"
ID="rhel"
ID_LIKE="fedora"
VERSION_ID="9.3"
PLATFORM_ID="platform:el9"
PRETTY_NAME="Red Hat Enterprise Linux 9.3 (Plow)"
ANSI_COLOR="0;31"
LOGO="fedora-logo-icon"
CPE_NAME="cpe:/o:redhat:enterprise_linux:9::baseos"
"#;

    const UBUNTU: &str = "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n";

    // Distroless (gcr.io/distroless/static-debian12) ships Debian's os-release.
    const DISTROLESS: &str = "PRETTY_NAME=\"Distroless\"\nNAME=\"Debian GNU/Linux\"\nID=\"debian\"\nVERSION_ID=\"12\"\nVERSION=\"Debian GNU/Linux 12 (bookworm)\"\nHOME_URL=\"https://github.com/GoogleContainerTools/distroless\"\n";

    #[test]
    fn os_release_variants() {
        let d = parse_os_release(DEBIAN12.as_bytes()).unwrap();
        assert_eq!(d.id.as_deref(), Some("debian"));
        assert_eq!(d.version_id.as_deref(), Some("12"));
        assert_eq!(d.version_codename.as_deref(), Some("bookworm"));
        assert_eq!(
            d.pretty_name.as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(d.distro_qualifier().as_deref(), Some("debian-12"));

        let a = parse_os_release(ALPINE.as_bytes()).unwrap();
        assert_eq!(a.distro_qualifier().as_deref(), Some("alpine-3.19.1"));

        let r = parse_os_release(UBI9.as_bytes()).unwrap();
        assert_eq!(r.id.as_deref(), Some("rhel"));
        assert_eq!(r.id_like, vec!["fedora".to_string()]);
        assert_eq!(r.version_id.as_deref(), Some("9.3"));

        let u = parse_os_release(UBUNTU.as_bytes()).unwrap();
        assert_eq!(u.id_like, vec!["debian".to_string()]);
        assert_eq!(u.version_codename.as_deref(), Some("jammy"));

        let dl = parse_os_release(DISTROLESS.as_bytes()).unwrap();
        assert_eq!(dl.id.as_deref(), Some("debian"));
        assert_eq!(dl.pretty_name.as_deref(), Some("Distroless"));

        assert!(parse_os_release(b"\n# nothing\n").is_err());
        let escaped =
            parse_os_release(b"ID=x\nPRETTY_NAME=\"a \\\"b\\\" c\"\nVERSION_ID='1.0'\n").unwrap();
        assert_eq!(escaped.pretty_name.as_deref(), Some("a \"b\" c"));
        assert_eq!(escaped.version_id.as_deref(), Some("1.0"));
        assert_eq!(
            parse_os_release(b"NAME=Foo\n").unwrap().id.as_deref(),
            Some("linux")
        );
    }

    #[test]
    fn fallbacks() {
        let a = alpine_release(b"3.19.1\n").unwrap();
        assert_eq!(a.distro_qualifier().as_deref(), Some("alpine-3.19.1"));
        let d = debian_version(b"12.5\n").unwrap();
        assert_eq!(d.distro_qualifier().as_deref(), Some("debian-12"));
        let t = debian_version(b"trixie/sid\n").unwrap();
        assert_eq!(t.version_codename.as_deref(), Some("trixie"));
        assert_eq!(t.version_id, None);
        let r = redhat_release(b"Red Hat Enterprise Linux release 8.9 (Ootpa)\n").unwrap();
        assert_eq!(r.distro_qualifier().as_deref(), Some("rhel-8.9"));
        let c = redhat_release(b"CentOS Linux release 7.9.2009 (Core)\n").unwrap();
        assert_eq!(c.distro_qualifier().as_deref(), Some("centos-7"));
        assert!(redhat_release(b"something else\n").is_none());
        let l = lsb_release(
            b"DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION=\"Ubuntu 22.04.4 LTS\"\n",
        )
        .unwrap();
        assert_eq!(l.distro_qualifier().as_deref(), Some("ubuntu-22.04"));
        assert!(lsb_release(b"").is_none());
    }

    #[test]
    fn fill_from_fallback_only_same_os() {
        let mut best = OsRelease {
            id: Some("debian".into()),
            ..OsRelease::default()
        };
        fill_missing(&mut best, debian_version(b"12.5").unwrap());
        assert_eq!(best.version_id.as_deref(), Some("12"));
        let mut best = OsRelease {
            id: Some("ubuntu".into()),
            ..OsRelease::default()
        };
        fill_missing(&mut best, debian_version(b"bookworm/sid").unwrap());
        assert_eq!(best.version_codename, None);
    }
}
