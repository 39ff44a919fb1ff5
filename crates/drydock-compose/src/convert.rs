//! Conversion of (interpolated) YAML nodes into the typed model: a service
//! into a [`ContainerSpec`], top-level definitions into their structs.

use drydock_core::spec::{
    BuildSpec, ContainerSpec, Healthcheck, KeyValue, Logging, Mount, MountKind, PortMapping,
    YamlMapAnchor,
};
use drydock_core::{FileId, ImageRef, Origin, ParseError, Sp, TextRange};

use crate::keys::{self, check_key};
use crate::yaml::{ScalarStyle, YamlEntry, YamlKind, YamlNode};
use crate::{NamedDef, NetworkDef, SecretDef};

/// The file being converted and where its problems go.
pub(crate) struct Ctx<'a> {
    pub file: FileId,
    pub text: &'a str,
    pub errors: &'a mut Vec<ParseError>,
}

impl Ctx<'_> {
    pub fn origin(&self, r: TextRange) -> Origin {
        Origin::file(self.file, r)
    }

    pub fn err(&mut self, r: TextRange, msg: impl Into<String>) {
        self.errors.push(ParseError::new(self.file, r, msg));
    }

    /// A scalar's text; `None` (silently) for null, an error for collections.
    pub fn string(&mut self, n: &YamlNode, what: &str) -> Option<Sp<String>> {
        if n.is_null() {
            return None;
        }
        match n.as_str() {
            Some(s) => Some(Sp::new(s.to_string(), self.origin(n.range))),
            None => {
                self.err(
                    n.range,
                    format!("`{what}` must be a string, not a {}", n.kind_name()),
                );
                None
            }
        }
    }

    /// A boolean. YAML 1.2 `true`/`false` are accepted silently; quoted
    /// `"true"`, and YAML 1.1 `yes`/`no`/`on`/`off`, are taken with a
    /// non-fatal error; anything else is an error and ignored.
    pub fn boolean(&mut self, n: &YamlNode, what: &str) -> Option<Sp<bool>> {
        if n.is_null() {
            return None;
        }
        let Some(s) = n.as_scalar() else {
            self.err(
                n.range,
                format!("`{what}` must be a boolean, not a {}", n.kind_name()),
            );
            return None;
        };
        let v = s.value.as_str();
        let strict = match v {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        };
        if let Some(b) = strict
            && s.style == ScalarStyle::Plain
        {
            return Some(Sp::new(b, self.origin(n.range)));
        }
        let lenient = strict.or(match v.to_ascii_lowercase().as_str() {
            "yes" | "y" | "on" | "1" => Some(true),
            "no" | "n" | "off" | "0" => Some(false),
            _ => None,
        });
        match lenient {
            Some(b) => {
                self.err(
                    n.range,
                    format!("`{what}` should be the boolean true or false, not {v:?}; read as {b}"),
                );
                Some(Sp::new(b, self.origin(n.range)))
            }
            None => {
                self.err(n.range, format!("`{what}` must be a boolean, not {v:?}"));
                None
            }
        }
    }

    pub fn int(&mut self, n: &YamlNode, what: &str) -> Option<Sp<i64>> {
        if n.is_null() {
            return None;
        }
        match n.as_str().map(|s| s.trim().replace('_', "").parse::<i64>()) {
            Some(Ok(v)) => Some(Sp::new(v, self.origin(n.range))),
            _ => {
                self.err(n.range, format!("`{what}` must be an integer"));
                None
            }
        }
    }

    /// A list of scalars; a single scalar counts as a one-item list when
    /// `allow_single`.
    pub fn string_list(&mut self, n: &YamlNode, what: &str, allow_single: bool) -> Vec<Sp<String>> {
        match &n.kind {
            YamlKind::Seq(items) => items.iter().filter_map(|i| self.string(i, what)).collect(),
            YamlKind::Scalar(_) if n.is_null() => Vec::new(),
            YamlKind::Scalar(_) if allow_single => self.string(n, what).into_iter().collect(),
            _ => {
                self.err(
                    n.range,
                    format!("`{what}` must be a list, not a {}", n.kind_name()),
                );
                Vec::new()
            }
        }
    }

    /// Range of bytes `a..b` of a scalar's value, when the value is written
    /// verbatim in the file (no escapes, no interpolation); else the
    /// scalar's whole range.
    pub fn sub(&self, n: &YamlNode, a: usize, b: usize) -> TextRange {
        let Some(s) = n.as_scalar() else {
            return n.range;
        };
        let written = n.range.slice(self.text);
        let inner = match s.style {
            ScalarStyle::Plain => Some((written, 0u32)),
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => written
                .get(1..written.len().saturating_sub(1))
                .map(|w| (w, 1u32)),
            _ => None,
        };
        match inner {
            Some((w, skip)) if w == s.value && a <= b && b <= w.len() => {
                let base = n.range.start + skip;
                TextRange::from_usize(base as usize + a, base as usize + b)
            }
            _ => n.range,
        }
    }

    pub fn sub_sp(&self, n: &YamlNode, a: usize, b: usize, v: &str) -> Sp<String> {
        Sp::new(v.to_string(), self.origin(self.sub(n, a, b)))
    }

    /// `K=V` / `K` lists or `K: V` maps. A null map value, or a bare `K`,
    /// gives an empty value whose origin is the key's.
    pub fn key_values(&mut self, n: &YamlNode, what: &str, sep: char) -> Vec<KeyValue> {
        match &n.kind {
            YamlKind::Seq(items) => {
                let mut out = Vec::new();
                for it in items {
                    let Some(s) = it.as_str() else {
                        self.err(it.range, format!("`{what}` entries must be strings"));
                        continue;
                    };
                    let origin = self.origin(it.range);
                    let kv = match s.find(sep) {
                        Some(p) => KeyValue {
                            origin,
                            key: self.sub_sp(it, 0, p, &s[..p]),
                            value: self.sub_sp(it, p + 1, s.len(), &s[p + 1..]),
                        },
                        None => {
                            let key = self.sub_sp(it, 0, s.len(), s);
                            KeyValue {
                                origin,
                                value: Sp::new(String::new(), key.origin.clone()),
                                key,
                            }
                        }
                    };
                    out.push(kv);
                }
                out
            }
            YamlKind::Map(entries) => entries
                .iter()
                .filter_map(|e| self.entry_kv(e, what))
                .collect(),
            YamlKind::Scalar(_) if n.is_null() => Vec::new(),
            _ => {
                self.err(n.range, format!("`{what}` must be a list or a mapping"));
                Vec::new()
            }
        }
    }

    fn entry_kv(&mut self, e: &YamlEntry, what: &str) -> Option<KeyValue> {
        let key = e.key.as_str()?.to_string();
        let key = Sp::new(key, self.origin(e.key.range));
        let value = if e.value.is_null() {
            Sp::new(String::new(), key.origin.clone())
        } else if let Some(v) = e.value.as_str() {
            Sp::new(v.to_string(), self.origin(e.value.range))
        } else {
            self.err(e.value.range, format!("`{what}` values must be scalars"));
            return None;
        };
        Some(KeyValue {
            origin: self.origin(entry_range(e)),
            key,
            value,
        })
    }
}

