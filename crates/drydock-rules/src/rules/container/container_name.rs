//! CTR032

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::{setting, svc};
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a `container_name` (`docker run --name`) that Docker rejects:
    /// a name must match `[a-zA-Z0-9][a-zA-Z0-9_.-]+` (an optional leading
    /// `/` is accepted), that is start with a letter or digit, contain only
    /// letters, digits, `_`, `.` and `-`, and have at least two characters.
    /// Names built from variables (`${PROJECT}-db`) are not checked, since
    /// their value depends on the environment.
    ///
    /// ## Why is this bad?
    /// The Compose file format accepts any string, but the engine refuses
    /// to create the container (`Invalid container name (…), only
    /// [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`): `docker compose up` fails
    /// for this service, possibly after it has started others, leaving the
    /// project half running.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:5.1
    ///     container_name: "my api"
    /// ```
    ///
    /// ## How to fix
    /// Use a name made of letters, digits, `_`, `.` and `-`
    /// (`container_name: my-api`, `docker run --name my-api`), or remove
    /// `container_name` (`--name`) and let Compose (Docker) name the
    /// container.
    pub struct InvalidContainerName {
        id: "CTR032",
        name: "invalid-container-name",
        title: "Container name is invalid",
        severity: Medium,
        category: BestPractice,
        references: ["concern:120"],
        fix: None,
    }
}

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// Why `name` is not a valid container name, or `None` when it is.
fn problem(name: &str) -> Option<String> {
    let body = name.strip_prefix('/').unwrap_or(name);
    let mut chars = body.chars();
    let Some(first) = chars.next() else {
        return Some("it is empty".to_string());
    };
    if !first.is_ascii_alphanumeric() {
        return Some(format!("it starts with `{first}`, not a letter or digit"));
    }
    if let Some(bad) = chars.find(|&c| !allowed(c)) {
        let shown = if bad == ' ' {
            "a space".to_string()
        } else {
            format!("`{}`", bad.escape_default())
        };
        return Some(format!(
            "it contains {shown}; only letters, digits, `_`, `.` and `-` are allowed"
        ));
    }
    if body.chars().count() < 2 {
        return Some("it has fewer than two characters".to_string());
    }
    None
}

impl Rule for InvalidContainerName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        let Some(name) = &c.container_name else {
            return;
        };
        if cx.text_of(&name.origin).contains('$') {
            return;
        }
        if let Some(why) = problem(&name.value) {
            cx.report(
                &name.origin,
                format!(
                    "{} has an invalid `{}` `{}`: {why}; Docker refuses to create the container",
                    svc(c),
                    setting(c, "container_name", "--name", "name"),
                    name.value
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn names() {
        assert_eq!(problem("web-1"), None);
        assert_eq!(problem("/web_1.a"), None);
        assert_eq!(problem("ab"), None);
        assert!(problem("a").is_some());
        assert!(problem("").is_some());
        assert!(problem("-web").is_some());
        assert!(problem("my api").is_some());
        assert!(problem("web/1").is_some());
        assert!(problem("wéb").is_some());
    }
}
