//! The decision on one request: the rules of `drydock scan`/`audit` judge
//! a container create, the policy decides which findings deny, and the
//! denial message (what the user's `docker` command prints) names the
//! rule, the field and its value, and how to fix or except it.

use std::collections::HashMap;

use drydock_core::spec::{ContainerSpec, ExecSpec};
use drydock_core::{Finding, ImageRef, Origin, Severity, SourceMap};
use drydock_rules::{Checker, Settings};
use serde_json::Value;

use crate::filter::labels_of;
use crate::policy::{ExecAction, Policy, Subject};
use crate::request::{
    Action, ApiRequest, PluginOp, PluginPrivilege, Resolved, ServicePlugin, UPDATE_PREFIX,
    classify, value_at,
};
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
/// `registry-not-allowed`; `guard-self-protection`; `plugin-privileges`;
/// `build-remote-context`).
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
        self.decide_for(None, method, uri, body)
    }

    /// Decides on a request sent by `client` (the proxy's client entry, or
    /// the user the daemon authenticated), which `[[exceptions]] client`
    /// entries match.
    pub fn decide_for(
        &self,
        client: Option<&str>,
        method: &str,
        uri: &str,
        body: &[u8],
    ) -> Decision {
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
            } => {
                let labels = body.get("Labels").map(labels_of).unwrap_or_default();
                let image = body.get("Image").and_then(Value::as_str);
                self.judge_spec(&SpecRequest {
                    spec: Judge::Container(&spec),
                    body: &body,
                    resolved: &resolved,
                    subject: Subject {
                        name: name.as_deref(),
                        labels: &labels,
                        image,
                        client,
                    },
                    only_set_fields: false,
                    strip: "",
                    conceal: None,
                })
            }
            Action::Service {
                body,
                spec,
                resolved,
                plugin,
                ..
            } => {
                let labels = body.get("Labels").map(labels_of).unwrap_or_default();
                let image =
                    value_at(&body, "TaskTemplate.ContainerSpec.Image").and_then(Value::as_str);
                // A plugin service runs no container: its plugin is judged.
                if let Some(p) = plugin
                    && value_at(&body, "TaskTemplate.ContainerSpec").is_none()
                {
                    return self.service_plugin(&p);
                }
                self.judge_spec(&SpecRequest {
                    spec: Judge::Container(&spec),
                    body: &body,
                    resolved: &resolved,
                    subject: Subject {
                        name: body.get("Name").and_then(Value::as_str),
                        labels: &labels,
                        image,
                        client,
                    },
                    only_set_fields: false,
                    strip: "",
                    conceal: None,
                })
            }
            Action::UpdateContainer {
                container,
                body,
                spec,
            } => self.judge_spec(&SpecRequest {
                spec: Judge::Container(&spec),
                body: &body,
                resolved: &[],
                subject: Subject {
                    name: Some(&container),
                    labels: &HashMap::new(),
                    image: None,
                    client,
                },
                only_set_fields: true,
                strip: UPDATE_PREFIX,
                conceal: None,
            }),
            Action::Build {
                query,
                spec,
                tag,
                remote,
            } => {
                let labels = query.get("labels").map(labels_of).unwrap_or_default();
                let mut d = self.judge_spec(&SpecRequest {
                    spec: Judge::Container(&spec),
                    body: &query,
                    resolved: &[],
                    subject: Subject {
                        name: None,
                        labels: &labels,
                        image: tag.as_deref(),
                        client,
                    },
                    only_set_fields: true,
                    strip: "",
                    // Build argument values may be secrets: never quoted.
                    conceal: Some("buildargs"),
                });
                if let Some(r) = remote {
                    self.remote_context(&mut d, &r, tag.as_deref());
                }
                d
            }
            Action::PluginInstall {
                remote,
                image,
                upgrade,
                privileges,
            } => {
                if let Some(name) = &upgrade {
                    let d = self.plugin(name, PluginOp::Upgrade, &req);
                    if !d.allow {
                        return d;
                    }
                }
                let d = self.registry(&remote, image.as_ref(), "remote", "installing the plugin");
                if !d.allow {
                    return d;
                }
                match privileges {
                    Ok(None) => d,
                    Ok(Some(list)) => self.plugin_privileges(&remote, &list, ""),
                    Err(why) => {
                        Decision::cannot_judge(&format!("{} {}: {why}", req.method, req.path))
                    }
                }
            }
            Action::Exec {
                container,
                body,
                spec,
            } => self.judge_spec(&SpecRequest {
                spec: Judge::Exec(&spec),
                body: &body,
                resolved: &[],
                // `[[exceptions]] name = …` names the container execs go into.
                subject: Subject {
                    name: Some(&container),
                    labels: &HashMap::new(),
                    image: None,
                    client,
                },
                only_set_fields: false,
                strip: "",
                conceal: None,
            }),
            Action::Pull { reference, image } => {
                self.registry(&reference, image.as_ref(), "fromImage", "pulling")
            }
            Action::Plugin { name, op } => self.plugin(&name, op, &req),
            Action::PluginCreate { name } => {
                let mut d = Decision::allow();
                GuardCheck {
                    action: self.policy.plugin_privileges,
                    rule: "plugin-privileges",
                    name: "plugin privileges",
                    path: String::new(),
                    value: None,
                    message: format!(
                        "creating plugin `{name}` from a local archive: the privileges it will have are in its config.json, inside the request body (a tar the daemon does not pass to authorization plugins), so they cannot be judged"
                    ),
                    fix: "Install the plugin from a registry (`docker plugin install`), where the privileges it asks for are judged".into(),
                    key: "privileges",
                    section: "plugins",
                }
                .apply(&mut d);
                d
            }
            Action::Other => Decision::allow(),
        }
    }

    /// Judges a container spec with the rules (creates, services, updates,
    /// builds), the policy deciding what denies.
    fn judge_spec(&self, r: &SpecRequest<'_>) -> Decision {
        let settings = Settings {
            engine_sockets: self.sockets.get(),
            ..Settings::default()
        };
        let sources = SourceMap::new();
        let mut findings: Vec<Finding> = Vec::new();
        for rule in settings.enabled_rules() {
            let mut cx = Checker::new(rule.meta(), &settings, &sources);
            match r.spec {
                Judge::Container(c) => rule.check_container(&mut cx, c),
                Judge::Exec(e) => rule.check_exec(&mut cx, e),
            }
            findings.extend(cx.into_findings());
        }
        let mut judged = Vec::new();
        for f in &findings {
            let origin = match &f.origin {
                Origin::Api(p) => p.clone(),
                _ => String::new(),
            };
            // An update or a build is judged on what it sets: a finding
            // about a setting it does not make (no memory limit, root) is
            // about the container or build as a whole, not this request.
            if r.only_set_fields && (origin.is_empty() || value_at(r.body, &origin).is_none()) {
                continue;
            }
            let verdict = if let Some(ex) = self
                .policy
                .exceptions
                .iter()
                .find(|e| e.matches(&r.subject, f))
            {
                Verdict::Excepted(ex.reason.clone())
            } else if let Some(action) = self.exec_action(f) {
                // `[exec]` decides the exec rules' verdicts.
                match action {
                    ExecAction::Deny => Verdict::Deny,
                    ExecAction::Log => Verdict::Log,
                    ExecAction::Allow => continue,
                }
            } else if self.policy.deny.iter().any(|s| s.matches(f)) {
                Verdict::Deny
            } else if self.policy.log.iter().any(|s| s.matches(f)) {
                Verdict::Log
            } else {
                continue;
            };
            let concealed = r.conceal.is_some_and(|c| origin.starts_with(c));
            let mut value = if origin.is_empty() || concealed {
                None
            } else {
                value_at(r.body, &origin).map(Value::to_string)
            };
            if let (Some(v), Some(res)) =
                (value.as_mut(), r.resolved.iter().find(|x| x.path == origin))
            {
                v.push_str(&format!(
                    " (`{}` resolves to `{}`)",
                    res.written, res.resolved
                ));
            }
            let path = origin.strip_prefix(r.strip).unwrap_or(&origin).to_string();
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
        let subject = match (r.subject.name, r.subject.image) {
            (Some(n), _) => format!("name = \"{n}\""),
            (None, Some(i)) => format!("image = \"{i}\""),
            (None, None) => "name = \"…\"".to_string(),
        };
        let denials: Vec<String> = judged
            .iter()
            .filter(|j| j.verdict == Verdict::Deny)
            .map(|j| {
                let how = drydock_rules::find_rule(&j.rule)
                    .map(|r| how_to_fix(r.meta().docs))
                    .filter(|h| !h.is_empty());
                let fix = match (how, exec_key(&j.rule)) {
                    (Some(h), Some(key)) => format!(
                        "{h} Or set `{key} = \"allow\"` (or \"log\") under [exec] in {POLICY_FILE}, or"
                    ),
                    (Some(h), None) => format!("{h} Or"),
                    (None, _) => "Fix the request, or".to_string(),
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

    /// The `[exec]` setting that decides a finding of an exec rule.
    fn exec_action(&self, f: &Finding) -> Option<ExecAction> {
        match exec_key(f.rule.id)? {
            "privileged" => Some(self.policy.exec_privileged),
            _ => Some(self.policy.exec_root),
        }
    }

    /// `[registries] allow` for what a request fetches: an image pull
    /// (`fromImage`), a plugin install (`remote`).
    fn registry(
        &self,
        reference: &str,
        image: Option<&drydock_core::ImageRef>,
        field: &str,
        doing: &str,
    ) -> Decision {
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
            "{doing} `{reference}` from `{registry}`, a registry that [registries] allow in {POLICY_FILE} does not list ({allowed})"
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
                path: field.into(),
                value: Some(format!("\"{reference}\"")),
                message,
                verdict: Verdict::Deny,
            }],
        }
    }

    /// `build-remote-context`: the daemon fetches the build's context from
    /// a URL (`docker build https://…`, a Git repository): from the
    /// daemon's host and network, not the client's.
    fn remote_context(&self, d: &mut Decision, remote: &str, tag: Option<&str>) {
        let what = tag.map_or_else(
            || "the build".to_string(),
            |t| format!("the build of `{t}`"),
        );
        GuardCheck {
            action: self.policy.build_remote_context,
            rule: "build-remote-context",
            name: "remote build context",
            path: "remote".into(),
            value: Some(Value::from(remote).to_string()),
            message: format!(
                "{what} has the daemon fetch its context from `{remote}`: the download (or `git clone`) runs on the daemon's host, from its network position, with what it can reach (internal services, metadata endpoints)"
            ),
            fix: "Send the context from the client (`docker build .`, or a tarball on stdin)".into(),
            key: "remote-context",
            section: "build",
        }
        .apply(d);
    }

    /// `plugin-privileges`: a plugin runs as root outside any container
    /// confinement the privileges do not give it; those that hand it the
    /// host (the engine's socket or `/` mounted, every device, a capability
    /// of [`HOST_CAPABILITIES`], the host's PID namespace) are judged by
    /// `[plugins] privileges`.
    /// A Swarm plugin service: its `Remote` must pass `[registries]
    /// allow`, and the privileges it grants are judged like an install's.
    fn service_plugin(&self, p: &ServicePlugin) -> Decision {
        const BASE: &str = "TaskTemplate.PluginSpec";
        let Some(remote) = &p.remote else {
            return Decision::cannot_judge(&format!(
                "the plugin service names no plugin ({BASE}.Remote)"
            ));
        };
        let d = self.registry(
            remote,
            ImageRef::parse(remote).as_ref(),
            &format!("{BASE}.Remote"),
            "installing the plugin",
        );
        if !d.allow {
            return d;
        }
        self.plugin_privileges(remote, &p.privileges, &format!("{BASE}.PluginPrivilege"))
    }

    /// (`base`: the path of the privileges list in the body; empty when the
    /// body is the list.)
    fn plugin_privileges(&self, remote: &str, list: &[PluginPrivilege], base: &str) -> Decision {
        let sockets = self.sockets.get();
        let mut d = Decision::allow();
        for p in list {
            for (i, v) in p.values.iter().enumerate() {
                let why = match p.name.as_str() {
                    "mount" => {
                        let real = std::fs::canonicalize(v)
                            .map(|r| r.to_string_lossy().into_owned())
                            .unwrap_or_else(|_| v.clone());
                        let trimmed = real.trim_end_matches('/');
                        if trimmed.is_empty() {
                            Some("the host's whole filesystem (`/`) mounted".to_string())
                        } else if sockets.iter().any(|s| s == &real || s == v) {
                            Some(format!(
                                "the Docker Engine's socket `{real}` mounted: control of the daemon, which is root on the host"
                            ))
                        } else {
                            None
                        }
                    }
                    "allow-all-devices" if v == "true" => {
                        Some("access to every host device".to_string())
                    }
                    "capabilities" => {
                        let cap = v.trim().to_ascii_uppercase();
                        let cap = cap.strip_prefix("CAP_").unwrap_or(&cap);
                        HOST_CAPABILITIES.contains(&cap).then(|| {
                            format!(
                                "capability `CAP_{cap}`, which escapes any confinement to the host"
                            )
                        })
                    }
                    "host pid namespace" if v == "true" => {
                        Some("the host's PID namespace: every process of the host".to_string())
                    }
                    _ => None,
                };
                let Some(why) = why else { continue };
                GuardCheck {
                    action: self.policy.plugin_privileges,
                    rule: "plugin-privileges",
                    name: "plugin privileges",
                    path: format!("{base}[{}].Value[{i}]", p.index),
                    value: Some(Value::from(v.as_str()).to_string()),
                    message: format!(
                        "plugin `{remote}` asks for the `{}` privilege: {why}; a plugin with it has the host",
                        p.name
                    ),
                    fix: "Install a plugin that does not need it".into(),
                    key: "privileges",
                    section: "plugins",
                }
                .apply(&mut d);
            }
        }
        d
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

/// A container spec to judge, and how: what exceptions match, which
/// findings count, how paths and values are shown.
struct SpecRequest<'a> {
    spec: Judge<'a>,
    /// The body (or query) the spec's origins are paths of.
    body: &'a Value,
    resolved: &'a [Resolved],
    /// What `[[exceptions]]` match.
    subject: Subject<'a>,
    /// Only findings about fields the body sets (an update, a build).
    only_set_fields: bool,
    /// A prefix of the origins that the request's own paths do not have.
    strip: &'a str,
    /// Paths under this one are not quoted (secret values).
    conceal: Option<&'a str>,
}

/// What the rules judge: a container (create, service, update, build) or
/// an exec.
#[derive(Clone, Copy)]
enum Judge<'a> {
    Container(&'a ContainerSpec),
    Exec(&'a ExecSpec),
}

/// The `[exec]` key that decides an exec rule's verdict.
fn exec_key(rule: &str) -> Option<&'static str> {
    match rule {
        "CTR033" => Some("privileged"),
        "CTR034" => Some("root"),
        _ => None,
    }
}

/// A check of the guard's own with a deny/log/allow setting: the finding
/// and, when it denies, the message.
struct GuardCheck<'a> {
    action: ExecAction,
    rule: &'a str,
    name: &'a str,
    path: String,
    value: Option<String>,
    message: String,
    /// What to do instead (a sentence without its full stop).
    fix: String,
    /// The policy key that changes the verdict: `privileges` under [plugins].
    key: &'a str,
    section: &'a str,
}

impl GuardCheck<'_> {
    /// Adds the finding to `d` (and its denial), unless the policy allows it.
    fn apply(self, d: &mut Decision) {
        let verdict = match self.action {
            ExecAction::Allow => return,
            ExecAction::Log => Verdict::Log,
            ExecAction::Deny => Verdict::Deny,
        };
        let j = Judged {
            rule: self.rule.to_string(),
            name: self.name.to_string(),
            severity: None,
            path: self.path,
            value: self.value,
            message: self.message,
            verdict,
        };
        if j.verdict == Verdict::Deny {
            let m = format!(
                "drydock guard: denied by {} ({}): {}: {} {}, or set `{} = \"allow\"` (or \"log\") under [{}] in {POLICY_FILE}.",
                j.rule,
                j.name,
                found(&j),
                sentence(&j.message),
                self.fix,
                self.key,
                self.section,
            );
            if d.message.is_empty() {
                d.message = m;
            } else {
                d.message.push('\n');
                d.message.push_str(&m);
            }
            d.allow = false;
        }
        d.findings.push(j);
    }
}