/// The range of a whole `key: value` entry.
pub(crate) fn entry_range(e: &YamlEntry) -> TextRange {
    if e.merged || e.value.alias.is_some() {
        // The value is written elsewhere; the entry is the key.
        return e.key.range;
    }
    e.key.range.cover(e.value.range)
}

/// Parses one short-syntax port (`[ip:][published:]target[/proto]`).
pub(crate) fn short_port(ctx: &mut Ctx<'_>, n: &YamlNode) -> Option<PortMapping> {
    let s = n.as_str()?;
    let origin = ctx.origin(n.range);
    let (body, proto) = match s.rfind('/') {
        Some(p) => (&s[..p], Some((p + 1, s.len()))),
        None => (s, None),
    };
    // Offsets of (ip, published, target) within `s`.
    let mut ip: Option<(usize, usize)> = None;
    let published: Option<(usize, usize)>;
    let target: (usize, usize);
    let rest_start;
    if body.starts_with('[') {
        let Some(close) = body.find(']') else {
            ctx.err(n.range, format!("invalid port {s:?}"));
            return None;
        };
        ip = Some((0, close + 1));
        if body.as_bytes().get(close + 1) != Some(&b':') {
            ctx.err(n.range, format!("invalid port {s:?}"));
            return None;
        }
        rest_start = close + 2;
    } else {
        let colons = body.matches(':').count();
        if colons >= 2 {
            // ip:published:target (the ip may be an unbracketed IPv6 address).
            let mut it = body.rmatch_indices(':');
            let last = it.next().map_or(0, |(i, _)| i);
            let second = it.next().map_or(0, |(i, _)| i);
            ip = Some((0, second));
            published = Some((second + 1, last));
            target = (last + 1, body.len());
            return finish_port(ctx, n, s, origin, ip, published, target, proto);
        }
        rest_start = 0;
    }
    let rest = &body[rest_start..];
    match rest.find(':') {
        Some(c) => {
            published = Some((rest_start, rest_start + c));
            target = (rest_start + c + 1, body.len());
        }
        None => {
            published = None;
            target = (rest_start, body.len());
        }
    }
    finish_port(ctx, n, s, origin, ip, published, target, proto)
}

