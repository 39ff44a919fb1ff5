//! A daemon.json parser with positions and its conversion into DaemonSpec.
//!
//! The text is parsed with jsonc-parser, which is lenient (comments, trailing
//! commas, JSON5 literals); everything it accepts that dockerd's Go JSON
//! decoder would reject is reported as a non-fatal [`ParseError`], so that the
//! rest of the file can still be checked. What dockerd itself rejects at
//! startup (unknown keys, values of the wrong type) is reported the same way.

mod keys;
mod lint;

use std::collections::HashMap;

use drydock_core::spec::{DaemonSetting, DaemonSpec, JsonObjectAnchor, KeyValue};
use drydock_core::{FileId, LineIndex, Origin, ParseError, Sp, TextRange};
use jsonc_parser::ast::{Object, ObjectProp, ObjectPropName, Value};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, CommentCollectionStrategy, ParseOptions, parse_to_ast};

pub use keys::{KNOWN_KEYS, KeyType, key_type};

use keys::{PROXY_KEYS, suggest};
use lint::range;

/// A parsed daemon.json.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DaemonConfig {
    /// The configuration; empty (all defaults, `origin` implicit) when a
    /// fatal error stopped the parse.
    pub spec: DaemonSpec,
    /// Syntax errors (fatal) and what dockerd would refuse (non-fatal).
    pub errors: Vec<ParseError>,
    /// The ranges of all comments (each also reported in `errors`).
    pub comments: Vec<TextRange>,
}

impl DaemonConfig {
    /// Whether a fatal error kept the file from being understood.
    pub fn is_fatal(&self) -> bool {
        self.errors.iter().any(|e| e.fatal)
    }
}

/// Parses the text of a daemon.json.
///
/// A UTF-8 byte order mark is skipped, as dockerd does; all ranges are byte
/// offsets into `text` as given (BOM included). A file that holds only
/// whitespace is valid for dockerd (all defaults) and gives an empty spec
/// whose origin covers the file, with no error.
pub fn parse(text: &str, file: FileId) -> DaemonConfig {
    let mut out = DaemonConfig::default();
    if u32::try_from(text.len()).is_err() {
        out.errors.push(ParseError::fatal(
            file,
            TextRange::EMPTY,
            "daemon.json is larger than 4 GiB; not parsed",
        ));
        return out;
    }

    // Replace a BOM by as many spaces so that offsets stay those of `text`.
    let unbommed;
    let src: &str = match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            unbommed = format!("   {rest}");
            &unbommed
        }
        None => text,
    };

    let whole = TextRange::from_usize(0, text.len());
    if src.trim().is_empty() {
        // dockerd trims whitespace and treats an empty file as an empty
        // configuration.
        out.spec.origin = Origin::file(file, whole);
        return out;
    }

    let collect = CollectOptions {
        comments: CommentCollectionStrategy::AsTokens,
        tokens: true,
    };
    // The defaults are lenient: comments, trailing commas, JSON5 literals are
    // accepted here and reported below. jsonc-parser limits nesting to 512
    // levels and returns an error beyond that, so deep input cannot overflow
    // the stack.
    let parsed = match parse_to_ast(src, &collect, &ParseOptions::default()) {
        Ok(p) => p,
        Err(e) => {
            let r = range(e.range());
            let r = TextRange::new(r.start.min(whole.end), r.end.min(whole.end));
            out.errors.push(ParseError::fatal(
                file,
                r,
                format!(
                    "invalid JSON: {}; dockerd refuses to start",
                    lower_first(&e.kind().to_string())
                ),
            ));
            return out;
        }
    };

    if let Some(tokens) = parsed.tokens.as_deref() {
        out.comments = lint::check_tokens(src, tokens, file, &mut out.errors);
    }

    let root = match &parsed.value {
        Some(Value::Object(obj)) => obj,
        Some(other) => {
            out.errors.push(ParseError::fatal(
                file,
                range(other.range()),
                format!(
                    "the top level of daemon.json must be a JSON object, not {}; dockerd refuses to start",
                    describe(other)
                ),
            ));
            return out;
        }
        None => {
            out.errors.push(ParseError::fatal(
                file,
                whole,
                "daemon.json holds no JSON value, only comments; dockerd refuses to start",
            ));
            return out;
        }
    };

    let mut conv = Converter {
        file,
        src,
        errors: &mut out.errors,
        spec: &mut out.spec,
        lines: None,
        suggestions_left: 64,
    };
    conv.root(root);
    out
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// How a JSON value is named in messages.
fn describe(v: &Value<'_>) -> &'static str {
    match v {
        Value::StringLit(_) => "a string",
        Value::NumberLit(_) => "a number",
        Value::BooleanLit(_) => "a boolean",
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
        Value::NullKeyword(_) => "null",
    }
}

fn prop_name<'b>(p: &'b ObjectProp<'_>) -> (&'b str, TextRange) {
    match &p.name {
        ObjectPropName::String(l) => (l.value.as_ref(), range(l.range)),
        ObjectPropName::Word(w) => (w.value, range(w.range)),
    }
}