/// Capabilities that hand a plugin the host (it runs as root in the host's
/// user namespace): mounts and namespaces (`SYS_ADMIN`), kernel modules,
/// raw I/O to devices and memory, and file handles that walk the host's
/// filesystems (`DAC_READ_SEARCH`).
const HOST_CAPABILITIES: [&str; 4] = ["SYS_ADMIN", "SYS_MODULE", "SYS_RAWIO", "DAC_READ_SEARCH"];

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
    let first = section.trim().split("\n\n").next().unwrap_or("");
    // A fenced example (```yaml … ```) reads as inline code on one line.
    let mut words: Vec<String> = Vec::new();
    let mut code: Option<Vec<&str>> = None;
    for line in first.lines() {
        if line.trim_start().starts_with("```") {
            match code.take() {
                Some(lines) => words.push(format!("`{}`", lines.join(" "))),
                None => code = Some(Vec::new()),
            }
            continue;
        }
        match code.as_mut() {
            Some(lines) => lines.extend(line.split_whitespace()),
            None => words.extend(line.split_whitespace().map(str::to_string)),
        }
    }
    let para = words.join(" ");
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
                .starts_with("drydock guard: denied by CTR033 (privileged-exec): Privileged is true: An exec into container `web` runs privileged"),
            "{}",
            d.message
        );
        // Root exec is logged by default, denied when asked.
        let body = br#"{"User":"root","Cmd":["sh"]}"#;
        let d = g.decide("POST", "/containers/web/exec", body);
        assert!(d.allow);
        assert_eq!(d.rules_fired(), ["CTR034"]);
        // The exec rules' findings point at the body's fields.
        assert_eq!(d.findings[0].path, "User");
        assert_eq!(d.findings[0].value.as_deref(), Some("\"root\""));
        let g = guard("[exec]\nroot = \"deny\"\n");
        for body in [
            &br#"{"User":"root","Cmd":["sh"]}"#[..],
            br#"{"User":"0:0","Cmd":["sh"]}"#,
            br#"{"Cmd":["sh"]}"#,
        ] {
            let d = g.decide("POST", "/containers/web/exec", body);
            assert!(!d.allow);
            assert!(
                d.message
                    .starts_with("drydock guard: denied by CTR034 (exec-as-root)"),
                "{}",
                d.message
            );
            assert!(
                d.message.contains("Or set `root = \"allow\"` (or \"log\") under [exec] in guard.toml, or add an exception to guard.toml: [[exceptions]] name = \"web\", rules = [\"CTR034\"]"),
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
    fn exec_exceptions_by_container_name() {
        let g = guard(
            "[exec]\nroot = \"deny\"\n[[exceptions]]\nname = \"db-*\"\nrules = [\"CTR034\"]\nreason = \"backups run as postgres' root\"\n",
        );
        let body = br#"{"User":"root","Cmd":["pg_dump"]}"#;
        let d = g.decide("POST", "/containers/db-1/exec", body);
        assert!(d.allow, "{}", d.message);
        assert_eq!(
            d.findings[0].verdict,
            Verdict::Excepted("backups run as postgres' root".into())
        );
        assert!(!g.decide("POST", "/containers/web/exec", body).allow);
        // The exception names CTR034 only: a privileged exec is still denied.
        let d = g.decide(
            "POST",
            "/containers/db-1/exec",
            br#"{"User":"1000","Privileged":true}"#,
        );
        assert!(!d.allow);
        assert_eq!(d.rules_fired(), ["CTR033"]);
    }

    #[test]
    fn exceptions_by_client_identity() {
        let g = guard(
            "[[exceptions]]\nclient = \"ci-*\"\nrules = [\"CTR001\"]\nreason = \"CI builds need it\"\n",
        );
        let body =
            serde_json::json!({"Image": "x", "HostConfig": {"Privileged": true}}).to_string();
        let body = body.as_bytes();
        let d = g.decide_for(Some("ci-runner"), "POST", "/containers/create", body);
        assert!(d.allow, "{}", d.message);
        assert!(
            d.findings.iter().any(|j| j.rule == "CTR001"
                && j.verdict == Verdict::Excepted("CI builds need it".into()))
        );
        // Another client, or one not known (the plugin over the unix socket).
        assert!(
            !g.decide_for(Some("web"), "POST", "/containers/create", body)
                .allow
        );
        assert!(!g.decide("POST", "/containers/create", body).allow);
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

    /// `docker service create` (CLI 28.2) as it sends the body (its
    /// `--network host` resolved by the CLI to the network's ID, here the
    /// name an API client may send instead).
    const CLI_SERVICE: &str = r#"{"Name":"web","Labels":{"role":"x"},"TaskTemplate":{"ContainerSpec":{"Image":"busybox:latest","Labels":{"c":"d"},"Args":["sleep","1"],"Env":["A=1"],"User":"1000","Init":false,"ReadOnly":true,"Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Target":"/var/run/docker.sock"}],"Hosts":["1.2.3.4 foo"],"DNSConfig":{},"Sysctls":{"net.ipv4.ip_forward":"1"},"CapabilityAdd":["CAP_NET_ADMIN","CAP_SYS_ADMIN"],"Ulimits":[{"Name":"nofile","Hard":2048,"Soft":1024}]},"Resources":{"Limits":{"NanoCPUs":500000000,"MemoryBytes":268435456,"Pids":100},"Reservations":{"MemoryBytes":67108864}},"RestartPolicy":{"Condition":"any","Delay":5000000000,"MaxAttempts":0},"Placement":{},"Networks":[{"Target":"host"}],"ForceUpdate":0},"Mode":{"Replicated":{}},"EndpointSpec":{"Mode":"vip","Ports":[{"Protocol":"tcp","TargetPort":80,"PublishedPort":8080,"PublishMode":"ingress"}]}}"#;

    fn denied_rules(d: &Decision) -> Vec<(&str, &str)> {
        d.findings
            .iter()
            .filter(|f| f.verdict == Verdict::Deny)
            .map(|f| (f.rule.as_str(), f.path.as_str()))
            .collect()
    }

    #[test]
    fn services_are_judged_by_the_container_rules() {
        let g = guard("");
        let d = g.decide("POST", "/v1.41/services/create", CLI_SERVICE.as_bytes());
        assert!(!d.allow);
        assert_eq!(
            denied_rules(&d),
            [
                ("CTR002", "TaskTemplate.ContainerSpec.Mounts[0].Source"),
                ("CTR004", "TaskTemplate.ContainerSpec.CapabilityAdd[0]"),
                ("CTR004", "TaskTemplate.ContainerSpec.CapabilityAdd[1]"),
                ("CTR008", "TaskTemplate.Networks[0].Target"),
            ]
        );
        assert!(
            d.message.starts_with(
                "drydock guard: denied by CTR002 (docker-socket-mounted): TaskTemplate.ContainerSpec.Mounts[0].Source is \"/var/run/docker.sock\": Container `web` mounts"
            ),
            "{}",
            d.message
        );
        assert!(
            d.message
                .contains("[[exceptions]] name = \"web\", rules = [\"CTR002\"]"),
            "{}",
            d.message
        );
        // Logged: what is set (the published port, the restart policy) and
        // what is missing (capabilities not dropped).
        let logged: Vec<&str> = d
            .findings
            .iter()
            .filter(|f| f.verdict == Verdict::Log)
            .map(|f| f.rule.as_str())
            .collect();
        for r in ["CTR005", "CTR009", "CTR024"] {
            assert!(logged.contains(&r), "{r}: {logged:?}");
        }
        // The same body as an update.
        let d = g.decide(
            "POST",
            "/v1.41/services/x1y2/update?version=12",
            CLI_SERVICE.as_bytes(),
        );
        assert!(!d.allow);
        assert!(d.message.contains("denied by CTR002"), "{}", d.message);

        // Seccomp and AppArmor switched off through `Privileges`; the
        // no-new-privileges it sets is not reported missing.
        let d = g.decide(
            "POST",
            "/services/create",
            br#"{"Name":"w","TaskTemplate":{"ContainerSpec":{"Image":"busybox:1","Privileges":{
                "Seccomp":{"Mode":"unconfined"},"AppArmor":{"Mode":"disabled"},"NoNewPrivileges":true}}}}"#,
        );
        assert_eq!(
            denied_rules(&d),
            [
                (
                    "CTR007",
                    "TaskTemplate.ContainerSpec.Privileges.Seccomp.Mode"
                ),
                (
                    "CTR007",
                    "TaskTemplate.ContainerSpec.Privileges.AppArmor.Mode"
                ),
            ]
        );
        assert!(d.findings.iter().all(|f| f.rule != "CTR006"));
        assert!(
            d.message
                .contains("TaskTemplate.ContainerSpec.Privileges.Seccomp.Mode is \"unconfined\""),
            "{}",
            d.message
        );

        // A plain service passes the default policy.
        let d = g.decide(
            "POST",
            "/services/create",
            br#"{"Name":"w","TaskTemplate":{"ContainerSpec":{"Image":"busybox:1"}}}"#,
        );
        assert!(d.allow, "{}", d.message);

        // Unjudgeable bodies are refused.
        for body in [
            &b""[..],
            b"[]",
            b"{",
            br#"{"TaskTemplate":{"ContainerSpec":{"Mounts":"x"}}}"#,
        ] {
            let d = g.decide("POST", "/services/create", body);
            assert!(!d.allow);
            assert!(d.findings.is_empty());
        }
    }

    #[test]
    fn service_exceptions_by_name_label_image() {
        for ex in [
            "name = \"w*\"",
            "label = \"role=x\"",
            "image = \"busybox:*\"",
            "image = \"docker.io/library/busybox:latest\"",
        ] {
            let g = guard(&format!(
                "[[exceptions]]\n{ex}\nrules = [\"CTR002\", \"CTR004\", \"CTR008\"]\nreason = \"ops\"\n"
            ));
            let d = g.decide("POST", "/services/create", CLI_SERVICE.as_bytes());
            assert!(d.allow, "{ex}: {}", d.message);
            assert!(
                d.findings
                    .iter()
                    .any(|f| f.verdict == Verdict::Excepted("ops".into()))
            );
        }
        // The container labels are not the service's.
        let g = guard("[[exceptions]]\nlabel = \"c=d\"\nreason = \"r\"\n");
        assert!(
            !g.decide("POST", "/services/create", CLI_SERVICE.as_bytes())
                .allow
        );
    }

    /// `docker update --memory 256m --memory-swap 512m web` (CLI 28.2).
    const CLI_UPDATE_MEMORY: &str = r#"{"CpuShares":0,"Memory":268435456,"NanoCpus":0,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":null,"BlkioDeviceReadBps":null,"BlkioDeviceWriteBps":null,"BlkioDeviceReadIOps":null,"BlkioDeviceWriteIOps":null,"CpuPeriod":0,"CpuQuota":0,"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"","CpusetMems":"","Devices":null,"DeviceCgroupRules":null,"DeviceRequests":null,"MemoryReservation":0,"MemorySwap":536870912,"MemorySwappiness":null,"OomKillDisable":null,"PidsLimit":null,"Ulimits":null,"CpuCount":0,"CpuPercent":0,"IOMaximumIOps":0,"IOMaximumBandwidth":0,"RestartPolicy":{"Name":"","MaximumRetryCount":0}}"#;

    #[test]
    fn updates_are_judged_on_what_they_set() {
        let g = guard("[rules]\ndeny = [\"CTR:high\", \"CTR024\"]\n");
        // Memory only: nothing about the limits it does not set (CPU, PIDs),
        // nor about the container as a whole (root, capabilities).
        let d = g.decide(
            "POST",
            "/v1.41/containers/web/update",
            CLI_UPDATE_MEMORY.as_bytes(),
        );
        assert!(d.allow, "{}", d.message);
        assert!(d.findings.is_empty(), "{:?}", d.findings);
        let cpu = br#"{"CpuShares":512,"RestartPolicy":{"Name":"","MaximumRetryCount":0}}"#;
        let d = g.decide("POST", "/containers/web/update", cpu);
        assert!(d.allow && d.findings.is_empty(), "{:?}", d.findings);

        // `docker update --restart always web`.
        let always = CLI_UPDATE_MEMORY
            .replace("\"Memory\":268435456", "\"Memory\":0")
            .replace("\"MemorySwap\":536870912", "\"MemorySwap\":0")
            .replace("\"Name\":\"\"", "\"Name\":\"always\"");
        let d = g.decide("POST", "/v1.41/containers/web/update", always.as_bytes());
        assert!(!d.allow);
        assert!(
            d.message.starts_with(
                "drydock guard: denied by CTR024 (restart-policy-unbounded): RestartPolicy is {\"MaximumRetryCount\":0,\"Name\":\"always\"}: "
            ),
            "{}",
            d.message
        );
        assert!(
            d.message
                .contains("[[exceptions]] name = \"web\", rules = [\"CTR024\"]"),
            "{}",
            d.message
        );
        // The default policy only logs it (CTR024 is low).
        let d = guard("").decide("POST", "/containers/web/update", always.as_bytes());
        assert!(d.allow);
        assert_eq!(d.rules_fired(), ["CTR024"]);
        // A bounded policy passes.
        let bounded = br#"{"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3}}"#;
        assert!(
            g.decide("POST", "/containers/web/update", bounded)
                .findings
                .is_empty()
        );
        // Fields the rules judge when the body sets them.
        let d = guard("").decide(
            "POST",
            "/containers/web/update",
            br#"{"Devices":[{"PathOnHost":"/dev/mem","PathInContainer":"/dev/mem","CgroupPermissions":"rwm"}],"CgroupParent":"/system.slice"}"#,
        );
        let fired = d.rules_fired();
        assert!(
            fired.contains(&"CTR018") && fired.contains(&"CTR021"),
            "{fired:?}"
        );
        assert!(d.findings.iter().any(|f| f.path == "Devices[0]"));
        // Unjudgeable.
        for body in [&b""[..], b"[1]", br#"{"Memory":"lots"}"#] {
            assert!(!g.decide("POST", "/containers/web/update", body).allow);
        }
    }

    /// `DOCKER_BUILDKIT=0 docker build --network host --build-arg
    /// NPM_TOKEN=… --build-arg PLAIN --add-host foo:1.2.3.4 -t x ctx` (CLI 28.2).
    const CLI_BUILD: &str = "/v1.41/build?buildargs=%7B%22NPM_TOKEN%22%3A%22ghp_abcdefghijklmnopqrstuvwxyz0123456789%22%2C%22PLAIN%22%3Anull%7D&dockerfile=Dockerfile&extrahosts=foo%3A1.2.3.4&networkmode=host&t=x&version=1";

    #[test]
    fn builds_are_judged_by_the_build_rules() {
        let g = guard("");
        let d = g.decide("POST", CLI_BUILD, b"");
        assert!(!d.allow);
        assert_eq!(
            denied_rules(&d),
            [
                ("CTR028", "buildargs[\"NPM_TOKEN\"]"),
                ("CTR029", "networkmode")
            ]
        );
        assert!(
            d.message
                .contains("drydock guard: denied by CTR029 (insecure-build-options): networkmode is \"host\": "),
            "{}",
            d.message
        );
        assert!(
            d.message
                .contains("[[exceptions]] image = \"x\", rules = [\"CTR029\"]"),
            "{}",
            d.message
        );
        // The secret never appears, in the message or the findings.
        assert!(!d.message.contains("ghp_abcdefgh"), "{}", d.message);
        for f in &d.findings {
            assert!(
                !f.message.contains("ghp_abcdefgh")
                    && !f.value.as_deref().unwrap_or("").contains("ghp_abcdefgh"),
                "{f:?}"
            );
        }
        // Nothing about what a build does not set.
        assert!(
            d.findings
                .iter()
                .all(|f| ["CTR028", "CTR029", "SEC002"].contains(&f.rule.as_str())),
            "{:?}",
            d.findings
        );

        // A secret value under an innocent name: SEC002, logged by default,
        // denied by a policy that denies secrets.
        let q = "/v1.41/build?buildargs=%7B%22FOO%22%3A%22ghp_abcdefghijklmnopqrstuvwxyz0123456789%22%7D&t=x";
        let d = g.decide("POST", q, b"");
        assert!(d.allow, "{}", d.message);
        assert_eq!(d.rules_fired(), ["SEC002"]);
        let d = guard("[rules]\ndeny = [\"CTR:high\", \"SEC:high\"]\n").decide("POST", q, b"");
        assert!(!d.allow);
        assert!(
            d.message
                .starts_with("drydock guard: denied by SEC002 (secret-in-container-environment): buildargs[\"FOO\"]: "),
            "{}",
            d.message
        );
        assert!(d.message.contains("`ghp_…`"), "{}", d.message);

        // A plain build: nothing to report.
        let d = g.decide(
            "POST",
            "/v1.41/build?dockerfile=Dockerfile&t=ok&version=1",
            b"",
        );
        assert!(d.allow && d.findings.is_empty(), "{:?}", d.findings);
        // BuildKit's /build (version=2) with host networking: the same.
        let d = g.decide("POST", "/build?networkmode=host&version=2&session=abc", b"");
        assert!(!d.allow);
        assert!(
            d.message.contains("[[exceptions]] name = \"…\""),
            "{}",
            d.message
        );

        // A remote context: logged by default, denied when asked.
        let r = "/build?remote=https%3A%2F%2Fgit.example.com%2Fapp.git&t=app";
        let d = g.decide("POST", r, b"");
        assert!(d.allow);
        assert_eq!(d.rules_fired(), ["build-remote-context"]);
        let d = guard("[build]\nremote-context = \"deny\"\n").decide("POST", r, b"");
        assert!(!d.allow);
        assert!(
            d.message.starts_with(
                "drydock guard: denied by build-remote-context (remote build context): remote is \"https://git.example.com/app.git\": The build of `app` has the daemon fetch"
            ),
            "{}",
            d.message
        );
        assert!(
            d.message.ends_with("under [build] in guard.toml."),
            "{}",
            d.message
        );
        assert!(
            guard("[build]\nremote-context = \"allow\"\n")
                .decide("POST", r, b"")
                .findings
                .is_empty()
        );

        // Exceptions by the tag and the build's labels.
        let g2 = guard(
            "[[exceptions]]\nimage = \"x\"\nrules = [\"CTR028\", \"CTR029\"]\nreason = \"ci\"\n",
        );
        assert!(g2.decide("POST", CLI_BUILD, b"").allow);
        let labelled = "/build?networkmode=host&labels=%7B%22team%22%3A%22infra%22%7D";
        let g3 = guard("[[exceptions]]\nlabel = \"team=infra\"\nreason = \"ci\"\n");
        assert!(g3.decide("POST", labelled, b"").allow);
        assert!(!g.decide("POST", labelled, b"").allow);

        // Queries that cannot be read are refused.
        for q in [
            "/build?buildargs=%7Bnot",
            "/build?buildargs=%5B%5D",
            "/build?buildargs=%7B%22A%22%3A1%7D",
            "/build?networkmode=host&networkmode=default",
            "/build?ulimits=%7B%7D",
        ] {
            let d = g.decide("POST", q, b"");
            assert!(!d.allow, "{q}");
        }
    }

    /// What `docker plugin install --grant-all-permissions` sends as the
    /// privileges (CLI 28.2), for a plugin that asks for all of these.
    const PRIVILEGES: &str = r#"[{"Name":"network","Description":"","Value":["host"]},{"Name":"mount","Description":"","Value":["/var/run/docker.sock"]},{"Name":"capabilities","Description":"","Value":["CAP_SYS_ADMIN"]},{"Name":"allow-all-devices","Description":"","Value":["true"]}]"#;

    #[test]
    fn plugin_installs() {
        let g = guard("[registries]\nallow = [\"docker.io\"]\n");
        // The registry first: the CLI's look-up of the privileges fetches
        // the plugin's manifest, and so does the pull.
        for (m, uri, body) in [
            (
                "GET",
                "/v1.41/plugins/privileges?remote=some.registry.example%2Fplugin%3A1.0",
                "",
            ),
            (
                "POST",
                "/v1.41/plugins/pull?name=myp%3Alatest&remote=some.registry.example%2Fplugin%3A1.0",
                PRIVILEGES,
            ),
            (
                "POST",
                "/v1.41/plugins/pull?remote=some.registry.example%2Fplugin",
                "",
            ),
            (
                "POST",
                "/v1.41/plugins/myp/upgrade?remote=some.registry.example%2Fplugin%3A2.0",
                PRIVILEGES,
            ),
        ] {
            let d = g.decide(m, uri, body.as_bytes());
            assert!(!d.allow, "{uri}");
            assert!(
                d.message.starts_with("drydock guard: denied by registry-not-allowed: installing the plugin `some.registry.example/plugin"),
                "{}",
                d.message
            );
            assert_eq!(d.findings[0].path, "remote");
        }
        assert!(
            g.decide("GET", "/plugins/privileges?remote=vieux%2Fsshfs", b"")
                .allow
        );

        // Privileges that hand the plugin the host are denied by default;
        // host networking alone is not judged.
        let d = g.decide(
            "POST",
            "/v1.41/plugins/pull?remote=vieux%2Fsshfs&name=sshfs",
            PRIVILEGES.as_bytes(),
        );
        assert!(!d.allow);
        let paths: Vec<&str> = d.findings.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["[1].Value[0]", "[2].Value[0]", "[3].Value[0]"]);
        assert!(
            d.message.starts_with(
                "drydock guard: denied by plugin-privileges (plugin privileges): [1].Value[0] is \"/var/run/docker.sock\": Plugin `vieux/sshfs` asks for the `mount` privilege"
            ),
            "{}",
            d.message
        );
        assert!(
            d.message.contains(
                "set `privileges = \"allow\"` (or \"log\") under [plugins] in guard.toml."
            )
        );
        // `/` and the host's PID namespace too; a narrow mount, a device and
        // an ordinary capability do not.
        let body = br#"[{"Name":"mount","Value":["/"]},{"Name":"host pid namespace","Value":["true"]},
            {"Name":"mount","Value":["/var/lib/docker/plugins/"]},{"Name":"device","Value":["/dev/fuse"]},
            {"Name":"capabilities","Value":["CAP_NET_ADMIN","sys_module"]}]"#;
        let d = g.decide("POST", "/plugins/pull?remote=vieux%2Fsshfs", body);
        let paths: Vec<&str> = d.findings.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["[0].Value[0]", "[1].Value[0]", "[4].Value[1]"]);
        assert!(
            g.decide(
                "POST",
                "/plugins/pull?remote=vieux%2Fsshfs",
                br#"[{"Name":"network","Value":["host"]}]"#
            )
            .allow
        );
        assert!(
            g.decide("POST", "/plugins/pull?remote=vieux%2Fsshfs", b"[]")
                .allow
        );
        // `[plugins] privileges` decides.
        let d = guard("[plugins]\nprivileges = \"log\"\n").decide(
            "POST",
            "/plugins/pull?remote=vieux%2Fsshfs",
            PRIVILEGES.as_bytes(),
        );
        assert!(d.allow);
        assert_eq!(d.findings.len(), 3);
        assert!(d.findings.iter().all(|f| f.verdict == Verdict::Log));
        let d = guard("[plugins]\nprivileges = \"allow\"\n").decide(
            "POST",
            "/plugins/pull?remote=vieux%2Fsshfs",
            PRIVILEGES.as_bytes(),
        );
        assert!(d.allow && d.findings.is_empty());

        // An upgrade of another plugin is judged like an install; the
        // guard's own upgrade stays refused whatever it carries.
        let d = g.decide(
            "POST",
            "/plugins/other/upgrade?remote=vieux%2Fsshfs",
            PRIVILEGES.as_bytes(),
        );
        assert!(d.message.contains("plugin-privileges"), "{}", d.message);
        let d = g.decide(
            "POST",
            "/plugins/drydock-guard/upgrade?remote=vieux%2Fsshfs",
            b"[]",
        );
        assert!(d.message.contains("guard-self-protection"), "{}", d.message);
        // Enabling another plugin is allowed.
        assert!(
            g.decide("POST", "/plugins/other/enable?timeout=0", b"")
                .allow
        );

        // What cannot be judged is refused: no remote, no body, a body that
        // is not the privileges.
        for (uri, body) in [
            ("/plugins/pull?name=x", PRIVILEGES),
            ("/plugins/pull?remote=vieux%2Fsshfs", ""),
            ("/plugins/pull?remote=vieux%2Fsshfs", "{}"),
            (
                "/plugins/pull?remote=vieux%2Fsshfs",
                r#"[{"Name":"mount","Value":"/"}]"#,
            ),
            (
                "/plugins/pull?remote=vieux%2Fsshfs",
                r#"[{"Name":"mount","Value":[1]}]"#,
            ),
            ("/plugins/pull?remote=a&remote=b", "[]"),
        ] {
            assert!(
                !g.decide("POST", uri, body.as_bytes()).allow,
                "{uri} {body}"
            );
        }
    }

    #[test]
    fn plugin_services_and_local_plugins() {
        let g = guard("[registries]\nallow = [\"docker.io\"]\n");
        let svc = |remote: &str, privs: &str| {
            format!(
                r#"{{"Name":"p","TaskTemplate":{{"Runtime":"plugin","PluginSpec":{{"Name":"p","Remote":"{remote}","PluginPrivilege":{privs}}}}}}}"#
            )
        };
        let d = g.decide(
            "POST",
            "/services/create",
            svc("other.registry.invalid/p:1", "[]").as_bytes(),
        );
        assert!(!d.allow);
        assert_eq!(d.findings[0].path, "TaskTemplate.PluginSpec.Remote");
        let d = g.decide(
            "POST",
            "/services/create",
            svc(
                "vieux/sshfs",
                r#"[{"Name":"capabilities","Value":["CAP_SYS_ADMIN"]}]"#,
            )
            .as_bytes(),
        );
        assert!(!d.allow);
        assert!(
            d.message.contains(
                "denied by plugin-privileges (plugin privileges): TaskTemplate.PluginSpec.PluginPrivilege[0].Value[0] is \"CAP_SYS_ADMIN\""
            ),
            "{}",
            d.message
        );
        // No container findings for a service that runs none.
        let d = g.decide(
            "POST",
            "/services/create",
            svc("vieux/sshfs", "[]").as_bytes(),
        );
        assert!(d.allow && d.findings.is_empty(), "{:?}", d.findings);
        assert!(
            !g.decide(
                "POST",
                "/services/create",
                br#"{"TaskTemplate":{"PluginSpec":{}}}"#
            )
            .allow
        );

        // A plugin from a local archive: its privileges cannot be seen.
        let d = g.decide("POST", "/v1.41/plugins/create?name=local%2Fp", b"");
        assert!(!d.allow);
        assert!(
            d.message.starts_with(
                "drydock guard: denied by plugin-privileges (plugin privileges): the request: Creating plugin `local/p` from a local archive"
            ),
            "{}",
            d.message
        );
        let d = guard("[plugins]\nprivileges = \"log\"\n").decide(
            "POST",
            "/plugins/create?name=p",
            b"",
        );
        assert!(d.allow);
        assert_eq!(d.rules_fired(), ["plugin-privileges"]);
    }

    #[test]
    fn fix_text_from_rule_docs() {
        let r = drydock_rules::find_rule("CTR001").unwrap();
        let h = how_to_fix(r.meta().docs);
        assert!(h.starts_with("Remove `privileged: true`"), "{h}");
        assert!(h.ends_with('.'), "{h}");
        assert_eq!(how_to_fix("no section"), "");
        // A fenced example becomes inline code.
        let r = drydock_rules::find_rule("CTR024").unwrap();
        let h = how_to_fix(r.meta().docs);
        assert!(
            h.starts_with("`restart: on-failure:5` (`docker run --restart on-failure:5`), and"),
            "{h}"
        );
        assert_eq!(
            how_to_fix("## How to fix\n```yaml\na: 1\nb: 2\n```\nthen go. More."),
            "`a: 1 b: 2` then go."
        );
    }
}