#[allow(clippy::too_many_arguments)]
fn finish_port(
    ctx: &mut Ctx<'_>,
    n: &YamlNode,
    s: &str,
    origin: Origin,
    ip: Option<(usize, usize)>,
    published: Option<(usize, usize)>,
    target: (usize, usize),
    proto: Option<(usize, usize)>,
) -> Option<PortMapping> {
    let part = |r: (usize, usize)| s.get(r.0..r.1).unwrap_or("");
    if part(target).is_empty() || ip.is_some_and(|r| part(r).is_empty() && published.is_none()) {
        ctx.err(n.range, format!("invalid port {s:?}"));
        return None;
    }
    let mk = |ctx: &Ctx<'_>, r: (usize, usize)| ctx.sub_sp(n, r.0, r.1, part(r));
    Some(PortMapping {
        origin,
        host_ip: ip.filter(|r| !part(*r).is_empty()).map(|r| mk(ctx, r)),
        published: published
            .filter(|r| !part(*r).is_empty())
            .map(|r| mk(ctx, r)),
        target: mk(ctx, target),
        protocol: proto.map(|r| mk(ctx, r)),
        short_syntax: true,
    })
}

pub(crate) fn long_port(ctx: &mut Ctx<'_>, n: &YamlNode) -> Option<PortMapping> {
    let mut target = None;
    let mut pm = PortMapping {
        origin: ctx.origin(n.range),
        host_ip: None,
        published: None,
        target: Sp::implicit(String::new()),
        protocol: None,
        short_syntax: false,
    };
    for e in n.as_map().unwrap_or(&[]) {
        match e.key.as_str().unwrap_or("") {
            "target" => target = ctx.string(&e.value, "ports.target"),
            "published" => pm.published = ctx.string(&e.value, "ports.published"),
            "host_ip" => pm.host_ip = ctx.string(&e.value, "ports.host_ip"),
            "protocol" => pm.protocol = ctx.string(&e.value, "ports.protocol"),
            _ => check_key(ctx, e, keys::PORT_KEYS, "port"),
        }
    }
    match target {
        Some(t) => {
            pm.target = t;
            Some(pm)
        }
        None => {
            ctx.err(n.range, "a long-syntax port needs a `target`");
            None
        }
    }
}

const PROPAGATION: &[&str] = &[
    "shared", "rshared", "slave", "rslave", "private", "rprivate",
];
const VOLUME_OPTS: &[&str] = &[
    "ro",
    "rw",
    "z",
    "Z",
    "shared",
    "rshared",
    "slave",
    "rslave",
    "private",
    "rprivate",
    "nocopy",
    "cached",
    "delegated",
    "consistent",
];

fn is_bind_source(src: &str) -> bool {
    src.starts_with(['/', '.', '~', '\\'])
        || src.starts_with("${")
        || src.starts_with('$')
        || (src.len() >= 2 && src.as_bytes()[1] == b':' && src.as_bytes()[0].is_ascii_alphabetic())
}

/// Reports a short volume that does not parse, unless an unset variable is
/// why (`${MEDIA}:/media` with `MEDIA` unset, typically set in a `.env`
/// that is not committed): that volume is unknown here, not wrong.
fn invalid_volume(ctx: &mut Ctx<'_>, n: &YamlNode, s: &str) {
    if !n.is_unresolved() {
        ctx.err(n.range, format!("invalid volume {s:?}"));
    }
}

