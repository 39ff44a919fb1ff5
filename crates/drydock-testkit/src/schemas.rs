//! The official SBOM schemas of `../shared/reference/schemas` as
//! validators: CycloneDX 1.6 (with the SPDX licence list and JSF schemas it
//! `$ref`s, served locally: tests never reach the network) and SPDX 2.3.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

/// Which SBOM schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sbom {
    CycloneDx16,
    Spdx23,
}

/// The schemas `$ref`'d by URI, served from the shared directory.
struct LocalSchemas(BTreeMap<String, Value>);

impl jsonschema::Retrieve for LocalSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        self.0
            .get(uri.as_str())
            .cloned()
            .ok_or_else(|| format!("schema {uri} is not bundled").into())
    }
}

/// `../shared/reference/schemas`, from this crate.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/schemas")
}

fn read(file: &str) -> Value {
    let p = dir().join(file);
    let text =
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("schema {}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("schema {}: {e}", p.display()))
}

/// The validator of an SBOM schema.
pub fn validator(which: Sbom) -> jsonschema::Validator {
    match which {
        Sbom::Spdx23 => jsonschema::options()
            .build(&read("spdx-schema-2.3.json"))
            .expect("SPDX schema"),
        Sbom::CycloneDx16 => {
            let local = LocalSchemas(BTreeMap::from([
                (
                    "http://cyclonedx.org/schema/spdx.schema.json".to_string(),
                    read("spdx.schema.json"),
                ),
                (
                    "http://cyclonedx.org/schema/jsf-0.82.schema.json".to_string(),
                    read("jsf-0.82.schema.json"),
                ),
            ]));
            jsonschema::options()
                .with_retriever(local)
                .build(&read("bom-1.6.schema.json"))
                .expect("CycloneDX schema")
        }
    }
}

/// Every violation of `doc` against the schema, as `message at path`.
pub fn violations(which: Sbom, doc: &Value) -> Vec<String> {
    validator(which)
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

/// Asserts that `doc` is valid.
pub fn assert_valid(which: Sbom, doc: &Value) {
    let v = violations(which, doc);
    assert!(v.is_empty(), "{which:?} schema violations: {v:#?}");
}
