//! Java archives (`.jar`, `.war`, `.ear`, …): `META-INF/MANIFEST.MF`,
//! `META-INF/maven/<group>/<artifact>/pom.properties`, and archives nested
//! inside (Spring Boot `BOOT-INF/lib/`, `WEB-INF/lib/`, EAR modules) up to a
//! depth limit, with caps on entry count and decompressed sizes.
//!
//! Like Syft: the archive's own package takes its name from the file name
//! (`commons-lang3-3.12.0.jar` → `commons-lang3`, `3.12.0`) or the manifest,
//! and is merged with the `pom.properties` whose artifactId matches; every
//! other `pom.properties` is a package of its own (shaded dependencies).

use std::io::{Cursor, Read};

use drydock_core::package::{Package, PackageKind};

const MAX_DEPTH: usize = 4;
const MAX_ENTRIES: usize = 100_000;
const MAX_META: u64 = 1024 * 1024;
const MAX_NESTED: u64 = 256 * 1024 * 1024;
/// Total bytes decompressed from nested archives per top-level archive.
const NESTED_BUDGET: u64 = 512 * 1024 * 1024;

const EXTENSIONS: &[&str] = &[
    ".jar", ".war", ".ear", ".par", ".sar", ".nar", ".jpi", ".hpi", ".kar", ".lpkg",
];

pub(crate) fn is_archive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    EXTENSIONS
        .iter()
        .any(|e| lower.len() > e.len() && lower.ends_with(e))
}

pub(crate) fn parse_archive(path: &str, data: &[u8]) -> Result<Vec<Package>, String> {
    let mut out = Vec::new();
    let mut budget = NESTED_BUDGET;
    let mut warnings = Vec::new();
    walk(path, data, 0, &mut out, &mut budget, &mut warnings)?;
    // Problems inside nested archives do not hide what the outer one declared.
    if out.is_empty()
        && let Some(w) = warnings.into_iter().next()
    {
        return Err(w);
    }
    Ok(out)
}

/// `name-1.2.3` → (`name`, `1.2.3`): split at the first `-` followed by a digit.
pub(crate) fn split_filename(file: &str) -> (String, String) {
    let stem = file.rsplit('/').next().unwrap_or(file);
    let stem = match stem.rfind('.') {
        Some(i) => &stem[..i],
        None => stem,
    };
    let b = stem.as_bytes();
    for i in 0..b.len() {
        if b[i] == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            return (stem[..i].to_string(), stem[i + 1..].to_string());
        }
    }
    (stem.to_string(), String::new())
}

/// The main section of a manifest: `Key: value` with continuation lines
/// (a leading space) joined.
pub(crate) fn manifest_main(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            break;
        }
        if let Some(cont) = line.strip_prefix(' ') {
            if let Some((_, v)) = out.last_mut() {
                v.push_str(cont);
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

type Fields = Vec<(String, String)>;

/// Syft's `artifactIDMatchesFilename`: exact when some pom.properties names
/// the file exactly, else a prefix/suffix match.
fn artifact_matches(artifact: &str, file_name: &str, exact_exists: bool) -> bool {
    if artifact.is_empty() || file_name.is_empty() {
        return false;
    }
    if exact_exists {
        return artifact == file_name;
    }
    artifact.starts_with(file_name) || file_name.ends_with(artifact)
}

/// Every section's fields (main first), for version fallbacks.
fn manifest_all(text: &str) -> Vec<(String, String)> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .flat_map(|sec| manifest_main(sec.trim_start_matches(['\r', '\n'])))
        .collect()
}

fn get<'a>(kv: &'a [(String, String)], k: &str) -> Option<&'a str> {
    kv.iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(k))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// `pom.properties`: `key=value` lines (Java properties, `#` comments).
fn properties(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with(['#', '!']))
        .filter_map(|l| {
            l.split_once(['=', ':'])
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

fn read_entry<R: Read>(r: R, cap: u64, what: &str) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    r.take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("{what}: {e}"))?;
    if buf.len() as u64 > cap {
        return Err(format!("{what}: over {cap} bytes decompressed"));
    }
    Ok(buf)
}

