//! `docs/schema/guard-v1.schema.json` agrees with the policy parser: every
//! example policy in `docs/guard.md` and a policy using every key pass
//! both; policies with unknown keys or wrong types fail both.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::path::Path;

use drydock_guard::Policy;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("docs/schema/guard-v1.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .unwrap()
}

/// A TOML policy as the JSON document the schema describes.
fn as_json(toml_text: &str) -> serde_json::Value {
    let v: toml::Value = toml::from_str(toml_text).unwrap();
    serde_json::to_value(v).unwrap()
}

fn schema_errors(v: &jsonschema::Validator, toml_text: &str) -> Vec<String> {
    let doc = as_json(toml_text);
    v.iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Every ```toml block of docs/guard.md.
fn doc_examples() -> Vec<String> {
    let doc = std::fs::read_to_string(root().join("docs/guard.md")).unwrap();
    doc.split("```toml\n")
        .skip(1)
        .filter_map(|rest| rest.split_once("```").map(|(t, _)| t.to_string()))
        .collect()
}

#[test]
fn every_documented_policy_passes_the_schema_and_the_parser() {
    let v = validator();
    let examples = doc_examples();
    assert!(examples.len() >= 3, "docs/guard.md lost its examples");
    for ex in &examples {
        if let Err(e) = Policy::parse(ex) {
            panic!("the parser refuses a documented policy: {e:?}\n{ex}");
        }
        let errs = schema_errors(&v, ex);
        assert!(errs.is_empty(), "{errs:#?}\n{ex}");
    }
}

#[test]
fn every_key_is_in_the_schema() {
    let all = r#"
[rules]
deny = ["CTR:high", "SEC", "critical", "CTR001"]
log = ["all"]

[exec]
privileged = "deny"
root = "log"

[plugins]
privileges = "log"

[build]
remote-context = "deny"

[registries]
allow = ["docker.io", "ghcr.io/acme", "*.example.com", "registry.example.com:5000"]

[host]
engine-sockets = ["/srv/docker.sock"]

[[exceptions]]
name = "traefik*"
label = "role=edge"
image = "traefik:*"
rules = ["CTR002"]
reason = "reads labels"

[[exceptions]]
client = "ci-*"
rules = ["CTR016"]
reason = "CI test containers run as root"

[[proxy.clients]]
name = "a"
uid = 1000
profile = "read-only"
grants = ["GET /info", "* /containers/*/logs", "get /version"]
visible = { labels = ["x=y", "z"], names = ["web-*"] }
redact-env = true

[[proxy.clients]]
name = "b"
container = "traefik"
profile = "traefik"
redact_env = false

[[proxy.clients]]
name = "c"
default = true
grants = ["GET /version"]

[[proxy.clients]]
name = "d"
cert = "ci-runner.example.com"
profile = "ci-runner"
visible-images = { names = ["registry.example.com/ci/*"] }
visible-networks = { names = ["ci-*"] }
visible-volumes = { labels = ["owner=ci"] }

[[proxy.clients]]
name = "e"
address = "10.20.0.0/16"
profile = "read-only"
visible_images = { labels = ["owner=ops"] }
visible_networks = { labels = ["owner=ops"] }
visible_volumes = { names = ["ops-*"] }

[[proxy.clients]]
name = "f"
address = "fd00::/8"
grants = ["GET /version"]
"#;
    Policy::parse(all).unwrap();
    let errs = schema_errors(&validator(), all);
    assert!(errs.is_empty(), "{errs:#?}");
}

#[test]
fn bad_policies_fail_both() {
    let v = validator();
    for bad in [
        "[rules]\ndeni = [\"CTR\"]\n",
        "[exec]\nprivileged = \"sometimes\"\n",
        "[exec]\nroot = 1\n",
        "[registries]\nallow = \"docker.io\"\n",
        "[host]\nengine-sockets = [\"relative.sock\"]\n",
        "[[exceptions]]\nname = \"x\"\n",
        "[[exceptions]]\nreason = \"no matcher\"\n",
        "[[proxy.clients]]\nname = \"a\"\nuid = 1\ncontainer = \"b\"\n",
        "[[proxy.clients]]\nname = \"a\"\nuid = -1\n",
        "[[proxy.clients]]\nname = \"a\"\ndefault = true\ngrants = [\"/containers/json\"]\n",
        "[[proxy.clients]]\nname = \"a\"\ndefault = true\nprofile = \"admin\"\n",
        "[[proxy.clients]]\nname = \"a\"\ndefault = true\n",
        "[[proxy.clients]]\nname = \"a\"\ndefault = true\nvisible = { colours = [\"red\"] }\n",
        "[proxy]\nlisten = \"tcp://0.0.0.0:2375\"\n",
        "[plugins]\nprivileges = \"maybe\"\n",
        "[build]\nremote-context = true\n",
        "[build]\nremote = \"deny\"\n",
        "[[exceptions]]\nclient = \"\"\nreason = \"x\"\n",
        "[[proxy.clients]]\nname = \"a\"\ncert = \"x\"\naddress = \"10.0.0.1\"\ngrants = [\"GET /version\"]\n",
        "[[proxy.clients]]\nname = \"a\"\naddress = \"ten.0.0.0/8\"\ngrants = [\"GET /version\"]\n",
        "[[proxy.clients]]\nname = \"a\"\ndefault = true\nprofile = \"read-only\"\nvisible-images = { tags = [\"x\"] }\n",
        "[surprise]\n",
    ] {
        assert!(Policy::parse(bad).is_err(), "the parser accepts:\n{bad}");
        assert!(
            !schema_errors(&v, bad).is_empty(),
            "the schema accepts:\n{bad}"
        );
    }
}
