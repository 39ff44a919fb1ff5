//! The keys Compose accepts in a service and in its nested mappings, and the
//! "unknown key" check that uses them.
//!
//! Source: the official Compose Specification JSON Schema,
//! `schema/compose-spec.json` of compose-spec/compose-spec at commit
//! `170098ba07d9f53c383a41bfd4c5166b0a4529a6` (the file last changed in
//! `a08f8d51631b7127ddac3d2c65537db429d0f1d0`, 2025-10-28; `$id`
//! `compose_spec.json`, JSON Schema draft-07; the schema has no version
//! field). A copy is kept at `/work/shared/reference/schemas/compose-spec.json`;
//! the test below checks these lists against it. Every one of these mappings
//! also accepts `x-` extension keys (`patternProperties: {"^x-": {}}`) and
//! nothing else (`additionalProperties: false`).

use crate::convert::Ctx;
use crate::yaml::YamlEntry;

/// `definitions.service.properties`.
pub(crate) const SERVICE_KEYS: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "build",
    "cap_add",
    "cap_drop",
    "cgroup",
    "cgroup_parent",
    "command",
    "configs",
    "container_name",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "depends_on",
    "deploy",
    "develop",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "gpus",
    "group_add",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ipc",
    "isolation",
    "label_file",
    "labels",
    "links",
    "logging",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "models",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "ports",
    "post_start",
    "pre_stop",
    "privileged",
    "profiles",
    "provider",
    "pull_policy",
    "pull_refresh_after",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "use_api_socket",
    "user",
    "userns_mode",
    "uts",
    "volumes",
    "volumes_from",
    "working_dir",
];

/// `definitions.service.properties.build.oneOf[1].properties (the long form)`.
pub(crate) const BUILD_KEYS: &[&str] = &[
    "additional_contexts",
    "args",
    "cache_from",
    "cache_to",
    "context",
    "dockerfile",
    "dockerfile_inline",
    "entitlements",
    "extra_hosts",
    "isolation",
    "labels",
    "network",
    "no_cache",
    "platforms",
    "privileged",
    "provenance",
    "pull",
    "sbom",
    "secrets",
    "shm_size",
    "ssh",
    "tags",
    "target",
    "ulimits",
];

/// `definitions.deployment.properties`.
pub(crate) const DEPLOY_KEYS: &[&str] = &[
    "endpoint_mode",
    "labels",
    "mode",
    "placement",
    "replicas",
    "resources",
    "restart_policy",
    "rollback_config",
    "update_config",
];

/// `definitions.healthcheck.properties`.
pub(crate) const HEALTHCHECK_KEYS: &[&str] = &[
    "disable",
    "interval",
    "retries",
    "start_interval",
    "start_period",
    "test",
    "timeout",
];

/// `definitions.service.properties.logging.properties`.
pub(crate) const LOGGING_KEYS: &[&str] = &["driver", "options"];

/// `definitions.service.properties.ports.items.oneOf[2].properties (the long form)`.
pub(crate) const PORT_KEYS: &[&str] = &[
    "app_protocol",
    "host_ip",
    "mode",
    "name",
    "protocol",
    "published",
    "target",
];

/// `definitions.service.properties.volumes.items.oneOf[1].properties (the long form)`.
pub(crate) const VOLUME_KEYS: &[&str] = &[
    "bind",
    "consistency",
    "image",
    "read_only",
    "source",
    "target",
    "tmpfs",
    "type",
    "volume",
];

/// Reports `e`'s key unless it is in `known` (sorted) or an `x-` key.
/// `what` names the mapping: "service", "build", "port"…
pub(crate) fn check_key(ctx: &mut Ctx<'_>, e: &YamlEntry, known: &[&str], what: &str) {
    let Some(k) = e.key.as_str() else {
        ctx.err(e.key.range, format!("{what} keys must be strings"));
        return;
    };
    if k.starts_with("x-") || known.binary_search(&k).is_ok() {
        return;
    }
    let msg = match suggest(k, known) {
        Some(s) => format!("unknown {what} key `{k}`; did you mean `{s}`?"),
        None => format!("unknown {what} key `{k}`"),
    };
    ctx.err(e.key.range, msg);
}