fn walk(
    location: &str,
    data: &[u8],
    depth: usize,
    out: &mut Vec<Package>,
    budget: &mut u64,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(data))
        .map_err(|e| format!("not a readable zip archive: {e}"))?;
    if zip.len() > MAX_ENTRIES {
        return Err(format!(
            "{} entries, over the limit of {MAX_ENTRIES}",
            zip.len()
        ));
    }
    // (main section, all sections); None without a manifest.
    let mut manifest: Option<(Fields, Fields)> = None;
    // (entry path, properties), sorted by path below as Syft does.
    let mut poms: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let mut nested: Vec<usize> = Vec::new();
    for i in 0..zip.len() {
        let entry = match zip.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                warnings.push(format!("{location}: entry {i}: {e}"));
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_string();
        if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
            let b = read_entry(entry, MAX_META, &format!("{location}:{name}"))?;
            let text = String::from_utf8_lossy(&b);
            manifest = Some((manifest_main(&text), manifest_all(&text)));
        } else if name.starts_with("META-INF/maven/") && name.ends_with("/pom.properties") {
            let b = read_entry(entry, MAX_META, &format!("{location}:{name}"))?;
            poms.push((name, properties(&String::from_utf8_lossy(&b))));
        } else if is_archive_name(&name) {
            nested.push(i);
        }
    }
    poms.sort_by(|a, b| a.0.cmp(&b.0));
    // Like Syft: the archive's packages (its own and those of its
    // pom.properties) come only with a manifest, and an agent that weaves
    // classes into others (`Weave-Classes`) is not reported as them.
    let main_manifest = manifest.filter(|(m, _)| get(m, "Weave-Classes").is_none());
    if let Some((main, all)) = &main_manifest {
        let (file_name, file_version) =
            split_filename(location.rsplit(':').next().unwrap_or(location));
        let exact = poms
            .iter()
            .any(|(_, p)| get(p, "artifactId") == Some(file_name.as_str()));
        let main_pom = poms.iter().position(|(_, p)| {
            get(p, "artifactId").is_some_and(|a| artifact_matches(a, &file_name, exact))
        });
        let pom_field = |k: &str| {
            main_pom
                .and_then(|i| get(&poms[i].1, k))
                .map(str::to_string)
        };
        let name = pom_field("artifactId").or_else(|| {
            [
                Some(file_name.as_str()).filter(|s| !s.is_empty()),
                get(main, "Name"),
                get(main, "Bundle-Name"),
                get(main, "Short-Name"),
                get(main, "Extension-Name"),
                get(main, "Implementation-Title"),
            ]
            .into_iter()
            .flatten()
            .next()
            .map(str::to_string)
        });
        let version = pom_field("version").unwrap_or_else(|| {
            [
                Some(file_version.as_str()).filter(|s| !s.is_empty()),
                get(main, "Implementation-Version").or_else(|| get(all, "Implementation-Version")),
                get(main, "Specification-Version").or_else(|| get(all, "Specification-Version")),
                get(main, "Plugin-Version").or_else(|| get(all, "Plugin-Version")),
            ]
            .into_iter()
            .flatten()
            .next()
            .unwrap_or("")
            .to_string()
        });
        let group = pom_field("groupId").or_else(|| {
            get(main, "Implementation-Vendor-Id")
                .or_else(|| get(main, "Bundle-SymbolicName"))
                .map(str::to_string)
        });
        let mut main_key = None;
        if let Some(name) = name {
            let mut p = Package::new(PackageKind::Maven, name, version, location);
            p.namespace = group;
            p.licenses = get(main, "Bundle-License")
                .map(|l| vec![l.to_string()])
                .unwrap_or_default();
            p.purl = p.compute_purl(None);
            main_key = Some((p.name.clone(), p.version.clone()));
            out.push(p);
        }
        for (i, (_, pom)) in poms.iter().enumerate() {
            let (Some(a), Some(v)) = (get(pom, "artifactId"), get(pom, "version")) else {
                continue;
            };
            // The pom describing the archive itself is merged into its package.
            if Some(i) == main_pom || main_key.as_ref().is_some_and(|(n, mv)| n == a && mv == v) {
                continue;
            }
            let mut p = Package::new(PackageKind::Maven, a, v, location);
            p.namespace = get(pom, "groupId").map(str::to_string);
            p.purl = p.compute_purl(None);
            out.push(p);
        }
    }
    if depth + 1 > MAX_DEPTH {
        if !nested.is_empty() {
            warnings.push(format!(
                "{location}: nested archives deeper than {MAX_DEPTH} not read"
            ));
        }
        return Ok(());
    }
    for i in nested {
        let Ok(entry) = zip.by_index(i) else { continue };
        let inner = format!("{location}:{}", entry.name());
        let cap = MAX_NESTED.min(*budget);
        let bytes = match read_entry(entry, cap, &inner) {
            Ok(b) => b,
            Err(e) => {
                warnings.push(e);
                continue;
            }
        };
        *budget = budget.saturating_sub(bytes.len() as u64);
        if let Err(e) = walk(&inner, &bytes, depth + 1, out, budget, warnings) {
            warnings.push(format!("{inner}: {e}"));
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use super::*;

    pub(crate) fn make_zip(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    const MANIFEST: &str = "Manifest-Version: 1.0\r\nBundle-License: https://www.apache.org/licenses/LICENSE-2.0.tx\r\n t\r\nBundle-SymbolicName: org.apache.commons.commons-lang3\r\nImplementation-Title: Apache Commons Lang\r\nImplementation-Version: 3.12.0\r\n\r\nName: org/x/\r\nImplementation-Version: 9\r\n";

    #[test]
    fn jar_with_pom_and_nested() {
        let lang = make_zip(&[
            ("META-INF/MANIFEST.MF", MANIFEST.as_bytes().to_vec()),
            (
                "META-INF/maven/org.apache.commons/commons-lang3/pom.properties",
                b"#Created by Apache Maven 3.6.3\nversion=3.12.0\ngroupId=org.apache.commons\nartifactId=commons-lang3\n".to_vec(),
            ),
            ("org/apache/commons/lang3/StringUtils.class", vec![0xca, 0xfe, 0xba, 0xbe]),
        ]);
        let app = make_zip(&[
            ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\nImplementation-Title: demo\nImplementation-Version: 0.0.1-SNAPSHOT\n".to_vec()),
            ("META-INF/maven/com.example/demo/pom.properties", b"artifactId=demo\ngroupId=com.example\nversion=0.0.1-SNAPSHOT\n".to_vec()),
            // A shaded dependency's pom.properties.
            ("META-INF/maven/com.google.guava/guava/pom.properties", b"artifactId=guava\ngroupId=com.google.guava\nversion=32.1.3-jre\n".to_vec()),
            ("BOOT-INF/lib/commons-lang3-3.12.0.jar", lang),
            ("BOOT-INF/lib/broken-1.0.jar", b"not a zip".to_vec()),
        ]);
        let pkgs = parse_archive("/app/demo-0.0.1-SNAPSHOT.jar", &app).unwrap();
        let got: Vec<_> = pkgs
            .iter()
            .map(|p| {
                (
                    p.namespace.as_deref(),
                    p.name.as_str(),
                    p.version.as_str(),
                    p.location.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some("com.example"),
                    "demo",
                    "0.0.1-SNAPSHOT",
                    "/app/demo-0.0.1-SNAPSHOT.jar"
                ),
                (
                    Some("com.google.guava"),
                    "guava",
                    "32.1.3-jre",
                    "/app/demo-0.0.1-SNAPSHOT.jar"
                ),
                (
                    Some("org.apache.commons"),
                    "commons-lang3",
                    "3.12.0",
                    "/app/demo-0.0.1-SNAPSHOT.jar:BOOT-INF/lib/commons-lang3-3.12.0.jar"
                ),
            ]
        );
        assert_eq!(
            pkgs[2].purl,
            "pkg:maven/org.apache.commons/commons-lang3@3.12.0"
        );
        assert_eq!(
            pkgs[2].licenses,
            vec!["https://www.apache.org/licenses/LICENSE-2.0.txt".to_string()]
        );
    }

    #[test]
    fn manifest_only_and_errors() {
        let jar = make_zip(&[(
            "META-INF/MANIFEST.MF",
            b"Manifest-Version: 1.0\nImplementation-Version: 2.3\n".to_vec(),
        )]);
        let p = parse_archive("/opt/tool.jar", &jar).unwrap();
        assert_eq!((p[0].name.as_str(), p[0].version.as_str()), ("tool", "2.3"));
        assert_eq!(p[0].purl, "pkg:maven/tool@2.3");
        assert!(parse_archive("/x.jar", b"PK\x03\x04 truncated").is_err());
        assert_eq!(
            split_filename("guava-32.1.3-jre.jar"),
            ("guava".into(), "32.1.3-jre".into())
        );
        assert_eq!(
            split_filename("log4j-api-2.17.1.jar"),
            ("log4j-api".into(), "2.17.1".into())
        );
        assert_eq!(split_filename("tool.jar"), ("tool".into(), String::new()));
        // Depth limit: archives nested more than MAX_DEPTH levels are not opened.
        let nest = |levels: usize| {
            let mut inner = make_zip(&[
                ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n".to_vec()),
                (
                    "META-INF/maven/g/deep/pom.properties",
                    b"artifactId=deep\ngroupId=g\nversion=1\n".to_vec(),
                ),
            ]);
            for level in 0..levels {
                inner = make_zip(&[
                    ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n".to_vec()),
                    (&*format!("lib/l{level}-1.0.jar"), inner),
                ]);
            }
            parse_archive("/top-1.0.jar", &inner).unwrap()
        };
        let shallow = nest(2);
        assert!(shallow.iter().any(|p| p.name == "deep"), "{shallow:?}");
        assert_eq!(shallow.len(), 4); // top, l1, l0, deep
        let deep = nest(6);
        assert!(deep.iter().all(|p| p.name != "deep"), "{deep:?}");
        assert_eq!(deep.len(), MAX_DEPTH + 1);
        // No manifest: no package (as Syft).
        let bare = make_zip(&[(
            "META-INF/maven/g/a/pom.properties",
            b"artifactId=a\nversion=1\n".to_vec(),
        )]);
        assert!(parse_archive("/a-1.jar", &bare).unwrap().is_empty());
        assert!(is_archive_name("x.WAR") && !is_archive_name(".jar") && !is_archive_name("x.zip"));
    }
}
