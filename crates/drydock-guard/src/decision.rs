//! The decision on one request: the rules of `drydock scan`/`audit` judge
//! a container create, the policy decides which findings deny, and the
//! denial message (what the user's `docker` command prints) names the
//! rule, the field and its value, and how to fix or except it.

use std::collections::HashMap;

use drydock_core::spec::ContainerSpec;
use drydock_core::{Finding, Origin, Severity, SourceMap};
use drydock_rules::{Checker, Settings};
use serde_json::Value;

use crate::policy::{ExecAction, Policy, Subject};
use crate::request::{Action, ApiRequest, PluginOp, Resolved, classify, value_at};
use crate::sockets::EngineSockets;

/// What happened to one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Deny,
    Log,
    /// Covered by an exception (its reason).
    Excepted(String),
}

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Deny => "deny",
            Verdict::Log => "log",
            Verdict::Excepted(_) => "excepted",
        }
    }
}

/// A finding with its verdict: a rule's, or one of the guard's own checks
/// (`exec-privileged`, CIS 5.23; `exec-as-root`, CIS 5.24;
/// `registry-not-allowed`; `guard-self-protection`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    /// Rule ID (`CTR001`) or the guard check's name.
    pub rule: String,
    /// Rule name (`privileged-container`) or the CIS check it stands for.
    pub name: String,
    pub severity: Option<Severity>,
    /// The request field (`HostConfig.Privileged`); empty for the request
    /// as a whole.
    pub path: String,
    /// The field's value as sent (JSON), when there is one.
    pub value: Option<String>,
    pub message: String,
    pub verdict: Verdict,
}

/// The decision on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allow: bool,
    /// Why it is denied (empty when allowed): what `docker` prints.
    pub message: String,
    pub findings: Vec<Judged>,
}

impl Decision {
    pub fn allow() -> Decision {
        Decision {
            allow: true,
            message: String::new(),
            findings: Vec::new(),
        }
    }

    /// A request that cannot be judged: denied, saying why.
    pub fn cannot_judge(why: &str) -> Decision {
        Decision {
            allow: false,
            message: format!("drydock guard: denied: {why}"),
            findings: Vec::new(),
        }
    }

    /// Whether this is a denial because the request could not be judged
    /// ([`Decision::cannot_judge`]): every check that denies records the
    /// finding it denies for, so a denial without findings is one.
    pub fn is_unjudged(&self) -> bool {
        !self.allow && self.findings.is_empty()
    }

    /// The IDs of the findings that denied or were logged.
    pub fn rules_fired(&self) -> Vec<&str> {
        let mut v: Vec<&str> = Vec::new();
        for f in &self.findings {
            if !v.contains(&f.rule.as_str()) {
                v.push(&f.rule);
            }
        }
        v
    }
}

/// The guard: a policy, the plugin's own name (it refuses to be disabled)
/// and the host's engine sockets.
pub struct Guard {
    pub policy: Policy,
    pub plugin_name: String,
    sockets: EngineSockets,
}

const POLICY_FILE: &str = "guard.toml";

impl Guard {
    pub fn new(policy: Policy, plugin_name: &str) -> Guard {
        Guard::with_proc(policy, plugin_name, "/proc")
    }

    /// With another `/proc` (tests).
    pub fn with_proc(policy: Policy, plugin_name: &str, proc_root: &str) -> Guard {
        let sockets = EngineSockets::new(proc_root, policy.engine_sockets.clone());
        Guard {
            policy,
            plugin_name: plugin_name.to_string(),
            sockets,
        }
    }

    /// Decides on a request: its method, URI and body (as the daemon passed
    /// it on; empty when it passed none).
    pub fn decide(&self, method: &str, uri: &str, body: &[u8]) -> Decision {
        let req = ApiRequest::parse(method, uri);
        let action = match classify(&req, body) {
            Ok(a) => a,
            Err(why) => {
                return Decision::cannot_judge(&format!("{} {}: {why}", req.method, req.path));
            }
        };
        match action {
            Action::CreateContainer {
                name,
                body,
                spec,
                resolved,
            } => self.create(name.as_deref(), &body, &spec, &resolved),
            Action::Exec {
                container,
                privileged,
                user,
            } => self.exec(&container, privileged, user.as_deref()),
            Action::Pull { reference, image } => self.pull(&reference, image.as_ref()),
            Action::Plugin { name, op } => self.plugin(&name, op, &req),
            Action::Other => Decision::allow(),
        }
    }

