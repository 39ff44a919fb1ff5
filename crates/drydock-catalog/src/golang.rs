//! Go binaries: the build info Go's linker writes (`runtime/debug.BuildInfo`),
//! found by its magic `\xff Go buildinf:` in the `.go.buildinfo` section (or,
//! with section headers stripped, 16-byte aligned in a loadable segment).
//!
//! Header (32 bytes): magic (14), pointer size (1), flags (1: bit 0 big
//! endian, bit 1 inline strings). Go 1.18+ (inline): after the header two
//! varint-length-prefixed strings, the Go version and the module info.
//! Before 1.18: two pointers at offset 16 to Go string headers
//! `{data pointer, length}` in the binary's address space, resolved through
//! the ELF program headers. The module info is wrapped in 16-byte sentinels.
//!
//! Packages as Syft reports them: the main module (`(devel)` replaced by a
//! version from `-ldflags -X …version=…` or a pseudo-version from
//! `vcs.revision`/`vcs.time`), each dependency (its `=>` replacement when
//! there is one), and the standard library as `stdlib` with the Go version.

use drydock_core::package::{Package, PackageKind};

use crate::elf::Elf;

const MAGIC: &[u8] = b"\xff Go buildinf:";
const MAX_STRING: u64 = 16 * 1024 * 1024;

pub(crate) fn parse(path: &str, data: &[u8], elf: &Elf) -> Result<Vec<Package>, String> {
    let Some((version, modinfo)) = build_info(data, elf)? else {
        return Ok(Vec::new());
    };
    Ok(packages(path, &version, &modinfo))
}

fn find_magic(hay: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + MAGIC.len() <= hay.len() {
        if &hay[i..i + MAGIC.len()] == MAGIC {
            return Some(i);
        }
        i += 16;
    }
    None
}

fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut x = 0u64;
    for (i, &byte) in b.iter().enumerate().take(10) {
        x |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((x, i + 1));
        }
    }
    None
}

/// (Go version, module info) or None when the binary is not a Go binary.
pub(crate) fn build_info(data: &[u8], elf: &Elf) -> Result<Option<(String, String)>, String> {
    let region = match elf.section(data, ".go.buildinfo") {
        Some(s) => s.get(find_magic(s).unwrap_or(usize::MAX)..),
        None => elf
            .data_segment(data)
            .and_then(|seg| find_magic(seg).and_then(|i| seg.get(i..))),
    };
    let Some(hdr) = region else { return Ok(None) };
    if hdr.len() < 32 {
        return Err("Go build info header truncated".into());
    }
    let ptr_size = u64::from(hdr[14]);
    let flags = hdr[15];
    let (version, modinfo) = if flags & 2 != 0 {
        let mut rest = &hdr[32..];
        let mut next = || -> Result<Vec<u8>, String> {
            let (len, n) = uvarint(rest).ok_or("Go build info: bad varint")?;
            if len > MAX_STRING {
                return Err(format!("Go build info: string length {len} too large"));
            }
            let end = n
                .checked_add(len as usize)
                .ok_or("Go build info: overflow")?;
            let s = rest
                .get(n..end)
                .ok_or("Go build info: string past end of section")?;
            rest = &rest[end..];
            Ok(s.to_vec())
        };
        let v = next()?;
        let m = next()?;
        (v, m)
    } else {
        if ptr_size != 4 && ptr_size != 8 {
            return Err(format!("Go build info: pointer size {ptr_size}"));
        }
        let ps = ptr_size as usize;
        let word = |b: &[u8]| -> Option<u64> {
            Some(match (ps, flags & 1 != 0) {
                (8, false) => u64::from_le_bytes(b.get(..8)?.try_into().ok()?),
                (8, true) => u64::from_be_bytes(b.get(..8)?.try_into().ok()?),
                (_, false) => u64::from(u32::from_le_bytes(b.get(..4)?.try_into().ok()?)),
                (_, true) => u64::from(u32::from_be_bytes(b.get(..4)?.try_into().ok()?)),
            })
        };
        let vptr = word(&hdr[16..]).ok_or("Go build info truncated")?;
        let mptr = hdr
            .get(16 + ps..)
            .and_then(word)
            .ok_or("Go build info truncated")?;
        let read_string = |addr: u64| -> Result<Vec<u8>, String> {
            let dataptr = elf
                .read_word(data, addr, ptr_size)
                .ok_or("Go build info: string header not mapped")?;
            let len = elf
                .read_word(
                    data,
                    addr.checked_add(ptr_size).ok_or("overflow")?,
                    ptr_size,
                )
                .ok_or("Go build info: string header not mapped")?;
            if len > MAX_STRING {
                return Err(format!("Go build info: string length {len} too large"));
            }
            let b = elf
                .read_vaddr(data, dataptr, len)
                .ok_or("Go build info: string data not mapped")?;
            Ok(b.to_vec())
        };
        (read_string(vptr)?, read_string(mptr)?)
    };
    // Strip the sentinels on bytes: they are not UTF-8.
    Ok(Some((
        String::from_utf8_lossy(&version).into_owned(),
        strip_sentinels(&modinfo),
    )))
}

