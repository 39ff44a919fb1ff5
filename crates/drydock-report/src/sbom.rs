//! Software bills of materials: CycloneDX 1.6 JSON and SPDX 2.3 JSON of an
//! image's package catalogue.
//!
//! Both are deterministic for the same input (the caller passes the
//! creation time): identifiers are derived from the subject and the
//! packages, never random, so two runs over one image give the same
//! document and a diff shows only what changed.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};

use drydock_core::package::{OsRelease, Package};
use serde_json::{Value, json};

/// What an SBOM describes.
#[derive(Debug, Clone)]
pub struct SbomSubject<'a> {
    /// The image as the user named it (`debian:12`, `app.tar`).
    pub name: &'a str,
    /// Its config digest or ID (`sha256:…`), when known.
    pub digest: Option<&'a str>,
    pub os: Option<&'a OsRelease>,
    pub packages: &'a [Package],
    /// RFC 3339 UTC creation time (`2026-11-23T05:40:00Z`).
    pub created: &'a str,
    /// drydock's version.
    pub tool_version: &'a str,
    /// Known vulnerabilities of `packages` (`drydock image --vulns`): the
    /// CycloneDX document lists them; SPDX 2.3 has no place for them.
    pub vulnerabilities: &'a [crate::VulnerabilityRow],
}