/// Parses one short-syntax volume (`[src:]dst[:opts]`).
pub(crate) fn short_volume(ctx: &mut Ctx<'_>, n: &YamlNode) -> Option<Mount> {
    let s = n.as_str()?;
    // Split on ':' but keep Windows drive letters (`C:\x`) together.
    let mut parts: Vec<(usize, usize)> = Vec::new();
    let b = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b':' {
            let is_drive = i == start + 1
                && b[start].is_ascii_alphabetic()
                && matches!(b.get(i + 1), Some(b'\\' | b'/'));
            if !is_drive {
                parts.push((start, i));
                start = i + 1;
            }
        }
        i += 1;
    }
    parts.push((start, s.len()));
    let part = |r: (usize, usize)| s.get(r.0..r.1).unwrap_or("");
    let is_opts = |r: (usize, usize)| part(r).split(',').all(|o| VOLUME_OPTS.contains(&o));
    let (src, dst, opts) = match parts.as_slice() {
        [d] => (None, *d, None),
        [a, b] if is_opts(*b) && part(*a).starts_with('/') => (None, *a, Some(*b)),
        [a, b] => (Some(*a), *b, None),
        [a, b, c] => (Some(*a), *b, Some(*c)),
        _ => {
            invalid_volume(ctx, n, s);
            return None;
        }
    };
    if part(dst).is_empty() || src.is_some_and(|r| part(r).is_empty()) {
        invalid_volume(ctx, n, s);
        return None;
    }
    let origin = ctx.origin(n.range);
    let kind = match src {
        Some(r) if is_bind_source(part(r)) => MountKind::Bind,
        _ => MountKind::Volume,
    };
    let mut m = Mount {
        origin: origin.clone(),
        kind: Sp::new(kind, origin),
        source: src.map(|r| ctx.sub_sp(n, r.0, r.1, part(r))),
        target: ctx.sub_sp(n, dst.0, dst.1, part(dst)),
        read_only: None,
        propagation: None,
        selinux: None,
        short_syntax: true,
    };
    if let Some(r) = opts {
        let mut off = r.0;
        for o in part(r).split(',') {
            let (a, z) = (off, off + o.len());
            off = z + 1;
            let org = ctx.origin(ctx.sub(n, a, z));
            match o {
                "ro" => m.read_only = Some(Sp::new(true, org)),
                "rw" => m.read_only = Some(Sp::new(false, org)),
                "z" | "Z" => m.selinux = Some(Sp::new(o.to_string(), org)),
                p if PROPAGATION.contains(&p) => m.propagation = Some(Sp::new(p.to_string(), org)),
                "" => {}
                _ if VOLUME_OPTS.contains(&o) => {}
                _ => ctx.err(n.range, format!("unknown volume option {o:?}")),
            }
        }
    }
    Some(m)
}

pub(crate) fn long_volume(ctx: &mut Ctx<'_>, n: &YamlNode) -> Option<Mount> {
    let origin = ctx.origin(n.range);
    let mut kind: Option<Sp<MountKind>> = None;
    let mut m = Mount {
        origin: origin.clone(),
        kind: Sp::new(MountKind::Volume, origin.clone()),
        source: None,
        target: Sp::implicit(String::new()),
        read_only: None,
        propagation: None,
        selinux: None,
        short_syntax: false,
    };
    let mut target = None;
    for e in n.as_map().unwrap_or(&[]) {
        match e.key.as_str().unwrap_or("") {
            "type" => {
                if let Some(t) = ctx.string(&e.value, "volumes.type") {
                    let k = MountKind::from_name(&t.value).unwrap_or_else(|| {
                        ctx.err(e.value.range, format!("unknown volume type {:?}", t.value));
                        MountKind::Volume
                    });
                    kind = Some(Sp::new(k, t.origin));
                }
            }
            "source" => m.source = ctx.string(&e.value, "volumes.source"),
            "target" => target = ctx.string(&e.value, "volumes.target"),
            "read_only" => m.read_only = ctx.boolean(&e.value, "volumes.read_only"),
            "bind" => {
                for be in e.value.as_map().unwrap_or(&[]) {
                    match be.key.as_str().unwrap_or("") {
                        "propagation" => m.propagation = ctx.string(&be.value, "bind.propagation"),
                        "selinux" => m.selinux = ctx.string(&be.value, "bind.selinux"),
                        _ => {}
                    }
                }
            }
            _ => check_key(ctx, e, keys::VOLUME_KEYS, "volume"),
        }
    }
    match kind {
        Some(k) => m.kind = k,
        None => ctx.err(n.range, "a long-syntax volume needs a `type`"),
    }
    match target {
        Some(t) => m.target = t,
        None => {
            ctx.err(n.range, "a long-syntax volume needs a `target`");
            return None;
        }
    }
    Some(m)
}

