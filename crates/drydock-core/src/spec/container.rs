//! `ContainerSpec`: how a container runs (from a Compose service; later a
//! `docker run` line, a live container, a create request).

use crate::imageref::ImageRef;
use crate::origin::{Origin, Sp};
use crate::spec::anchor::YamlMapAnchor;
use crate::spec::image::{Healthcheck, KeyValue};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MountKind {
    Bind,
    Volume,
    Tmpfs,
    Npipe,
    Cluster,
    Image,
}

/// A mount. `origin` covers the whole entry (short string or long mapping).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    pub origin: Origin,
    pub kind: Sp<MountKind>,
    /// Host path (bind) or volume name; `None` for anonymous volumes and tmpfs.
    pub source: Option<Sp<String>>,
    pub target: Sp<String>,
    pub read_only: Option<Sp<bool>>,
    /// `rprivate`, `shared`, `rshared`, `slave`, …
    pub propagation: Option<Sp<String>>,
    /// SELinux relabel option `z` or `Z`.
    pub selinux: Option<Sp<String>>,
    /// Written in the short `src:dst:opts` syntax.
    pub short_syntax: bool,
}

/// A published port. `origin` covers the whole entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortMapping {
    pub origin: Origin,
    pub host_ip: Option<Sp<String>>,
    /// Host port or range (`8080`, `8000-8010`); `None` when Docker picks one.
    pub published: Option<Sp<String>>,
    /// Container port or range.
    pub target: Sp<String>,
    pub protocol: Option<Sp<String>>,
    pub short_syntax: bool,
}

impl PortMapping {
    /// The published host port range, when numeric.
    pub fn published_range(&self) -> Option<(u16, u16)> {
        parse_port_range(&self.published.as_ref()?.value)
    }

    pub fn target_range(&self) -> Option<(u16, u16)> {
        parse_port_range(&self.target.value)
    }

    /// Published on every interface (no host address, `0.0.0.0` or `::`).
    pub fn binds_all_interfaces(&self) -> bool {
        self.published.is_some()
            && self
                .host_ip
                .as_ref()
                .is_none_or(|ip| matches!(ip.value.trim_matches(['[', ']']), "" | "0.0.0.0" | "::"))
    }
}

/// Parses `80` or `8000-8010` into an inclusive range.
pub fn parse_port_range(s: &str) -> Option<(u16, u16)> {
    let s = s.split('/').next().unwrap_or(s).trim();
    match s.split_once('-') {
        Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
        None => {
            let p = s.parse().ok()?;
            Some((p, p))
        }
    }
}

/// One `security_opt` entry, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecurityOpt {
    /// `no-new-privileges` / `no-new-privileges:true|false`
    NoNewPrivileges(bool),
    /// `seccomp=…` / `seccomp:…`: `unconfined` or a profile path.
    Seccomp(String),
    /// `apparmor=…`
    AppArmor(String),
    /// `label=…` / `label:…`: `disable`, `type:…`, `user:…`, …
    Label(String),
    /// `systempaths=unconfined`
    SystemPaths(String),
    Other(String),
}

