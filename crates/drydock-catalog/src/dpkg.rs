//! dpkg: `/var/lib/dpkg/status` (deb822 stanzas), distroless
//! `/var/lib/dpkg/status.d/*` (one or more stanzas per file, usually without
//! `Status:`), and licences from `/usr/share/doc/<pkg>/copyright` as Syft
//! reads them (the first word of `License:` fields and
//! `/usr/share/common-licenses/<name>` references).
//!
//! Which stanzas count as installed follows Syft 1.18 rather than only
//! `install ok installed`: Syft drops stanzas whose `Status:` contains
//! `deinstall` (removed, config files left); this also drops `purge` and the
//! `not-installed`/`config-files` states (no files on disk) but keeps
//! `half-installed`, `unpacked`, `half-configured` and `triggers-*`, whose
//! files are on disk. On an image where dpkg finished cleanly the two rules
//! agree.

use drydock_core::package::{Package, PackageKind};

use crate::Fact;

/// Stanza count cap (a status file with more is not a real one).
const MAX_STANZAS: usize = 200_000;

/// One deb822 stanza: (field, value) with continuation lines joined by `\n`.
pub(crate) fn stanzas(text: &str) -> Vec<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut cur: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
                if out.len() >= MAX_STANZAS {
                    return out;
                }
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = cur.last_mut() {
                v.push('\n');
                v.push_str(line.trim());
            }
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            cur.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn field<'a>(st: &'a [(String, String)], name: &str) -> Option<&'a str> {
    st.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// `foo (1.2-3)` → (`foo`, Some(`1.2-3`)); `foo` → (`foo`, None).
pub(crate) fn parse_source(s: &str) -> (String, Option<String>) {
    match s.split_once('(') {
        Some((name, rest)) => {
            let ver = rest.trim_end().trim_end_matches(')').trim();
            (
                name.trim().to_string(),
                (!ver.is_empty()).then(|| ver.to_string()),
            )
        }
        None => (s.trim().to_string(), None),
    }
}

pub(crate) fn parse_status(path: &str, data: &[u8]) -> Result<Vec<Package>, String> {
    let text =
        std::str::from_utf8(data).map_err(|e| format!("not UTF-8 at byte {}", e.valid_up_to()))?;
    let mut out = Vec::new();
    let all = stanzas(text);
    let mut named = 0usize;
    for st in &all {
        // Syft skips stanzas without a Package field.
        let Some(name) = field(st, "Package") else {
            continue;
        };
        named += 1;
        if let Some(status) = field(st, "Status") {
            // `want flag status`: `install ok installed`, `deinstall ok config-files`, …
            let mut words = status.split_whitespace();
            let want = words.next().unwrap_or("");
            let state = words.nth(1).unwrap_or("");
            if matches!(want, "deinstall" | "purge")
                || matches!(state, "not-installed" | "config-files")
            {
                continue;
            }
        }
        // A stanza without Version is kept with an empty version (as Syft does).
        let version = field(st, "Version").unwrap_or("");
        let mut p = Package::new(PackageKind::Deb, name, version, path);
        p.arch = field(st, "Architecture").map(str::to_string);
        if let Some(src) = field(st, "Source") {
            let (sname, sver) = parse_source(src);
            if !sname.is_empty() {
                p.source = Some((sname, sver));
            }
        }
        p.purl = p.compute_purl(None);
        out.push(p);
    }
    if named == 0 && !all.is_empty() {
        return Err(format!("{} stanzas, none with a Package field", all.len()));
    }
    Ok(out)
}

/// Licences named in a Debian copyright file, sorted and deduplicated.
pub(crate) fn copyright_licenses(data: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(data);
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        // Syft: `^License: (\S*)`: the first word (`GPL-2+ or Artistic` → `GPL-2+`).
        if let Some(rest) = line.strip_prefix("License: ") {
            let lic = rest.split_whitespace().next().unwrap_or("");
            let lic = lic.strip_suffix('.').unwrap_or(lic);
            if !lic.is_empty() && !lic.eq_ignore_ascii_case("none") {
                out.push(lic.to_string());
            }
        }
        let mut rest = line;
        while let Some(i) = rest.find("/usr/share/common-licenses/") {
            let after = &rest[i + "/usr/share/common-licenses/".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
                .collect();
            let name = name.strip_suffix('.').unwrap_or(&name).to_string();
            if !name.is_empty() {
                out.push(name);
            }
            rest = after;
        }
    }
    out.retain(|l| !l.is_empty());
    out.sort();
    out.dedup();
    out
}