/// A 128-bit value derived from `parts`, formatted as a (name-based,
/// version 5 layout) UUID.
fn derived_uuid(parts: &[&str]) -> String {
    let half = |seed: u64| {
        let mut h = DefaultHasher::new();
        seed.hash(&mut h);
        for p in parts {
            p.hash(&mut h);
        }
        h.finish()
    };
    let (a, b) = (half(0x5eed_0001), half(0x5eed_0002));
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The packages in a stable order: by type, name, version, location.
fn sorted(pkgs: &[Package]) -> Vec<&Package> {
    let mut v: Vec<&Package> = pkgs.iter().collect();
    v.sort_by(|a, b| {
        (a.kind.purl_type(), &a.name, &a.version, &a.location).cmp(&(
            b.kind.purl_type(),
            &b.name,
            &b.version,
            &b.location,
        ))
    });
    v
}

fn fingerprint(s: &SbomSubject<'_>) -> Vec<String> {
    let mut parts = vec![
        s.name.to_string(),
        s.digest.unwrap_or("").to_string(),
        s.created.to_string(),
    ];
    parts.extend(sorted(s.packages).iter().map(|p| p.purl.clone()));
    parts
}

/// A licence as written: an SPDX identifier, else an SPDX expression, else
/// free text.
enum License<'a> {
    Id(&'static str),
    Expression(&'a str),
    Name(&'a str),
}

fn license(s: &str) -> License<'_> {
    let s = s.trim();
    if let Some(id) = spdx::license_id(s) {
        return License::Id(id.name);
    }
    if spdx::Expression::parse_mode(s, spdx::ParseMode::STRICT).is_ok() {
        return License::Expression(s);
    }
    License::Name(s)
}

/// CycloneDX 1.6 JSON.
pub fn cyclonedx(s: &SbomSubject<'_>) -> Value {
    let fp = fingerprint(s);
    let fp: Vec<&str> = fp.iter().map(String::as_str).collect();
    let mut components = Vec::new();
    let mut refs = BTreeSet::new();
    if let Some(os) = s.os
        && let Some(id) = os.id.as_deref().filter(|i| !i.is_empty())
    {
        let mut c = json!({
            "type": "operating-system",
            "bom-ref": format!("os:{id}"),
            "name": id,
        });
        if let Some(v) = os.version_id.as_deref() {
            c["version"] = json!(v);
        }
        if let Some(d) = os.pretty_name.as_deref() {
            c["description"] = json!(d);
        }
        components.push(c);
    }
    // bom-ref of each package, by its index in `s.packages`.
    let mut ref_of: Vec<Option<String>> = vec![None; s.packages.len()];
    for p in sorted(s.packages) {
        // A purl can repeat (the same package declared twice in one
        // image); bom-refs must be unique.
        let mut bom_ref = p.purl.clone();
        let mut n = 1;
        while !refs.insert(bom_ref.clone()) {
            n += 1;
            bom_ref = format!("{}#{n}", p.purl);
        }
        if let Some(i) = s.packages.iter().position(|q| std::ptr::eq(q, p))
            && let Some(slot) = ref_of.get_mut(i)
        {
            *slot = Some(bom_ref.clone());
        }
        let mut c = json!({
            "type": "library",
            "bom-ref": bom_ref,
            "name": p.name,
            "version": p.version,
            "purl": p.purl,
        });
        if let Some(ns) = &p.namespace {
            c["group"] = json!(ns);
        }
        let written: Vec<&String> = p.licenses.iter().filter(|l| !l.trim().is_empty()).collect();
        let lic: Vec<Value> = match written.as_slice() {
            // A lone SPDX expression is said as one (CycloneDX allows an
            // expression only alone).
            [one] if matches!(license(one), License::Expression(_)) => {
                vec![json!({"expression": one.trim()})]
            }
            _ => written
                .iter()
                .map(|l| match license(l) {
                    License::Id(id) => json!({"license": {"id": id}}),
                    License::Expression(e) | License::Name(e) => {
                        json!({"license": {"name": e}})
                    }
                })
                .collect(),
        };
        if !lic.is_empty() {
            c["licenses"] = Value::Array(lic);
        }
        let mut props = vec![
            json!({"name": "drydock:package:type", "value": p.kind.syft_type()}),
            json!({"name": "drydock:location:path", "value": p.location}),
        ];
        if let Some(l) = p.layer {
            props.push(json!({"name": "drydock:location:layer", "value": l.to_string()}));
        }
        if let Some((src, ver)) = &p.source {
            props.push(json!({"name": "drydock:package:source", "value": src}));
            if let Some(v) = ver {
                props.push(json!({"name": "drydock:package:source-version", "value": v}));
            }
        }
        if let Some(a) = &p.arch {
            props.push(json!({"name": "drydock:package:arch", "value": a}));
        }
        c["properties"] = Value::Array(props);
        components.push(c);
    }
    let mut subject = json!({
        "type": "container",
        "bom-ref": "subject",
        "name": s.name,
    });
    if let Some(d) = s.digest {
        subject["version"] = json!(d);
    }
    let vulnerabilities: Vec<Value> = s
        .vulnerabilities
        .iter()
        .enumerate()
        .filter_map(|(n, v)| {
            let affected = ref_of.get(v.package)?.as_ref()?;
            let mut rating = json!({
                "source": {"name": "OSV"},
                "severity": v.severity,
            });
            if let Some(score) = v.score {
                rating["score"] = json!(score);
            }
            if let Some(vector) = &v.vector {
                let method = if vector.starts_with("CVSS:4.0/") {
                    "CVSSv4"
                } else if vector.starts_with("CVSS:3.1/") {
                    "CVSSv31"
                } else if vector.starts_with("CVSS:3.0/") {
                    "CVSSv3"
                } else {
                    "other"
                };
                rating["method"] = json!(method);
                rating["vector"] = json!(vector);
            }
            let mut out = json!({
                "bom-ref": format!("vulnerability-{}", n + 1),
                "id": v.id,
                "source": {"name": "OSV", "url": format!("https://osv.dev/vulnerability/{}", v.id)},
                "ratings": [rating],
                "affects": [{"ref": affected}],
            });
            if !v.aliases.is_empty() {
                out["references"] = Value::Array(
                    v.aliases
                        .iter()
                        .map(|a| json!({"id": a, "source": {"name": "OSV"}}))
                        .collect(),
                );
            }
            if let Some(d) = &v.summary {
                out["description"] = json!(d);
            }
            if let Some(f) = &v.fixed {
                out["recommendation"] = json!(format!("Upgrade to {f}"));
            }
            Some(out)
        })
        .collect();
    let mut doc = json!({
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": format!("urn:uuid:{}", derived_uuid(&fp)),
        "version": 1,
        "metadata": {
            "timestamp": s.created,
            "tools": {"components": [{
                "type": "application",
                "author": "drydock developers",
                "name": "drydock",
                "version": s.tool_version,
            }]},
            "component": subject,
        },
        "components": components,
    });
    if !vulnerabilities.is_empty() {
        doc["vulnerabilities"] = Value::Array(vulnerabilities);
    }
    doc
}

/// An SPDX element ID from free text: letters, digits, `.` and `-`.
fn spdx_id(prefix: &str, text: &str, n: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("SPDXRef-{prefix}-{clean}-{n}")
}

/// SPDX 2.3 JSON.
pub fn spdx(s: &SbomSubject<'_>) -> Value {
    let fp = fingerprint(s);
    let fp: Vec<&str> = fp.iter().map(String::as_str).collect();
    let root = "SPDXRef-DocumentRoot-Image";
    let mut packages = Vec::new();
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": root,
    })];
    let mut root_pkg = json!({
        "SPDXID": root,
        "name": s.name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "licenseConcluded": "NOASSERTION",
        "licenseDeclared": "NOASSERTION",
        "copyrightText": "NOASSERTION",
        "primaryPackagePurpose": "CONTAINER",
    });
    if let Some(d) = s.digest {
        root_pkg["versionInfo"] = json!(d);
    }
    packages.push(root_pkg);
    // Licences that are not SPDX expressions become LicenseRefs, declared
    // once each in `hasExtractedLicensingInfos`.
    let mut extracted: BTreeMap<String, String> = BTreeMap::new();
    let mut declared_of = |l: &str| -> String {
        match license(l) {
            License::Id(id) => id.to_string(),
            License::Expression(e) => e.to_string(),
            License::Name(n) => {
                let id = format!(
                    "LicenseRef-{}",
                    n.chars()
                        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                            c
                        } else {
                            '-'
                        })
                        .collect::<String>()
                );
                extracted.entry(id.clone()).or_insert_with(|| n.to_string());
                id
            }
        }
    };
    for (i, p) in sorted(s.packages).into_iter().enumerate() {
        let id = spdx_id("Package", &format!("{}-{}", p.kind.purl_type(), p.name), i);
        let lics: Vec<String> = p
            .licenses
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| declared_of(l))
            .collect();
        let declared = match lics.len() {
            0 => "NOASSERTION".to_string(),
            1 => lics[0].clone(),
            _ => lics
                .iter()
                .map(|l| {
                    if l.contains(' ') {
                        format!("({l})")
                    } else {
                        l.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" AND "),
        };
        let mut pkg = json!({
            "SPDXID": id,
            "name": p.name,
            "versionInfo": p.version,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": declared,
            "copyrightText": "NOASSERTION",
            "sourceInfo": format!("declared by {}", p.location),
            "externalRefs": [{
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": p.purl,
            }],
        });
        if let Some((src, _)) = &p.source
            && *src != p.name
        {
            pkg["comment"] = json!(format!("source package: {src}"));
        }
        packages.push(pkg);
        relationships.push(json!({
            "spdxElementId": root,
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": id,
        }));
    }
    let mut doc = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": s.name,
        "documentNamespace": format!(
            "https://drydock.invalid/spdx/{}-{}",
            s.name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect::<String>(),
            derived_uuid(&fp)
        ),
        "creationInfo": {
            "created": s.created,
            "creators": [format!("Tool: drydock-{}", s.tool_version)],
        },
        "packages": packages,
        "relationships": relationships,
    });
    if !extracted.is_empty() {
        doc["hasExtractedLicensingInfos"] = Value::Array(
            extracted
                .into_iter()
                .map(|(id, text)| json!({"licenseId": id, "extractedText": text, "name": text}))
                .collect(),
        );
    }
    doc
}

