//! CMP002

use std::collections::HashMap;

use drydock_core::RuleMeta;

use crate::declare_rule;
use crate::rule::{Checker, ComposeCx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a `container_name` used by more than one service of the
    /// project. The finding is at the second (and each later) use, with the
    /// first as related location.
    ///
    /// ## Why is this bad?
    /// Container names are unique per daemon: `docker compose up` creates
    /// the first container and fails on the second, leaving the project
    /// half started, or, after a partial edit, one service silently
    /// replaces the other's container.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     image: example/api:5.1
    ///     container_name: backend
    ///   worker:
    ///     image: example/worker:3.0
    ///     container_name: backend
    /// ```
    ///
    /// ## How to fix
    /// Give each service its own `container_name`, or remove
    /// `container_name` and let Compose name the containers (which also
    /// lets a service scale beyond one replica).
    pub struct DuplicateContainerName {
        id: "CMP002",
        name: "duplicate-container-name",
        title: "Two services use the same container name",
        severity: High,
        category: BestPractice,
        references: ["concern:118"],
        fix: None,
    }
}

impl Rule for DuplicateContainerName {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, cx: &mut Checker<'_>, compose: &ComposeCx<'_>) {
        let mut first: HashMap<&str, (&str, &drydock_core::Origin)> = HashMap::new();
        for s in &compose.project.services {
            let Some(name) = &s.container_name else {
                continue;
            };
            let key = name.value.trim();
            if key.is_empty() {
                continue;
            }
            match first.get(key) {
                Some((other, origin)) => {
                    let f = cx.report(
                        &name.origin,
                        format!(
                            "service `{}` uses `container_name: {key}`, already used by service `{other}`: the second container cannot be created",
                            s.name
                        ),
                    );
                    f.add_related(
                        (*origin).clone(),
                        format!("`{key}` first used by service `{other}`"),
                    );
                }
                None => {
                    first.insert(key, (s.name.as_str(), &name.origin));
                }
            }
        }
    }
}