/// Whether a number literal is one Go decodes into an `int64`.
fn as_int(raw: &str) -> Option<i64> {
    if !lint::is_json_number(raw) {
        return None;
    }
    raw.parse::<i64>().ok()
}

struct Converter<'c> {
    file: FileId,
    src: &'c str,
    errors: &'c mut Vec<ParseError>,
    spec: &'c mut DaemonSpec,
    /// Built on the first duplicate key, to name the line of the first one.
    lines: Option<LineIndex>,
    /// How many more unknown keys get a "did you mean".
    suggestions_left: u32,
}

impl Converter<'_> {
    fn origin(&self, r: TextRange) -> Origin {
        Origin::file(self.file, r)
    }

    fn error(&mut self, r: TextRange, message: String) {
        self.errors.push(ParseError::new(self.file, r, message));
    }

    fn root(&mut self, obj: &Object<'_>) {
        let obj_range = range(obj.range);
        // Findings about absent settings point here: the opening brace, not
        // the whole object (which would underline the entire file).
        self.spec.origin = self.origin(TextRange::new(
            obj_range.start,
            obj_range.start.saturating_add(1),
        ));
        self.spec.insert_at = Some(JsonObjectAnchor {
            file: self.file,
            open_brace_end: obj_range.start.saturating_add(1),
            indent: self.member_indent(obj),
            is_empty: obj.properties.is_empty(),
        });

        let mut seen: HashMap<&str, TextRange> = HashMap::new();
        for prop in &obj.properties {
            let (name, key_range) = prop_name(prop);
            let value_range = range(prop.value.range());
            self.spec.settings.push(DaemonSetting {
                key: Sp::new(name.to_string(), self.origin(key_range)),
                value: self.origin(value_range),
            });
            if let Some(first) = seen.insert(name, key_range) {
                let src = self.src;
                let lc = self
                    .lines
                    .get_or_insert_with(|| LineIndex::new(src))
                    .line_col(first.start, src);
                self.error(
                    key_range,
                    format!(
                        "duplicate key `{name}` (first at line {}); dockerd uses the last value and ignores the earlier one",
                        lc.line
                    ),
                );
            }
            match key_type(name) {
                Some(kt) => self.known(name, kt, prop, key_range),
                None => self.unknown(name, &prop.value, key_range),
            }
        }
    }

    /// The indentation of the object's first member, when it starts a line
    /// of its own after the `{`.
    fn member_indent(&self, obj: &Object<'_>) -> String {
        let default = || "  ".to_string();
        let Some(first) = obj.properties.first() else {
            return default();
        };
        let start = first.range.start;
        let Some(before) = self.src.get(..start) else {
            return default();
        };
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let ws = &before[line_start..];
        if line_start > obj.range.start
            && !ws.is_empty()
            && ws.chars().all(|c| c == ' ' || c == '\t')
        {
            ws.to_string()
        } else {
            default()
        }
    }

    fn unknown(&mut self, name: &str, value: &Value<'_>, key_range: TextRange) {
        if PROXY_KEYS.contains(&name) {
            self.error(
                key_range,
                format!("`{name}` belongs inside `proxies` in daemon.json; at the top level dockerd ignores it"),
            );
            return;
        }
        // Suggestions cost an edit distance against every known key: give
        // them for the first few unknown keys only, so that a file of
        // thousands of unknown keys stays linear.
        let hint = if self.suggestions_left > 0 {
            self.suggestions_left -= 1;
            suggest(name, KNOWN_KEYS.iter().map(|(k, _)| *k))
                .map(|k| format!("; did you mean `{k}`?"))
                .unwrap_or_default()
        } else {
            String::new()
        };
        let shown = truncate(name);
        // dockerd checks the keys nested in an object value instead of the
        // key itself (keys outside its list of flat options).
        if let Value::Object(inner) = value {
            let all_known = inner.properties.iter().all(|p| {
                let (n, _) = prop_name(p);
                key_type(n).is_some() || PROXY_KEYS.contains(&n)
            });
            if all_known {
                self.error(
                    key_range,
                    format!("unknown key `{shown}`; dockerd ignores it{hint}"),
                );
                return;
            }
        }
        self.error(
            key_range,
            format!("unknown key `{shown}`; dockerd refuses to start with unknown keys{hint}"),
        );
    }

    /// Reports a value of the wrong type; `false` when the value is unusable.
    fn expect(&mut self, what: &str, kt: KeyType, v: &Value<'_>) -> bool {
        let ok = match (kt, v) {
            (KeyType::Any, _) => true,
            // Go leaves the value untouched on `null`, without error.
            (_, Value::NullKeyword(_)) => return false,
            (KeyType::Bool, Value::BooleanLit(_)) => true,
            (KeyType::String, Value::StringLit(_)) => true,
            (KeyType::Int, Value::NumberLit(n)) => {
                if as_int(n.value).is_none() {
                    self.error(
                        range(n.range),
                        format!(
                            "`{what}` must be an integer, not `{}`; dockerd refuses to start",
                            n.value
                        ),
                    );
                    return false;
                }
                true
            }
            (KeyType::StringArray, Value::Array(_)) => true,
            (KeyType::Object | KeyType::ObjectOfStrings, Value::Object(_)) => true,
            _ => false,
        };
        if !ok {
            self.error(
                range(v.range()),
                format!(
                    "`{what}` must be {}, not {}; dockerd refuses to start",
                    kt.describe(),
                    describe(v)
                ),
            );
        }
        ok
    }

    fn string(&mut self, what: &str, v: &Value<'_>) -> Option<Sp<String>> {
        match v {
            Value::StringLit(s) => Some(Sp::new(s.value.to_string(), self.origin(range(s.range)))),
            _ => {
                self.expect(what, KeyType::String, v);
                None
            }
        }
    }

    fn bool(&mut self, what: &str, v: &Value<'_>) -> Option<Sp<bool>> {
        match v {
            Value::BooleanLit(b) => Some(Sp::new(b.value, self.origin(range(b.range)))),
            _ => {
                self.expect(what, KeyType::Bool, v);
                None
            }
        }
    }

    fn strings(&mut self, what: &str, v: &Value<'_>) -> Vec<Sp<String>> {
        let Value::Array(arr) = v else {
            self.expect(what, KeyType::StringArray, v);
            return Vec::new();
        };
        let mut out = Vec::new();
        for el in &arr.elements {
            if let Some(s) = self.string(&format!("{what}[]"), el) {
                out.push(s);
            }
        }
        out
    }

    fn known(&mut self, name: &str, kt: KeyType, prop: &ObjectProp<'_>, key_range: TextRange) {
        let v = &prop.value;
        if !self.expect(name, kt, v) {
            // Still record where default-ulimits was written.
            if name == "default-ulimits" {
                self.spec.default_ulimits_key = Some(self.origin(key_range));
            }
            return;
        }
        let spec_field_bool = |c: &mut Self, f: fn(&mut DaemonSpec) -> &mut Option<Sp<bool>>| {
            if let Some(b) = c.bool(name, v) {
                *f(c.spec) = Some(b);
            }
        };
        let spec_field_string =
            |c: &mut Self, f: fn(&mut DaemonSpec) -> &mut Option<Sp<String>>| {
                if let Some(s) = c.string(name, v) {
                    *f(c.spec) = Some(s);
                }
            };
        let spec_field_strings = |c: &mut Self, f: fn(&mut DaemonSpec) -> &mut Vec<Sp<String>>| {
            // Go replaces a slice wholesale.
            let list = c.strings(name, v);
            *f(c.spec) = list;
        };
        match name {
            "icc" => spec_field_bool(self, |s| &mut s.icc),
            "iptables" => spec_field_bool(self, |s| &mut s.iptables),
            "ip-forward" => spec_field_bool(self, |s| &mut s.ip_forward),
            "tls" => spec_field_bool(self, |s| &mut s.tls),
            "tlsverify" => spec_field_bool(self, |s| &mut s.tlsverify),
            "no-new-privileges" => spec_field_bool(self, |s| &mut s.no_new_privileges),
            "live-restore" => spec_field_bool(self, |s| &mut s.live_restore),
            "userland-proxy" => spec_field_bool(self, |s| &mut s.userland_proxy),
            "experimental" => spec_field_bool(self, |s| &mut s.experimental),
            "selinux-enabled" => spec_field_bool(self, |s| &mut s.selinux_enabled),
            "debug" => spec_field_bool(self, |s| &mut s.debug),
            "log-level" => spec_field_string(self, |s| &mut s.log_level),
            "storage-driver" => spec_field_string(self, |s| &mut s.storage_driver),
            "tlscacert" => spec_field_string(self, |s| &mut s.tlscacert),
            "tlscert" => spec_field_string(self, |s| &mut s.tlscert),
            "tlskey" => spec_field_string(self, |s| &mut s.tlskey),
            "userns-remap" => spec_field_string(self, |s| &mut s.userns_remap),
            "cgroup-parent" => spec_field_string(self, |s| &mut s.cgroup_parent),
            "log-driver" => spec_field_string(self, |s| &mut s.log_driver),
            "seccomp-profile" => spec_field_string(self, |s| &mut s.seccomp_profile),
            "ip" => spec_field_string(self, |s| &mut s.ip),
            "data-root" => spec_field_string(self, |s| &mut s.data_root),
            "default-runtime" => spec_field_string(self, |s| &mut s.default_runtime),
            "insecure-registries" => spec_field_strings(self, |s| &mut s.insecure_registries),
            "registry-mirrors" => spec_field_strings(self, |s| &mut s.registry_mirrors),
            "storage-opts" => spec_field_strings(self, |s| &mut s.storage_opts),
            "hosts" => spec_field_strings(self, |s| &mut s.hosts),
            "authorization-plugins" => spec_field_strings(self, |s| &mut s.authorization_plugins),
            "log-opts" => {
                if let Value::Object(obj) = v {
                    self.log_opts(obj);
                }
            }
            "default-ulimits" => {
                self.spec.default_ulimits_key = Some(self.origin(key_range));
                if let Value::Object(obj) = v {
                    self.ulimits(obj);
                }
            }
            _ => self.validate_only(name, kt, v),
        }
    }

    /// Shape checks for keys that have no typed field.
    fn validate_only(&mut self, name: &str, kt: KeyType, v: &Value<'_>) {
        match (kt, v) {
            (KeyType::StringArray, _) => {
                self.strings(name, v);
            }
            (KeyType::ObjectOfStrings, Value::Object(obj)) => {
                self.object_of(name, obj, KeyType::String)
            }
            (KeyType::Object, Value::Object(obj)) => match name {
                "features" => self.object_of(name, obj, KeyType::Bool),
                "default-network-opts" => {
                    for p in &obj.properties {
                        let (driver, _) = prop_name(p);
                        let what = format!("{name}.{}", truncate(driver));
                        if let (true, Value::Object(opts)) =
                            (self.expect(&what, KeyType::Object, &p.value), &p.value)
                        {
                            self.object_of(&what, opts, KeyType::String);
                        }
                    }
                }
                "runtimes" => self.runtimes(obj),
                "proxies" => self.proxies(obj),
                _ => {}
            },
            _ => {}
        }
    }

    /// Checks that every member of `obj` has type `kt`.
    fn object_of(&mut self, what: &str, obj: &Object<'_>, kt: KeyType) {
        for p in &obj.properties {
            let (member, _) = prop_name(p);
            self.expect(&format!("{what}.{}", truncate(member)), kt, &p.value);
        }
    }

    fn log_opts(&mut self, obj: &Object<'_>) {
        for p in &obj.properties {
            let (name, key_range) = prop_name(p);
            let Some(value) = self.string(&format!("log-opts.{}", truncate(name)), &p.value) else {
                continue;
            };
            let kv = KeyValue {
                origin: self.origin(range(p.range)),
                key: Sp::new(name.to_string(), self.origin(key_range)),
                value,
            };
            // Go decodes into the existing map: a repeated name replaces.
            match self.spec.log_opts.iter_mut().find(|e| e.key.value == name) {
                Some(e) => *e = kv,
                None => self.spec.log_opts.push(kv),
            }
        }
    }

    /// `default-ulimits`: `{"nofile": {"Name": "nofile", "Hard": 64000, "Soft": 64000}}`.
    /// Go matches the field names case-insensitively; a missing limit is 0.
    fn ulimits(&mut self, obj: &Object<'_>) {
        for p in &obj.properties {
            let (name, key_range) = prop_name(p);
            let what = format!("default-ulimits.{}", truncate(name));
            let Value::Object(fields) = &p.value else {
                self.expect(&what, KeyType::Object, &p.value);
                continue;
            };
            let mut soft = 0i64;
            let mut hard = 0i64;
            let mut ok = true;
            for f in &fields.properties {
                let (field, _) = prop_name(f);
                let target = match field.to_ascii_lowercase().as_str() {
                    "name" => {
                        self.expect(&format!("{what}.{field}"), KeyType::String, &f.value);
                        continue;
                    }
                    "soft" => &mut soft,
                    "hard" => &mut hard,
                    _ => continue,
                };
                match &f.value {
                    Value::NumberLit(n) => match as_int(n.value) {
                        Some(i) => *target = i,
                        None => {
                            ok = false;
                            self.error(
                                range(n.range),
                                format!(
                                    "`{what}.{field}` must be an integer, not `{}`; dockerd refuses to start",
                                    n.value
                                ),
                            );
                        }
                    },
                    Value::NullKeyword(_) => {}
                    other => {
                        ok = false;
                        self.expect(&format!("{what}.{field}"), KeyType::Int, other);
                    }
                }
            }
            if !ok {
                continue;
            }
            let kv = KeyValue {
                origin: self.origin(range(p.range)),
                key: Sp::new(name.to_string(), self.origin(key_range)),
                value: Sp::new(format!("{soft}:{hard}"), self.origin(range(fields.range))),
            };
            match self
                .spec
                .default_ulimits
                .iter_mut()
                .find(|e| e.key.value == name)
            {
                Some(e) => *e = kv,
                None => self.spec.default_ulimits.push(kv),
            }
        }
    }

    /// `runtimes`: `{"name": {"path": "...", "runtimeArgs": [...], "runtimeType": "...", "options": {...}}}`.
    fn runtimes(&mut self, obj: &Object<'_>) {
        for p in &obj.properties {
            let (name, _) = prop_name(p);
            let what = format!("runtimes.{}", truncate(name));
            let Value::Object(fields) = &p.value else {
                self.expect(&what, KeyType::Object, &p.value);
                continue;
            };
            for f in &fields.properties {
                let (field, _) = prop_name(f);
                let kt = match field.to_ascii_lowercase().as_str() {
                    "path" | "runtimetype" => KeyType::String,
                    "runtimeargs" => KeyType::StringArray,
                    "options" => KeyType::Object,
                    _ => continue,
                };
                let fwhat = format!("{what}.{field}");
                if kt == KeyType::StringArray {
                    self.strings(&fwhat, &f.value);
                } else {
                    self.expect(&fwhat, kt, &f.value);
                }
            }
        }
    }

    /// `proxies`: dockerd checks its members against its flags.
    fn proxies(&mut self, obj: &Object<'_>) {
        for p in &obj.properties {
            let (name, key_range) = prop_name(p);
            if PROXY_KEYS.contains(&name) {
                self.expect(&format!("proxies.{name}"), KeyType::String, &p.value);
            } else if key_type(name).is_some() {
                self.error(
                    key_range,
                    format!("`{name}` has no effect inside `proxies`; dockerd ignores it"),
                );
            } else {
                let hint = suggest(name, PROXY_KEYS.iter().copied())
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_default();
                self.error(
                    key_range,
                    format!(
                        "unknown key `{}` in `proxies`; dockerd refuses to start with unknown keys{hint}",
                        truncate(name)
                    ),
                );
            }
        }
    }
}

/// A key as shown in a message: at most 80 characters.
fn truncate(s: &str) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &s[..i]).into(),
        None => s.into(),
    }
}

#[cfg(test)]
mod tests;