    fn create(
        &self,
        name: Option<&str>,
        body: &Value,
        spec: &ContainerSpec,
        resolved: &[Resolved],
    ) -> Decision {
        let settings = Settings {
            engine_sockets: self.sockets.get(),
            ..Settings::default()
        };
        let sources = SourceMap::new();
        let mut findings: Vec<Finding> = Vec::new();
        for rule in settings.enabled_rules() {
            let mut cx = Checker::new(rule.meta(), &settings, &sources);
            rule.check_container(&mut cx, spec);
            findings.extend(cx.into_findings());
        }
        let labels: HashMap<String, String> = body
            .get("Labels")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let subject = Subject {
            name,
            labels: &labels,
            image: body.get("Image").and_then(Value::as_str),
        };
        let mut judged = Vec::new();
        for f in &findings {
            let verdict = if let Some(ex) = self
                .policy
                .exceptions
                .iter()
                .find(|e| e.matches(&subject, f))
            {
                Verdict::Excepted(ex.reason.clone())
            } else if self.policy.deny.iter().any(|s| s.matches(f)) {
                Verdict::Deny
            } else if self.policy.log.iter().any(|s| s.matches(f)) {
                Verdict::Log
            } else {
                continue;
            };
            let path = match &f.origin {
                Origin::Api(p) => p.clone(),
                _ => String::new(),
            };
            let mut value = if path.is_empty() {
                None
            } else {
                value_at(body, &path).map(Value::to_string)
            };
            if let (Some(v), Some(r)) = (value.as_mut(), resolved.iter().find(|r| r.path == path)) {
                v.push_str(&format!(" (`{}` resolves to `{}`)", r.written, r.resolved));
            }
            judged.push(Judged {
                rule: f.rule.id.to_string(),
                name: f.rule.name.to_string(),
                severity: Some(f.severity),
                path,
                value,
                message: f.message.clone(),
                verdict,
            });
        }
        let denials: Vec<String> = judged
            .iter()
            .filter(|j| j.verdict == Verdict::Deny)
            .map(|j| {
                let fix = drydock_rules::find_rule(&j.rule)
                    .map(|r| how_to_fix(r.meta().docs))
                    .filter(|h| !h.is_empty())
                    .map(|h| format!("{h} Or"))
                    .unwrap_or_else(|| "Fix the request, or".to_string());
                let subject = match name {
                    Some(n) => format!("name = \"{n}\""),
                    None => match body.get("Image").and_then(Value::as_str) {
                        Some(i) => format!("image = \"{i}\""),
                        None => "name = \"…\"".to_string(),
                    },
                };
                format!(
                    "drydock guard: denied by {} ({}): {}: {} {fix} add an exception to {POLICY_FILE}: [[exceptions]] {subject}, rules = [\"{}\"], reason = \"…\"",
                    j.rule,
                    j.name,
                    found(j),
                    sentence(&j.message),
                    j.rule,
                )
            })
            .collect();
        Decision {
            allow: denials.is_empty(),
            message: denials.join("\n"),
            findings: judged,
        }
    }

    fn exec(&self, container: &str, privileged: bool, user: Option<&str>) -> Decision {
        let mut judged = Vec::new();
        let mut denials = Vec::new();
        let mut check = |action: ExecAction,
                         rule: &str,
                         cis: &str,
                         path: &str,
                         value: String,
                         message: String,
                         fix: String,
                         key: &str| {
            let verdict = match action {
                ExecAction::Allow => return,
                ExecAction::Log => Verdict::Log,
                ExecAction::Deny => Verdict::Deny,
            };
            if verdict == Verdict::Deny {
                denials.push(format!(
                    "drydock guard: denied by {rule} ({cis}): {path} is {value}: {message} {fix}, or set `{key} = \"allow\"` (or \"log\") under [exec] in {POLICY_FILE}."
                ));
            }
            judged.push(Judged {
                rule: rule.to_string(),
                name: cis.to_string(),
                severity: None,
                path: path.to_string(),
                value: Some(value),
                message,
                verdict,
            });
        };
        if privileged {
            check(
                self.policy.exec_privileged,
                "exec-privileged",
                "CIS Docker Benchmark 5.23",
                "Privileged",
                "true".into(),
                format!(
                    "an exec into container `{container}` with --privileged runs its command with every capability and without the container's confinement."
                ),
                "Run `docker exec` without --privileged".into(),
                "privileged",
            );
        }
        let account = user.map(|u| u.split(':').next().unwrap_or("").trim());
        let is_root = match account {
            None => true,
            Some(a) => a.is_empty() || a == "root" || a == "0",
        };
        if is_root {
            let (value, what) = match user {
                None => (
                    "not set".to_string(),
                    format!(
                        "the command runs as the user of container `{container}`, root unless the container names another."
                    ),
                ),
                Some(u) => (
                    format!("\"{u}\""),
                    format!("an exec into container `{container}` runs its command as root."),
                ),
            };
            check(
                self.policy.exec_root,
                "exec-as-root",
                "CIS Docker Benchmark 5.24",
                "User",
                value,
                what,
                "Run `docker exec --user` with an unprivileged user".into(),
                "root",
            );
        }
        Decision {
            allow: denials.is_empty(),
            message: denials.join("\n"),
            findings: judged,
        }
    }

