//! Helpers shared by the container rules.

use drydock_core::spec::{ContainerSource, ContainerSpec, ExecSource, ExecSpec};
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

/// An edit deleting the line of the entry `key: <value>` that the service
/// `c` writes itself in its block mapping (`value` is the value's origin),
/// with its trailing comment and newline. `None` unless that is certain:
/// the value lies between the service's key and its insertion point, the
/// line is the key at the indentation of the service's keys followed by the
/// value and at most a comment, and the service keeps another entry. Also
/// `None` when the service merges an anchor (`<<:`) or `extends` another
/// service, which may set the key again once the line is gone, or is itself
/// an anchor that other services may merge.
pub(crate) fn delete_entry_line(
    cx: &Checker<'_>,
    c: &ContainerSpec,
    key: &str,
    value: &Origin,
) -> Option<Edit> {
    let anchor = c.insert_at.as_ref()?;
    let (file, svc) = c.origin.file_range()?;
    let (vfile, v) = value.file_range()?;
    if vfile != file || anchor.file != file || v.start < svc.end || v.end > anchor.offset {
        return None;
    }
    let text = cx.file_text(file);
    let (vs, ve) = (v.start as usize, v.end as usize);
    let ls = text.get(..vs)?.rfind('\n').map_or(0, |i| i + 1);
    let le = text
        .get(ve..)?
        .find('\n')
        .map_or(text.len(), |i| ve + i + 1);
    // `<indent>key:` then blanks up to the value.
    let head = text.get(ls..vs)?.strip_prefix(anchor.indent.as_str())?;
    let head = head.strip_prefix(['"', '\'']).unwrap_or(head);
    let head = head.strip_prefix(key)?;
    let head = head.strip_prefix(['"', '\'']).unwrap_or(head);
    if !head
        .strip_prefix(':')?
        .chars()
        .all(|ch| ch == ' ' || ch == '\t')
    {
        return None;
    }
    let after = text.get(ve..le)?.trim_end_matches(['\n', '\r']);
    let after = after.trim_start_matches([' ', '\t']);
    if !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    // The service's other entries: one must remain, none may re-add the key;
    // and no other service may merge this one (`name: &anchor`).
    let body = text.get(svc.end as usize..anchor.offset as usize)?;
    if body.split('\n').next().is_some_and(|l| l.contains('&')) {
        return None;
    }
    let mut others = 0;
    for line in body.split_inclusive('\n') {
        let Some(rest) = line.strip_prefix(anchor.indent.as_str()) else {
            continue;
        };
        if rest.starts_with([' ', '\t', '#', '\r', '\n']) || rest.is_empty() {
            continue;
        }
        let name = rest.trim_start_matches(['"', '\'']);
        if name.starts_with("<<") || name.starts_with("extends") {
            return None;
        }
        others += 1;
    }
    // The last line without a newline goes with the newline before it, so
    // that the file still ends the way it did.
    let ls = if le == text.len() && !text.ends_with('\n') && ls > 0 {
        ls - 1
    } else {
        ls
    };
    (others > 1).then(|| Edit::delete(file, drydock_core::TextRange::from_usize(ls, le)))
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

/// The container, named for a message the way its source knows it:
/// ``service `web` `` (Compose), ``container `web` `` (a run line with
/// `--name`, a live container), ``` `docker run` of `nginx:1.27` ``` (a run
/// line without `--name`; `docker create` for a create line), or
/// ``` `docker run` ``` alone when the image is not known either. Messages
/// put it first, as the subject: "{svc} runs privileged: …".
pub(crate) fn svc(c: &ContainerSpec) -> String {
    match c.source {
        ContainerSource::ComposeService => format!("service `{}`", c.name),
        ContainerSource::Api => format!("container `{}`", c.name),
        ContainerSource::RunLine { create } => {
            let cmd = if create {
                "docker create"
            } else {
                "docker run"
            };
            if c.container_name.is_some() {
                format!("container `{}`", c.name)
            } else if let Some(image) = &c.image {
                format!("`{cmd}` of `{}`", image.value)
            } else {
                format!("`{cmd}`")
            }
        }
    }
}

/// One of three texts, by the container's source: how a Compose file, a
/// `docker run` line and the Engine API write a setting,
/// e.g. `setting(c, "pids_limit", "--pids-limit", "HostConfig.PidsLimit")`.
/// Messages quote it themselves.
pub(crate) fn setting<'a>(
    c: &ContainerSpec,
    compose: &'a str,
    run: &'a str,
    api: &'a str,
) -> &'a str {
    match c.source {
        ContainerSource::ComposeService => compose,
        ContainerSource::RunLine { .. } => run,
        ContainerSource::Api => api,
    }
}

/// A setting with its value, as its source writes it: `pids_limit: 0`,
/// `--pids-limit=0`, `HostConfig.PidsLimit: 0` (the names as for
/// [`setting`]). Run lines use the `=` form, the only one a boolean flag
/// accepts (`--read-only=false`).
pub(crate) fn setting_is(
    c: &ContainerSpec,
    compose: &str,
    run: &str,
    api: &str,
    value: impl std::fmt::Display,
) -> String {
    match c.source {
        ContainerSource::ComposeService => format!("{compose}: {value}"),
        ContainerSource::RunLine { .. } => format!("{run}={value}"),
        ContainerSource::Api => format!("{api}: {value}"),
    }
}

