//! apk: `/lib/apk/db/installed`, records of `X:value` lines separated by
//! blank lines (`P` name, `V` version, `A` arch, `o` origin, `L` licence,
//! `T` description, `C` checksum, `F`/`R` files, …).

use drydock_core::package::{Package, PackageKind};

const MAX_RECORDS: usize = 200_000;

/// Lenient like apk and Syft: lines that are not `X:value` are skipped and
/// records without a name ignored; a file with content but no package at all
/// is an error (it is not an installed database).
pub(crate) fn parse_installed(path: &str, data: &[u8]) -> Result<Vec<Package>, String> {
    let text =
        std::str::from_utf8(data).map_err(|e| format!("not UTF-8 at byte {}", e.valid_up_to()))?;
    let mut out = Vec::new();
    let mut rec: Vec<(char, &str)> = Vec::new();
    let mut bad_lines = 0usize;
    let mut first_bad = 0usize;
    let mut flush = |rec: &mut Vec<(char, &str)>| -> Result<(), String> {
        let get = |k: char| {
            rec.iter()
                .find(|(c, _)| *c == k)
                .map(|(_, v)| *v)
                .filter(|v| !v.is_empty())
        };
        if let Some(name) = get('P') {
            let mut p = Package::new(PackageKind::Apk, name, get('V').unwrap_or(""), path);
            p.arch = get('A').map(str::to_string);
            p.source = get('o').map(|o| (o.to_string(), None));
            p.licenses = get('L').map(|l| vec![l.to_string()]).unwrap_or_default();
            p.purl = p.compute_purl(None);
            out.push(p);
            if out.len() > MAX_RECORDS {
                return Err(format!("more than {MAX_RECORDS} packages"));
            }
        }
        rec.clear();
        Ok(())
    };
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            flush(&mut rec)?;
            continue;
        }
        let mut chars = line.chars();
        match (chars.next(), chars.next()) {
            (Some(k), Some(':')) => rec.push((k, &line[k.len_utf8() + 1..])),
            _ => {
                if bad_lines == 0 {
                    first_bad = i + 1;
                }
                bad_lines += 1;
            }
        }
    }
    flush(&mut rec)?;
    if out.is_empty() && bad_lines > 0 {
        return Err(format!(
            "no packages; {bad_lines} lines are not `X:value` (first: line {first_bad})"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // From alpine:3.19 /lib/apk/db/installed (abridged file lists).
    const INSTALLED: &str = "C:Q1vEdT3Yb8Bq3xkU2X2U3fKkRmEeg=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
S:407141
I:663552
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Natanael Copa <ncopa@alpinelinux.org>
t:1705324549
c:f93af038c3be22f8df0a1cdbb1e8b7bd1b4d0b50
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1ik0ja8F7nPeDLWZHwIZ0Ca5nEPM=
R:libc.musl-x86_64.so.1

C:Q1qKcZ+j23xssAXmgQhkOO8dHnbWw=
P:libcrypto3
V:3.1.4-r5
A:x86_64
S:1716291
I:4407296
T:Crypto library from openssl
U:https://www.openssl.org/
L:Apache-2.0
o:openssl
m:Ariadne Conner <ariadne@dereferenced.org>
t:1706000000
c:1ef0ae4ae5d0b8e1df6c4b6c3f5ea4b4ae0d3c2a
D:so:libc.musl-x86_64.so.1
p:so:libcrypto.so.3=3
F:etc
F:etc/ssl

C:Q1BPiHWNJrT7BmbHhzeTpNfOvYrVE=
P:ssl_client
V:1.36.1-r15
A:x86_64
L:GPL-2.0-only
o:busybox
";

    #[test]
    fn installed_db() {
        let pkgs = parse_installed("/lib/apk/db/installed", INSTALLED.as_bytes()).unwrap();
        assert_eq!(pkgs.len(), 3);
        assert_eq!(pkgs[0].name, "musl");
        assert_eq!(pkgs[0].version, "1.2.4_git20230717-r4");
        assert_eq!(pkgs[0].licenses, vec!["MIT".to_string()]);
        assert_eq!(pkgs[1].source, Some(("openssl".into(), None)));
        assert_eq!(pkgs[2].source, Some(("busybox".into(), None)));
        assert_eq!(pkgs[2].arch.as_deref(), Some("x86_64"));
        assert_eq!(
            pkgs[1].purl,
            "pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&upstream=openssl"
        );
    }

    #[test]
    fn malformed() {
        // A record without P: is ignored; without V: kept with an empty version.
        assert!(parse_installed("i", b"V:1\n").unwrap().is_empty());
        assert_eq!(parse_installed("i", b"P:x\n").unwrap()[0].version, "");
        assert!(
            parse_installed("i", b"garbage\n")
                .unwrap_err()
                .contains("line 1")
        );
        // A stray line inside a real record does not lose the database.
        assert_eq!(parse_installed("i", b"P:x\nV:1\nnoise\n").unwrap().len(), 1);
        assert!(parse_installed("i", b"").unwrap().is_empty());
    }
}