    fn pull(&self, reference: &str, image: Option<&drydock_core::ImageRef>) -> Decision {
        if self.policy.registries.is_empty() {
            return Decision::allow();
        }
        let allowed = self.policy.registries.join(", ");
        let Some(image) = image else {
            return Decision::cannot_judge(&format!(
                "`{reference}` is not an image reference, so its registry cannot be checked against [registries] allow ({allowed})"
            ));
        };
        if self.policy.registry_allowed(image) {
            return Decision::allow();
        }
        let registry = image.registry_or_default();
        let message = format!(
            "pulling `{reference}` from `{registry}`, a registry that [registries] allow in {POLICY_FILE} does not list ({allowed})"
        );
        Decision {
            allow: false,
            message: format!(
                "drydock guard: denied by registry-not-allowed: {message}. Pull from an allowed registry, or add `{registry}` to [registries] allow in {POLICY_FILE}."
            ),
            findings: vec![Judged {
                rule: "registry-not-allowed".into(),
                name: "trusted registries".into(),
                severity: None,
                path: "fromImage".into(),
                value: Some(format!("\"{reference}\"")),
                message,
                verdict: Verdict::Deny,
            }],
        }
    }

    fn plugin(&self, name: &str, op: PluginOp, req: &ApiRequest) -> Decision {
        let strip = |n: &str| n.strip_suffix(":latest").unwrap_or(n).to_string();
        if strip(name) != strip(&self.plugin_name) {
            return Decision::allow();
        }
        let message = format!(
            "`{name}` is this authorization plugin: it refuses to let the API it guards {} it ({} {})",
            op.verb(),
            req.method,
            req.path
        );
        Decision {
            allow: false,
            message: format!(
                "drydock guard: denied by guard-self-protection: {message}. To change the guard, change the daemon's configuration on the host (`authorization-plugins` in daemon.json or --authorization-plugin) and restart the daemon."
            ),
            findings: vec![Judged {
                rule: "guard-self-protection".into(),
                name: "authorization plugin".into(),
                severity: None,
                path: String::new(),
                value: None,
                message,
                verdict: Verdict::Deny,
            }],
        }
    }
}

/// `HostConfig.Privileged is true`, `the request does not set it` for a
/// finding about the body as a whole.
fn found(j: &Judged) -> String {
    match (&j.path, &j.value) {
        (p, _) if p.is_empty() => "the request".to_string(),
        (p, Some(v)) => format!("{p} is {v}"),
        (p, None) => p.clone(),
    }
}