fn strip_sentinels(b: &[u8]) -> String {
    if b.len() >= 33 && b[b.len() - 17] == b'\n' {
        return String::from_utf8_lossy(&b[16..b.len() - 16]).into_owned();
    }
    String::from_utf8_lossy(b).into_owned()
}

#[derive(Debug, Default)]
struct Module {
    path: String,
    version: String,
}

fn packages(location: &str, go_version: &str, modinfo: &str) -> Vec<Package> {
    let mut main: Option<Module> = None;
    let mut deps: Vec<Module> = Vec::new();
    let mut settings: Vec<(String, String)> = Vec::new();
    let mut last_was_main = false;
    let mut path = String::new();
    for line in modinfo.lines() {
        let mut f = line.split('\t');
        let kind = f.next().unwrap_or("");
        let a = f.next().unwrap_or("").to_string();
        let b = f.next().unwrap_or("").to_string();
        match kind {
            "path" => path = a,
            "mod" => {
                main = Some(Module {
                    path: a,
                    version: b,
                });
                last_was_main = true;
            }
            "dep" => {
                deps.push(Module {
                    path: a,
                    version: b,
                });
                last_was_main = false;
            }
            "=>" => {
                let repl = Module {
                    path: a,
                    version: b,
                };
                if last_was_main {
                    main = Some(repl);
                } else if let Some(d) = deps.last_mut() {
                    *d = repl;
                }
            }
            "build" => {
                if let Some((k, v)) = line.trim_start_matches("build\t").split_once('=') {
                    settings.push((k.to_string(), v.to_string()));
                }
            }
            _ => {}
        }
    }
    // Built without module support (GOPATH mode): only a `path` line; Syft
    // reports that path as the main module at `(devel)`.
    if main.is_none() && !path.is_empty() {
        main = Some(Module {
            path,
            version: "(devel)".into(),
        });
    }
    let mut out = Vec::new();
    if let Some(m) = main.filter(|m| !m.path.is_empty()) {
        let version = if m.version == "(devel)" || m.version.is_empty() {
            main_version(&settings).unwrap_or(m.version)
        } else {
            m.version
        };
        out.push(Package::new(PackageKind::Go, m.path, version, location));
    }
    for d in deps.into_iter().filter(|d| !d.path.is_empty()) {
        out.push(Package::new(PackageKind::Go, d.path, d.version, location));
    }
    if let Some(v) = go_version
        .split_whitespace()
        .next()
        .filter(|v| v.starts_with("go"))
    {
        out.push(Package::new(PackageKind::GoStdlib, "stdlib", v, location));
    }
    out
}

fn setting<'a>(s: &'a [(String, String)], k: &str) -> Option<&'a str> {
    s.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str())
}