/// The exec, named for a message the way its source knows it:
/// ``` `docker exec` into `web` ``` (a line), ``an exec into container
/// `web` `` (a request), ``exec `3f2a…` in container `web` `` (a live
/// instance, by the first 12 characters of its ID). Messages put it first.
pub(crate) fn exec_subject(e: &ExecSpec) -> String {
    let into = match &e.container {
        Some(c) => format!("container `{}`", c.value),
        None => "a container the line does not name statically".to_string(),
    };
    match e.source {
        ExecSource::ExecLine => match &e.container {
            Some(c) => format!("`docker exec` into `{}`", c.value),
            None => "`docker exec`".to_string(),
        },
        ExecSource::Request => format!("an exec into {into}"),
        ExecSource::Instance => {
            let id = e.id.as_deref().unwrap_or("");
            let short: String = id.chars().take(12).collect();
            if short.is_empty() {
                format!("an exec in {into}")
            } else {
                format!("exec `{short}` in {into}")
            }
        }
    }
}

/// One of three texts, by the exec's source: how a `docker exec` line, an
/// exec create request and an exec instance write a setting, e.g.
/// `exec_setting(e, "--privileged", "Privileged", "ProcessConfig.privileged")`.
pub(crate) fn exec_setting<'a>(
    e: &ExecSpec,
    line: &'a str,
    request: &'a str,
    instance: &'a str,
) -> &'a str {
    match e.source {
        ExecSource::ExecLine => line,
        ExecSource::Request => request,
        ExecSource::Instance => instance,
    }
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

    fn spec(source: ContainerSource, name: &str, image: Option<&str>) -> ContainerSpec {
        ContainerSpec {
            source,
            name: name.to_string(),
            image: image.map(|i| drydock_core::Sp::new(i.to_string(), Origin::Implicit)),
            ..ContainerSpec::default()
        }
    }

    const RUN: ContainerSource = ContainerSource::RunLine { create: false };

    #[test]
    fn names_by_source() {
        let compose = spec(ContainerSource::ComposeService, "web", Some("nginx:1.27"));
        assert_eq!(svc(&compose), "service `web`");
        // A run line without `--name` is named by its image.
        let run = spec(RUN, "nginx:1.27", Some("nginx:1.27"));
        assert_eq!(svc(&run), "`docker run` of `nginx:1.27`");
        let create = spec(
            ContainerSource::RunLine { create: true },
            "nginx:1.27",
            Some("nginx:1.27"),
        );
        assert_eq!(svc(&create), "`docker create` of `nginx:1.27`");
        // With `--name`.
        let mut named = spec(RUN, "web", Some("nginx:1.27"));
        named.container_name = Some(drydock_core::Sp::new("web".to_string(), Origin::Implicit));
        assert_eq!(svc(&named), "container `web`");
        // Neither name nor image known.
        assert_eq!(svc(&spec(RUN, "docker run", None)), "`docker run`");
        let api = spec(ContainerSource::Api, "web", Some("nginx:1.27"));
        assert_eq!(svc(&api), "container `web`");
    }

    #[test]
    fn exec_names_by_source() {
        let c = Some(drydock_core::Sp::new("web".to_string(), Origin::Implicit));
        let mut e = ExecSpec {
            container: c,
            ..ExecSpec::default()
        };
        assert_eq!(exec_subject(&e), "`docker exec` into `web`");
        assert_eq!(
            exec_setting(&e, "--user", "User", "ProcessConfig.user"),
            "--user"
        );
        e.source = ExecSource::Request;
        assert_eq!(exec_subject(&e), "an exec into container `web`");
        assert_eq!(
            exec_setting(&e, "--user", "User", "ProcessConfig.user"),
            "User"
        );
        e.source = ExecSource::Instance;
        e.id = Some("0123456789abcdef0123".into());
        assert_eq!(exec_subject(&e), "exec `0123456789ab` in container `web`");
        e.container = None;
        e.source = ExecSource::ExecLine;
        assert_eq!(exec_subject(&e), "`docker exec`");
    }

    #[test]
    fn settings_by_source() {
        let names = ["pids_limit", "--pids-limit", "HostConfig.PidsLimit"];
        let of = |source| {
            let c = spec(source, "x", None);
            (
                setting(&c, names[0], names[1], names[2]).to_string(),
                setting_is(&c, names[0], names[1], names[2], -1),
            )
        };
        assert_eq!(
            of(ContainerSource::ComposeService),
            ("pids_limit".to_string(), "pids_limit: -1".to_string())
        );
        assert_eq!(
            of(RUN),
            ("--pids-limit".to_string(), "--pids-limit=-1".to_string())
        );
        assert_eq!(
            of(ContainerSource::Api),
            (
                "HostConfig.PidsLimit".to_string(),
                "HostConfig.PidsLimit: -1".to_string()
            )
        );
    }
}