/// A message as a sentence: capitalised, with a full stop.
fn sentence(s: &str) -> String {
    let s = s.trim();
    let mut out: String = s.chars().take(1).flat_map(char::to_uppercase).collect();
    out.push_str(
        s.get(s.chars().next().map_or(0, char::len_utf8)..)
            .unwrap_or(""),
    );
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// The first sentence of a rule's `## How to fix` section, on one line.
pub fn how_to_fix(docs: &str) -> String {
    let Some(start) = docs.find("## How to fix") else {
        return String::new();
    };
    let rest = &docs[start + "## How to fix".len()..];
    let section = rest.split("\n## ").next().unwrap_or("");
    let para = section
        .trim()
        .split("\n\n")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    // Up to the first full stop that ends a sentence.
    let end = para
        .match_indices(". ")
        .map(|(i, _)| i + 1)
        .next()
        .unwrap_or(para.len());
    para[..end].trim().to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn guard(policy: &str) -> Guard {
        // An empty /proc: no dockerd sockets beyond the defaults.
        Guard::with_proc(
            Policy::parse(policy).unwrap(),
            "drydock-guard",
            "/nonexistent",
        )
    }

    fn create(g: &Guard, body: serde_json::Value) -> Decision {
        g.decide(
            "POST",
            "/v1.41/containers/create?name=web",
            body.to_string().as_bytes(),
        )
    }

    #[test]
    fn privileged_is_denied_with_rule_field_and_fix() {
        let d = create(
            &guard(""),
            serde_json::json!({"Image": "busybox", "HostConfig": {"Privileged": true}}),
        );
        assert!(!d.allow);
        assert!(
            d.message.starts_with(
                "drydock guard: denied by CTR001 (privileged-container): HostConfig.Privileged is true: "
            ),
            "{}",
            d.message
        );
        assert!(
            d.message.contains("Remove `privileged: true`"),
            "{}",
            d.message
        );
        assert!(
            d.message
                .contains("[[exceptions]] name = \"web\", rules = [\"CTR001\"]")
        );
        assert!(d.rules_fired().contains(&"CTR001"));
    }

    #[test]
    fn compliant_create_is_allowed_and_medium_findings_logged() {
        let d = create(
            &guard(""),
            serde_json::json!({
                "Image": "busybox:1", "User": "1000",
                "HostConfig": {"CapDrop": ["ALL"], "ReadonlyRootfs": true,
                    "SecurityOpt": ["no-new-privileges"], "NetworkMode": "none"}
            }),
        );
        assert!(d.allow, "{}", d.message);
        assert!(d.findings.iter().all(|f| f.verdict == Verdict::Log));
        // A plain create: only medium/low findings, logged.
        let d = create(&guard(""), serde_json::json!({"Image": "busybox"}));
        assert!(d.allow, "{}", d.message);
        assert!(!d.findings.is_empty());
    }

    #[test]
    fn socket_mount_and_symlinked_socket_are_denied() {
        let d = create(
            &guard(""),
            serde_json::json!({"Image": "busybox",
                "HostConfig": {"Binds": ["/var/run/docker.sock:/var/run/docker.sock"]}}),
        );
        assert!(!d.allow);
        assert!(d.message.contains("denied by CTR002"), "{}", d.message);
        assert!(
            d.message
                .contains("HostConfig.Binds[0] is \"/var/run/docker.sock:/var/run/docker.sock\""),
            "{}",
            d.message
        );
        // A link, under an innocent name, to a socket the policy names.
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("api.sock");
        std::fs::write(&sock, b"").unwrap();
        let link = dir.path().join("innocent");
        std::os::unix::fs::symlink(&sock, &link).unwrap();
        let g = guard(&format!(
            "[host]\nengine-sockets = [\"{}\"]\n",
            sock.display()
        ));
        let d = create(
            &g,
            serde_json::json!({"Image": "busybox",
                "HostConfig": {"Binds": [format!("{}:/data", link.display())]}}),
        );
        assert!(!d.allow);
        assert!(d.message.contains("denied by CTR002"), "{}", d.message);
        assert!(d.message.contains("resolves to"), "{}", d.message);
    }

    #[test]
    fn exceptions_by_name_label_image() {
        let body = serde_json::json!({"Image": "docker.io/library/traefik:3", "Labels": {"role": "proxy"},
            "HostConfig": {"Binds": ["/var/run/docker.sock:/var/run/docker.sock:ro"]}});
        for ex in [
            "name = \"w*\"",
            "label = \"role=proxy\"",
            "label = \"role\"",
            "image = \"docker.io/library/traefik:*\"",
            "image = \"traefik:*\"",
        ] {
            let g = guard(&format!(
                "[[exceptions]]\n{ex}\nrules = [\"CTR002\"]\nreason = \"proxy\"\n"
            ));
            let d = create(&g, body.clone());
            assert!(d.allow, "{ex}: {}", d.message);
            assert!(
                d.findings
                    .iter()
                    .any(|f| f.verdict == Verdict::Excepted("proxy".into()))
            );
        }
        // Not matching: other name, other label value, another rule only.
        for ex in [
            "name = \"db\"",
            "label = \"role=db\"",
            "name = \"web\"\nimage = \"nginx*\"",
        ] {
            let g = guard(&format!("[[exceptions]]\n{ex}\nreason = \"r\"\n"));
            assert!(!create(&g, body.clone()).allow, "{ex}");
        }
        let g = guard("[[exceptions]]\nname = \"web\"\nrules = [\"CTR001\"]\nreason = \"r\"\n");
        assert!(!create(&g, body).allow);
    }

    #[test]
    fn policy_selects_what_denies() {
        let body = serde_json::json!({"Image": "busybox"});
        // Medium findings deny when the policy says so.
        let g = guard("[rules]\ndeny = [\"medium\"]\n");
        let d = create(&g, body.clone());
        assert!(!d.allow);
        assert!(d.message.contains("the request:"), "{}", d.message);
        // Nothing denies, nothing is logged.
        let g = guard("[rules]\ndeny = []\nlog = []\n");
        let d = create(
            &g,
            serde_json::json!({"Image": "busybox", "HostConfig": {"Privileged": true}}),
        );
        assert!(d.allow && d.findings.is_empty());
    }

    #[test]
    fn exec_checks() {
        let g = guard("");
        let d = g.decide(
            "POST",
            "/v1.41/containers/web/exec",
            br#"{"Privileged":true,"User":"1000","Cmd":["sh"]}"#,
        );
        assert!(!d.allow);
        assert!(
            d.message
                .starts_with("drydock guard: denied by exec-privileged (CIS Docker Benchmark 5.23): Privileged is true"),
            "{}",
            d.message
        );
        // Root exec is logged by default, denied when asked.
        let body = br#"{"User":"root","Cmd":["sh"]}"#;
        let d = g.decide("POST", "/containers/web/exec", body);
        assert!(d.allow);
        assert_eq!(d.rules_fired(), ["exec-as-root"]);
        let g = guard("[exec]\nroot = \"deny\"\n");
        for body in [
            &br#"{"User":"root","Cmd":["sh"]}"#[..],
            br#"{"User":"0:0","Cmd":["sh"]}"#,
            br#"{"Cmd":["sh"]}"#,
        ] {
            let d = g.decide("POST", "/containers/web/exec", body);
            assert!(!d.allow);
            assert!(
                d.message.contains("CIS Docker Benchmark 5.24"),
                "{}",
                d.message
            );
        }
        assert!(
            g.decide(
                "POST",
                "/containers/web/exec",
                br#"{"User":"app","Cmd":["sh"]}"#
            )
            .allow
        );
        let g = guard("[exec]\nprivileged = \"allow\"\n");
        assert!(
            g.decide(
                "POST",
                "/containers/web/exec",
                br#"{"Privileged":true,"User":"1000"}"#
            )
            .allow
        );
    }

    #[test]
    fn pulls_against_the_allow_list() {
        let g = guard("[registries]\nallow = [\"docker.io\"]\n");
        let d = g.decide(
            "POST",
            "/v1.41/images/create?fromImage=other.registry.invalid%2Fx&tag=latest",
            b"",
        );
        assert!(!d.allow);
        assert!(
            d.message.starts_with("drydock guard: denied by registry-not-allowed: pulling `other.registry.invalid/x:latest` from `other.registry.invalid`"),
            "{}",
            d.message
        );
        assert!(
            g.decide(
                "POST",
                "/images/create?fromImage=docker.io%2Flibrary%2Fbusybox&tag=1",
                b""
            )
            .allow
        );
        assert!(
            g.decide("POST", "/images/create?fromImage=busybox&tag=1", b"")
                .allow
        );
        assert!(
            guard("")
                .decide("POST", "/images/create?fromImage=x.invalid/y", b"")
                .allow
        );
        assert!(
            !g.decide("POST", "/images/create?fromImage=UPPER%20case", b"")
                .allow
        );
    }

    #[test]
    fn the_guard_cannot_be_disabled_through_the_api() {
        let g = guard("");
        for (m, uri) in [
            ("POST", "/v1.41/plugins/drydock-guard/disable"),
            (
                "POST",
                "/v1.41/plugins/drydock-guard:latest/disable?force=1",
            ),
            ("DELETE", "/v1.41/plugins/drydock-guard:latest"),
            ("POST", "/plugins/drydock-guard/upgrade?remote=x"),
            ("POST", "/plugins/drydock-guard/set"),
        ] {
            let d = g.decide(m, uri, b"");
            assert!(!d.allow, "{m} {uri}");
            assert!(d.message.contains("guard-self-protection"), "{}", d.message);
        }
        assert!(g.decide("POST", "/plugins/other/disable", b"").allow);
        assert!(g.decide("POST", "/plugins/drydock-guard/enable", b"").allow);
    }

    #[test]
    fn unjudgeable_requests_are_denied() {
        let g = guard("");
        let d = g.decide("POST", "/v1.41/containers/create", b"");
        assert!(!d.allow);
        assert!(d.message.contains("no request body"), "{}", d.message);
        let d = g.decide("POST", "/v1.41/containers/create", b"{not json");
        assert!(!d.allow);
        assert!(d.message.contains("not JSON"), "{}", d.message);
    }

    #[test]
    fn fix_text_from_rule_docs() {
        let r = drydock_rules::find_rule("CTR001").unwrap();
        let h = how_to_fix(r.meta().docs);
        assert!(h.starts_with("Remove `privileged: true`"), "{h}");
        assert!(h.ends_with('.'), "{h}");
        assert_eq!(how_to_fix("no section"), "");
    }
}