/// `insert_at` for a block mapping: the start of the line after its last
/// line, at the indentation of its keys.
pub(crate) fn map_anchor(file: FileId, text: &str, n: &YamlNode) -> Option<YamlMapAnchor> {
    if n.flow || n.alias.is_some() {
        return None;
    }
    let entries = n.as_map()?;
    let first = entries.iter().find(|e| !e.merged)?;
    let b = text.as_bytes();
    let ks = first.key.range.start as usize;
    let mut ls = ks;
    while ls > 0 && b.get(ls - 1) != Some(&b'\n') {
        ls -= 1;
    }
    let indent = text.get(ls..ks)?;
    if !indent.bytes().all(|c| c == b' ' || c == b'\t') {
        return None;
    }
    let end = entries
        .iter()
        .filter(|e| !e.merged && e.value.alias.is_none())
        .map(|e| e.key.range.end.max(e.value.range.end))
        .chain(
            entries
                .iter()
                .filter(|e| !e.merged)
                .map(|e| e.key.range.end),
        )
        .chain(entries.iter().filter_map(|e| e.value.alias.map(|a| a.end)))
        .max()? as usize;
    let (offset, needs_newline, crlf) = match b
        .get(end..)
        .and_then(|s| s.iter().position(|&c| c == b'\n'))
    {
        // The line the insertion follows tells the file's line ending.
        Some(p) => (
            end + p + 1,
            false,
            end + p > 0 && b.get(end + p - 1) == Some(&b'\r'),
        ),
        None => (text.len(), true, text.contains("\r\n")),
    };
    Some(YamlMapAnchor {
        file,
        offset: u32::try_from(offset).ok()?,
        indent: indent.to_string(),
        needs_newline,
        newline: if crlf { "\r\n" } else { "\n" },
    })
}