/// The known key nearest to `k`, when it is close enough to be a typo: at
/// most one edit for keys of up to five characters, two for longer ones.
fn suggest<'k>(k: &str, known: &[&'k str]) -> Option<&'k str> {
    let len = k.chars().count();
    let max = if len <= 5 { 1 } else { 2 };
    let lower = k.to_ascii_lowercase();
    known
        .iter()
        // The distance is at least the difference in length (and this
        // keeps a huge key cheap).
        .filter(|c| c.len().abs_diff(len) <= max)
        .map(|c| (edit_distance(&lower, c), *c))
        .filter(|(d, _)| *d <= max)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance (Levenshtein plus transpositions of
/// neighbours), over chars.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: i-2, i-1, i.
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

    use super::*;
    use crate::yaml::{YamlNode, parse_yaml};
    use drydock_core::FileId;

    const SCHEMA: &str = "/work/shared/reference/schemas/compose-spec.json";

    /// The sorted property names of a schema object.
    fn props(n: &YamlNode) -> Vec<String> {
        let mut v: Vec<String> = n
            .get("properties")
            .and_then(YamlNode::as_map)
            .unwrap()
            .iter()
            .map(|e| e.key.as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    }

    /// The object alternative of a `oneOf` (the long form).
    fn object_form(n: &YamlNode) -> &YamlNode {
        n.get("oneOf")
            .and_then(YamlNode::as_seq)
            .unwrap()
            .iter()
            .find(|o| o.get("properties").is_some())
            .unwrap()
    }

    #[test]
    fn lists_are_sorted_and_unique() {
        for l in [
            SERVICE_KEYS,
            BUILD_KEYS,
            DEPLOY_KEYS,
            HEALTHCHECK_KEYS,
            LOGGING_KEYS,
            PORT_KEYS,
            VOLUME_KEYS,
        ] {
            assert!(l.windows(2).all(|w| w[0] < w[1]), "{l:?}");
        }
    }

    #[test]
    fn lists_match_the_schema() {
        let Ok(text) = std::fs::read_to_string(SCHEMA) else {
            eprintln!("note: {SCHEMA} is absent; schema key test skipped");
            return;
        };
        // JSON is YAML: read the schema with the crate's own parser.
        let root = parse_yaml(&text, FileId(0)).unwrap();
        assert_eq!(
            root.get("$id").and_then(YamlNode::as_str),
            Some("compose_spec.json")
        );
        let defs = root.get("definitions").unwrap();
        let service = defs.get("service").unwrap();
        let sp = service.get("properties").unwrap();
        let items = |k: &str| sp.get(k).and_then(|p| p.get("items")).unwrap();
        let cases: [(&[&str], Vec<String>); 7] = [
            (SERVICE_KEYS, props(service)),
            (BUILD_KEYS, props(object_form(sp.get("build").unwrap()))),
            (DEPLOY_KEYS, props(defs.get("deployment").unwrap())),
            (HEALTHCHECK_KEYS, props(defs.get("healthcheck").unwrap())),
            (LOGGING_KEYS, props(sp.get("logging").unwrap())),
            (PORT_KEYS, props(object_form(items("ports")))),
            (VOLUME_KEYS, props(object_form(items("volumes")))),
        ];
        for (ours, schema) in cases {
            assert_eq!(ours, schema.as_slice());
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("privilegd", SERVICE_KEYS), Some("privileged"));
        assert_eq!(suggest("imgae", SERVICE_KEYS), Some("image"));
        assert_eq!(suggest("Image", SERVICE_KEYS), Some("image"));
        assert_eq!(suggest("enviroment", SERVICE_KEYS), Some("environment"));
        assert_eq!(suggest("frobnicate", SERVICE_KEYS), None);
        assert_eq!(suggest("cmd", SERVICE_KEYS), None);
        assert_eq!(suggest(&"x".repeat(100_000), SERVICE_KEYS), None);
        assert_eq!(suggest("é", LOGGING_KEYS), None);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