/// A version for a `(devel)` main module, as Syft derives it: from the
/// ldflags (`…[git][build]version=v1.2.3` or `….tag=1.2.3`, prefixed `v`),
/// else a pseudo-version from the VCS revision and time.
fn main_version(settings: &[(String, String)]) -> Option<String> {
    if let Some(v) = setting(settings, "-ldflags").and_then(ldflags_version) {
        return Some(v);
    }
    let rev = setting(settings, "vcs.revision")?;
    let time = setting(settings, "vcs.time")?;
    // 2023-10-05T12:34:56Z → 20231005123456
    let stamp: String = time.chars().filter(char::is_ascii_digit).take(14).collect();
    if stamp.len() != 14 || rev.len() < 12 {
        return None;
    }
    Some(format!("v0.0.0-{stamp}-{}", rev.get(..12)?))
}

/// Syft's patterns `\.([gG]it)?([bB]uild)?[vV]ersion=(\S+/)*(v?\d+.\d+.\d+[-\w]*)`
/// and `\.([tT]ag)=(\S+/)*(v?\d+.\d+.\d+[-\w]*)`, first match in the string.
fn ldflags_version(flags: &str) -> Option<String> {
    const KEYS: &[&str] = &[
        "version",
        "Version",
        "gitversion",
        "gitVersion",
        "Gitversion",
        "GitVersion",
        "buildversion",
        "buildVersion",
        "Buildversion",
        "BuildVersion",
        "gitbuildversion",
        "gitBuildVersion",
        "GitBuildVersion",
        "gitBuildversion",
        "Gitbuildversion",
        "GitBuildversion",
        "gitbuildVersion",
        "GitbuildVersion",
        "tag",
        "Tag",
    ];
    let mut found: Option<(usize, String)> = None;
    for key in KEYS {
        let needle = format!(".{key}=");
        let mut from = 0;
        while let Some(i) = flags.get(from..).and_then(|s| s.find(&needle)) {
            let at = from + i;
            from = at + 1;
            let value_start = at + needle.len();
            let token = flags.get(value_start..).unwrap_or("");
            let token = token.split(char::is_whitespace).next().unwrap_or("");
            let token = token.rsplit('/').next().unwrap_or(token);
            if let Some(v) = semver_prefix(token) {
                if found.as_ref().is_none_or(|(pos, _)| at < *pos) {
                    found = Some((at, v));
                }
                break;
            }
        }
    }
    found.map(|(_, v)| {
        if v.starts_with('v') {
            v
        } else {
            format!("v{v}")
        }
    })
}

/// `v?\d+.\d+.\d+[-\w]*`, with `+build` metadata, at the start of `s`.
fn semver_prefix(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'v'));
    for part in 0..3 {
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        if part < 2 {
            // the pattern's `.` matches any one character
            b.get(i)?;
            i += 1;
        }
    }
    while b
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-')
    {
        i += 1;
    }
    // SemVer build metadata (`20.10.24+dfsg1`): Syft 1.18 keeps it.
    if b.get(i) == Some(&b'+') {
        let start = i;
        i += 1;
        while b
            .get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
        {
            i += 1;
        }
        if i == start + 1 {
            i = start;
        }
    }
    s.get(..i).map(str::to_string)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::elf::build::elf64;

    #[test]
    fn ldflags_versions_keep_build_metadata() {
        // Debian's dockerd: `-X ….Version=20.10.24+dfsg1` (Syft: v20.10.24+dfsg1).
        assert_eq!(
            semver_prefix("20.10.24+dfsg1").as_deref(),
            Some("20.10.24+dfsg1")
        );
        assert_eq!(
            semver_prefix("v1.2.3-rc.1+b.2\"").as_deref(),
            Some("v1.2.3-rc")
        );
        assert_eq!(semver_prefix("v1.2.3+").as_deref(), Some("v1.2.3"));
        assert_eq!(semver_prefix("1.2"), None);
    }

    const MODINFO: &str = "path\tgithub.com/acme/tool/cmd/tool