pub(crate) fn copyright_fact(path: &str, data: &[u8]) -> Option<Fact> {
    let pkg = path.strip_prefix("/usr/share/doc/")?.split('/').next()?;
    let licenses = copyright_licenses(data);
    (!licenses.is_empty()).then(|| Fact::DebLicenses {
        package: pkg.to_string(),
        licenses,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12983
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Replaces: libc6-amd64
Depends: libgcc-s1
Recommends: libidn2-0 (>= 2.0.5~)
Suggests: glibc-doc, debconf | debconf-2.0, libc-l10n, locales, libnss-nis, libnss-nisplus
Breaks: aide (<< 0.17.3-4+b3), busybox (<< 1.30.1-6)
Conffiles:
 /etc/ld.so.conf.d/x86_64-linux-gnu.conf d4e7a7b88a71b5ffd9e2644e71a0cfab
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system. This package includes shared versions of the standard C library
 and the standard math library, as well as many others.
Homepage: https://www.gnu.org/software/libc/libc.html

Package: libssl3
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 6336
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Multi-Arch: same
Source: openssl
Version: 3.0.11-1~deb12u2
Depends: libc6 (>= 2.34)
Description: Secure Sockets Layer toolkit - shared libraries
 This package is part of the OpenSSL project's implementation of the SSL
 and TLS cryptographic protocols for secure communication over the
 Internet.
 .
 It provides the libssl and libcrypto shared libraries.
Homepage: https://www.openssl.org/

Package: libgcc-s1
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: gcc-12 (12.2.0-14)
Version: 12.2.0-14
Description: GCC support library

Package: oldpkg
Status: deinstall ok config-files
Architecture: all
Version: 1.0-1
Description: removed, config files remain

Package: mawk
Status: install ok installed
Architecture: amd64
Version: 1.3.4.20200120-3.1
Description: Pattern scanning and text processing language

Package: e2fsprogs
Status: install ok half-configured
Architecture: amd64
Version: 1.47.0-2
Description: ext2/ext3/ext4 file system utilities
";

    #[test]
    fn status_installed_only() {
        let pkgs = parse_status("/var/lib/dpkg/status", STATUS.as_bytes()).unwrap();
        let names: Vec<_> = pkgs.iter().map(|p| p.name.as_str()).collect();
        // `deinstall ok config-files` dropped; `half-configured` kept (files on disk), as Syft.
        assert_eq!(
            names,
            ["libc6", "libssl3", "libgcc-s1", "mawk", "e2fsprogs"]
        );
        assert_eq!(pkgs[0].version, "2.36-9+deb12u4");
        assert_eq!(pkgs[0].source, Some(("glibc".into(), None)));
        assert_eq!(pkgs[0].arch.as_deref(), Some("amd64"));
        assert_eq!(
            pkgs[2].source,
            Some(("gcc-12".into(), Some("12.2.0-14".into())))
        );
        assert_eq!(pkgs[3].source, None);
        assert_eq!(
            pkgs[1].purl,
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&upstream=openssl"
        );
    }

    #[test]
    fn distroless_status_d() {
        // gcr.io/distroless/base-debian12: /var/lib/dpkg/status.d/libssl3
        let one = "Package: libssl3\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\nSource: openssl\nMaintainer: Debian OpenSSL Team\nInstalled-Size: 6336\nDepends: libc6 (>= 2.34)\nSection: libs\nPriority: optional\nMulti-Arch: same\nHomepage: https://www.openssl.org/\nDescription: Secure Sockets Layer toolkit - shared libraries\n This package is part of the OpenSSL project's implementation.\n";
        let pkgs = parse_status("/var/lib/dpkg/status.d/libssl3", one.as_bytes()).unwrap();
        assert_eq!(pkgs.len(), 1);
        assert_eq!(pkgs[0].name, "libssl3");
        let two =
            format!("{one}\nPackage: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n");
        assert_eq!(
            parse_status("/var/lib/dpkg/status.d/x", two.as_bytes())
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn malformed() {
        assert!(
            parse_status("s", b"Version: 1\n")
                .unwrap_err()
                .contains("none with a Package")
        );
        let no_version = parse_status("s", b"Package: x\nStatus: install ok installed\n").unwrap();
        assert_eq!(no_version[0].version, "");
        let purged = b"Package: y\nStatus: purge ok not-installed\n\nPackage: z\nStatus: install ok not-installed\n";
        assert!(parse_status("s", purged).unwrap().is_empty());
        assert!(parse_status("s", &[0xff, 0xfe]).is_err());
        assert!(parse_status("s", b"").unwrap().is_empty());
    }

    #[test]
    fn source_field() {
        assert_eq!(
            parse_source("gcc-12 (12.2.0-14)"),
            ("gcc-12".into(), Some("12.2.0-14".into()))
        );
        assert_eq!(parse_source("glibc"), ("glibc".into(), None));
        assert_eq!(parse_source("x ()"), ("x".into(), None));
    }

    #[test]
    fn copyright() {
        // DEP-5 style (bash) plus common-licenses references.
        let dep5 = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: zlib

Files: *
Copyright: 1995-2013 Jean-loup Gailly and Mark Adler
License: Zlib

Files: debian/*
Copyright: 2000-2023 Mark Brown
License: GPL-2+ or Artistic
 On Debian systems, the complete text of the GNU General Public License
 version 2 can be found in `/usr/share/common-licenses/GPL-2'.

License: Zlib
 This software is provided 'as-is', without any express or implied warranty.
";
        assert_eq!(
            copyright_licenses(dep5.as_bytes()),
            vec![
                "GPL-2".to_string(),
                "GPL-2+".to_string(),
                "Zlib".to_string()
            ]
        );
        let old = "This is Debian's prepackaged version of GNU sed.\nSee /usr/share/common-licenses/GPL-3.\n";
        assert_eq!(
            copyright_licenses(old.as_bytes()),
            vec!["GPL-3".to_string()]
        );
        match copyright_fact("/usr/share/doc/zlib1g/copyright", dep5.as_bytes()) {
            Some(Fact::DebLicenses { package, licenses }) => {
                assert_eq!(package, "zlib1g");
                assert_eq!(licenses.len(), 3);
            }
            other => panic!("{other:?}"),
        }
        assert!(copyright_fact("/usr/share/doc/x/copyright", b"no licence info").is_none());
    }
}
