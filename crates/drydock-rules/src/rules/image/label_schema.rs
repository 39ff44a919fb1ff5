use drydock_core::RuleMeta;
use drydock_core::config::LabelType;
use drydock_core::spec::ImageSpec;

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Checks the labels of the image a Dockerfile builds (its final stage,
    /// with the labels it inherits from the stages it is built from)
    /// against a configured label schema. Without a schema this rule does
    /// nothing. The schema lists the labels the image must carry and the
    /// type of each value; in `drydock.toml`:
    ///
    /// ```toml
    /// strict-labels = true   # optional: report labels not in the schema
    ///
    /// [label-schema]
    /// "org.opencontainers.image.source" = "url"
    /// "org.opencontainers.image.created" = "rfc3339"
    /// "org.opencontainers.image.licenses" = "spdx"
    /// "org.opencontainers.image.revision" = "hash"
    /// "org.opencontainers.image.version" = "semver"
    /// "org.opencontainers.image.authors" = "email"
    /// "org.opencontainers.image.title" = "text"
    /// ```
    ///
    /// or the same `label-schema:` map and `strict-labels:` key in a
    /// `.hadolint.yaml`. Each finding names its check and hadolint code:
    /// missing label (DL3049, reported at the final stage's `FROM`), label
    /// not in the schema with `strict-labels` (DL3050), empty value
    /// (DL3051), not an absolute URL (DL3052), not an RFC 3339 date-time
    /// (DL3053), not an SPDX license expression such as `MIT` or
    /// `MIT OR Apache-2.0` (DL3054), not a 7- or 40-digit lower-case git
    /// hash (DL3055), not a semantic version (DL3056), not an e-mail
    /// address, bare or as `Name <address>` (DL3058). Values holding an
    /// unexpanded variable (`$VERSION` from a build argument without a
    /// default) are not judged.
    ///
    /// Differences from hadolint: missing labels are reported once, for the
    /// image the Dockerfile builds (hadolint reports them at every `FROM`),
    /// and so are type errors (labels of stages that do not reach the final
    /// image are not judged); `spdx` accepts license expressions
    /// (`MIT OR Apache-2.0`), `email` the `Name <address>` form.
    ///
    /// ## Why is this bad?
    /// Registries, scanners and provenance tools read these labels: an
    /// image without its source URL or license cannot be traced back, and
    /// a malformed value is ignored by the tools that parse it.
    ///
    /// ## Example
    /// With `"org.opencontainers.image.source" = "url"` and
    /// `"org.opencontainers.image.licenses" = "spdx"`:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// LABEL org.opencontainers.image.licenses="MIT license"
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// LABEL org.opencontainers.image.source="https://github.com/acme/app" \
    ///       org.opencontainers.image.licenses="MIT"
    /// ```
    ///
    /// ## How to fix
    /// Add the missing labels to the final stage and give each a value of
    /// its type.
    pub struct LabelSchemaViolation {
        id: "IMG077",
        name: "label-schema",
        title: "Label does not match the label schema",
        severity: Info,
        category: BestPractice,
        references: [
            "concern:77",
            "hadolint:DL3049",
            "hadolint:DL3050",
            "hadolint:DL3051",
            "hadolint:DL3052",
            "hadolint:DL3053",
            "hadolint:DL3054",
            "hadolint:DL3055",
            "hadolint:DL3056",
            "hadolint:DL3058",
        ],
        fix: None,
    }
}

/// `scheme:rest`, the shape of an absolute URI (RFC 3986): a scheme of a
/// letter then letters, digits, `+`, `-`, `.`; a rest without spaces or
/// characters URIs never hold.
pub(crate) fn is_url(v: &str) -> bool {
    let Some((scheme, rest)) = v.split_once(':') else {
        return false;
    };
    let mut sc = scheme.chars();
    sc.next().is_some_and(|c| c.is_ascii_alphabetic())
        && sc.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && rest.chars().all(|c| {
            c.is_ascii_graphic()
                && !matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}')
        })
        && percent_escapes_ok(rest)
        && (!rest.starts_with("//") || rest.len() > 2)
}