#[cfg(test)]
mod tests {
    use drydock_core::package::PackageKind;

    use super::*;

    use drydock_testkit::schemas::{Sbom, violations};

    fn packages() -> Vec<Package> {
        let os = OsRelease {
            id: Some("debian".into()),
            version_id: Some("12".into()),
            version_codename: Some("bookworm".into()),
            pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
            id_like: Vec::new(),
        };
        let mut ssl = Package::new(
            PackageKind::Deb,
            "libssl3",
            "3.0.11-1~deb12u2",
            "/var/lib/dpkg/status",
        );
        ssl.arch = Some("amd64".into());
        ssl.source = Some(("openssl".into(), None));
        ssl.licenses = vec!["Apache-2.0".into(), "Artistic".into(), "GPL-1+".into()];
        ssl.layer = Some(0);
        ssl.purl = ssl.compute_purl(Some(&os));
        let mut req = Package::new(
            PackageKind::Python,
            "requests",
            "2.31.0",
            "/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA",
        );
        req.licenses = vec!["Apache-2.0 OR MIT".into()];
        req.layer = Some(1);
        let mut jar = Package::new(
            PackageKind::Maven,
            "guava",
            "32.1.2-jre",
            "/app/app.jar:guava.jar",
        );
        jar.namespace = Some("com.google.guava".into());
        jar.purl = jar.compute_purl(None);
        let twice = Package::new(
            PackageKind::Npm,
            "@scope/x",
            "1.0.0",
            "/a/node_modules/@scope/x/package.json",
        );
        let mut twice2 = twice.clone();
        twice2.location = "/b/node_modules/@scope/x/package.json".into();
        vec![ssl, req, jar, twice, twice2]
    }

