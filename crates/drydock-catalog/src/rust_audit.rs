//! Rust binaries built with cargo-auditable: the `.dep-v0` ELF section holds
//! zlib-compressed JSON `{"packages":[{"name","version","source","kind",
//! "dependencies","root"}]}`. Every listed crate becomes a `rust-crate`
//! package (as Syft's cargo-auditable cataloger does).

use std::io::Read;

use drydock_core::package::{Package, PackageKind};
use serde::Deserialize;

use crate::elf::Elf;

/// Decompressed JSON cap (cargo-auditable itself limits it to 8 MiB).
const MAX_JSON: u64 = 8 * 1024 * 1024;

#[derive(Deserialize)]
struct VersionInfo {
    packages: Vec<Dep>,
}

#[derive(Deserialize)]
struct Dep {
    name: String,
    version: String,
}

pub(crate) fn parse(path: &str, data: &[u8], elf: &Elf) -> Result<Vec<Package>, String> {
    let Some(section) = elf.section(data, ".dep-v0") else {
        return Ok(Vec::new());
    };
    let mut json = Vec::new();
    flate2::read::ZlibDecoder::new(section)
        .take(MAX_JSON + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!(".dep-v0: zlib: {e}"))?;
    if json.len() as u64 > MAX_JSON {
        return Err(format!(".dep-v0: decompressed JSON over {MAX_JSON} bytes"));
    }
    let info: VersionInfo = serde_json::from_slice(&json).map_err(|e| format!(".dep-v0: {e}"))?;
    Ok(info
        .packages
        .into_iter()
        .map(|d| Package::new(PackageKind::Cargo, d.name, d.version, path))
        .collect())
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use super::*;
    use crate::elf::build::elf64;

    pub(crate) fn dep_section(json: &str) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(json.as_bytes()).unwrap();
        z.finish().unwrap()
    }

    #[test]
    fn auditable_binary() {
        // The shape `cargo auditable build` embeds (from the rust-audit-info format docs).
        let json = r#"{"packages":[{"name":"adler","version":"1.0.2","source":"crates.io","kind":"build"},{"name":"myapp","version":"0.1.0","source":"local","dependencies":[0,2],"root":true},{"name":"serde","version":"1.0.195","source":"crates.io"}]}"#;
        let bin = elf64(
            &[(".text", vec![0x90; 8]), (".dep-v0", dep_section(json))],
            0x400000,
        );
        let elf = Elf::parse(&bin).unwrap().unwrap();
        let p = parse("/usr/local/bin/myapp", &bin, &elf).unwrap();
        let got: Vec<_> = p
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            [("adler", "1.0.2"), ("myapp", "0.1.0"), ("serde", "1.0.195")]
        );
        assert_eq!(p[2].purl, "pkg:cargo/serde@1.0.195");
        let broken = elf64(&[(".dep-v0", b"not zlib".to_vec())], 0x400000);
        let e = Elf::parse(&broken).unwrap().unwrap();
        assert!(parse("b", &broken, &e).unwrap_err().contains("zlib"));
        let bomb = elf64(
            &[(".dep-v0", dep_section(&" ".repeat(9 * 1024 * 1024)))],
            0x400000,
        );
        let e = Elf::parse(&bomb).unwrap().unwrap();
        assert!(parse("b", &bomb, &e).unwrap_err().contains("over"));
    }
}