fn percent_escapes_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let ok = b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !ok {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

/// An RFC 3339 date-time: `2024-05-01T12:30:00Z`,
/// `2024-05-01t12:30:00.5+02:00` (also with a space for `T`, which RFC 3339
/// allows).
pub(crate) fn is_rfc3339(v: &str) -> bool {
    v.trim() == v && drydock_core::time::parse_rfc3339_nanos(v).is_some()
}

/// A semantic version 2.0.0: `1.2.3`, `1.0.0-rc.1+build.5` (no leading
/// `v`, no leading zeros in numbers).
pub(crate) fn is_semver(v: &str) -> bool {
    let (rest, build) = match v.split_once('+') {
        Some((r, b)) => (r, Some(b)),
        None => (v, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (rest, None),
    };
    let number = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    let ident =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| number(p))
        && pre.is_none_or(|p| {
            p.split('.')
                .all(|id| ident(id) && (!id.bytes().all(|b| b.is_ascii_digit()) || number(id)))
        })
        && build.is_none_or(|b| b.split('.').all(ident))
}

/// A git commit hash: 7 or 40 lower-case hex digits.
pub(crate) fn is_git_hash(v: &str) -> bool {
    (v.len() == 7 || v.len() == 40) && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// An e-mail address: `local@domain.tld`, or the RFC 5322 mailbox form
/// `Name <local@domain.tld>` (which hadolint's DL3058 rejects).
pub(crate) fn is_email(v: &str) -> bool {
    if let Some(inner) = v.strip_suffix('>')
        && let Some((name, addr)) = inner.rsplit_once('<')
    {
        let name = name.trim();
        return !name.is_empty()
            && !name.contains(['<', '>', '@'])
            && (name == v.get(..name.len()).unwrap_or(""))
            && is_addr_spec(addr);
    }
    is_addr_spec(v)
}

fn is_addr_spec(v: &str) -> bool {
    let Some((local, domain)) = v.rsplit_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(atext));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    local_ok && domain_ok
}

/// An SPDX license expression of known license identifiers (`MIT`,
/// `Apache-2.0 WITH LLVM-exception`, `(MIT OR Apache-2.0) AND BSD-3-Clause`,
/// `LicenseRef-…`), as the SPDX specification spells them.
pub(crate) fn is_spdx(v: &str) -> bool {
    spdx::Expression::parse_mode(v, spdx::ParseMode::STRICT).is_ok()
}

/// The sub-check a value fails for its type: message and hadolint code.
fn type_problem(ty: LabelType, value: &str) -> Option<(&'static str, &'static str)> {
    if value.trim().is_empty() {
        return Some(("is empty", "DL3051"));
    }
    let ok = match ty {
        LabelType::Text => true,
        LabelType::Url => is_url(value),
        LabelType::Rfc3339 => is_rfc3339(value),
        LabelType::Spdx => is_spdx(value),
        LabelType::Hash => is_git_hash(value),
        LabelType::Semver => is_semver(value),
        LabelType::Email => is_email(value),
    };
    if ok {
        return None;
    }
    Some(match ty {
        LabelType::Text => return None,
        LabelType::Url => ("is not an absolute URL", "DL3052"),
        LabelType::Rfc3339 => ("is not an RFC 3339 date-time", "DL3053"),
        LabelType::Spdx => ("is not an SPDX license expression", "DL3054"),
        LabelType::Hash => ("is not a git commit hash", "DL3055"),
        LabelType::Semver => ("is not a semantic version", "DL3056"),
        LabelType::Email => ("is not an e-mail address", "DL3058"),
    })
}

impl Rule for LabelSchemaViolation {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        let schema = &cx.settings.label_schema;
        if schema.is_empty() || !image.is_final {
            return;
        }
        let missing: Vec<&str> = schema
            .keys()
            .filter(|k| !image.labels.iter().any(|kv| &kv.key.value == *k))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let s = if missing.len() == 1 { "" } else { "s" };
            cx.report(
                &image.origin,
                format!("missing required label{s} {list} (hadolint DL3049)"),
            );
        }
        let strict = cx.settings.strict_labels;
        for kv in &image.labels {
            let key = &kv.key.value;
            let Some(ty) = schema.get(key) else {
                if strict {
                    cx.report(
                        &kv.key.origin,
                        format!("label `{key}` is not in the label schema (strict labels, hadolint DL3050)"),
                    );
                }
                continue;
            };
            let value = &kv.value.value;
            if value.contains('$') {
                continue;
            }
            if let Some((what, code)) = type_problem(*ty, value) {
                let origin = if value.is_empty() {
                    &kv.origin
                } else {
                    &kv.value.origin
                };
                cx.report(
                    origin,
                    format!(
                        "label `{key}` {what} (type `{}`, hadolint {code})",
                        ty.name()
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        for ok in [
            "https://github.com/acme/app",
            "http://x.y/a?b=c#d",
            "git+ssh://git@github.com/a/b.git",
            "urn:isbn:0451450523",
            "https://example.com/a%20b",
        ] {
            assert!(is_url(ok), "{ok}");
        }
        for bad in [
            "github.com/acme/app",
            "",
            "https://",
            "https://a b",
            "1http://x",
            "https://x/%zz",
            "://x",
        ] {
            assert!(!is_url(bad), "{bad}");
        }
    }

    #[test]
    fn dates() {
        for ok in [
            "2024-05-01T12:30:00Z",
            "2024-02-29T00:00:00.123+02:00",
            "2024-05-01t12:30:00z",
            "2024-05-01 12:30:00-07:00",
            "2016-12-31T23:59:60Z",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "2024-05-01",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-05-01T25:00:00Z",
            "2024-05-01T12:30:00",
            "2024-05-01T12:30Z",
            "2024-05-01T12:30:00.Z",
            "2024-05-01T12:30:00+0200",
            "yesterday",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }

    #[test]
    fn versions() {
        for ok in [
            "1.2.3",
            "0.0.0",
            "1.0.0-rc.1",
            "1.0.0-alpha-1+build.5",
            "10.20.30+x",
        ] {
            assert!(is_semver(ok), "{ok}");
        }
        for bad in [
            "v1.2.3",
            "1.2",
            "1.2.3.4",
            "01.2.3",
            "1.2.3-",
            "1.2.3-01",
            "1.2.3+",
            "1.2.3-a..b",
            "",
        ] {
            assert!(!is_semver(bad), "{bad}");
        }
    }

    #[test]
    fn hashes_and_emails() {
        assert!(is_git_hash("a1b2c3d"));
        assert!(is_git_hash(
            &"0123456789abcdef0123456789abcdef01234567"[..40]
        ));
        assert!(!is_git_hash("A1B2C3D") && !is_git_hash("a1b2c3") && !is_git_hash("g1b2c3d"));
        assert!(is_email("jane.doe+docker@example.co.uk"));
        assert!(is_email(
            "NGINX Docker Maintainers <docker-maint@nginx.com>"
        ));
        for bad in [
            "jane",
            "jane@localhost",
            "@example.com",
            "jane@@example.com",
            "<jane@example.com>",
            "Jane <jane>",
            " Jane <jane@example.com>",
            "a..b@example.com",
            "jane@-x.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn spdx_expressions() {
        for ok in [
            "MIT",
            "Apache-2.0",
            "MIT OR Apache-2.0",
            "(MIT OR Apache-2.0) AND BSD-3-Clause",
            "GPL-2.0-only WITH Classpath-exception-2.0",
            "LicenseRef-Acme",
        ] {
            assert!(is_spdx(ok), "{ok}");
        }
        for bad in [
            "MIT license",
            "Apache 2",
            "mit or apache",
            "Proprietary",
            "",
            "MIT OR",
        ] {
            assert!(!is_spdx(bad), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn validators_never_panic(v in "(?s).{0,60}") {
            let _ = is_url(&v);
            let _ = is_rfc3339(&v);
            let _ = is_semver(&v);
            let _ = is_git_hash(&v);
            let _ = is_email(&v);
            let _ = is_spdx(&v);
        }

        #[test]
        fn dates_never_panic(v in "[0-9]{0,5}[-T:.+Zz ]{0,2}[0-9]{0,3}[-T:.+Zz ]{0,2}[0-9]{0,3}[-T:.+Zz ]{0,2}[0-9]{0,3}[-:.+Zz ]{0,3}[0-9]{0,3}") {
            let _ = is_rfc3339(&v);
            let _ = is_semver(&v);
        }
    }
}
