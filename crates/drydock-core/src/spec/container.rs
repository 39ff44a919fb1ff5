//! `ContainerSpec`: how a container runs (from a Compose service or a
//! `docker run`/`docker create` line; later a live container, a create
//! request).

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

impl MountKind {
    /// The kind named `type=…` in `--mount` and `type:` in Compose.
    pub fn from_name(name: &str) -> Option<MountKind> {
        Some(match name {
            "bind" => MountKind::Bind,
            "volume" => MountKind::Volume,
            "tmpfs" => MountKind::Tmpfs,
            "npipe" => MountKind::Npipe,
            "cluster" => MountKind::Cluster,
            "image" => MountKind::Image,
            _ => return None,
        })
    }
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

/// Where a [`ContainerSpec`] comes from. Rules judge every source alike;
/// their messages name the container, and its settings, the way the source
/// writes them (`pids_limit`, `--pids-limit`, `HostConfig.PidsLimit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ContainerSource {
    /// A service of a Compose file.
    #[default]
    ComposeService,
    /// A `docker run` (`create: false`) or `docker create` (`create: true`)
    /// command line in a script, Makefile, CI file or Markdown block.
    RunLine { create: bool },
    /// A container as the Engine API describes it (`GET
    /// /containers/{id}/json`, a create request): its settings are named by
    /// their API fields. No source builds it yet.
    Api,
}

/// The Docker client of a `docker run`/`docker create` line: the engine it
/// sends the request to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineClient {
    /// `-H`/`--host` value, or a `DOCKER_HOST=` assignment before the
    /// command (`tcp://10.0.0.5:2375`, `unix:///run/docker.sock`,
    /// `ssh://user@host`); a value without `scheme://` is a TCP address.
    pub host: Sp<String>,
    /// Whether TLS is on: `Some(true)` for `--tls`, `--tlsverify`, or a
    /// non-empty `DOCKER_TLS` or `DOCKER_TLS_VERIFY` assignment before the
    /// command; `None` when a client option the line cannot read
    /// (`docker $DOCKER_OPTS run …`) may turn it on.
    pub tls: Option<bool>,
}

impl EngineClient {
    /// The host's scheme, lower-case: `tcp` when none is written (the
    /// client's own default for `-H 10.0.0.5:2375`).
    pub fn scheme(&self) -> String {
        match self.host.value.trim().split_once("://") {
            Some((s, _)) => s.to_ascii_lowercase(),
            None => "tcp".to_string(),
        }
    }
}

/// How a container runs.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ContainerSpec {
    /// The object as a whole: the Compose service's key, `docker … run` of
    /// a run line.
    pub origin: Origin,
    /// Where the spec comes from, for wording messages.
    pub source: ContainerSource,
    /// Service or container name; for a run line without `--name`, its
    /// image as written (or `docker run` when the image is not known).
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
    /// The engine a run line's client talks to, when the line names one
    /// (`-H`, `DOCKER_HOST=`). `None` for every other source: a container's
    /// own `DOCKER_HOST` is in `environment`.
    pub engine: Option<EngineClient>,
    /// Parts of the source that could not be read statically (a `docker
    /// run` word holding `$VAR`, `$(…)` or an unbalanced quote). Their
    /// fields are left unset rather than guessed.
    pub unknown: Vec<UnknownPart>,
}

/// A part of a container's source whose value is not known statically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownPart {
    pub origin: Origin,
    /// The option it is the value of (`--memory`), `image` for the image,
    /// or `None` for a word that may itself be one or more options
    /// (`$DOCKER_OPTS`, `"$@"`).
    pub option: Option<String>,
    /// Whether the unknown part may set something the spec records as
    /// absent (a capability drop, a memory limit, `--read-only`, …), so
    /// that findings about absent settings cannot be trusted.
    pub hides_absence: bool,
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

    /// Whether findings about settings this container does *not* make can
    /// be trusted: `false` when an unknown part (a `$DOCKER_OPTS` word, an
    /// unreadable `--memory` value) may make them.
    pub fn absence_trusted(&self) -> bool {
        !self.unknown.iter().any(|u| u.hides_absence)
    }

    /// Whether `origin` is where findings about absent settings are
    /// reported: the container's own origin (see [`Origin::Implicit`]), or
    /// the `cap_drop` key of a list judged incomplete.
    pub fn is_absence_origin(&self, origin: &Origin) -> bool {
        *origin == self.origin || self.cap_drop_key.as_ref() == Some(origin)
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
    fn engine_scheme() {
        let client = |h: &str| EngineClient {
            host: Sp::new(h.to_string(), Origin::Implicit),
            tls: Some(false),
        };
        assert_eq!(client("TCP://h:2375").scheme(), "tcp");
        assert_eq!(client("10.0.0.5:2375").scheme(), "tcp");
        assert_eq!(client("ssh://me@h").scheme(), "ssh");
        assert_eq!(client("unix:///run/docker.sock").scheme(), "unix");
    }

    #[test]
    fn ports() {
        assert_eq!(parse_port_range("8000-8010/tcp"), Some((8000, 8010)));
        assert_eq!(parse_port_range("x"), None);
    }
}