mod\tgithub.com/acme/tool\t(devel)\t
dep\tgithub.com/spf13/cobra\tv1.8.0\th1:7aJaZx1B85qltLMc546zn58BxxfZdR/W22ej9CFoEf0=
dep\tgolang.org/x/sys\tv0.15.0\th1:h48lPFYpsTvQJZF4EKyI4aLHaev3CxivZmv7yZig9pc=
=>\tgolang.org/x/sys\tv0.16.0\th1:xWw16ngr6ZMtmxDyKyIgsE93KNKz5HKmMa3b8ALHidU=
dep\tgithub.com/acme/local\tv0.0.0-00010101000000-000000000000
=>\t../local\t
build\t-buildmode=exe
build\t-compiler=gc
build\t-ldflags=\"-s -w -X github.com/acme/tool/internal/version.Version=1.4.2\"
build\tCGO_ENABLED=0
build\tGOARCH=amd64
build\tGOOS=linux
build\tvcs=git
build\tvcs.revision=3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a
build\tvcs.time=2024-01-15T10:20:30Z
build\tvcs.modified=false
";

    fn sentinel(m: &str) -> Vec<u8> {
        let mut v = hex("3077af0c9274080241e1c107e6d618e6");
        v.extend_from_slice(m.as_bytes());
        v.extend(hex("f932433186182072008242104116d8f2"));
        v
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn varint(mut n: usize, out: &mut Vec<u8>) {
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }

    /// A Go 1.18+ `.go.buildinfo` section (inline strings).
    pub(crate) fn inline_section(version: &str, modinfo: &str) -> Vec<u8> {
        let mut s = MAGIC.to_vec();
        s.push(8);
        s.push(2);
        s.resize(32, 0);
        varint(version.len(), &mut s);
        s.extend_from_slice(version.as_bytes());
        let m = sentinel(modinfo);
        varint(m.len(), &mut s);
        s.extend(m);
        s
    }

    #[test]
    fn go118_inline() {
        let bin = elf64(
            &[
                (".text", vec![0xcc; 64]),
                (".go.buildinfo", inline_section("go1.21.5", MODINFO)),
            ],
            0x400000,
        );
        let elf = Elf::parse(&bin).unwrap().unwrap();
        let pkgs = parse("/usr/local/bin/tool", &bin, &elf).unwrap();
        let got: Vec<_> = pkgs
            .iter()
            .map(|p| (p.kind, p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (PackageKind::Go, "github.com/acme/tool", "v1.4.2"),
                (PackageKind::Go, "github.com/spf13/cobra", "v1.8.0"),
                (PackageKind::Go, "golang.org/x/sys", "v0.16.0"),
                (PackageKind::Go, "../local", ""),
                (PackageKind::GoStdlib, "stdlib", "go1.21.5"),
            ]
        );
        assert_eq!(pkgs[1].purl, "pkg:golang/github.com/spf13/cobra@v1.8.0");
        assert_eq!(pkgs[4].purl, "pkg:golang/stdlib@1.21.5");
        // Truncating the section anywhere gives an error or nothing, never a panic.
        for n in 0..bin.len() {
            if let Ok(Some(e)) = Elf::parse(&bin[..n]) {
                let _ = parse("t", &bin[..n], &e);
            }
        }
    }

    #[test]
    fn ldflags_versions() {
        assert_eq!(
            ldflags_version("-s -w -X main.version=1.2.3"),
            Some("v1.2.3".into())
        );
        assert_eq!(
            ldflags_version(
                "-X github.com/x/y/internal/build.GitVersion=v0.9.1-rc.1 -X main.commit=abc"
            ),
            Some("v0.9.1-rc".into())
        );
        assert_eq!(
            ldflags_version("-X main.Tag=refs/tags/2.0.0"),
            Some("v2.0.0".into())
        );
        assert_eq!(ldflags_version("-X main.version=dev"), None);
        assert_eq!(ldflags_version(""), None);
    }

    #[test]
    fn gopath_build_has_path_only() {
        let p = packages(
            "t",
            "go1.19.8",
            "path\tgithub.com/docker/docker/cmd/dockerd\nbuild\t-compiler=gc\n",
        );
        let got: Vec<_> = p
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("github.com/docker/docker/cmd/dockerd", "(devel)"),
                ("stdlib", "go1.19.8")
            ]
        );
    }

    #[test]
    fn pseudo_version_from_vcs() {
        let m = MODINFO.replace("-X github.com/acme/tool/internal/version.Version=1.4.2", "");
        let p = packages("t", "go1.22.0 X:boringcrypto", &m);
        assert_eq!(p[0].version, "v0.0.0-20240115102030-3f2a1b0c9d8e");
        assert_eq!(p.last().map(|p| p.version.as_str()), Some("go1.22.0"));
    }

    #[test]
    fn pre118_pointer_format() {
        // Layout: section at vaddr base+X: header with two pointers to string
        // headers, which point at the string bytes — all in the same section.
        let base = 0x400000u64;
        let ver = "go1.16.15";
        let modinfo = sentinel(
            "path\texample.com/old\nmod\texample.com/old\tv1.0.0\t\ndep\tgithub.com/pkg/errors\tv0.9.1\th1:x=\n",
        );
        // Section layout (offsets within section): 0 header(32), 32 vhdr(16), 48 mhdr(16), 64 strings.
        let mut sec = MAGIC.to_vec();
        sec.push(8);
        sec.push(0); // little endian, pointer format
        sec.resize(64, 0);
        let mut strings = ver.as_bytes().to_vec();
        strings.extend_from_slice(&modinfo);
        sec.extend_from_slice(&strings);
        // Section's file offset in elf64(): 64 + 56 + len(.text).
        let text = vec![0u8; 32];
        let sec_off = 64 + 56 + text.len() as u64;
        let va = |o: u64| base + sec_off + o;
        sec[16..24].copy_from_slice(&va(32).to_le_bytes());
        sec[24..32].copy_from_slice(&va(48).to_le_bytes());
        sec[32..40].copy_from_slice(&va(64).to_le_bytes());
        sec[40..48].copy_from_slice(&(ver.len() as u64).to_le_bytes());
        sec[48..56].copy_from_slice(&va(64 + ver.len() as u64).to_le_bytes());
        sec[56..64].copy_from_slice(&(modinfo.len() as u64).to_le_bytes());
        let bin = elf64(&[(".text", text), (".go.buildinfo", sec)], base);
        let elf = Elf::parse(&bin).unwrap().unwrap();
        let pkgs = parse("/bin/old", &bin, &elf).unwrap();
        let got: Vec<_> = pkgs
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("example.com/old", "v1.0.0"),
                ("github.com/pkg/errors", "v0.9.1"),
                ("stdlib", "go1.16.15")
            ]
        );
    }

    #[test]
    fn found_in_data_segment_without_section() {
        // Section renamed (as after some packers/strippers): found through the
        // writable PT_LOAD segment, as Go's debug/buildinfo does.
        let mut bin = elf64(
            &[
                // 120 bytes of headers + 8: the build info is 16-byte aligned, as the linker places it.
                (".pad", vec![0u8; 8]),
                (
                    ".data",
                    inline_section("go1.21.5", "path\tex.com/a\nmod\tex.com/a\tv1.0.0\t\n"),
                ),
            ],
            0x400000,
        );
        assert!(
            parse("/a", &bin, &Elf::parse(&bin).unwrap().unwrap())
                .unwrap()
                .is_empty()
        );
        bin[64 + 4..64 + 8].copy_from_slice(&6u32.to_le_bytes()); // PF_R | PF_W
        let p = parse("/a", &bin, &Elf::parse(&bin).unwrap().unwrap()).unwrap();
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn gopath_binary_end_to_end() {
        // Sentinels are not UTF-8: the `path` line must survive their removal.
        let bin = elf64(
            &[(
                ".go.buildinfo",
                inline_section(
                    "go1.19.8",
                    "path\tgithub.com/docker/docker/cmd/dockerd\nbuild\t-compiler=gc\n",
                ),
            )],
            0x400000,
        );
        let p = parse(
            "/usr/sbin/dockerd",
            &bin,
            &Elf::parse(&bin).unwrap().unwrap(),
        )
        .unwrap();
        let got: Vec<_> = p
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("github.com/docker/docker/cmd/dockerd", "(devel)"),
                ("stdlib", "go1.19.8")
            ]
        );
    }

    #[test]
    fn not_go() {
        let bin = elf64(&[(".text", vec![0x90; 32])], 0x400000);
        let elf = Elf::parse(&bin).unwrap().unwrap();
        assert!(parse("/bin/c", &bin, &elf).unwrap().is_empty());
    }
}
