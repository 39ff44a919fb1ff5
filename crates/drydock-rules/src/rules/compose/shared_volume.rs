//! CMP005

use drydock_core::spec::MountKind;
use drydock_core::{Origin, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, ComposeCx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a named volume mounted by more than one service of the
    /// project. The finding is at the first service's mount, with the other
    /// services' mounts as related locations. Bind mounts of host paths and
    /// anonymous volumes are not considered, and neither are services that
    /// all inherit the mount from one shared definition (a YAML anchor
    /// merged into each): those are instances of one template, sharing by
    /// construction.
    ///
    /// ## Why is this bad?
    /// A shared volume is a channel between containers that the network
    /// separation does not see: a compromised service can read what the
    /// others store there, and, with a read-write mount, plant files that
    /// they then load or execute (configuration, scripts, static assets,
    /// sockets). It also couples the services' file ownership and upgrade
    /// paths. Many setups share a volume on purpose (a web server serving
    /// what an application writes), hence the low severity.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: example/app:3.2
    ///     volumes:
    ///       - static:/srv/static
    ///   nginx:
    ///     image: nginx:1.27
    ///     volumes:
    ///       - static:/usr/share/nginx/html
    /// volumes:
    ///   static:
    /// ```
    ///
    /// ## How to fix
    /// Give each service its own volume, or exchange data over an API
    /// instead of the filesystem. Where the sharing is intended, mount the
    /// volume read-only (`static:/usr/share/nginx/html:ro`) in every service
    /// that only reads it, and suppress the finding.
    pub struct SharedVolume {
        id: "CMP005",
        name: "shared-volume",
        title: "Named volume is shared by several services",
        severity: Low,
        category: Isolation,
        references: ["concern:115", "kics:shared-volumes-between-containers"],
        fix: None,
    }
}

/// One service's mount of a volume: the first, or the first read-write one.
struct Use<'a> {
    service: &'a str,
    origin: &'a Origin,
    read_only: bool,
}

impl Rule for SharedVolume {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_compose(&self, cx: &mut Checker<'_>, compose: &ComposeCx<'_>) {
        // Volumes in first-use order, each with one use per service.
        let mut volumes: Vec<(&str, Vec<Use<'_>>)> = Vec::new();
        for s in &compose.project.services {
            for m in &s.mounts {
                if m.kind.value != MountKind::Volume {
                    continue;
                }
                let Some(src) = &m.source else {
                    continue;
                };
                let name = src.value.trim();
                if name.is_empty() {
                    continue;
                }
                let idx = match volumes.iter().position(|(v, _)| *v == name) {
                    Some(i) => i,
                    None => {
                        volumes.push((name, Vec::new()));
                        volumes.len() - 1
                    }
                };
                let Some((_, uses)) = volumes.get_mut(idx) else {
                    continue;
                };
                let read_only = m.read_only.as_ref().is_some_and(|r| r.value);
                match uses.iter_mut().find(|u| u.service == s.name) {
                    // A service that mounts it twice writes to it if either
                    // mount is read-write; point at that mount.
                    Some(u) => {
                        if u.read_only && !read_only {
                            u.read_only = false;
                            u.origin = &m.origin;
                        }
                    }
                    None => uses.push(Use {
                        service: &s.name,
                        origin: &m.origin,
                        read_only,
                    }),
                }
            }
        }
        for (name, uses) in &volumes {
            let Some(first) = uses.first() else {
                continue;
            };
            // Services that inherit the mount from one shared definition (a
            // YAML anchor, `extends`) are instances of one template.
            if uses.len() < 2 || uses.iter().all(|u| u.origin == first.origin) {
                continue;
            }
            let all = quoted_list(uses.iter().map(|u| u.service));
            let writers: Vec<&str> = uses
                .iter()
                .filter(|u| !u.read_only)
                .map(|u| u.service)
                .collect();
            let msg = if writers.is_empty() {
                format!(
                    "volume `{name}` is shared by services {all} (read-only in all): a compromised one can read what the others keep there"
                )
            } else {
                let w = if writers.len() == uses.len() {
                    "all".to_string()
                } else {
                    quoted_list(writers.iter().copied())
                };
                format!(
                    "volume `{name}` is shared by services {all} (read-write in {w}): a compromised one can read what the others keep there, and alter it through a read-write mount"
                )
            };
            let f = cx.report(first.origin, msg);
            // One related location per other mount, with the services that
            // share it.
            let mut seen: Vec<&Origin> = vec![first.origin];
            for u in uses {
                if seen.contains(&u.origin) {
                    continue;
                }
                seen.push(u.origin);
                let here: Vec<&Use<'_>> = uses.iter().filter(|o| o.origin == u.origin).collect();
                let mode = if here.iter().all(|o| o.read_only) {
                    "read-only"
                } else {
                    "read-write"
                };
                let who = if here.len() == 1 {
                    "service"
                } else {
                    "services"
                };
                f.add_related(
                    u.origin.clone(),
                    format!(
                        "also mounted {mode} by {who} {}",
                        quoted_list(here.iter().map(|o| o.service))
                    ),
                );
            }
        }
    }
}

/// How many names a message lists before it counts the rest.
const MAX_LISTED: usize = 4;

/// `` `a` ``, `` `a` and `b` ``, `` `a`, `b` and `c` ``, `` `a`, `b`, `c` and 4 more ``.
fn quoted_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut items: Vec<String> = items.map(|s| format!("`{s}`")).collect();
    if items.len() > MAX_LISTED {
        let more = items.len() - (MAX_LISTED - 1);
        items.truncate(MAX_LISTED - 1);
        items.push(format!("{more} more"));
    }
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}
