//! The guard's policy (`guard.toml`): which findings deny and which only
//! log, what exec may do, which registries images may be pulled from, and
//! the exceptions. Every error names its line and column.
//!
//! ```toml
//! [rules]
//! deny = ["CTR:high", "SEC001"]   # rule IDs or prefixes, severities, or PREFIX:severity
//! log = ["all"]                   # findings that are only logged
//!
//! [exec]
//! privileged = "deny"             # CIS 5.23: deny | log | allow
//! root = "log"                    # CIS 5.24
//!
//! [plugins]
//! privileges = "deny"             # plugins asking for the host: deny | log | allow
//!
//! [build]
//! remote-context = "log"          # contexts the daemon fetches from a URL
//!
//! [registries]
//! allow = ["docker.io", "registry.example.com"]
//!
//! [host]
//! engine-sockets = ["/srv/docker/api.sock"]
//!
//! [[exceptions]]
//! name = "traefik*"
//! rules = ["CTR002"]
//! reason = "the proxy reads container labels through the socket"
//! ```

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use drydock_core::{Finding, ImageRef, LineIndex, Severity};
use globset::{Glob, GlobMatcher};
use serde::Deserialize;
use toml::Spanned;

/// A policy error with its place in the file (1-based; `line` 0 when the
/// place is not known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl PolicyError {
    /// `file:line:col: message`.
    pub fn display(&self, file: &str) -> String {
        if self.line == 0 {
            format!("{file}: {}", self.message)
        } else {
            format!("{file}:{}:{}: {}", self.line, self.column, self.message)
        }
    }
}

/// Which findings a selector takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// Every finding.
    All,
    /// Findings at or above a severity.
    Severity(Severity),
    /// Findings of rules whose ID starts with a prefix (a whole ID is a
    /// prefix too), at or above a severity when one is given.
    Rule {
        prefix: String,
        min: Option<Severity>,
    },
}

impl Selector {
    /// Parses `all`, `high`, `CTR`, `CTR001`, `CTR:high`.
    pub fn parse(s: &str) -> Result<Selector, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("all") {
            return Ok(Selector::All);
        }
        if let Ok(sev) = s.to_ascii_lowercase().parse::<Severity>() {
            return Ok(Selector::Severity(sev));
        }
        let (prefix, min) = match s.split_once(':') {
            Some((p, sev)) => {
                let sev = sev
                    .trim()
                    .to_ascii_lowercase()
                    .parse::<Severity>()
                    .map_err(|e| format!("`{s}`: {e}"))?;
                (p.trim(), Some(sev))
            }
            None => (s, None),
        };
        let prefix = prefix.to_ascii_uppercase();
        if prefix.is_empty() {
            return Err(format!("`{s}`: a rule ID or prefix is missing"));
        }
        if !drydock_rules::all_rules().any(|r| r.meta().id.starts_with(&prefix)) {
            return Err(format!(
                "`{s}` selects no rule (expected a rule ID or prefix such as `CTR001` or `CTR`, a severity, `PREFIX:severity` or `all`)"
            ));
        }
        Ok(Selector::Rule { prefix, min })
    }

    pub fn matches(&self, f: &Finding) -> bool {
        match self {
            Selector::All => true,
            Selector::Severity(s) => f.severity >= *s,
            Selector::Rule { prefix, min } => {
                f.rule.id.starts_with(prefix.as_str()) && min.is_none_or(|m| f.severity >= m)
            }
        }
    }
}

/// What happens to an exec that asks for something a CIS check advises
/// against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecAction {
    Deny,
    Log,
    Allow,
}

impl ExecAction {
    fn parse(s: &str) -> Result<ExecAction, String> {
        match s {
            "deny" => Ok(ExecAction::Deny),
            "log" => Ok(ExecAction::Log),
            "allow" => Ok(ExecAction::Allow),
            _ => Err(format!(
                "`{s}` is not an action (expected `deny`, `log` or `allow`)"
            )),
        }
    }
}

/// An exception: findings about matching containers that do not deny.
#[derive(Debug, Clone)]
pub struct Exception {
    pub name: Option<(String, GlobMatcher)>,
    /// `key=value`, or `key` alone for any value.
    pub label: Option<(String, Option<String>)>,
    pub image: Option<(String, GlobMatcher)>,
    /// Who sent the request: the proxy's client entry name, or the user the
    /// daemon authenticated (the plugin's AuthZ `User`).
    pub client: Option<(String, GlobMatcher)>,
    /// The findings it covers; empty: every finding.
    pub rules: Vec<Selector>,
    pub reason: String,
    /// Its line in the policy file (0 for a built one).
    pub line: u32,
}

/// What an exception is matched against.
pub struct Subject<'a> {
    pub name: Option<&'a str>,
    pub labels: &'a HashMap<String, String>,
    pub image: Option<&'a str>,
    /// Who sent the request (see [`Exception::client`]); `None`: unknown.
    pub client: Option<&'a str>,
}

impl Exception {
    pub fn matches(&self, s: &Subject<'_>, f: &Finding) -> bool {
        let name_ok = self.name.as_ref().is_none_or(|(_, g)| {
            s.name
                .is_some_and(|n| g.is_match(n) || g.is_match(n.trim_start_matches('/')))
        });
        let label_ok = self.label.as_ref().is_none_or(|(k, v)| {
            s.labels
                .get(k)
                .is_some_and(|have| v.as_ref().is_none_or(|v| v == have))
        });
        let image_ok = self.image.as_ref().is_none_or(|(_, g)| {
            s.image.is_some_and(|i| {
                g.is_match(i)
                    || ImageRef::parse(i).is_some_and(|r| {
                        // The full name and the familiar one (`traefik`
                        // for `docker.io/library/traefik`), with and
                        // without the tag.
                        let full = r.full_name();
                        let familiar = full
                            .strip_prefix("docker.io/")
                            .map(|f| f.strip_prefix("library/").unwrap_or(f).to_string());
                        let suffix = match (&r.tag, &r.digest) {
                            (_, Some(d)) => format!("@{d}"),
                            (Some(t), None) => format!(":{t}"),
                            (None, None) => ":latest".to_string(),
                        };
                        std::iter::once(full)
                            .chain(familiar)
                            .any(|n| g.is_match(&n) || g.is_match(format!("{n}{suffix}")))
                    })
            })
        });
        let client_ok = self
            .client
            .as_ref()
            .is_none_or(|(_, g)| s.client.is_some_and(|c| g.is_match(c)));
        let rule_ok = self.rules.is_empty() || self.rules.iter().any(|r| r.matches(f));
        name_ok && label_ok && image_ok && client_ok && rule_ok
    }
}