impl SecurityOpt {
    pub fn parse(s: &str) -> SecurityOpt {
        let s = s.trim();
        let (k, v) = match s.find(['=', ':']) {
            Some(i) => (&s[..i], Some(&s[i + 1..])),
            None => (s, None),
        };
        match k {
            "no-new-privileges" => {
                SecurityOpt::NoNewPrivileges(v.is_none_or(|v| v.eq_ignore_ascii_case("true")))
            }
            "seccomp" => SecurityOpt::Seccomp(v.unwrap_or("").to_string()),
            "apparmor" => SecurityOpt::AppArmor(v.unwrap_or("").to_string()),
            "label" => SecurityOpt::Label(v.unwrap_or("").to_string()),
            "systempaths" => SecurityOpt::SystemPaths(v.unwrap_or("").to_string()),
            _ => SecurityOpt::Other(s.to_string()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Resources {
    /// Memory limit as written (`512m`, `1g`, bytes).
    pub memory: Option<Sp<String>>,
    pub memory_reservation: Option<Sp<String>>,
    pub memswap: Option<Sp<String>>,
    pub cpus: Option<Sp<String>>,
    pub cpu_shares: Option<Sp<String>>,
    pub pids: Option<Sp<i64>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Logging {
    pub origin: Origin,
    pub driver: Option<Sp<String>>,
    pub options: Vec<KeyValue>,
}

/// What a container's image is built from (Compose `build:`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct BuildSpec {
    pub origin: Origin,
    pub context: Option<Sp<String>>,
    pub dockerfile: Option<Sp<String>>,
    pub dockerfile_inline: Option<Sp<String>>,
    pub target: Option<Sp<String>>,
    /// `args`; a value of `None` takes the value from the environment.
    pub args: Vec<(Sp<String>, Option<Sp<String>>)>,
    pub secrets: Vec<Sp<String>>,
    pub ssh: Vec<Sp<String>>,
    pub privileged: Option<Sp<bool>>,
    pub network: Option<Sp<String>>,
    pub entitlements: Vec<Sp<String>>,
}

/// How a container runs.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ContainerSpec {
    /// The object as a whole: the Compose service's key.
    pub origin: Origin,
    /// Service or container name.
    pub name: String,
    pub image: Option<Sp<String>>,
    pub image_ref: Option<ImageRef>,
    pub build: Option<BuildSpec>,
    pub container_name: Option<Sp<String>>,
    pub user: Option<Sp<String>>,
    pub privileged: Option<Sp<bool>>,
    pub cap_add: Vec<Sp<String>>,
    pub cap_drop: Vec<Sp<String>>,
    /// Origin of the `cap_drop` key, for rules that extend it.
    pub cap_drop_key: Option<Origin>,
    pub security_opt: Vec<Sp<String>>,
    pub read_only: Option<Sp<bool>>,
    pub tmpfs: Vec<Sp<String>>,
    pub mounts: Vec<Mount>,
    pub ports: Vec<PortMapping>,
    pub expose: Vec<Sp<String>>,
    pub network_mode: Option<Sp<String>>,
    pub networks: Vec<Sp<String>>,
    pub pid: Option<Sp<String>>,
    pub ipc: Option<Sp<String>>,
    pub uts: Option<Sp<String>>,
    pub userns_mode: Option<Sp<String>>,
    pub cgroup: Option<Sp<String>>,
    pub cgroup_parent: Option<Sp<String>>,
    pub resources: Resources,
    /// `nofile=1024:2048` style, one per limit.
    pub ulimits: Vec<KeyValue>,
    pub devices: Vec<Sp<String>>,
    pub sysctls: Vec<KeyValue>,
    pub logging: Option<Logging>,
    pub restart: Option<Sp<String>>,
    pub healthcheck: Option<Sp<Healthcheck>>,
    pub environment: Vec<KeyValue>,
    pub env_files: Vec<Sp<String>>,
    pub secrets: Vec<Sp<String>>,
    pub configs: Vec<Sp<String>>,
    pub oom_kill_disable: Option<Sp<bool>>,
    pub oom_score_adj: Option<Sp<i64>>,
    pub extra_hosts: Vec<Sp<String>>,
    pub labels: Vec<KeyValue>,
    /// Where a missing key can be added (file sources only).
    pub insert_at: Option<YamlMapAnchor>,
    /// The image this container runs, when it is known: for a Compose
    /// service with `build:`, the target stage of its Dockerfile (later, the
    /// image config of a live container). Rules use it for what the image
    /// decides unless the container overrides it (user, healthcheck, ports).
    pub image_spec: Option<std::sync::Arc<crate::spec::ImageSpec>>,
}

impl ContainerSpec {
    pub fn security_opts(&self) -> impl Iterator<Item = (SecurityOpt, &Sp<String>)> {
        self.security_opt
            .iter()
            .map(|s| (SecurityOpt::parse(&s.value), s))
    }

    pub fn no_new_privileges(&self) -> Option<(bool, &Sp<String>)> {
        self.security_opts().find_map(|(o, s)| match o {
            SecurityOpt::NoNewPrivileges(v) => Some((v, s)),
            _ => None,
        })
    }

    /// The image the container pulls from a registry: its `image:` as
    /// written and parsed, unless the image is built here (`build:`) or is
    /// `scratch`.
    pub fn pulled_image(&self) -> Option<(&Sp<String>, &ImageRef)> {
        if self.build.is_some() {
            return None;
        }
        let r = self.image_ref.as_ref().filter(|r| !r.is_scratch())?;
        Some((self.image.as_ref()?, r))
    }

    pub fn is_privileged(&self) -> bool {
        self.privileged.as_ref().is_some_and(|p| p.value)
    }

    /// Normalises a capability name: upper-case, without `CAP_`.
    pub fn normalize_cap(cap: &str) -> String {
        let c = cap.trim().to_ascii_uppercase();
        c.strip_prefix("CAP_").map_or(c.clone(), str::to_string)
    }

    pub fn drops_all_caps(&self) -> bool {
        self.cap_drop
            .iter()
            .any(|c| Self::normalize_cap(&c.value) == "ALL")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_opt_forms() {
        assert_eq!(
            SecurityOpt::parse("no-new-privileges"),
            SecurityOpt::NoNewPrivileges(true)
        );
        assert_eq!(
            SecurityOpt::parse("no-new-privileges:false"),
            SecurityOpt::NoNewPrivileges(false)
        );
        assert_eq!(
            SecurityOpt::parse("seccomp=unconfined"),
            SecurityOpt::Seccomp("unconfined".into())
        );
        assert_eq!(
            SecurityOpt::parse("label:disable"),
            SecurityOpt::Label("disable".into())
        );
    }

    #[test]
    fn ports() {
        assert_eq!(parse_port_range("8000-8010/tcp"), Some((8000, 8010)));
        assert_eq!(parse_port_range("x"), None);
    }
}