fn named_secret_refs(ctx: &mut Ctx<'_>, n: &YamlNode, what: &str) -> Vec<Sp<String>> {
    let Some(items) = n.as_seq() else {
        if !n.is_null() {
            ctx.err(n.range, format!("`{what}` must be a list"));
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    for it in items {
        if it.as_map().is_some() {
            match it.get("source") {
                Some(s) => out.extend(ctx.string(s, what)),
                None => ctx.err(it.range, format!("`{what}` entries need a `source`")),
            }
        } else {
            out.extend(ctx.string(it, what));
        }
    }
    out
}

fn build_spec(ctx: &mut Ctx<'_>, n: &YamlNode) -> Option<BuildSpec> {
    let mut b = BuildSpec {
        origin: ctx.origin(n.range),
        ..BuildSpec::default()
    };
    if n.as_scalar().is_some() {
        b.context = ctx.string(n, "build");
        return Some(b);
    }
    let Some(entries) = n.as_map() else {
        ctx.err(n.range, "`build` must be a string or a mapping");
        return None;
    };
    for e in entries {
        let v = &e.value;
        match e.key.as_str().unwrap_or("") {
            "context" => b.context = ctx.string(v, "build.context"),
            "dockerfile" => b.dockerfile = ctx.string(v, "build.dockerfile"),
            "dockerfile_inline" => b.dockerfile_inline = ctx.string(v, "build.dockerfile_inline"),
            "target" => b.target = ctx.string(v, "build.target"),
            "network" => b.network = ctx.string(v, "build.network"),
            "privileged" => b.privileged = ctx.boolean(v, "build.privileged"),
            "args" => {
                b.args = ctx
                    .key_values(v, "build.args", '=')
                    .into_iter()
                    .map(|kv| {
                        let bare = kv.value.value.is_empty() && kv.value.origin == kv.key.origin;
                        (kv.key, if bare { None } else { Some(kv.value) })
                    })
                    .collect();
            }
            "secrets" => b.secrets = named_secret_refs(ctx, v, "build.secrets"),
            "ssh" => {
                b.ssh = match v.as_map() {
                    Some(_) => ctx
                        .key_values(v, "build.ssh", '=')
                        .into_iter()
                        .map(|kv| {
                            Sp::new(format!("{}={}", kv.key.value, kv.value.value), kv.origin)
                        })
                        .collect(),
                    None => ctx.string_list(v, "build.ssh", true),
                }
            }
            "entitlements" => b.entitlements = ctx.string_list(v, "build.entitlements", false),
            _ => check_key(ctx, e, keys::BUILD_KEYS, "build"),
        }
    }
    Some(b)
}

fn healthcheck(ctx: &mut Ctx<'_>, n: &YamlNode) -> Option<Sp<Healthcheck>> {
    let Some(entries) = n.as_map() else {
        if !n.is_null() {
            ctx.err(n.range, "`healthcheck` must be a mapping");
        }
        return None;
    };
    let mut h = Healthcheck::default();
    for e in entries {
        let v = &e.value;
        match e.key.as_str().unwrap_or("") {
            "test" => {
                if let Some(items) = v.as_seq() {
                    h.test = items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect();
                } else if let Some(s) = v.as_str().filter(|_| !v.is_null()) {
                    h.test = vec!["CMD-SHELL".to_string(), s.to_string()];
                } else if !v.is_null() {
                    ctx.err(v.range, "`healthcheck.test` must be a string or a list");
                }
                if h.test.first().is_some_and(|t| t == "NONE") {
                    h.disabled = true;
                }
            }
            "disable" => {
                let off = ctx
                    .boolean(v, "healthcheck.disable")
                    .is_some_and(|b| b.value);
                h.disabled |= off;
            }
            "interval" => h.interval = ctx.string(v, "healthcheck.interval").map(|s| s.value),
            "timeout" => h.timeout = ctx.string(v, "healthcheck.timeout").map(|s| s.value),
            "start_period" => {
                h.start_period = ctx.string(v, "healthcheck.start_period").map(|s| s.value)
            }
            "retries" => h.retries = ctx.string(v, "healthcheck.retries").map(|s| s.value),
            _ => check_key(ctx, e, keys::HEALTHCHECK_KEYS, "healthcheck"),
        }
    }
    Some(Sp::new(h, ctx.origin(n.range)))
}

fn logging(ctx: &mut Ctx<'_>, n: &YamlNode) -> Option<Logging> {
    let entries = n.as_map()?;
    let mut l = Logging {
        origin: ctx.origin(n.range),
        ..Logging::default()
    };
    for e in entries {
        match e.key.as_str().unwrap_or("") {
            "driver" => l.driver = ctx.string(&e.value, "logging.driver"),
            "options" => l.options = ctx.key_values(&e.value, "logging.options", '='),
            _ => check_key(ctx, e, keys::LOGGING_KEYS, "logging"),
        }
    }
    Some(l)
}

fn ulimits(ctx: &mut Ctx<'_>, n: &YamlNode) -> Vec<KeyValue> {
    let Some(entries) = n.as_map() else {
        if !n.is_null() {
            ctx.err(n.range, "`ulimits` must be a mapping");
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries {
        let Some(k) = e.key.as_str() else { continue };
        let key = Sp::new(k.to_string(), ctx.origin(e.key.range));
        let value = if let Some(s) = e.value.as_str().filter(|_| !e.value.is_null()) {
            s.to_string()
        } else if e.value.as_map().is_some() {
            let soft = e.value.get("soft").and_then(|v| v.as_str()).unwrap_or("");
            let hard = e.value.get("hard").and_then(|v| v.as_str()).unwrap_or("");
            format!("{soft}:{hard}")
        } else {
            ctx.err(
                e.value.range,
                format!("`ulimits.{k}` must be a number or {{soft, hard}}"),
            );
            continue;
        };
        out.push(KeyValue {
            origin: ctx.origin(entry_range(e)),
            key,
            value: Sp::new(value, ctx.origin(e.value.range)),
        });
    }
    out
}

fn devices(ctx: &mut Ctx<'_>, n: &YamlNode) -> Vec<Sp<String>> {
    let Some(items) = n.as_seq() else {
        if !n.is_null() {
            ctx.err(n.range, "`devices` must be a list");
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    for it in items {
        if it.as_map().is_some() {
            let f = |k: &str| it.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
            let (s, t, p) = (f("source"), f("target"), f("permissions"));
            let mut v = s.clone();
            if !t.is_empty() || !p.is_empty() {
                v.push(':');
                v.push_str(if t.is_empty() { &s } else { &t });
            }
            if !p.is_empty() {
                v.push(':');
                v.push_str(&p);
            }
            out.push(Sp::new(v, ctx.origin(it.range)));
        } else {
            out.extend(ctx.string(it, "devices"));
        }
    }
    out
}

fn resources_from_deploy(ctx: &mut Ctx<'_>, n: &YamlNode, spec: &mut ContainerSpec) {
    for e in n.as_map().unwrap_or(&[]) {
        check_key(ctx, e, keys::DEPLOY_KEYS, "deploy");
    }
    let Some(res) = n.get("resources") else {
        return;
    };
    if let Some(lim) = res.get("limits") {
        if let Some(v) = lim.get("memory") {
            spec.resources.memory = ctx.string(v, "deploy.resources.limits.memory");
        }
        if let Some(v) = lim.get("cpus") {
            spec.resources.cpus = ctx.string(v, "deploy.resources.limits.cpus");
        }
        if let Some(v) = lim.get("pids") {
            spec.resources.pids = ctx.int(v, "deploy.resources.limits.pids");
        }
    }
    if let Some(v) = res.get("reservations").and_then(|r| r.get("memory")) {
        spec.resources.memory_reservation = ctx.string(v, "deploy.resources.reservations.memory");
    }
}

/// Converts one service mapping (already interpolated) into a spec. The
/// `extends` and `env_file` keys are handled by the loader.
pub(crate) fn service(
    ctx: &mut Ctx<'_>,
    key: &YamlNode,
    name: &str,
    n: &YamlNode,
) -> ContainerSpec {
    let mut spec = ContainerSpec {
        origin: ctx.origin(key.range),
        name: name.to_string(),
        insert_at: map_anchor(ctx.file, ctx.text, n),
        ..ContainerSpec::default()
    };
    let Some(entries) = n.as_map() else {
        return spec;
    };
    // Service-level resource keys; deploy.resources.limits wins when both
    // are written (Compose requires them to agree).
    let mut svc_res = drydock_core::spec::Resources::default();
    let mut deploy = None;
    for e in entries {
        let v = &e.value;
        let k = e.key.as_str().unwrap_or("");
        match k {
            "image" => {
                spec.image = ctx.string(v, k);
                spec.image_ref = spec.image.as_ref().and_then(|i| ImageRef::parse(&i.value));
            }
            "build" => spec.build = build_spec(ctx, v),
            "container_name" => spec.container_name = ctx.string(v, k),
            "user" => spec.user = ctx.string(v, k),
            "privileged" => spec.privileged = ctx.boolean(v, k),
            "cap_add" => spec.cap_add = ctx.string_list(v, k, false),
            "cap_drop" => {
                spec.cap_drop = ctx.string_list(v, k, false);
                spec.cap_drop_key = Some(ctx.origin(e.key.range));
            }
            "security_opt" => spec.security_opt = ctx.string_list(v, k, false),
            "read_only" => spec.read_only = ctx.boolean(v, k),
            "tmpfs" => spec.tmpfs = ctx.string_list(v, k, true),
            "volumes" => {
                for it in v.as_seq().unwrap_or(&[]) {
                    let m = if it.as_map().is_some() {
                        long_volume(ctx, it)
                    } else {
                        short_volume(ctx, it)
                    };
                    spec.mounts.extend(m);
                }
                if v.as_seq().is_none() && !v.is_null() {
                    ctx.err(v.range, "`volumes` must be a list");
                }
            }
            "ports" => {
                for it in v.as_seq().unwrap_or(&[]) {
                    let p = if it.as_map().is_some() {
                        long_port(ctx, it)
                    } else {
                        short_port(ctx, it)
                    };
                    spec.ports.extend(p);
                }
                if v.as_seq().is_none() && !v.is_null() {
                    ctx.err(v.range, "`ports` must be a list");
                }
            }
            "expose" => spec.expose = ctx.string_list(v, k, false),
            "network_mode" => spec.network_mode = ctx.string(v, k),
            "networks" => {
                spec.networks = match v.as_map() {
                    Some(es) => es
                        .iter()
                        .filter_map(|e| {
                            e.key
                                .as_str()
                                .map(|s| Sp::new(s.to_string(), ctx.origin(e.key.range)))
                        })
                        .collect(),
                    None => ctx.string_list(v, k, false),
                }
            }
            "pid" => spec.pid = ctx.string(v, k),
            "ipc" => spec.ipc = ctx.string(v, k),
            "uts" => spec.uts = ctx.string(v, k),
            "userns_mode" => spec.userns_mode = ctx.string(v, k),
            "cgroup" => spec.cgroup = ctx.string(v, k),
            "cgroup_parent" => spec.cgroup_parent = ctx.string(v, k),
            "devices" => spec.devices = devices(ctx, v),
            "environment" => spec.environment = ctx.key_values(v, k, '='),
            "secrets" => spec.secrets = named_secret_refs(ctx, v, k),
            "configs" => spec.configs = named_secret_refs(ctx, v, k),
            "deploy" => deploy = Some(v),
            "mem_limit" => svc_res.memory = ctx.string(v, k),
            "mem_reservation" => svc_res.memory_reservation = ctx.string(v, k),
            "memswap_limit" => svc_res.memswap = ctx.string(v, k),
            "cpus" => svc_res.cpus = ctx.string(v, k),
            "cpu_shares" => svc_res.cpu_shares = ctx.string(v, k),
            "pids_limit" => svc_res.pids = ctx.int(v, k),
            "ulimits" => spec.ulimits = ulimits(ctx, v),
            "sysctls" => spec.sysctls = ctx.key_values(v, k, '='),
            "logging" => spec.logging = logging(ctx, v),
            "healthcheck" => spec.healthcheck = healthcheck(ctx, v),
            "restart" => spec.restart = ctx.string(v, k),
            "oom_kill_disable" => spec.oom_kill_disable = ctx.boolean(v, k),
            "oom_score_adj" => spec.oom_score_adj = ctx.int(v, k),
            "extra_hosts" => {
                spec.extra_hosts = match v.as_map() {
                    Some(es) => es
                        .iter()
                        .filter_map(|e| {
                            let h = e.key.as_str()?;
                            let ip = e.value.as_str().unwrap_or("");
                            Some(Sp::new(format!("{h}:{ip}"), ctx.origin(entry_range(e))))
                        })
                        .collect(),
                    None => ctx.string_list(v, k, false),
                }
            }
            "labels" => spec.labels = ctx.key_values(v, k, '='),
            _ => check_key(ctx, e, keys::SERVICE_KEYS, "service"),
        }
    }
    if let Some(d) = deploy {
        resources_from_deploy(ctx, d, &mut spec);
    }
    let r = &mut spec.resources;
    r.memory = r.memory.take().or(svc_res.memory);
    r.memory_reservation = r.memory_reservation.take().or(svc_res.memory_reservation);
    r.memswap = r.memswap.take().or(svc_res.memswap);
    r.cpus = r.cpus.take().or(svc_res.cpus);
    r.cpu_shares = r.cpu_shares.take().or(svc_res.cpu_shares);
    r.pids = r.pids.take().or(svc_res.pids);
    spec
}

fn external(ctx: &mut Ctx<'_>, v: &YamlNode) -> Option<Sp<bool>> {
    if v.as_map().is_some() {
        // Legacy `external: {name: x}`.
        return Some(Sp::new(true, ctx.origin(v.range)));
    }
    ctx.boolean(v, "external")
}

fn def_entries<'n>(
    ctx: &mut Ctx<'_>,
    e: &'n YamlEntry,
    what: &str,
) -> Option<(Sp<String>, Origin, &'n [YamlEntry])> {
    let name = Sp::new(e.key.as_str()?.to_string(), ctx.origin(e.key.range));
    let origin = ctx.origin(entry_range(e));
    match &e.value.kind {
        YamlKind::Map(es) => Some((name, origin, es.as_slice())),
        _ if e.value.is_null() => Some((name, origin, &[])),
        _ => {
            ctx.err(
                e.value.range,
                format!("{what} `{}` must be a mapping", name.value),
            );
            None
        }
    }
}

pub(crate) fn network_def(ctx: &mut Ctx<'_>, e: &YamlEntry) -> Option<NetworkDef> {
    let (name, origin, es) = def_entries(ctx, e, "network")?;
    let mut d = NetworkDef {
        origin,
        name,
        driver: None,
        driver_opts: Vec::new(),
        internal: None,
        external: None,
        encrypted: false,
    };
    for f in es {
        match f.key.as_str().unwrap_or("") {
            "driver" => d.driver = ctx.string(&f.value, "driver"),
            "driver_opts" => d.driver_opts = ctx.key_values(&f.value, "driver_opts", '='),
            "internal" => d.internal = ctx.boolean(&f.value, "internal"),
            "external" => d.external = external(ctx, &f.value),
            _ => {}
        }
    }
    d.encrypted = d.driver_opts.iter().any(|kv| kv.key.value == "encrypted");
    Some(d)
}

pub(crate) fn named_def(ctx: &mut Ctx<'_>, e: &YamlEntry) -> Option<NamedDef> {
    let (name, origin, es) = def_entries(ctx, e, "volume")?;
    let mut d = NamedDef {
        origin,
        name,
        driver: None,
        external: None,
    };
    for f in es {
        match f.key.as_str().unwrap_or("") {
            "driver" => d.driver = ctx.string(&f.value, "driver"),
            "external" => d.external = external(ctx, &f.value),
            _ => {}
        }
    }
    Some(d)
}

pub(crate) fn secret_def(ctx: &mut Ctx<'_>, e: &YamlEntry, what: &str) -> Option<SecretDef> {
    let (name, origin, es) = def_entries(ctx, e, what)?;
    let mut d = SecretDef {
        origin,
        name,
        file: None,
        environment: None,
        external: None,
        content: None,
    };
    for f in es {
        match f.key.as_str().unwrap_or("") {
            "file" => d.file = ctx.string(&f.value, "file"),
            "environment" => d.environment = ctx.string(&f.value, "environment"),
            "content" => d.content = ctx.string(&f.value, "content"),
            "external" => d.external = external(ctx, &f.value),
            _ => {}
        }
    }
    Some(d)
}