/// A loaded policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub deny: Vec<Selector>,
    pub log: Vec<Selector>,
    pub exec_privileged: ExecAction,
    pub exec_root: ExecAction,
    /// `[plugins] privileges`: installing or upgrading a plugin that asks
    /// for privileges handing it the host (`plugin-privileges`).
    pub plugin_privileges: ExecAction,
    /// `[build] remote-context`: a build whose context the daemon fetches
    /// from a URL (`build-remote-context`).
    pub build_remote_context: ExecAction,
    /// Registry patterns (`docker.io`, `ghcr.io/acme`, `*.gcr.io`); empty:
    /// any registry.
    pub registries: Vec<String>,
    /// Engine API sockets besides those of the running dockerd processes.
    pub engine_sockets: Vec<String>,
    pub exceptions: Vec<Exception>,
    /// The socket proxy's clients (`[[proxy.clients]]`).
    pub proxy: ProxyPolicy,
}

impl Default for Policy {
    /// Critical and high findings of the container rules deny, every other
    /// finding is logged, privileged exec is denied, exec as root logged,
    /// any registry allowed.
    fn default() -> Self {
        Policy {
            deny: vec![Selector::Rule {
                prefix: "CTR".into(),
                min: Some(Severity::High),
            }],
            log: vec![Selector::All],
            exec_privileged: ExecAction::Deny,
            exec_root: ExecAction::Log,
            plugin_privileges: ExecAction::Deny,
            build_remote_context: ExecAction::Log,
            registries: Vec::new(),
            engine_sockets: Vec::new(),
            exceptions: Vec::new(),
            proxy: ProxyPolicy::default(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPolicy {
    rules: Option<RawRules>,
    exec: Option<RawExec>,
    plugins: Option<RawPlugins>,
    build: Option<RawBuild>,
    registries: Option<RawRegistries>,
    host: Option<RawHost>,
    #[serde(default)]
    exceptions: Vec<Spanned<RawException>>,
    proxy: Option<RawProxy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawProxy {
    #[serde(default)]
    clients: Vec<Spanned<RawClient>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawClient {
    name: Option<Spanned<String>>,
    uid: Option<Spanned<u32>>,
    container: Option<Spanned<String>>,
    default: Option<Spanned<bool>>,
    cert: Option<Spanned<String>>,
    address: Option<Spanned<String>>,
    profile: Option<Spanned<String>>,
    grants: Option<Vec<Spanned<String>>>,
    visible: Option<Spanned<RawVisible>>,
    #[serde(alias = "visible_images")]
    visible_images: Option<Spanned<RawVisible>>,
    #[serde(alias = "visible_networks")]
    visible_networks: Option<Spanned<RawVisible>>,
    #[serde(alias = "visible_volumes")]
    visible_volumes: Option<Spanned<RawVisible>>,
    #[serde(alias = "redact_env")]
    redact_env: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawVisible {
    #[serde(default)]
    labels: Vec<Spanned<String>>,
    #[serde(default)]
    names: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRules {
    deny: Option<Vec<Spanned<String>>>,
    log: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawExec {
    privileged: Option<Spanned<String>>,
    root: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPlugins {
    privileges: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawBuild {
    remote_context: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRegistries {
    #[serde(default)]
    allow: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawHost {
    #[serde(default)]
    engine_sockets: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawException {
    name: Option<Spanned<String>>,
    label: Option<Spanned<String>>,
    image: Option<Spanned<String>>,
    client: Option<Spanned<String>>,
    rules: Option<Vec<Spanned<String>>>,
    reason: Option<Spanned<String>>,
}

fn glob(s: &str) -> Result<GlobMatcher, String> {
    Glob::new(s)
        .map(|g| g.compile_matcher())
        .map_err(|e| format!("`{s}` is not a valid glob: {e}"))
}

impl Policy {
    /// Parses a policy. Every error is returned, each with its position.
    pub fn parse(text: &str) -> Result<Policy, Vec<PolicyError>> {
        let index = LineIndex::new(text);
        let at = |offset: usize, message: String| {
            let lc = index.line_col(u32::try_from(offset).unwrap_or(u32::MAX), text);
            PolicyError {
                line: lc.line,
                column: lc.column,
                message,
            }
        };
        let raw: RawPolicy = toml::from_str(text).map_err(|e| {
            vec![match e.span() {
                Some(s) => at(s.start, e.message().to_string()),
                None => PolicyError {
                    line: 0,
                    column: 0,
                    message: e.message().to_string(),
                },
            }]
        })?;
        let mut errors = Vec::new();
        let mut p = Policy::default();
        let selectors = |list: &[Spanned<String>], errors: &mut Vec<PolicyError>| {
            let mut out = Vec::new();
            for s in list {
                match Selector::parse(s.get_ref()) {
                    Ok(sel) => out.push(sel),
                    Err(e) => errors.push(at(s.span().start, e)),
                }
            }
            out
        };
        if let Some(r) = &raw.rules {
            if let Some(d) = &r.deny {
                p.deny = selectors(d, &mut errors);
            }
            if let Some(l) = &r.log {
                p.log = selectors(l, &mut errors);
            }
        }
        let exec = raw.exec.as_ref();
        for (v, slot) in [
            (
                exec.and_then(|e| e.privileged.as_ref()),
                &mut p.exec_privileged,
            ),
            (exec.and_then(|e| e.root.as_ref()), &mut p.exec_root),
            (
                raw.plugins.as_ref().and_then(|p| p.privileges.as_ref()),
                &mut p.plugin_privileges,
            ),
            (
                raw.build.as_ref().and_then(|b| b.remote_context.as_ref()),
                &mut p.build_remote_context,
            ),
        ] {
            if let Some(v) = v {
                match ExecAction::parse(v.get_ref()) {
                    Ok(a) => *slot = a,
                    Err(m) => errors.push(at(v.span().start, m)),
                }
            }
        }
        if let Some(r) = &raw.registries {
            for reg in &r.allow {
                let v = reg.get_ref().trim();
                if v.is_empty() || v.contains(char::is_whitespace) || v.contains("://") {
                    errors.push(at(
                        reg.span().start,
                        format!(
                            "`{v}` is not a registry (expected `host`, `host/path` or `*.domain`)"
                        ),
                    ));
                } else {
                    p.registries.push(v.to_string());
                }
            }
        }
        if let Some(h) = &raw.host {
            for s in &h.engine_sockets {
                if s.get_ref().starts_with('/') {
                    p.engine_sockets.push(s.get_ref().clone());
                } else {
                    errors.push(at(
                        s.span().start,
                        format!("`{}` is not an absolute path", s.get_ref()),
                    ));
                }
            }
        }
        for ex in &raw.exceptions {
            let start = ex.span().start;
            let e = ex.get_ref();
            let line = at(start, String::new()).line;
            let mut one = Exception {
                name: None,
                label: None,
                image: None,
                client: None,
                rules: Vec::new(),
                reason: String::new(),
                line,
            };
            match &e.reason {
                Some(r) if !r.get_ref().trim().is_empty() => {
                    one.reason = r.get_ref().trim().to_string();
                }
                Some(r) => errors.push(at(r.span().start, "the reason is empty".into())),
                None => errors.push(at(
                    start,
                    "an exception needs a `reason`: why the findings it covers are accepted".into(),
                )),
            }
            if e.name.is_none() && e.label.is_none() && e.image.is_none() && e.client.is_none() {
                errors.push(at(
                    start,
                    "an exception needs `name`, `label`, `image` or `client`: which containers or clients it covers"
                        .into(),
                ));
            }
            if let Some(c) = &e.client {
                match glob(c.get_ref()) {
                    Ok(g) if !c.get_ref().trim().is_empty() => {
                        one.client = Some((c.get_ref().clone(), g));
                    }
                    Ok(_) => errors.push(at(c.span().start, "the client is empty".into())),
                    Err(m) => errors.push(at(c.span().start, m)),
                }
            }
            if let Some(n) = &e.name {
                match glob(n.get_ref()) {
                    Ok(g) => one.name = Some((n.get_ref().clone(), g)),
                    Err(m) => errors.push(at(n.span().start, m)),
                }
            }
            if let Some(i) = &e.image {
                match glob(i.get_ref()) {
                    Ok(g) => one.image = Some((i.get_ref().clone(), g)),
                    Err(m) => errors.push(at(i.span().start, m)),
                }
            }
            if let Some(l) = &e.label {
                let v = l.get_ref();
                match v.split_once('=') {
                    Some((k, _)) if k.trim().is_empty() => {
                        errors.push(at(l.span().start, format!("`{v}`: the label key is empty")));
                    }
                    Some((k, val)) => one.label = Some((k.trim().into(), Some(val.into()))),
                    None if v.trim().is_empty() => {
                        errors.push(at(l.span().start, "the label is empty".into()));
                    }
                    None => one.label = Some((v.trim().into(), None)),
                }
            }
            if let Some(r) = &e.rules {
                one.rules = selectors(r, &mut errors);
            }
            p.exceptions.push(one);
        }
        if let Some(px) = &raw.proxy {
            p.proxy = parse_proxy(px, &at, &mut errors);
        }
        if errors.is_empty() {
            Ok(p)
        } else {
            errors.sort_by_key(|e| (e.line, e.column));
            Err(errors)
        }
    }

    /// Reads and parses a policy file; the errors are rendered as
    /// `file:line:col: message`, one a line.
    pub fn load(path: &Path) -> Result<Policy, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read the policy: {e}", path.display()))?;
        Policy::parse(&text).map_err(|errors| {
            let file = path.display().to_string();
            errors
                .iter()
                .map(|e| e.display(&file))
                .collect::<Vec<_>>()
                .join("\n")
        })
    }

    /// Whether an image reference may be pulled under `[registries] allow`.
    pub fn registry_allowed(&self, image: &ImageRef) -> bool {
        self.registries.is_empty() || self.registries.iter().any(|r| image.matches_registry(r))
    }
}

/// The socket proxy's part of the policy: who its clients are and what
/// each may do.
#[derive(Debug, Clone, Default)]
pub struct ProxyPolicy {
    pub clients: Vec<ProxyClient>,
}

/// How a connection is recognised as a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// The peer process's user ID (`SO_PEERCRED`).
    Uid(u32),
    /// The peer process's container: an ID prefix (12 or more hex digits)
    /// or a container name.
    Container(String),
    /// A TLS client certificate (TCP listener): its subject's common name
    /// or one of its subjectAltName DNS names.
    Cert(String),
    /// A TCP peer's source address: an address or a CIDR block.
    Address(Cidr),
    /// Every connection no other entry matches.
    Default,
}

impl Identity {
    /// Whether a container entry is an ID prefix rather than a name.
    pub fn is_id_prefix(s: &str) -> bool {
        s.len() >= 12
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }
}

/// An address block: `10.0.0.0/8`, `fd00::/8`, or one address
/// (`127.0.0.1`: a /32, `::1`: a /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let t = s.trim();
        let (a, p) = match t.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (t, None),
        };
        let addr: IpAddr = a.parse().map_err(|_| {
            format!("`{s}` is not an address or CIDR block (e.g. `10.0.0.0/8`, `192.168.1.7`, `fd00::/8`)")
        })?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}`: the prefix length must be 0 to {max}"))?,
        };
        let c = Cidr { addr, prefix };
        if c.network() != addr {
            return Err(format!(
                "`{s}` has bits set past its prefix length: did you mean `{}/{prefix}`?",
                c.network()
            ));
        }
        Ok(c)
    }

    fn bits(a: IpAddr) -> (u128, u8) {
        match a {
            IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
            IpAddr::V6(v) => (u128::from(v), 128),
        }
    }

    fn mask(&self, width: u8) -> u128 {
        if self.prefix == 0 {
            0
        } else {
            let all = if width == 128 {
                u128::MAX
            } else {
                (1u128 << width) - 1
            };
            all & !((1u128 << (width - self.prefix)) - 1)
        }
    }

    fn network(&self) -> IpAddr {
        let (b, w) = Self::bits(self.addr);
        let n = b & self.mask(w);
        match self.addr {
            IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::from(
                u32::try_from(n).unwrap_or_default(),
            )),
            IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::from(n)),
        }
    }

    /// Whether an address is in the block. An IPv4 peer seen on an IPv6
    /// socket (`::ffff:10.0.0.1`) is taken as its IPv4 address.
    pub fn contains(&self, a: IpAddr) -> bool {
        let a = match a {
            IpAddr::V6(v) => v.to_ipv4_mapped().map_or(a, IpAddr::V4),
            v4 => v4,
        };
        if a.is_ipv4() != self.addr.is_ipv4() {
            return false;
        }
        let (b, w) = Self::bits(a);
        let (n, _) = Self::bits(self.addr);
        b & self.mask(w) == n & self.mask(w)
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// One `[[proxy.clients]]` entry.
#[derive(Debug, Clone)]
pub struct ProxyClient {
    pub name: String,
    pub identity: Identity,
    /// Its own grants and those of its profile.
    pub grants: Vec<Grant>,
    pub profile: Option<String>,
    /// The containers it may see (`visible`); `None`: all of them.
    pub visible: Option<Visible>,
    /// The images it may see (`visible-images`, names are `RepoTags`).
    pub visible_images: Option<Visible>,
    /// The networks it may see (`visible-networks`).
    pub visible_networks: Option<Visible>,
    /// The volumes it may see (`visible-volumes`).
    pub visible_volumes: Option<Visible>,
    /// Replace the values of `Config.Env` in container inspect.
    pub redact_env: bool,
    /// Its line in the policy file (0 for a built one).
    pub line: u32,
}

impl ProxyClient {
    /// The grant that allows a request (method, path without the version
    /// prefix), if any. `GET /_ping` and `HEAD /_ping` are always allowed:
    /// the docker CLI cannot talk to a daemon without them.
    pub fn grant_for(&self, method: &str, path: &str) -> Option<&str> {
        if path == "/_ping" && (method == "GET" || method == "HEAD") {
            return Some("GET /_ping");
        }
        self.grants
            .iter()
            .find(|g| g.matches(method, path))
            .map(|g| g.text.as_str())
    }
}

/// An endpoint grant: `METHOD /path/pattern`. `*` for the method is any
/// method; a `GET` grant also allows `HEAD`. In the path, `*` matches within
/// one segment, `**` across segments, `{a,b}` either.
#[derive(Debug, Clone)]
pub struct Grant {
    pub text: String,
    /// `None`: any method.
    pub method: Option<String>,
    pub path: GlobMatcher,
}

const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

impl Grant {
    pub fn parse(s: &str) -> Result<Grant, String> {
        let t = s.trim();
        let (method, path) = t.split_once(char::is_whitespace).ok_or_else(|| {
            format!("`{s}` is not a grant (expected `METHOD /path`, e.g. `GET /containers/json` or `* /containers/*/logs`)")
        })?;
        let (method, path) = (method.trim(), path.trim());
        let method = if method == "*" {
            None
        } else {
            let m = method.to_ascii_uppercase();
            if !METHODS.contains(&m.as_str()) {
                return Err(format!(
                    "`{s}`: `{method}` is not an HTTP method (expected one of {} or `*`)",
                    METHODS.join(", ")
                ));
            }
            Some(m)
        };
        if !path.starts_with('/') || path.contains(char::is_whitespace) || path.contains('?') {
            return Err(format!(
                "`{s}`: the path pattern must start with `/` and hold no spaces and no query"
            ));
        }
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        if first.len() > 1
            && first.starts_with('v')
            && first[1..].bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            return Err(format!(
                "`{s}`: write the path without the API version prefix (`/{first}` is stripped from requests before grants are matched)"
            ));
        }
        let path = globset::GlobBuilder::new(path)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("`{s}`: the path is not a valid pattern: {e}"))?
            .compile_matcher();
        Ok(Grant {
            text: t.to_string(),
            method,
            path,
        })
    }

    pub fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok = match &self.method {
            None => true,
            Some(m) => m == method || (m == "GET" && method == "HEAD"),
        };
        method_ok && self.path.is_match(path)
    }
}

/// The built-in grant sets (`profile = "…"`): each with its grants and
/// whether it redacts container environments by default.
pub const PROFILES: &[(&str, &[&str], bool)] = &[
    (
        "read-only",
        &[
            "GET /containers/json",
            "GET /containers/*/json",
            "GET /containers/*/stats",
            "GET /images/json",
            "GET /images/**/json",
            "GET /networks",
            "GET /networks/*",
            "GET /volumes",
            "GET /volumes/*",
            "GET /info",
            "GET /version",
            "GET /events",
            "GET /_ping",
        ],
        true,
    ),
    (
        "traefik",
        &[
            "GET /containers/json",
            "GET /containers/*/json",
            "GET /events",
            "GET /version",
            "GET /_ping",
            "GET /networks",
            "GET /networks/*",
        ],
        true,
    ),
    (
        "watchtower",
        &[
            "GET /containers/json",
            "GET /containers/*/json",
            "GET /images/json",
            "GET /images/**/json",
            "POST /images/create",
            "DELETE /images/**",
            "POST /containers/create",
            "POST /containers/*/start",
            "POST /containers/*/stop",
            "POST /containers/*/kill",
            "POST /containers/*/rename",
            "DELETE /containers/*",
            "POST /networks/*/connect",
            "POST /networks/*/disconnect",
            "GET /version",
            "GET /_ping",
        ],
        false,
    ),
    (
        "ci-runner",
        &[
            "POST /build",
            "POST /session",
            "POST /images/create",
            "GET /images/**/json",
            "POST /containers/create",
            "POST /containers/*/start",
            "POST /containers/*/attach",
            "POST /containers/*/wait",
            "POST /containers/*/resize",
            "POST /containers/*/kill",
            "GET /containers/*/json",
            "GET /containers/*/logs",
            "DELETE /containers/*",
            "GET /version",
            "GET /_ping",
        ],
        false,
    ),
];

/// The containers a client may see: those with one of the labels or one
/// of the names (globs, without the leading `/`).
#[derive(Debug, Clone, Default)]
pub struct Visible {
    /// `key=value`, or `key` alone for any value.
    pub labels: Vec<(String, Option<String>)>,
    pub names: Vec<(String, GlobMatcher)>,
}

impl Visible {
    /// Whether a container with these names (`/web` or `web`) and labels
    /// is visible.
    pub fn allows<'a>(
        &self,
        names: impl IntoIterator<Item = &'a str>,
        labels: &HashMap<String, String>,
    ) -> bool {
        let by_label = self.labels.iter().any(|(k, v)| {
            labels
                .get(k)
                .is_some_and(|have| v.as_ref().is_none_or(|v| v == have))
        });
        by_label
            || names.into_iter().any(|n| {
                let n = n.strip_prefix('/').unwrap_or(n);
                self.names.iter().any(|(_, g)| g.is_match(n))
            })
    }
}

fn parse_label(v: &str) -> Result<(String, Option<String>), String> {
    match v.split_once('=') {
        Some((k, _)) if k.trim().is_empty() => Err(format!("`{v}`: the label key is empty")),
        Some((k, val)) => Ok((k.trim().into(), Some(val.into()))),
        None if v.trim().is_empty() => Err("the label is empty".into()),
        None => Ok((v.trim().into(), None)),
    }
}

fn parse_proxy(
    raw: &RawProxy,
    at: &dyn Fn(usize, String) -> PolicyError,
    errors: &mut Vec<PolicyError>,
) -> ProxyPolicy {
    let mut out = ProxyPolicy::default();
    for c in &raw.clients {
        let start = c.span().start;
        let e = c.get_ref();
        let line = at(start, String::new()).line;
        let name = match &e.name {
            Some(n) if !n.get_ref().trim().is_empty() => n.get_ref().trim().to_string(),
            Some(n) => {
                errors.push(at(n.span().start, "the client's name is empty".into()));
                String::new()
            }
            None => {
                errors.push(at(
                    start,
                    "a client needs a `name` (it appears in the log and in refusals)".into(),
                ));
                String::new()
            }
        };
        if !name.is_empty() && out.clients.iter().any(|o| o.name == name) {
            errors.push(at(start, format!("a second client named `{name}`")));
        }
        let mut ids = Vec::new();
        if let Some(u) = &e.uid {
            ids.push((Identity::Uid(*u.get_ref()), u.span().start));
        }
        if let Some(ct) = &e.container {
            let v = ct.get_ref().trim().trim_start_matches('/');
            if v.is_empty() {
                errors.push(at(ct.span().start, "the container is empty".into()));
            } else {
                ids.push((Identity::Container(v.to_string()), ct.span().start));
            }
        }
        if let Some(ct) = &e.cert {
            let v = ct.get_ref().trim();
            if v.is_empty() {
                errors.push(at(ct.span().start, "the certificate name is empty".into()));
            } else {
                ids.push((Identity::Cert(v.to_string()), ct.span().start));
            }
        }
        if let Some(a) = &e.address {
            match Cidr::parse(a.get_ref()) {
                Ok(c) => ids.push((Identity::Address(c), a.span().start)),
                Err(m) => errors.push(at(a.span().start, m)),
            }
        }
        match &e.default {
            Some(d) if *d.get_ref() => ids.push((Identity::Default, d.span().start)),
            Some(d) => errors.push(at(
                d.span().start,
                "`default = false` means nothing: leave it out".into(),
            )),
            None => {}
        }
        let named_one = e.uid.is_some()
            || e.container.is_some()
            || e.cert.is_some()
            || e.address.is_some()
            || e.default.is_some();
        let identity = match ids.as_slice() {
            [] if named_one => Identity::Default,
            [] => {
                errors.push(at(
                    start,
                    "a client needs one of `uid`, `container`, `cert`, `address` or `default = true`: who it is"
                        .into(),
                ));
                Identity::Default
            }
            [(i, pos)] => {
                if out.clients.iter().any(|o| &o.identity == i) {
                    errors.push(at(*pos, "another client has the same identity".into()));
                }
                i.clone()
            }
            [_, (_, pos), ..] => {
                errors.push(at(
                    *pos,
                    "a client has one identity: `uid`, `container`, `cert`, `address` or `default = true`, not several"
                        .into(),
                ));
                Identity::Default
            }
        };
        let mut grants = Vec::new();
        let mut redact_env = false;
        if let Some(pr) = &e.profile {
            match PROFILES.iter().find(|(n, _, _)| n == pr.get_ref()) {
                Some((_, list, redact)) => {
                    grants.extend(list.iter().filter_map(|g| Grant::parse(g).ok()));
                    redact_env = *redact;
                }
                None => errors.push(at(
                    pr.span().start,
                    format!(
                        "`{}` is not a profile (expected {})",
                        pr.get_ref(),
                        PROFILES
                            .iter()
                            .map(|(n, _, _)| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
            }
        }
        if let Some(list) = &e.grants {
            for g in list {
                match Grant::parse(g.get_ref()) {
                    Ok(g) => grants.push(g),
                    Err(m) => errors.push(at(g.span().start, m)),
                }
            }
        }
        if e.profile.is_none() && e.grants.is_none() {
            errors.push(at(
                start,
                "a client needs `grants` or a `profile`: what it may do".into(),
            ));
        }
        if let Some(r) = &e.redact_env {
            redact_env = *r.get_ref();
        }
        let mut visible_of = |v: &Spanned<RawVisible>, key: &str, what: &str| {
            let mut vis = Visible::default();
            let raw = v.get_ref();
            if raw.labels.is_empty() && raw.names.is_empty() {
                errors.push(at(
                    v.span().start,
                    format!("`{key}` needs `labels` or `names` (an empty filter would hide every {what})"),
                ));
            }
            for l in &raw.labels {
                match parse_label(l.get_ref()) {
                    Ok(l) => vis.labels.push(l),
                    Err(m) => errors.push(at(l.span().start, m)),
                }
            }
            for n in &raw.names {
                match glob(n.get_ref().trim_start_matches('/')) {
                    Ok(g) => vis.names.push((n.get_ref().clone(), g)),
                    Err(m) => errors.push(at(n.span().start, m)),
                }
            }
            vis
        };
        let visible = e
            .visible
            .as_ref()
            .map(|v| visible_of(v, "visible", "container"));
        let visible_images = e
            .visible_images
            .as_ref()
            .map(|v| visible_of(v, "visible-images", "image"));
        let visible_networks = e
            .visible_networks
            .as_ref()
            .map(|v| visible_of(v, "visible-networks", "network"));
        let visible_volumes = e
            .visible_volumes
            .as_ref()
            .map(|v| visible_of(v, "visible-volumes", "volume"));
        out.clients.push(ProxyClient {
            name,
            identity,
            grants,
            profile: e.profile.as_ref().map(|p| p.get_ref().clone()),
            visible,
            visible_images,
            visible_networks,
            visible_volumes,
            redact_env,
            line,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn errors(text: &str) -> Vec<PolicyError> {
        Policy::parse(text).unwrap_err()
    }

    #[test]
    fn full_policy() {
        let p = Policy::parse(
            r#"
[rules]
deny = ["CTR:high", "SEC001", "critical"]
log = ["all"]

[exec]
privileged = "deny"
root = "deny"

[registries]
allow = ["docker.io", "registry.example.com"]

[host]
engine-sockets = ["/srv/api.sock"]

[[exceptions]]
name = "traefik*"
label = "role=proxy"
image = "docker.io/library/traefik:*"
rules = ["CTR002"]
reason = "reads labels through the socket"
"#,
        )
        .unwrap();
        assert_eq!(p.deny.len(), 3);
        assert_eq!(
            p.deny[0],
            Selector::Rule {
                prefix: "CTR".into(),
                min: Some(Severity::High)
            }
        );
        assert_eq!(p.deny[2], Selector::Severity(Severity::Critical));
        assert_eq!(p.exec_root, ExecAction::Deny);
        assert_eq!(p.registries, ["docker.io", "registry.example.com"]);
        assert_eq!(p.engine_sockets, ["/srv/api.sock"]);
        assert_eq!(p.exceptions.len(), 1);
        assert_eq!(p.exceptions[0].line, 16);
        assert_eq!(
            p.exceptions[0].label,
            Some(("role".to_string(), Some("proxy".to_string())))
        );
    }

    #[test]
    fn empty_policy_is_the_default() {
        let p = Policy::parse("").unwrap();
        let d = Policy::default();
        assert_eq!(p.deny, d.deny);
        assert_eq!(p.log, d.log);
        assert_eq!(p.exec_privileged, ExecAction::Deny);
        assert!(p.registries.is_empty());
    }

    #[test]
    fn unknown_keys_have_positions() {
        let e = errors("[rules]\ndeny = [\"CTR\"]\nblock = []\n");
        assert_eq!((e[0].line, e[0].column), (3, 1), "{e:?}");
        assert!(e[0].message.contains("block"), "{e:?}");
        let e = errors("[registry]\nallow = []\n");
        assert_eq!(e[0].line, 1, "{e:?}");
        let e = errors("[[exceptions]]\nname = \"x\"\nreason = \"r\"\nrule = [\"CTR\"]\n");
        assert_eq!(e[0].line, 4, "{e:?}");
    }

    #[test]
    fn bad_values_have_positions() {
        let e = errors("[rules]\ndeny = [\"CTR\", \"NOPE9\", \"CTR:extreme\"]\n");
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!((e[0].line, e[0].column), (2, 16));
        assert!(e[0].message.contains("NOPE9"));
        assert_eq!((e[1].line, e[1].column), (2, 25));
        let e = errors("[exec]\nprivileged = \"maybe\"\n");
        assert_eq!((e[0].line, e[0].column), (2, 14));
        let e = errors("\n[[exceptions]]\nrules = [\"CTR002\"]\n");
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e.iter().all(|e| e.line == 2), "{e:?}");
        assert!(e.iter().any(|e| e.message.contains("reason")));
        let e = errors("[[exceptions]]\nname = \"[\"\nreason = \"r\"\n");
        assert_eq!(e[0].line, 2);
        let e = errors("[registries]\nallow = [\"https://x\"]\n");
        assert_eq!((e[0].line, e[0].column), (2, 10));
        let e = errors("[rules]\ndeny = \"CTR\"\n");
        assert_eq!(e[0].line, 2, "{e:?}");
        assert_eq!(
            e[0].display("guard.toml"),
            format!("guard.toml:2:8: {}", e[0].message)
        );
    }

    #[test]
    fn proxy_clients() {
        let p = Policy::parse(
            r#"
[[proxy.clients]]
name = "traefik"
container = "traefik"
profile = "traefik"
visible = { labels = ["traefik.enable=true"], names = ["web-*"] }

[[proxy.clients]]
name = "ci"
uid = 1001
profile = "ci-runner"
grants = ["GET /containers/*/logs"]
redact_env = true

[[proxy.clients]]
name = "rest"
default = true
grants = ["GET /version"]
"#,
        )
        .unwrap();
        let c = &p.proxy.clients;
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].identity, Identity::Container("traefik".into()));
        assert_eq!(c[0].line, 2);
        assert!(c[0].redact_env, "the traefik profile redacts by default");
        let v = c[0].visible.as_ref().unwrap();
        assert_eq!(
            v.labels,
            [("traefik.enable".to_string(), Some("true".to_string()))]
        );
        assert!(v.allows(["/web-1"], &HashMap::new()));
        assert!(!v.allows(["/db"], &HashMap::new()));
        assert_eq!(c[1].identity, Identity::Uid(1001));
        assert!(c[1].redact_env);
        assert!(c[1].grant_for("GET", "/containers/x/logs").is_some());
        assert!(c[1].grant_for("POST", "/build").is_some());
        assert_eq!(c[2].identity, Identity::Default);
        assert!(!c[2].redact_env);
        assert!(Identity::is_id_prefix("0123456789ab"));
        assert!(!Identity::is_id_prefix("traefik"));
        assert!(!Identity::is_id_prefix("0123456789"));
    }

    #[test]
    fn client_exceptions() {
        let p = Policy::parse("[[exceptions]]\nclient = \"ci-*\"\nreason = \"CI\"\n").unwrap();
        let (text, g) = p.exceptions[0].client.as_ref().unwrap();
        assert_eq!(text, "ci-*");
        assert!(g.is_match("ci-runner"));
        let e = errors("[[exceptions]]\nclient = \"\"\nreason = \"x\"\n");
        assert_eq!((e[0].line, e[0].column), (2, 10));
        assert_eq!(e[0].message, "the client is empty");
        let e = errors("[[exceptions]]\nclient = \"[\"\nreason = \"x\"\n");
        assert!(e[0].message.contains("not a valid glob"), "{:?}", e);
        let e = errors("[[exceptions]]\nreason = \"x\"\n");
        assert!(
            e[0].message
                .contains("`name`, `label`, `image` or `client`"),
            "{:?}",
            e
        );
    }

    #[test]
    fn proxy_client_errors_have_positions() {
        let e = errors("[[proxy.clients]]\nname = \"a\"\nuid = 1\ngrants = []\ncolour = 1\n");
        assert_eq!(e[0].line, 5, "{e:?}");
        assert!(e[0].message.contains("colour"), "{e:?}");
        let e = errors("[proxy]\nclient = []\n");
        assert_eq!(e[0].line, 2, "{e:?}");
        // No identity, no grants, no name.
        let e = errors("\n[[proxy.clients]]\nprofile = \"traefik\"\n");
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e.iter().all(|e| e.line == 2));
        let e =
            errors("[[proxy.clients]]\nname = \"a\"\nuid = 1\ncontainer = \"x\"\ngrants = []\n");
        assert_eq!(e[0].line, 4, "{e:?}");
        assert!(e[0].message.contains("one identity"), "{e:?}");
        let e = errors("[[proxy.clients]]\nname = \"a\"\nuid = 1\nprofile = \"admin\"\n");
        assert_eq!((e[0].line, e[0].column), (4, 11), "{e:?}");
        assert!(e[0].message.contains("read-only"), "{e:?}");
        let e = errors(
            "[[proxy.clients]]\nname = \"a\"\nuid = 1\ngrants = [\"GET /ok\", \"FETCH /x\", \"GET nope\", \"GET /v1.41/info\"]\n",
        );
        assert_eq!(e.len(), 3, "{e:?}");
        assert_eq!((e[0].line, e[0].column), (4, 22), "{e:?}");
        assert!(e[2].message.contains("version prefix"), "{e:?}");
        let e = errors(
            "[[proxy.clients]]\nname = \"a\"\nuid = 1\ngrants = []\n[[proxy.clients]]\nname = \"a\"\nuid = 1\ngrants = []\n",
        );
        assert_eq!(e.len(), 2, "{e:?}");
        assert!(e[0].message.contains("second client named"), "{e:?}");
        assert!(e[1].message.contains("same identity"), "{e:?}");
        let e = errors("[[proxy.clients]]\nname = \"a\"\nuid = -1\ngrants = []\n");
        assert_eq!(e[0].line, 3, "{e:?}");
        let e = errors(
            "[[proxy.clients]]\nname = \"a\"\ndefault = true\ngrants = []\nvisible = { labels = [] }\n",
        );
        assert_eq!(e[0].line, 5, "{e:?}");
        let e = errors(
            "[[proxy.clients]]\nname = \"a\"\ndefault = true\ngrants = []\nvisible = { labels = [\"=x\"], names = [\"[\"] }\n",
        );
        assert_eq!(e.len(), 2, "{e:?}");
    }

    #[test]
    fn tcp_identities_and_object_filters() {
        let p = Policy::parse(
            r#"
[[proxy.clients]]
name = "ci"
cert = "ci-runner"
profile = "ci-runner"
visible-images = { names = ["ci/*"], labels = ["com.example.ci"] }
visible_networks = { names = ["ci-*"] }
visible-volumes = { labels = ["com.example.ci=yes"] }

[[proxy.clients]]
name = "lan"
address = "10.0.0.0/8"
profile = "read-only"

[[proxy.clients]]
name = "one"
address = "fd00::7"
grants = ["GET /version"]
"#,
        )
        .unwrap();
        let c = &p.proxy.clients;
        assert_eq!(c[0].identity, Identity::Cert("ci-runner".into()));
        assert!(c[0].visible.is_none());
        let vi = c[0].visible_images.as_ref().unwrap();
        assert!(vi.allows(["ci/app"], &HashMap::new()));
        assert!(!vi.allows(["app"], &HashMap::new()));
        assert!(c[0].visible_networks.is_some());
        assert!(c[0].visible_volumes.is_some());
        let Identity::Address(lan) = c[1].identity else {
            panic!("{:?}", c[1].identity)
        };
        assert_eq!(lan.to_string(), "10.0.0.0/8");
        assert!(lan.contains("10.1.2.3".parse().unwrap()));
        assert!(lan.contains("::ffff:10.1.2.3".parse().unwrap()));
        assert!(!lan.contains("11.0.0.1".parse().unwrap()));
        assert!(!lan.contains("::1".parse().unwrap()));
        let Identity::Address(one) = c[2].identity else {
            panic!("{:?}", c[2].identity)
        };
        assert_eq!(one.prefix, 128);
        assert!(one.contains("fd00::7".parse().unwrap()));
        assert!(!one.contains("fd00::8".parse().unwrap()));
    }

    #[test]
    fn cidr_blocks() {
        let c = |s: &str| Cidr::parse(s);
        assert!(
            c("0.0.0.0/0")
                .unwrap()
                .contains("203.0.113.9".parse().unwrap())
        );
        assert!(c("::/0").unwrap().contains("2001:db8::1".parse().unwrap()));
        assert!(
            c("192.168.1.0/24")
                .unwrap()
                .contains("192.168.1.255".parse().unwrap())
        );
        assert!(
            !c("192.168.1.0/24")
                .unwrap()
                .contains("192.168.2.0".parse().unwrap())
        );
        assert!(
            c("127.0.0.1")
                .unwrap()
                .contains("127.0.0.1".parse().unwrap())
        );
        assert!(
            !c("127.0.0.1")
                .unwrap()
                .contains("127.0.0.2".parse().unwrap())
        );
        assert!(c("10.0.0.1/8").unwrap_err().contains("10.0.0.0/8"));
        assert!(c("10.0.0.0/33").is_err());
        assert!(c("fd00::/129").is_err());
        assert!(c("example.com").is_err());
        assert!(c("10.0.0.0/x").is_err());
    }

    #[test]
    fn tcp_identity_and_filter_errors_have_positions() {
        let e = errors("[[proxy.clients]]\nname = \"a\"\naddress = \"10.0.0.1/8\"\ngrants = []\n");
        assert_eq!((e[0].line, e[0].column), (3, 11), "{e:?}");
        let e = errors("[[proxy.clients]]\nname = \"a\"\ncert = \"\"\ngrants = []\n");
        assert_eq!(e[0].line, 3, "{e:?}");
        let e = errors(
            "[[proxy.clients]]\nname = \"a\"\ncert = \"x\"\naddress = \"10.0.0.0/8\"\ngrants = []\n",
        );
        assert!(e[0].message.contains("one identity"), "{e:?}");
        let e = errors(
            "[[proxy.clients]]\nname = \"a\"\ncert = \"x\"\ngrants = []\n[[proxy.clients]]\nname = \"b\"\ncert = \"x\"\ngrants = []\n",
        );
        assert!(e[0].message.contains("same identity"), "{e:?}");
        let e = errors(
            "[[proxy.clients]]\nname = \"a\"\ndefault = true\ngrants = []\nvisible-volumes = { names = [] }\n",
        );
        assert_eq!(e[0].line, 5, "{e:?}");
        assert!(
            e[0].message.contains("visible-volumes") && e[0].message.contains("volume"),
            "{e:?}"
        );
        let e = errors(
            "[[proxy.clients]]\nname = \"a\"\ndefault = true\ngrants = []\nvisible-images = { tags = [\"x\"] }\n",
        );
        assert_eq!(e[0].line, 5, "{e:?}");
    }

    proptest::proptest! {
        #[test]
        fn cidr_parse_never_panics(text in "\\PC{0,60}", a in proptest::prelude::any::<u128>()) {
            if let Ok(c) = Cidr::parse(&text) {
                let _ = c.contains(IpAddr::V6(std::net::Ipv6Addr::from(a)));
                let _ = c.contains(IpAddr::V4(std::net::Ipv4Addr::from(a as u32)));
            }
        }
    }

    #[test]
    fn plugins_and_build_sections() {
        let p = Policy::parse(
            "[plugins]\nprivileges = \"log\"\n\n[build]\nremote-context = \"deny\"\n",
        )
        .unwrap();
        assert_eq!(p.plugin_privileges, ExecAction::Log);
        assert_eq!(p.build_remote_context, ExecAction::Deny);
        let d = Policy::default();
        assert_eq!(d.plugin_privileges, ExecAction::Deny);
        assert_eq!(d.build_remote_context, ExecAction::Log);
        let e = errors("[plugins]\nprivileges = \"never\"\n");
        assert_eq!((e[0].line, e[0].column), (2, 14), "{e:?}");
        let e = errors("[build]\nremote = \"deny\"\n");
        assert_eq!(e[0].line, 2, "{e:?}");
    }

    #[test]
    fn registries() {
        let p =
            Policy::parse("[registries]\nallow = [\"docker.io\", \"*.example.com\"]\n").unwrap();
        let ok = |r: &str| p.registry_allowed(&ImageRef::parse(r).unwrap());
        assert!(ok("busybox"));
        assert!(ok("docker.io/library/busybox"));
        assert!(ok("a.example.com/x"));
        assert!(!ok("other.registry.invalid/x"));
        assert!(!ok("ghcr.io/x/y"));
        assert!(Policy::default().registry_allowed(&ImageRef::parse("ghcr.io/x").unwrap()));
    }
}