    fn subject<'a>(pkgs: &'a [Package], os: &'a OsRelease) -> SbomSubject<'a> {
        SbomSubject {
            name: "example/app:1.0",
            digest: Some("sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
            os: Some(os),
            packages: pkgs,
            created: "2026-11-23T05:40:00Z",
            tool_version: "0.1.0",
            vulnerabilities: &[],
        }
    }

    fn os() -> OsRelease {
        OsRelease {
            id: Some("debian".into()),
            version_id: Some("12".into()),
            ..OsRelease::default()
        }
    }

    #[test]
    fn cyclonedx_validates_against_the_official_schema() {
        let pkgs = packages();
        let os = os();
        let doc = cyclonedx(&subject(&pkgs, &os));
        assert_eq!(violations(Sbom::CycloneDx16, &doc), Vec::<String>::new());
        let comps = doc["components"].as_array().unwrap();
        assert_eq!(comps.len(), 6, "the OS and five packages");
        assert_eq!(comps[0]["type"], "operating-system");
        let ssl = comps.iter().find(|c| c["name"] == "libssl3").unwrap();
        assert_eq!(
            ssl["purl"],
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"
        );
        assert_eq!(ssl["licenses"][0], json!({"license": {"id": "Apache-2.0"}}));
        assert_eq!(ssl["licenses"][2], json!({"license": {"name": "GPL-1+"}}));
        let req = comps.iter().find(|c| c["name"] == "requests").unwrap();
        assert_eq!(
            req["licenses"],
            json!([{"expression": "Apache-2.0 OR MIT"}])
        );
        let refs: BTreeSet<&str> = comps
            .iter()
            .map(|c| c["bom-ref"].as_str().unwrap())
            .collect();
        assert_eq!(refs.len(), comps.len(), "bom-refs are unique");
        // Deterministic.
        assert_eq!(doc, cyclonedx(&subject(&pkgs, &os)));
    }

    #[test]
    fn spdx_validates_against_the_official_schema() {
        let pkgs = packages();
        let os = os();
        let doc = spdx(&subject(&pkgs, &os));
        assert_eq!(violations(Sbom::Spdx23, &doc), Vec::<String>::new());
        let ps = doc["packages"].as_array().unwrap();
        assert_eq!(ps.len(), 6, "the image and five packages");
        let ids: BTreeSet<&str> = ps.iter().map(|p| p["SPDXID"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), ps.len(), "SPDX IDs are unique");
        let ssl = ps.iter().find(|p| p["name"] == "libssl3").unwrap();
        // `Artistic` (Debian's name) and `GPL-1+` are not SPDX identifiers.
        assert_eq!(
            ssl["licenseDeclared"],
            "Apache-2.0 AND LicenseRef-Artistic AND LicenseRef-GPL-1-"
        );
        let req = ps.iter().find(|p| p["name"] == "requests").unwrap();
        assert_eq!(req["licenseDeclared"], "Apache-2.0 OR MIT");
        assert_eq!(
            req["externalRefs"][0]["referenceLocator"],
            "pkg:pypi/requests@2.31.0"
        );
        let extracted = doc["hasExtractedLicensingInfos"].as_array().unwrap();
        assert_eq!(extracted.len(), 2);
        assert_eq!(extracted[1]["extractedText"], "GPL-1+");
        assert_eq!(doc["relationships"].as_array().unwrap().len(), 6);
        assert_eq!(doc, spdx(&subject(&pkgs, &os)));
    }

    #[test]
    fn empty_catalogue_is_a_valid_document() {
        let s = SbomSubject {
            name: "scratch.tar",
            digest: None,
            os: None,
            packages: &[],
            created: "2026-11-23T05:40:00Z",
            tool_version: "0.1.0",
            vulnerabilities: &[],
        };
        assert_eq!(
            violations(Sbom::CycloneDx16, &cyclonedx(&s)),
            Vec::<String>::new()
        );
        assert_eq!(violations(Sbom::Spdx23, &spdx(&s)), Vec::<String>::new());
    }

    #[test]
    fn uuids_have_the_version_5_layout() {
        let u = derived_uuid(&["a", "b"]);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "5");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"), "{u}");
        assert_ne!(u, derived_uuid(&["a", "c"]));
    }
}
