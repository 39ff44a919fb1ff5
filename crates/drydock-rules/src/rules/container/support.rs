//! Helpers shared by the container rules.

use drydock_core::spec::ContainerSpec;
use drydock_core::{Edit, Origin};

use crate::rule::Checker;

/// Whether the service mapping of `c` may already hold `key` as written in
/// the file (for instance an empty `security_opt: []`, which the spec cannot
/// tell from an absent key). Looks at the lines between the service's key
/// and the place where new keys would be inserted, at the indentation of
/// the service's keys. Answers `true` ("maybe") whenever it cannot tell, so
/// that a fix never adds a duplicate key.
pub(crate) fn service_may_have_key(cx: &Checker<'_>, c: &ContainerSpec, key: &str) -> bool {
    let Some(anchor) = &c.insert_at else {
        return true;
    };
    let Some((file, range)) = c.origin.file_range() else {
        return true;
    };
    if file != anchor.file || range.end > anchor.offset {
        return true;
    }
    let text = cx.file_text(file);
    let Some(body) = text.get(range.end as usize..anchor.offset as usize) else {
        return true;
    };
    body.lines().any(|line| {
        let Some(rest) = line.strip_prefix(anchor.indent.as_str()) else {
            return false;
        };
        let rest = rest.trim_start_matches(['"', '\'']);
        rest.strip_prefix(key).is_some_and(|r| {
            let r = r.trim_start_matches(['"', '\'']).trim_start();
            r.starts_with(':')
        })
    })
}

/// An edit inserting `snippet` (YAML lines at indent 0) into the service's
/// mapping, when the service is in a file and `key` is certainly absent.
pub(crate) fn insert_key(
    cx: &Checker<'_>,
    c: &ContainerSpec,
    key: &str,
    snippet: &str,
) -> Option<Edit> {
    if service_may_have_key(cx, c, key) {
        return None;
    }
    c.insert_at.as_ref().map(|a| a.insert(snippet))
}

/// An edit replacing a YAML boolean `false` written at `origin` (a plain or
/// quoted scalar, not an alias) by `true`.
pub(crate) fn replace_false_with_true(cx: &Checker<'_>, origin: &Origin) -> Option<Edit> {
    let text = cx.text_of(origin);
    let inner = text.trim_matches(['"', '\'']);
    if !matches!(inner, "false" | "False" | "FALSE") {
        return None;
    }
    let (file, range) = origin.file_range()?;
    let start = range.start
        + u32::try_from(text.len() - text.trim_start_matches(['"', '\'']).len()).ok()?;
    let end = start + u32::try_from(inner.len()).ok()?;
    Some(Edit::replace(
        file,
        drydock_core::TextRange::new(start, end),
        "true",
    ))
}

/// A host path with `.`/`..`, repeated and trailing slashes resolved;
/// `None` when it is not absolute.
pub(crate) fn normalize_host_path(path: &str) -> Option<String> {
    let path = path.trim();
    if !path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// `true` when `path` is `dir` or lies below it.
pub(crate) fn is_at_or_below(path: &str, dir: &str) -> bool {
    if dir == "/" {
        return true;
    }
    path == dir
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// `service `web``, for messages.
pub(crate) fn svc(c: &ContainerSpec) -> String {
    format!("service `{}`", c.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            normalize_host_path("/var//run/./docker.sock/").as_deref(),
            Some("/var/run/docker.sock")
        );
        assert_eq!(normalize_host_path("/etc/../").as_deref(), Some("/"));
        assert_eq!(normalize_host_path("./data"), None);
        assert!(is_at_or_below("/etc/ssl", "/etc"));
        assert!(!is_at_or_below("/etcetera", "/etc"));
        assert!(is_at_or_below("/x", "/"));
    }
}
