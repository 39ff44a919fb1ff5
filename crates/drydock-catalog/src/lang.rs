//! Language package metadata: Python (`METADATA`, `PKG-INFO`), npm
//! (`**/package.json`, `package-lock.json` v2/v3), Ruby
//! (`specifications/*.gemspec`), PHP (`vendor/composer/installed.json`).

use drydock_core::package::{Package, PackageKind};
use serde_json::Value;

const MAX_ENTRIES: usize = 1_000_000;

fn utf8(data: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(data).map_err(|e| format!("not UTF-8 at byte {}", e.valid_up_to()))
}

// ---------------------------------------------------------------- Python

/// Core metadata (RFC 822 headers up to the first blank line).
pub(crate) fn parse_python(path: &str, data: &[u8]) -> Result<Vec<Package>, String> {
    let text = String::from_utf8_lossy(data);
    let mut name = None;
    let mut version = None;
    let mut license = None;
    let mut license_expr = None;
    let mut classifiers = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            break; // body (long description) follows
        }
        if line.starts_with([' ', '\t']) {
            // Continuation lines (a multi-line License text) are not kept:
            // the first line names the licence.
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match k {
            "Name" => name = Some(v.to_string()),
            "Version" => version = Some(v.to_string()),
            "License" if !v.is_empty() && !v.eq_ignore_ascii_case("UNKNOWN") => {
                license = Some(v.to_string())
            }
            "License-Expression" if !v.is_empty() => license_expr = Some(v.to_string()),
            "Classifier" => {
                if let Some(rest) = v.strip_prefix("License ::")
                    && let Some(last) = rest.rsplit("::").next()
                {
                    let l = last.trim();
                    if !l.is_empty() && l != "OSI Approved" {
                        classifiers.push(l.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return Err("no Name: header".into());
    };
    let Some(version) = version.filter(|v| !v.is_empty()) else {
        return Err(format!("{name}: no Version: header"));
    };
    // Named as Syft names them: PEP 503 normalised (`Jinja2` → `jinja2`,
    // `typing_extensions` → `typing-extensions`), which is also how the
    // index and vulnerability databases key them.
    let name = drydock_core::package::pep503_normalise(&name);
    let mut p = Package::new(PackageKind::Python, name, version, path);
    p.licenses = if let Some(e) = license_expr {
        vec![e]
    } else if let Some(l) = license {
        vec![l]
    } else {
        classifiers
    };
    Ok(vec![p])
}

// ---------------------------------------------------------------- npm

fn npm_licenses(v: &Value) -> Vec<String> {
    let one = |x: &Value| -> Option<String> {
        match x {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Object(o) => o
                .get("type")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            _ => None,
        }
    };
    if let Some(l) = v.get("license") {
        if let Value::Array(a) = l {
            return a.iter().filter_map(one).collect();
        }
        return one(l).into_iter().collect();
    }
    match v.get("licenses") {
        Some(Value::Array(a)) => a.iter().filter_map(one).collect(),
        Some(other) => one(other).into_iter().collect(),
        None => Vec::new(),
    }
}

fn str_field<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A `package.json`: one package (none if it lacks a name or a version, as
/// Syft does: such files are workspace roots, fixtures and test data).
pub(crate) fn parse_package_json(path: &str, data: &[u8]) -> Result<Vec<Package>, String> {
    let v: Value = serde_json::from_slice(data).map_err(|e| format!("invalid JSON: {e}"))?;
    if !v.is_object() {
        return Err("not a JSON object".into());
    }
    let (Some(name), Some(version)) = (str_field(&v, "name"), str_field(&v, "version")) else {
        return Ok(Vec::new());
    };
    let mut p = Package::new(PackageKind::Npm, name, version, path);
    p.licenses = npm_licenses(&v);
    Ok(vec![p])
}

/// `package-lock.json` lockfileVersion 2/3: the `packages` map (the root
/// entry `""` is the project itself and is skipped; links have no version).
/// Version 1 files (only `dependencies`) are read from `dependencies`.
pub(crate) fn parse_package_lock(path: &str, data: &[u8]) -> Result<Vec<Package>, String> {
    let v: Value = serde_json::from_slice(data).map_err(|e| format!("invalid JSON: {e}"))?;
    let mut out = Vec::new();
    if let Some(pkgs) = v.get("packages").and_then(Value::as_object) {
        for (key, entry) in pkgs {
            if key.is_empty() || entry.get("link").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let name = str_field(entry, "name")
                .map(str::to_string)
                .or_else(|| key.rsplit_once("node_modules/").map(|(_, n)| n.to_string()));
            let (Some(name), Some(version)) = (name, str_field(entry, "version")) else {
                continue;
            };
            let mut p = Package::new(PackageKind::Npm, name, version, path);
            p.licenses = npm_licenses(entry);
            out.push(p);
            if out.len() > MAX_ENTRIES {
                return Err(format!("more than {MAX_ENTRIES} packages"));
            }
        }
        return Ok(out);
    }
    // lockfileVersion 1: nested `dependencies` maps.
    fn walk(
        deps: &serde_json::Map<String, Value>,
        path: &str,
        out: &mut Vec<Package>,
        depth: usize,
    ) {
        if depth > 64 || out.len() > MAX_ENTRIES {
            return;
        }
        for (name, entry) in deps {
            if let Some(version) = str_field(entry, "version")
                && !version.starts_with("file:")
            {
                out.push(Package::new(PackageKind::Npm, name.as_str(), version, path));
            }
            if let Some(d) = entry.get("dependencies").and_then(Value::as_object) {
                walk(d, path, out, depth + 1);
            }
        }
    }
    match v.get("dependencies").and_then(Value::as_object) {
        Some(d) => walk(d, path, &mut out, 0),
        None if v.is_object() => {}
        None => return Err("not a JSON object".into()),
    }
    Ok(out)
}

// ---------------------------------------------------------------- Ruby

/// The Ruby string literal starting at `s` (`"…"` or `'…'`), if any.
fn ruby_string(s: &str) -> Option<String> {
    let s = s.trim_start();
    let q = s.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &s[1..];
    let end = rest.find(q)?;
    Some(rest[..end].to_string())
}

/// Installed gem specifications (`rubygems` writes them with `s.name = "x".freeze`).
pub(crate) fn parse_gemspec(path: &str, data: &[u8]) -> Result<Vec<Package>, String> {
    let text = utf8(data)?;
    let mut name = None;
    let mut version = None;
    let mut licenses = Vec::new();
    for line in text.lines() {
        let l = line.trim();
        let Some((lhs, rhs)) = l.split_once('=') else {
            continue;
        };
        let field = lhs.trim().rsplit('.').next().unwrap_or("");
        let rhs = rhs.trim_start();
        match field {
            "name" if name.is_none() => name = ruby_string(rhs),
            "version" if version.is_none() => {
                // `s.version = "7.0.0"` or `s.version = Gem::Version.new("7.0.0")`
                version = ruby_string(rhs)
                    .or_else(|| rhs.find('(').and_then(|i| ruby_string(&rhs[i + 1..])));
            }
            "license" => licenses.extend(ruby_string(rhs)),
            "licenses" => {
                let inner = rhs.trim_start_matches('[');
                for part in inner.split(',') {
                    if let Some(s) = ruby_string(part) {
                        licenses.push(s);
                    }
                }
            }
            _ => {}
        }
    }
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return Err("no `s.name = …` assignment".into());
    };
    let Some(version) = version.filter(|v| !v.is_empty()) else {
        return Err(format!("{name}: no `s.version = …` assignment"));
    };
    let mut p = Package::new(PackageKind::Gem, name, version, path);
    p.licenses = licenses;
    Ok(vec![p])
}

// ---------------------------------------------------------------- PHP

/// `vendor/composer/installed.json`: Composer 1 writes an array, Composer 2
/// `{"packages": [...], "dev": …}`.
pub(crate) fn parse_composer(path: &str, data: &[u8]) -> Result<Vec<Package>, String> {
    let v: Value = serde_json::from_slice(data).map_err(|e| format!("invalid JSON: {e}"))?;
    let list = match &v {
        Value::Array(a) => a,
        Value::Object(o) => match o.get("packages") {
            Some(Value::Array(a)) => a,
            _ => return Err("no `packages` array".into()),
        },
        _ => return Err("neither an array nor an object".into()),
    };
    let mut out = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let (Some(name), Some(version)) = (str_field(entry, "name"), str_field(entry, "version"))
        else {
            return Err(format!("packages[{i}] lacks name or version"));
        };
        let mut p = Package::new(PackageKind::Composer, name, version, path);
        if let Some(Value::Array(l)) = entry.get("license") {
            p.licenses = l
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
        } else if let Some(l) = str_field(entry, "license") {
            p.licenses = vec![l.to_string()];
        }
        out.push(p);
        if out.len() > MAX_ENTRIES {
            return Err(format!("more than {MAX_ENTRIES} packages"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const METADATA: &str = "Metadata-Version: 2.1
Name: requests
Version: 2.31.0
Summary: Python HTTP for Humans.
Home-page: https://requests.readthedocs.io
Author: Kenneth Reitz
Author-email: me@kennethreitz.org
License: Apache 2.0
Project-URL: Documentation, https://requests.readthedocs.io
Classifier: Development Status :: 5 - Production/Stable
Classifier: License :: OSI Approved :: Apache Software License
Requires-Python: >=3.7
Description-Content-Type: text/markdown
License-File: LICENSE
Requires-Dist: charset-normalizer (<4,>=2)

# Requests
License: not a header, this is the body
";

    #[test]
    fn python_names_are_normalised_as_syft_names_them() {
        for (declared, name) in [
            ("Jinja2", "jinja2"),
            ("typing_extensions", "typing-extensions"),
            ("prompt_toolkit", "prompt-toolkit"),
            ("zope.interface", "zope-interface"),
        ] {
            let meta = format!("Metadata-Version: 2.1\nName: {declared}\nVersion: 1.0\n");
            let p = parse_python("/x.dist-info/METADATA", meta.as_bytes())
                .unwrap()
                .remove(0);
            assert_eq!(p.name, name);
            assert_eq!(p.purl, format!("pkg:pypi/{name}@1.0"));
        }
    }

    #[test]
    fn python_metadata() {
        let p = parse_python(
            "/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA",
            METADATA.as_bytes(),
        )
        .unwrap();
        assert_eq!(p[0].name, "requests");
        assert_eq!(p[0].version, "2.31.0");
        assert_eq!(p[0].licenses, vec!["Apache 2.0".to_string()]);
        assert_eq!(p[0].purl, "pkg:pypi/requests@2.31.0");
        let classic = "Metadata-Version: 1.1\nName: PyYAML\nVersion: 6.0.1\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License\n";
        let p = parse_python("/x/PyYAML.egg-info/PKG-INFO", classic.as_bytes()).unwrap();
        assert_eq!(p[0].licenses, vec!["MIT License".to_string()]);
        assert_eq!(p[0].purl, "pkg:pypi/pyyaml@6.0.1");
        let expr = "Metadata-Version: 2.4\nName: attrs\nVersion: 24.2.0\nLicense-Expression: MIT\n";
        assert_eq!(
            parse_python("m", expr.as_bytes()).unwrap()[0].licenses,
            vec!["MIT".to_string()]
        );
        assert!(
            parse_python("m", b"Version: 1\n")
                .unwrap_err()
                .contains("no Name")
        );
        assert!(
            parse_python("m", b"Name: x\n")
                .unwrap_err()
                .contains("no Version")
        );
    }

    #[test]
    fn package_json() {
        let pj =
            r#"{"name":"@babel/core","version":"7.23.9","license":"MIT","main":"./lib/index.js"}"#;
        let p = parse_package_json("/app/node_modules/@babel/core/package.json", pj.as_bytes())
            .unwrap();
        assert_eq!(p[0].purl, "pkg:npm/%40babel/core@7.23.9");
        assert_eq!(p[0].licenses, vec!["MIT".to_string()]);
        let old = r#"{"name":"x","version":"1.0.0","licenses":[{"type":"MIT","url":"u"},{"type":"Apache-2.0"}]}"#;
        assert_eq!(
            parse_package_json("p", old.as_bytes()).unwrap()[0]
                .licenses
                .len(),
            2
        );
        let obj = r#"{"name":"y","version":"2.0.0","license":{"type":"BSD-3-Clause"}}"#;
        assert_eq!(
            parse_package_json("p", obj.as_bytes()).unwrap()[0].licenses,
            vec!["BSD-3-Clause".to_string()]
        );
        assert!(
            parse_package_json("p", br#"{"name":"fixture"}"#)
                .unwrap()
                .is_empty()
        );
        assert!(
            parse_package_json("p", b"{")
                .unwrap_err()
                .contains("invalid JSON")
        );
        assert!(parse_package_json("p", b"[]").is_err());
    }

    #[test]
    fn package_lock_v3_and_v1() {
        let v3 = r#"{
  "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": {"name": "app", "version": "1.0.0", "dependencies": {"express": "^4.18.2"}},
    "node_modules/express": {"version": "4.18.2", "resolved": "https://registry.npmjs.org/express/-/express-4.18.2.tgz", "integrity": "sha512-x", "license": "MIT"},
    "node_modules/@types/node": {"version": "20.11.5", "dev": true, "license": "MIT"},
    "node_modules/express/node_modules/debug": {"version": "2.6.9", "license": "MIT"},
    "node_modules/local": {"resolved": "packages/local", "link": true},
    "packages/local": {"name": "local", "version": "0.1.0"}
  }
}"#;
        let p = parse_package_lock("/app/package-lock.json", v3.as_bytes()).unwrap();
        let names: Vec<_> = p
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("@types/node", "20.11.5"),
                ("express", "4.18.2"),
                ("debug", "2.6.9"),
                ("local", "0.1.0")
            ]
        );
        let v1 = r#"{"name":"a","lockfileVersion":1,"dependencies":{"ms":{"version":"2.0.0"},"debug":{"version":"2.6.9","dependencies":{"ms":{"version":"2.1.3"}}}}}"#;
        assert_eq!(parse_package_lock("l", v1.as_bytes()).unwrap().len(), 3);
        assert!(parse_package_lock("l", b"42").is_err());
    }

    #[test]
    fn gemspec() {
        let spec = r#"# -*- encoding: utf-8 -*-
# stub: rails 7.0.8 ruby lib

Gem::Specification.new do |s|
  s.name = "rails".freeze
  s.version = "7.0.8"

  s.required_rubygems_version = Gem::Requirement.new(">= 1.8.11".freeze) if s.respond_to? :required_rubygems_version=
  s.metadata = { "bug_tracker_uri" => "https://github.com/rails/rails/issues" } if s.respond_to? :metadata=
  s.require_paths = ["lib".freeze]
  s.authors = ["David Heinemeier Hansson".freeze]
  s.date = "2023-09-09"
  s.licenses = ["MIT".freeze, "Ruby".freeze]
  s.rubygems_version = "3.4.10".freeze
  s.summary = "Full-stack web application framework.".freeze
end
"#;
        let p = parse_gemspec(
            "/usr/local/bundle/specifications/rails-7.0.8.gemspec",
            spec.as_bytes(),
        )
        .unwrap();
        assert_eq!(
            (p[0].name.as_str(), p[0].version.as_str()),
            ("rails", "7.0.8")
        );
        assert_eq!(p[0].licenses, vec!["MIT".to_string(), "Ruby".to_string()]);
        assert_eq!(p[0].purl, "pkg:gem/rails@7.0.8");
        let v = "Gem::Specification.new do |s|\n  s.name = 'x'\n  s.version = Gem::Version.new(\"1.2\")\nend\n";
        assert_eq!(parse_gemspec("g", v.as_bytes()).unwrap()[0].version, "1.2");
        assert!(parse_gemspec("g", b"nothing").is_err());
    }

    #[test]
    fn composer() {
        let v2 = r#"{"packages":[{"name":"monolog/monolog","version":"3.5.0","version_normalized":"3.5.0.0","license":["MIT"]},{"name":"psr/log","version":"3.0.0","license":["MIT"]}],"dev":true,"dev-package-names":[]}"#;
        let p = parse_composer("/app/vendor/composer/installed.json", v2.as_bytes()).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].purl, "pkg:composer/monolog/monolog@3.5.0");
        let v1 = r#"[{"name":"symfony/console","version":"v5.4.0","license":["MIT"]}]"#;
        assert_eq!(
            parse_composer("i", v1.as_bytes()).unwrap()[0].version,
            "v5.4.0"
        );
        assert!(parse_composer("i", br#"{"x":1}"#).is_err());
        assert!(
            parse_composer("i", br#"[{"name":"a"}]"#)
                .unwrap_err()
                .contains("packages[0]")
        );
    }
}
