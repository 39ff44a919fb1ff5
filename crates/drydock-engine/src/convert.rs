//! Live objects into specs: container inspect → [`ContainerSpec`], image
//! inspect → [`ImageSpec`], `/info` → [`DaemonSpec`]. Every field carries
//! its API path as [`Origin::Api`] (`HostConfig.Privileged`,
//! `Mounts[2].Source`), so that the rules written for Compose files judge
//! live objects unchanged and findings say which field decides.

use std::collections::HashMap;
use std::sync::Arc;

use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, HealthConfig, ImageConfig, ImageInspect,
    PortMap, SystemInfo,
};
use drydock_core::spec::{
    BaseImage, CommandLine, ContainerSource, ContainerSpec, DaemonSetting, DaemonSpec, Healthcheck,
    ImageSpec, KeyValue, Logging, Mount, MountKind, PortMapping,
};
use drydock_core::{ImageRef, Origin, Sp};

/// The origin that stands for an object as a whole (container or image):
/// findings about absent settings are reported there.
pub const OBJECT_PATH: &str = "Id";

fn api(path: impl Into<String>) -> Origin {
    Origin::api(path)
}

pub(crate) fn sp<T>(value: T, path: impl Into<String>) -> Sp<T> {
    Sp::new(value, api(path))
}

/// `Config.Labels["a.b"]`: a map key as a path element.
fn key_path(base: &str, key: &str) -> String {
    format!("{base}[{}]", serde_json::Value::String(key.to_string()))
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

/// `KEY=value` entries (`Env`) as key-value pairs.
pub(crate) fn env_pairs(env: &[String], base: &str) -> Vec<KeyValue> {
    env.iter()
        .enumerate()
        .map(|(i, e)| {
            let path = format!("{base}[{i}]");
            let (k, v) = e.split_once('=').unwrap_or((e.as_str(), ""));
            KeyValue {
                origin: api(path.clone()),
                key: sp(k.to_string(), path.clone()),
                value: sp(v.to_string(), path),
            }
        })
        .collect()
}

/// A map (labels, sysctls, log options) as key-value pairs, sorted by key.
fn map_pairs(map: &HashMap<String, String>, base: &str) -> Vec<KeyValue> {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort();
    keys.into_iter()
        .map(|k| {
            let path = key_path(base, k);
            KeyValue {
                origin: api(path.clone()),
                key: sp(k.clone(), path.clone()),
                value: sp(map.get(k).cloned().unwrap_or_default(), path),
            }
        })
        .collect()
}

pub use drydock_core::text::format_duration_ns;

/// A CPU count as `--cpus` writes it (`1.5`), from `NanoCpus`.
pub fn cpus_from_nano(nano: i64) -> Option<String> {
    (nano > 0).then(|| trim_float(nano as f64 / 1e9))
}

/// A CPU count from `CpuQuota`/`CpuPeriod` (period 0 means the kernel's
/// default of 100 ms).
pub fn cpus_from_quota(quota: i64, period: i64) -> Option<String> {
    let period = if period > 0 { period } else { 100_000 };
    (quota > 0).then(|| trim_float(quota as f64 / period as f64))
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// Splits a port key (`80/tcp`, `8000-8010/udp`, `53`) into the port (or
/// range) and the protocol (`tcp` when none is written).
pub fn split_port_key(key: &str) -> Option<(String, String)> {
    let (port, proto) = match key.split_once('/') {
        Some((p, proto)) => (p, proto),
        None => (key, "tcp"),
    };
    drydock_core::spec::parse_port_range(port)?;
    if proto.is_empty() || !proto.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some((port.to_string(), proto.to_ascii_lowercase()))
}

fn healthcheck(h: &HealthConfig, base: &str) -> Option<Sp<Healthcheck>> {
    Healthcheck::from_config(
        h.test.as_deref(),
        h.interval,
        h.timeout,
        h.start_period,
        h.retries,
    )
    .map(|hc| sp(hc, base))
}

fn command(args: &Option<Vec<String>>, path: &str) -> Option<Sp<CommandLine>> {
    let args = args.as_ref().filter(|a| !a.is_empty())?;
    Some(sp(
        CommandLine {
            exec_form: true,
            args: args.clone(),
        },
        path,
    ))
}

/// Converts an image inspect into the spec of the image it is: its config,
/// with `Id` standing for the image as a whole. The reference is its first
/// tag, else its first digest, else its ID.
pub fn image_spec(img: &ImageInspect) -> ImageSpec {
    let reference = img
        .repo_tags
        .as_ref()
        .and_then(|t| t.iter().find(|t| t.as_str() != "<none>:<none>"))
        .or_else(|| img.repo_digests.as_ref().and_then(|d| d.first()))
        .cloned();
    let base = match reference.as_deref().and_then(ImageRef::parse) {
        Some(r) => BaseImage::Image(r),
        None => BaseImage::Unresolved(reference.or_else(|| img.id.clone()).unwrap_or_default()),
    };
    let mut spec = ImageSpec::new(api(OBJECT_PATH), 0, true, sp(base, "RepoTags"));
    if let Some(c) = &img.config {
        fill_image_config(&mut spec, c);
    }
    if let Some(os) = non_empty(&img.os) {
        let arch = img.architecture.as_deref().unwrap_or("");
        let platform = match img.variant.as_deref().filter(|v| !v.is_empty()) {
            Some(v) => format!("{os}/{arch}/{v}"),
            None => format!("{os}/{arch}"),
        };
        spec.platform = Some(sp(platform, "Os"));
    }
    spec
}

fn fill_image_config(spec: &mut ImageSpec, c: &ImageConfig) {
    spec.user = non_empty(&c.user).map(|u| sp(u.to_string(), "Config.User"));
    spec.workdir = non_empty(&c.working_dir).map(|w| sp(w.to_string(), "Config.WorkingDir"));
    spec.env = env_pairs(c.env.as_deref().unwrap_or_default(), "Config.Env");
    spec.labels = c
        .labels
        .as_ref()
        .map(|l| map_pairs(l, "Config.Labels"))
        .unwrap_or_default();
    spec.exposed_ports = sorted(c.exposed_ports.as_deref().unwrap_or_default())
        .into_iter()
        .map(|p| sp(p.clone(), key_path("Config.ExposedPorts", &p)))
        .collect();
    spec.volumes = sorted(c.volumes.as_deref().unwrap_or_default())
        .into_iter()
        .map(|v| sp(v.clone(), key_path("Config.Volumes", &v)))
        .collect();
    spec.healthcheck = c
        .healthcheck
        .as_ref()
        .and_then(|h| healthcheck(h, "Config.Healthcheck"));
    spec.entrypoint = command(&c.entrypoint, "Config.Entrypoint");
    spec.cmd = command(&c.cmd, "Config.Cmd");
    spec.shell = c
        .shell
        .as_ref()
        .filter(|s| !s.is_empty())
        .map(|s| sp(s.clone(), "Config.Shell"));
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v.dedup();
    v
}

/// Converts a container inspect. `image` is the spec of the container's
/// image (from [`image_spec`]), when it was read.
pub fn container_spec(
    ci: &ContainerInspectResponse,
    image: Option<Arc<ImageSpec>>,
) -> ContainerSpec {
    let name = ci
        .name
        .as_deref()
        .map(|n| n.trim_start_matches('/').to_string())
        .filter(|n| !n.is_empty())
        .or_else(|| ci.id.clone())
        .unwrap_or_default();
    let mut c = ContainerSpec {
        origin: api(OBJECT_PATH),
        source: ContainerSource::Api,
        name,
        image_spec: image,
        ..ContainerSpec::default()
    };
    if let Some(cfg) = &ci.config {
        container_config(
            &mut c,
            &ConfigFields {
                image: &cfg.image,
                user: &cfg.user,
                env: &cfg.env,
                labels: &cfg.labels,
                healthcheck: &cfg.healthcheck,
                exposed_ports: &cfg.exposed_ports,
            },
            "Config.",
        );
    }
    if let Some(h) = &ci.host_config {
        host_config(
            &mut c,
            h,
            ci.network_settings.as_ref().and_then(|n| n.ports.as_ref()),
        );
    }
    c.mounts = ci
        .mounts
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            let base = format!("Mounts[{i}]");
            let kind = MountKind::from_name(m.typ.as_deref().unwrap_or("bind"))?;
            let source = match kind {
                MountKind::Volume => {
                    non_empty(&m.name).map(|n| sp(n.to_string(), format!("{base}.Name")))
                }
                MountKind::Tmpfs => None,
                _ => non_empty(&m.source).map(|s| sp(s.to_string(), format!("{base}.Source"))),
            };
            let selinux = m
                .mode
                .as_deref()
                .unwrap_or("")
                .split(',')
                .find(|o| *o == "z" || *o == "Z")
                .map(|o| sp(o.to_string(), format!("{base}.Mode")));
            Some(Mount {
                origin: api(base.clone()),
                kind: sp(kind, format!("{base}.Type")),
                source,
                target: sp(
                    m.destination.clone().unwrap_or_default(),
                    format!("{base}.Destination"),
                ),
                read_only: m.rw.map(|rw| sp(!rw, format!("{base}.RW"))),
                propagation: non_empty(&m.propagation)
                    .map(|p| sp(p.to_string(), format!("{base}.Propagation"))),
                selinux,
                short_syntax: false,
            })
        })
        .collect();
    if let Some(nets) = ci
        .network_settings
        .as_ref()
        .and_then(|n| n.networks.as_ref())
    {
        let mut names: Vec<&String> = nets.keys().collect();
        names.sort();
        c.networks = names
            .into_iter()
            .map(|n| sp(n.clone(), key_path("NetworkSettings.Networks", n)))
            .collect();
    }
    c
}

/// The container-level fields of a container's configuration, shared by
/// container inspect (`Config.User`) and the create request, where they sit
/// at the top level of the body (`User`).
struct ConfigFields<'a> {
    image: &'a Option<String>,
    user: &'a Option<String>,
    env: &'a Option<Vec<String>>,
    labels: &'a Option<HashMap<String, String>>,
    healthcheck: &'a Option<HealthConfig>,
    exposed_ports: &'a Option<Vec<String>>,
}

/// Fills the fields of [`ConfigFields`] in, their paths under `prefix`
/// (`"Config."`, or `""` for a create body).
fn container_config(c: &mut ContainerSpec, cfg: &ConfigFields<'_>, prefix: &str) {
    if let Some(img) = non_empty(cfg.image) {
        c.image = Some(sp(img.to_string(), format!("{prefix}Image")));
        c.image_ref = ImageRef::parse(img);
    }
    c.user = non_empty(cfg.user).map(|u| sp(u.to_string(), format!("{prefix}User")));
    c.environment = env_pairs(
        cfg.env.as_deref().unwrap_or_default(),
        &format!("{prefix}Env"),
    );
    c.labels = cfg
        .labels
        .as_ref()
        .map(|l| map_pairs(l, &format!("{prefix}Labels")))
        .unwrap_or_default();
    c.healthcheck = cfg
        .healthcheck
        .as_ref()
        .and_then(|h| healthcheck(h, &format!("{prefix}Healthcheck")));
    let exposed = format!("{prefix}ExposedPorts");
    c.expose = sorted(cfg.exposed_ports.as_deref().unwrap_or_default())
        .into_iter()
        .map(|p| sp(p.clone(), key_path(&exposed, &p)))
        .collect();
}

/// The origin of a create request's body as a whole: findings about
/// settings the request does not make are reported there.
pub const BODY_PATH: &str = "";

/// Converts the body of a container create request (`POST
/// /containers/create`): the container-level fields at the top level
/// (`User`, `Env[2]`), then `HostConfig` and `NetworkingConfig`. Mounts
/// come from `HostConfig.Binds` (`src:dst[:opts]`) and `HostConfig.Mounts`,
/// each with the path of its request field. `name` is the `?name=` of the
/// request, when given; otherwise the container is named by its image.
pub fn create_spec(body: &ContainerCreateBody, name: Option<&str>) -> ContainerSpec {
    let name = name
        .filter(|n| !n.is_empty())
        .map(|n| n.trim_start_matches('/').to_string())
        .or_else(|| non_empty(&body.image).map(str::to_string))
        .unwrap_or_else(|| "new container".to_string());
    let mut c = ContainerSpec {
        origin: api(BODY_PATH),
        source: ContainerSource::Api,
        name,
        ..ContainerSpec::default()
    };
    container_config(
        &mut c,
        &ConfigFields {
            image: &body.image,
            user: &body.user,
            env: &body.env,
            labels: &body.labels,
            healthcheck: &body.healthcheck,
            exposed_ports: &body.exposed_ports,
        },
        "",
    );
    if let Some(h) = &body.host_config {
        host_config(&mut c, h, None);
        let binds = h.binds.as_deref().unwrap_or_default();
        c.mounts.extend(
            binds
                .iter()
                .enumerate()
                .filter_map(|(i, b)| bind_mount(b, &format!("HostConfig.Binds[{i}]"))),
        );
        let mounts = h.mounts.as_deref().unwrap_or_default();
        c.mounts.extend(
            mounts
                .iter()
                .enumerate()
                .filter_map(|(i, m)| api_mount(m, &format!("HostConfig.Mounts[{i}]"))),
        );
    }
    if let Some(eps) = body
        .networking_config
        .as_ref()
        .and_then(|n| n.endpoints_config.as_ref())
    {
        let mut names: Vec<&String> = eps.keys().collect();
        names.sort();
        c.networks = names
            .into_iter()
            .map(|n| sp(n.clone(), key_path("NetworkingConfig.EndpointsConfig", n)))
            .collect();
    }
    c
}

/// Where a service's container settings sit in a `ServiceSpec`.
const TASK_CONTAINER: &str = "TaskTemplate.ContainerSpec";

/// Converts the body of a Swarm service create or update (`POST
/// /services/create`, `POST /services/{id}/update`: a `ServiceSpec`) into
/// the container its tasks run, each field with its path in the body:
/// `TaskTemplate.ContainerSpec` (`…Mounts[0].Source`, `…CapabilityAdd[1]`,
/// `…Privileges.NoNewPrivileges`), `TaskTemplate.Resources`
/// (`…Limits.MemoryBytes`), `TaskTemplate.RestartPolicy`,
/// `TaskTemplate.LogDriver`, the networks (`TaskTemplate.Networks[0].Target`,
/// or the deprecated top-level `Networks`; a target named `host` or `none`
/// is also the network mode) and `EndpointSpec.Ports` (published on every
/// interface: the routing mesh or, in `host` mode, the node's own).
/// The service's `Name` names it, else its image.
pub fn service_spec(spec: &bollard::models::ServiceSpec) -> ContainerSpec {
    let task = spec.task_template.clone().unwrap_or_default();
    let cs = task.container_spec.clone().unwrap_or_default();
    let name = non_empty(&spec.name)
        .or_else(|| non_empty(&cs.image))
        .unwrap_or("new service")
        .to_string();
    let mut c = ContainerSpec {
        origin: api(BODY_PATH),
        source: ContainerSource::Api,
        name,
        ..ContainerSpec::default()
    };
    let base = TASK_CONTAINER;
    container_config(
        &mut c,
        &ConfigFields {
            image: &cs.image,
            user: &cs.user,
            env: &cs.env,
            labels: &cs.labels,
            healthcheck: &cs.health_check,
            exposed_ports: &None,
        },
        &format!("{base}."),
    );
    // `container_config` names the healthcheck `Healthcheck`; a service
    // spells it `HealthCheck`.
    c.healthcheck = cs
        .health_check
        .as_ref()
        .and_then(|h| healthcheck(h, &format!("{base}.HealthCheck")));
    let list = |v: &Option<Vec<String>>, field: &str| -> Vec<Sp<String>> {
        v.as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, s)| sp(s.clone(), format!("{base}.{field}[{i}]")))
            .collect()
    };
    c.read_only = cs.read_only.map(|r| sp(r, format!("{base}.ReadOnly")));
    c.cap_add = list(&cs.capability_add, "CapabilityAdd");
    c.cap_drop = list(&cs.capability_drop, "CapabilityDrop");
    if cs.capability_drop.as_ref().is_some_and(|d| !d.is_empty()) {
        c.cap_drop_key = Some(api(format!("{base}.CapabilityDrop")));
    }
    c.extra_hosts = list(&cs.hosts, "Hosts");
    c.mounts = cs
        .mounts
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, m)| api_mount(m, &format!("{base}.Mounts[{i}]")))
        .collect();
    c.sysctls = cs
        .sysctls
        .as_ref()
        .map(|s| map_pairs(s, &format!("{base}.Sysctls")))
        .unwrap_or_default();
    c.ulimits = ulimit_pairs(cs.ulimits.as_deref(), &format!("{base}.Ulimits"));
    c.oom_score_adj = cs
        .oom_score_adj
        .filter(|v| *v != 0)
        .map(|v| sp(v, format!("{base}.OomScoreAdj")));
    c.secrets = cs
        .secrets
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            non_empty(&s.secret_name)
                .map(|n| sp(n.to_string(), format!("{base}.Secrets[{i}].SecretName")))
        })
        .collect();
    c.configs = cs
        .configs
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            non_empty(&s.config_name)
                .map(|n| sp(n.to_string(), format!("{base}.Configs[{i}].ConfigName")))
        })
        .collect();
    if let Some(p) = &cs.privileges {
        service_privileges(&mut c, p, &format!("{base}.Privileges"));
    }

    const RES: &str = "TaskTemplate.Resources";
    if let Some(l) = task.resources.as_ref().and_then(|r| r.limits.as_ref()) {
        let r = &mut c.resources;
        r.memory = l
            .memory_bytes
            .filter(|m| *m > 0)
            .map(|m| sp(m.to_string(), format!("{RES}.Limits.MemoryBytes")));
        r.cpus = l
            .nano_cpus
            .and_then(cpus_from_nano)
            .map(|v| sp(v, format!("{RES}.Limits.NanoCPUs")));
        r.pids = l
            .pids
            .filter(|p| *p > 0)
            .map(|p| sp(p, format!("{RES}.Limits.Pids")));
    }
    if let Some(m) = task
        .resources
        .as_ref()
        .and_then(|r| r.reservations.as_ref())
        .and_then(|r| r.memory_bytes)
        .filter(|m| *m > 0)
    {
        c.resources.memory_reservation =
            Some(sp(m.to_string(), format!("{RES}.Reservations.MemoryBytes")));
    }
    c.restart = task.restart_policy.as_ref().and_then(|p| {
        use bollard::models::TaskSpecRestartPolicyConditionEnum as Cond;
        let attempts = p.max_attempts.filter(|n| *n > 0);
        // As `docker run --restart` would write the same policy: `any`
        // without a maximum restarts forever, like `always`.
        let v = match (p.condition?, attempts) {
            (Cond::NONE, _) => "no".to_string(),
            (Cond::ANY | Cond::ON_FAILURE, Some(n)) => format!("on-failure:{n}"),
            (Cond::ANY, None) => "always".to_string(),
            (Cond::ON_FAILURE, None) => "on-failure".to_string(),
            (Cond::EMPTY, _) => return None,
        };
        Some(sp(v, "TaskTemplate.RestartPolicy.Condition"))
    });
    c.logging = task.log_driver.as_ref().map(|l| Logging {
        origin: api("TaskTemplate.LogDriver"),
        driver: non_empty(&l.name).map(|n| sp(n.to_string(), "TaskTemplate.LogDriver.Name")),
        options: l
            .options
            .as_ref()
            .map(|o| map_pairs(o, "TaskTemplate.LogDriver.Options"))
            .unwrap_or_default(),
    });

    // The task's networks, else the service's (deprecated since API 1.44).
    let (nets, nets_path) = match (&task.networks, &spec.networks) {
        (Some(n), _) if !n.is_empty() => (n.as_slice(), "TaskTemplate.Networks"),
        (_, Some(n)) => (n.as_slice(), "Networks"),
        _ => (&[][..], "Networks"),
    };
    for (i, n) in nets.iter().enumerate() {
        let Some(target) = non_empty(&n.target) else {
            continue;
        };
        let path = format!("{nets_path}[{i}].Target");
        if matches!(target, "host" | "none") && c.network_mode.is_none() {
            c.network_mode = Some(sp(target.to_string(), path.clone()));
        }
        c.networks.push(sp(target.to_string(), path));
    }

    c.ports = spec
        .endpoint_spec
        .as_ref()
        .and_then(|e| e.ports.as_deref())
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let path = format!("EndpointSpec.Ports[{i}]");
            let target = p.target_port.filter(|t| *t > 0)?;
            Some(PortMapping {
                origin: api(path.clone()),
                // Published on every interface of the node(s).
                host_ip: None,
                published: p
                    .published_port
                    .filter(|p| *p > 0)
                    .map(|p| sp(p.to_string(), format!("{path}.PublishedPort"))),
                target: sp(target.to_string(), format!("{path}.TargetPort")),
                protocol: Some(sp(
                    p.protocol
                        .map(|p| p.to_string())
                        .filter(|p| !p.is_empty())
                        .unwrap_or_else(|| "tcp".to_string()),
                    format!("{path}.Protocol"),
                )),
                short_syntax: false,
            })
        })
        .collect();
    c
}

/// A service's `Privileges` as the security options a container would
/// have: `NoNewPrivileges` → `no-new-privileges`, a seccomp or AppArmor
/// mode that switches confinement off → `seccomp=unconfined`,
/// `apparmor=unconfined`, `SELinuxContext.Disable` → `label=disable`.
fn service_privileges(
    c: &mut ContainerSpec,
    p: &bollard::models::TaskSpecContainerSpecPrivileges,
    base: &str,
) {
    use bollard::models::{
        TaskSpecContainerSpecPrivilegesAppArmorModeEnum as AppArmor,
        TaskSpecContainerSpecPrivilegesSeccompModeEnum as Seccomp,
    };
    if p.no_new_privileges == Some(true) {
        c.security_opt.push(sp(
            "no-new-privileges:true".to_string(),
            format!("{base}.NoNewPrivileges"),
        ));
    }
    if let Some(s) = &p.seccomp {
        let path = format!("{base}.Seccomp.Mode");
        match s.mode {
            Some(Seccomp::UNCONFINED) => c
                .security_opt
                .push(sp("seccomp=unconfined".to_string(), path)),
            Some(Seccomp::CUSTOM) => c.security_opt.push(sp("seccomp=custom".to_string(), path)),
            _ => {}
        }
    }
    if p.app_armor.as_ref().and_then(|a| a.mode) == Some(AppArmor::DISABLED) {
        c.security_opt.push(sp(
            "apparmor=unconfined".to_string(),
            format!("{base}.AppArmor.Mode"),
        ));
    }
    if p.se_linux_context
        .as_ref()
        .and_then(|s| s.disable)
        .unwrap_or(false)
    {
        c.security_opt.push(sp(
            "label=disable".to_string(),
            format!("{base}.SELinuxContext.Disable"),
        ));
    }
}

const PROPAGATIONS: [&str; 6] = [
    "shared", "rshared", "slave", "rslave", "private", "rprivate",
];

/// One entry of `HostConfig.Binds`: `source:destination[:options]`, where
/// a source that is not an absolute path is a named volume. Every part has
/// the path of the entry (`HostConfig.Binds[0]`).
pub fn bind_mount(bind: &str, path: &str) -> Option<Mount> {
    let mut parts = bind.splitn(3, ':');
    let source = parts.next().filter(|s| !s.is_empty())?;
    let target = parts.next().filter(|t| !t.is_empty())?;
    let opts = parts.next().unwrap_or("");
    let kind = if source.starts_with('/') {
        MountKind::Bind
    } else {
        MountKind::Volume
    };
    let mut m = Mount {
        origin: api(path),
        kind: sp(kind, path),
        source: Some(sp(source.to_string(), path)),
        target: sp(target.to_string(), path),
        read_only: None,
        propagation: None,
        selinux: None,
        short_syntax: true,
    };
    for opt in opts.split(',') {
        match opt {
            "ro" => m.read_only = Some(sp(true, path)),
            "rw" => m.read_only = Some(sp(false, path)),
            "z" | "Z" => m.selinux = Some(sp(opt.to_string(), path)),
            p if PROPAGATIONS.contains(&p) => m.propagation = Some(sp(p.to_string(), path)),
            _ => {}
        }
    }
    Some(m)
}

/// One entry of `HostConfig.Mounts` (`--mount`), its parts with the paths
/// of their fields (`HostConfig.Mounts[0].Source`).
pub fn api_mount(m: &bollard::models::Mount, base: &str) -> Option<Mount> {
    let kind = match &m.typ {
        Some(t) => MountKind::from_name(&t.to_string())?,
        // The Engine's default type is a volume.
        None => MountKind::Volume,
    };
    let source = match kind {
        MountKind::Tmpfs => None,
        _ => non_empty(&m.source).map(|s| sp(s.to_string(), format!("{base}.Source"))),
    };
    let propagation = m
        .bind_options
        .as_ref()
        .and_then(|b| b.propagation.as_ref())
        .map(|p| p.to_string())
        .filter(|p| !p.is_empty())
        .map(|p| sp(p, format!("{base}.BindOptions.Propagation")));
    Some(Mount {
        origin: api(base),
        kind: sp(kind, format!("{base}.Type")),
        source,
        target: sp(
            m.target.clone().unwrap_or_default(),
            format!("{base}.Target"),
        ),
        read_only: m.read_only.map(|r| sp(r, format!("{base}.ReadOnly"))),
        propagation,
        selinux: None,
        short_syntax: false,
    })
}

fn host_config(
    c: &mut ContainerSpec,
    h: &bollard::models::HostConfig,
    live_ports: Option<&PortMap>,
) {
    const HC: &str = "HostConfig";
    let list = |v: &Option<Vec<String>>, field: &str| -> Vec<Sp<String>> {
        v.as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, s)| sp(s.clone(), format!("{HC}.{field}[{i}]")))
            .collect()
    };
    let text = |v: &Option<String>, field: &str| -> Option<Sp<String>> {
        non_empty(v).map(|s| sp(s.to_string(), format!("{HC}.{field}")))
    };
    c.privileged = h.privileged.map(|v| sp(v, "HostConfig.Privileged"));
    c.cap_add = list(&h.cap_add, "CapAdd");
    c.cap_drop = list(&h.cap_drop, "CapDrop");
    if h.cap_drop.as_ref().is_some_and(|d| !d.is_empty()) {
        c.cap_drop_key = Some(api("HostConfig.CapDrop"));
    }
    c.security_opt = list(&h.security_opt, "SecurityOpt");
    c.read_only = h
        .readonly_rootfs
        .map(|v| sp(v, "HostConfig.ReadonlyRootfs"));
    c.network_mode = text(&h.network_mode, "NetworkMode");
    c.pid = text(&h.pid_mode, "PidMode");
    c.ipc = text(&h.ipc_mode, "IpcMode");
    c.uts = text(&h.uts_mode, "UTSMode");
    c.userns_mode = text(&h.userns_mode, "UsernsMode");
    c.cgroup = h
        .cgroupns_mode
        .as_ref()
        .map(|m| m.to_string())
        .filter(|m| !m.is_empty())
        .map(|m| sp(m, "HostConfig.CgroupnsMode"));
    c.cgroup_parent = text(&h.cgroup_parent, "CgroupParent");
    c.extra_hosts = list(&h.extra_hosts, "ExtraHosts");

    let r = &mut c.resources;
    r.memory = h
        .memory
        .filter(|m| *m > 0)
        .map(|m| sp(m.to_string(), "HostConfig.Memory"));
    r.memory_reservation = h
        .memory_reservation
        .filter(|m| *m > 0)
        .map(|m| sp(m.to_string(), "HostConfig.MemoryReservation"));
    r.memswap = h
        .memory_swap
        .filter(|m| *m != 0)
        .map(|m| sp(m.to_string(), "HostConfig.MemorySwap"));
    r.cpus = h
        .nano_cpus
        .and_then(cpus_from_nano)
        .map(|v| sp(v, "HostConfig.NanoCpus"))
        .or_else(|| {
            cpus_from_quota(h.cpu_quota.unwrap_or(0), h.cpu_period.unwrap_or(0))
                .map(|v| sp(v, "HostConfig.CpuQuota"))
        });
    r.cpu_shares = h
        .cpu_shares
        .filter(|s| *s > 0)
        .map(|s| sp(s.to_string(), "HostConfig.CpuShares"));
    r.pids = h
        .pids_limit
        .filter(|p| *p > 0)
        .map(|p| sp(p, "HostConfig.PidsLimit"));

    c.ulimits = ulimit_pairs(h.ulimits.as_deref(), &format!("{HC}.Ulimits"));
    c.devices = h
        .devices
        .as_deref()
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let host = d.path_on_host.as_deref().unwrap_or("");
            let inside = d
                .path_in_container
                .as_deref()
                .filter(|p| !p.is_empty())
                .unwrap_or(host);
            let perms = d.cgroup_permissions.as_deref().unwrap_or("");
            let v = if perms.is_empty() || perms == "rwm" {
                format!("{host}:{inside}")
            } else {
                format!("{host}:{inside}:{perms}")
            };
            sp(v, format!("{HC}.Devices[{i}]"))
        })
        .collect();
    c.sysctls = h
        .sysctls
        .as_ref()
        .map(|s| map_pairs(s, "HostConfig.Sysctls"))
        .unwrap_or_default();
    c.logging = h.log_config.as_ref().map(|l| Logging {
        origin: api("HostConfig.LogConfig"),
        driver: non_empty(&l.typ).map(|t| sp(t.to_string(), "HostConfig.LogConfig.Type")),
        options: l
            .config
            .as_ref()
            .map(|o| map_pairs(o, "HostConfig.LogConfig.Config"))
            .unwrap_or_default(),
    });
    c.restart = h.restart_policy.as_ref().and_then(|p| {
        let name = p.name.as_ref()?.to_string();
        let name = if name.is_empty() {
            "no".to_string()
        } else {
            name
        };
        let v = match p.maximum_retry_count {
            Some(n) if n > 0 && name == "on-failure" => format!("{name}:{n}"),
            _ => name,
        };
        Some(sp(v, "HostConfig.RestartPolicy"))
    });
    c.oom_kill_disable = h
        .oom_kill_disable
        .map(|v| sp(v, "HostConfig.OomKillDisable"));
    c.oom_score_adj = h
        .oom_score_adj
        .filter(|v| *v != 0)
        .map(|v| sp(v, "HostConfig.OomScoreAdj"));
    if let Some(t) = &h.tmpfs {
        let mut keys: Vec<&String> = t.keys().collect();
        keys.sort();
        c.tmpfs = keys
            .into_iter()
            .map(|k| {
                let opts = t.get(k).map(String::as_str).unwrap_or("");
                let v = if opts.is_empty() {
                    k.clone()
                } else {
                    format!("{k}:{opts}")
                };
                sp(v, key_path("HostConfig.Tmpfs", k))
            })
            .collect();
    }
    c.ports = ports(h.port_bindings.as_ref(), live_ports);
    if h.publish_all_ports == Some(true) {
        publish_all(c, live_ports);
    }
}

/// Ulimits (`nofile` → `1024:2048`), each with the path of its entry
/// (`HostConfig.Ulimits[0]`).
fn ulimit_pairs(list: Option<&[bollard::models::ResourcesUlimits]>, base: &str) -> Vec<KeyValue> {
    list.unwrap_or_default()
        .iter()
        .enumerate()
        .filter_map(|(i, u)| {
            let path = format!("{base}[{i}]");
            let name = non_empty(&u.name)?;
            let value = format!(
                "{}:{}",
                u.soft.map(|s| s.to_string()).unwrap_or_default(),
                u.hard.map(|s| s.to_string()).unwrap_or_default()
            );
            Some(KeyValue {
                origin: api(path.clone()),
                key: sp(name.to_string(), format!("{path}.Name")),
                value: sp(value, path),
            })
        })
        .collect()
}

/// `docker run -P`: every exposed port (the container's, which include its
/// image's) that has no binding of its own is published on a port Docker
/// picks, on every interface.
fn publish_all(c: &mut ContainerSpec, live: Option<&PortMap>) {
    const PATH: &str = "HostConfig.PublishAllPorts";
    let exposed: Vec<String> = c.expose.iter().map(|e| e.value.clone()).collect();
    for key in exposed {
        let Some((target, proto)) = split_port_key(&key) else {
            continue;
        };
        let bound = c.ports.iter().any(|p| {
            p.target.value == target && p.protocol.as_ref().is_none_or(|x| x.value == proto)
        });
        if bound {
            continue;
        }
        let live_bindings = live
            .and_then(|l| l.get(&key))
            .and_then(|l| l.as_ref())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let one = |i: Option<usize>| {
            let lb = i.and_then(|i| live_bindings.get(i));
            let at = |field: &str| {
                format!(
                    "{}[{}].{field}",
                    key_path("NetworkSettings.Ports", &key),
                    i.unwrap_or(0)
                )
            };
            PortMapping {
                origin: api(PATH),
                host_ip: lb
                    .and_then(|lb| non_empty(&lb.host_ip))
                    .map(|ip| sp(ip.to_string(), at("HostIp"))),
                published: lb
                    .and_then(|lb| non_empty(&lb.host_port))
                    .map(|p| sp(p.to_string(), at("HostPort"))),
                target: sp(target.clone(), PATH),
                protocol: Some(sp(proto.clone(), PATH)),
                short_syntax: false,
            }
        };
        if live_bindings.is_empty() {
            c.ports.push(one(None));
        } else {
            for i in 0..live_bindings.len() {
                c.ports.push(one(Some(i)));
            }
        }
    }
}

/// Published ports from `HostConfig.PortBindings` (what was asked; set on
/// created containers too), with the host port Docker picked taken from
/// `NetworkSettings.Ports` of a running container.
fn ports(bindings: Option<&PortMap>, live: Option<&PortMap>) -> Vec<PortMapping> {
    let Some(b) = bindings else { return Vec::new() };
    let mut keys: Vec<&String> = b.keys().collect();
    keys.sort();
    let mut out = Vec::new();
    for key in keys {
        let Some((target, proto)) = split_port_key(key) else {
            continue;
        };
        let base = key_path("HostConfig.PortBindings", key);
        let list = b.get(key).and_then(|l| l.as_ref());
        for (i, pb) in list
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let path = format!("{base}[{i}]");
            let mut published =
                non_empty(&pb.host_port).map(|p| sp(p.to_string(), format!("{path}.HostPort")));
            if published.is_none()
                && let Some(p) = live
                    .and_then(|l| l.get(key))
                    .and_then(|l| l.as_ref())
                    .and_then(|l| l.get(i))
                    .and_then(|lb| non_empty(&lb.host_port))
            {
                let lp = format!("{}[{i}].HostPort", key_path("NetworkSettings.Ports", key));
                published = Some(sp(p.to_string(), lp));
            }
            out.push(PortMapping {
                origin: api(path.clone()),
                host_ip: non_empty(&pb.host_ip)
                    .map(|ip| sp(ip.to_string(), format!("{path}.HostIp"))),
                published,
                target: sp(target.clone(), base.clone()),
                protocol: Some(sp(proto.clone(), base.clone())),
                short_syntax: false,
            });
        }
    }
    out
}

/// The security options the daemon reports (`name=seccomp,profile=default`).
fn security_option<'a>(opts: &'a [String], name: &str) -> Option<(usize, &'a str)> {
    opts.iter().enumerate().find_map(|(i, o)| {
        o.split(',')
            .any(|kv| kv == format!("name={name}"))
            .then_some((i, o.as_str()))
    })
}

/// Converts `/info` into the daemon settings it shows. Settings that
/// `/info` does not show (`icc`, `userland-proxy`, `log-opts`, TLS, …) stay
/// `None` = unknown; they come from daemon.json and the command line.
pub fn daemon_spec(info: &SystemInfo) -> DaemonSpec {
    let mut d = DaemonSpec {
        origin: api("Info"),
        ..DaemonSpec::default()
    };
    let setting = |d: &mut DaemonSpec, key: &str, path: &str| {
        d.settings.push(DaemonSetting {
            key: sp(key.to_string(), path),
            value: api(path),
        });
    };
    if let Some(v) = info.debug {
        d.debug = Some(sp(v, "Debug"));
        setting(&mut d, "debug", "Debug");
    }
    if let Some(v) = non_empty(&info.logging_driver) {
        d.log_driver = Some(sp(v.to_string(), "LoggingDriver"));
        setting(&mut d, "log-driver", "LoggingDriver");
    }
    if let Some(v) = non_empty(&info.driver) {
        d.storage_driver = Some(sp(v.to_string(), "Driver"));
        setting(&mut d, "storage-driver", "Driver");
    }
    if let Some(v) = info.live_restore_enabled {
        d.live_restore = Some(sp(v, "LiveRestoreEnabled"));
        setting(&mut d, "live-restore", "LiveRestoreEnabled");
    }
    if let Some(v) = info.experimental_build {
        d.experimental = Some(sp(v, "ExperimentalBuild"));
        setting(&mut d, "experimental", "ExperimentalBuild");
    }
    if let Some(v) = non_empty(&info.docker_root_dir) {
        d.data_root = Some(sp(v.to_string(), "DockerRootDir"));
        setting(&mut d, "data-root", "DockerRootDir");
    }
    if let Some(v) = non_empty(&info.default_runtime) {
        d.default_runtime = Some(sp(v.to_string(), "DefaultRuntime"));
        setting(&mut d, "default-runtime", "DefaultRuntime");
    }
    if let Some(reg) = &info.registry_config {
        // Docker always lists loopback as insecure; only the rest is set.
        let cidrs = reg.insecure_registry_cidrs.as_deref().unwrap_or_default();
        for (i, c) in cidrs.iter().enumerate() {
            if c != "127.0.0.0/8" && c != "::1/128" {
                d.insecure_registries.push(sp(
                    c.clone(),
                    format!("RegistryConfig.InsecureRegistryCIDRs[{i}]"),
                ));
            }
        }
        if let Some(idx) = &reg.index_configs {
            let mut names: Vec<&String> = idx.keys().collect();
            names.sort();
            for n in names {
                if idx.get(n).is_some_and(|c| c.secure == Some(false)) {
                    let path = format!("{}.Secure", key_path("RegistryConfig.IndexConfigs", n));
                    d.insecure_registries.push(sp(n.clone(), path));
                }
            }
        }
        for (i, m) in reg
            .mirrors
            .as_deref()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            d.registry_mirrors
                .push(sp(m.clone(), format!("RegistryConfig.Mirrors[{i}]")));
        }
        if !d.insecure_registries.is_empty() {
            setting(&mut d, "insecure-registries", "RegistryConfig");
        }
    }
    let opts = info.security_options.as_deref().unwrap_or_default();
    if let Some((i, o)) = security_option(opts, "seccomp") {
        let profile = o
            .split(',')
            .find_map(|kv| kv.strip_prefix("profile="))
            .unwrap_or("default");
        d.seccomp_profile = Some(sp(profile.to_string(), format!("SecurityOptions[{i}]")));
    }
    d.selinux_enabled = Some(match security_option(opts, "selinux") {
        Some((i, _)) => sp(true, format!("SecurityOptions[{i}]")),
        None => sp(false, "SecurityOptions"),
    });
    if let Some((i, _)) = security_option(opts, "userns") {
        // `/info` says remapping is on, not to which user.
        d.userns_remap = Some(sp("default".to_string(), format!("SecurityOptions[{i}]")));
    }
    if let Some((i, _)) = security_option(opts, "no-new-privileges") {
        d.no_new_privileges = Some(sp(true, format!("SecurityOptions[{i}]")));
    }
    d.security_options = opts
        .iter()
        .enumerate()
        .map(|(i, o)| sp(o.clone(), format!("SecurityOptions[{i}]")))
        .collect();
    d.rootless = Some(match security_option(opts, "rootless") {
        Some((i, _)) => sp(true, format!("SecurityOptions[{i}]")),
        None => sp(false, "SecurityOptions"),
    });
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn publish_all_ports_publishes_every_exposed_port_without_a_binding() {
        use bollard::models::{ContainerConfig, HostConfig, NetworkSettings, PortBinding};
        let pb = |ip: &str, port: &str| PortBinding {
            host_ip: Some(ip.into()),
            host_port: Some(port.into()),
        };
        let mut ci = ContainerInspectResponse {
            config: Some(ContainerConfig {
                exposed_ports: Some(vec!["22/tcp".into(), "80/tcp".into()]),
                ..Default::default()
            }),
            host_config: Some(HostConfig {
                publish_all_ports: Some(true),
                port_bindings: Some(HashMap::from([(
                    "80/tcp".to_string(),
                    Some(vec![pb("127.0.0.1", "8080")]),
                )])),
                ..Default::default()
            }),
            ..Default::default()
        };
        // Created: Docker will pick the host port, on every interface.
        let c = container_spec(&ci, None);
        assert_eq!(c.ports.len(), 2);
        let p22 = c.ports.iter().find(|p| p.target.value == "22").unwrap();
        assert_eq!(p22.origin, api("HostConfig.PublishAllPorts"));
        assert!(p22.host_ip.is_none() && p22.published.is_none());
        // Running: the ports Docker picked, from NetworkSettings.
        ci.network_settings = Some(NetworkSettings {
            ports: Some(HashMap::from([(
                "22/tcp".to_string(),
                Some(vec![pb("0.0.0.0", "32768"), pb("::", "32768")]),
            )])),
            ..Default::default()
        });
        let c = container_spec(&ci, None);
        let p22: Vec<_> = c.ports.iter().filter(|p| p.target.value == "22").collect();
        assert_eq!(p22.len(), 2);
        assert_eq!(p22[0].host_ip.as_ref().unwrap().value, "0.0.0.0");
        assert_eq!(
            p22[1].published.as_ref().unwrap().origin,
            api("NetworkSettings.Ports[\"22/tcp\"][1].HostPort")
        );
        // Without -P only the explicit binding.
        ci.host_config.as_mut().unwrap().publish_all_ports = Some(false);
        assert_eq!(container_spec(&ci, None).ports.len(), 1);
    }

    #[test]
    fn create_body_fields_have_request_paths() {
        let body: ContainerCreateBody = serde_json::from_str(
            r#"{"Image":"busybox","User":"0","Env":["A=1","B=2"],"Labels":{"k":"v"},
                "HostConfig":{"Privileged":true,"Binds":["/etc:/host-etc:ro,rshared","data:/data"],
                  "Mounts":[{"Type":"bind","Source":"/run","Target":"/r","ReadOnly":true}]},
                "NetworkingConfig":{"EndpointsConfig":{"front":{}}}}"#,
        )
        .unwrap();
        let c = create_spec(&body, Some("web"));
        assert_eq!(c.name, "web");
        assert_eq!(c.source, ContainerSource::Api);
        assert_eq!(c.origin, api(BODY_PATH));
        assert_eq!(c.image.as_ref().unwrap().origin, api("Image"));
        assert_eq!(c.user.as_ref().unwrap().origin, api("User"));
        assert_eq!(c.environment[1].origin, api("Env[1]"));
        assert_eq!(c.labels[0].origin, api("Labels[\"k\"]"));
        assert_eq!(
            c.privileged.as_ref().unwrap().origin,
            api("HostConfig.Privileged")
        );
        assert_eq!(c.mounts.len(), 3);
        let etc = &c.mounts[0];
        assert_eq!(etc.kind.value, MountKind::Bind);
        assert_eq!(etc.source.as_ref().unwrap().value, "/etc");
        assert_eq!(
            etc.source.as_ref().unwrap().origin,
            api("HostConfig.Binds[0]")
        );
        assert_eq!(etc.target.value, "/host-etc");
        assert!(etc.read_only.as_ref().unwrap().value);
        assert_eq!(etc.propagation.as_ref().unwrap().value, "rshared");
        assert_eq!(c.mounts[1].kind.value, MountKind::Volume);
        let run = &c.mounts[2];
        assert_eq!(
            run.source.as_ref().unwrap().origin,
            api("HostConfig.Mounts[0].Source")
        );
        assert_eq!(
            c.networks[0].origin,
            api("NetworkingConfig.EndpointsConfig[\"front\"]")
        );
        // Without a name, the image names it.
        assert_eq!(create_spec(&body, None).name, "busybox");
    }

    /// `docker service create` (CLI 28.2) as it sends the body, with
    /// `--name web --mount type=bind,src=/var/run/docker.sock,dst=… --cap-add
    /// NET_ADMIN --cap-add SYS_ADMIN --limit-memory 256m --limit-cpu 0.5
    /// --limit-pids 100 --reserve-memory 64m --read-only --user 1000
    /// --publish 8080:80 --sysctl net.ipv4.ip_forward=1 -e A=1 --label role=x
    /// --container-label c=d --restart-condition any --host foo:1.2.3.4
    /// --ulimit nofile=1024:2048` (its `--network host` resolved by the CLI
    /// to the network's ID, here replaced by the name an API client may send).
    const CLI_SERVICE: &str = r#"{"Name":"web","Labels":{"role":"x"},"TaskTemplate":{"ContainerSpec":{"Image":"busybox:latest","Labels":{"c":"d"},"Args":["sleep","1"],"Env":["A=1"],"User":"1000","Init":false,"ReadOnly":true,"Mounts":[{"Type":"bind","Source":"/var/run/docker.sock","Target":"/var/run/docker.sock"}],"Hosts":["1.2.3.4 foo"],"DNSConfig":{},"Sysctls":{"net.ipv4.ip_forward":"1"},"CapabilityAdd":["CAP_NET_ADMIN","CAP_SYS_ADMIN"],"Ulimits":[{"Name":"nofile","Hard":2048,"Soft":1024}]},"Resources":{"Limits":{"NanoCPUs":500000000,"MemoryBytes":268435456,"Pids":100},"Reservations":{"MemoryBytes":67108864}},"RestartPolicy":{"Condition":"any","Delay":5000000000,"MaxAttempts":0},"Placement":{},"Networks":[{"Target":"host"}],"ForceUpdate":0},"Mode":{"Replicated":{}},"EndpointSpec":{"Mode":"vip","Ports":[{"Protocol":"tcp","TargetPort":80,"PublishedPort":8080,"PublishMode":"ingress"}]}}"#;

    #[test]
    fn service_fields_have_request_paths() {
        let spec: bollard::models::ServiceSpec = serde_json::from_str(CLI_SERVICE).unwrap();
        let c = service_spec(&spec);
        const CS: &str = "TaskTemplate.ContainerSpec";
        assert_eq!(c.name, "web");
        assert_eq!(c.source, ContainerSource::Api);
        assert_eq!(c.origin, api(BODY_PATH));
        assert_eq!(c.image.as_ref().unwrap().origin, api(format!("{CS}.Image")));
        assert_eq!(
            c.image_ref.as_ref().unwrap().full_name(),
            "docker.io/library/busybox"
        );
        assert_eq!(c.user.as_ref().unwrap().value, "1000");
        assert_eq!(c.environment[0].origin, api(format!("{CS}.Env[0]")));
        assert_eq!(c.labels[0].origin, api(format!("{CS}.Labels[\"c\"]")));
        assert!(c.read_only.as_ref().unwrap().value);
        let m = &c.mounts[0];
        assert_eq!(m.kind.value, MountKind::Bind);
        assert_eq!(m.source.as_ref().unwrap().value, "/var/run/docker.sock");
        assert_eq!(
            m.source.as_ref().unwrap().origin,
            api(format!("{CS}.Mounts[0].Source"))
        );
        assert_eq!(c.cap_add[1].value, "CAP_SYS_ADMIN");
        assert_eq!(c.cap_add[1].origin, api(format!("{CS}.CapabilityAdd[1]")));
        assert_eq!(c.sysctls[0].key.value, "net.ipv4.ip_forward");
        assert_eq!(c.ulimits[0].value.value, "1024:2048");
        assert_eq!(c.extra_hosts[0].origin, api(format!("{CS}.Hosts[0]")));
        let r = &c.resources;
        assert_eq!(r.memory.as_ref().unwrap().value, "268435456");
        assert_eq!(
            r.memory.as_ref().unwrap().origin,
            api("TaskTemplate.Resources.Limits.MemoryBytes")
        );
        assert_eq!(r.cpus.as_ref().unwrap().value, "0.5");
        assert_eq!(r.pids.as_ref().unwrap().value, 100);
        assert_eq!(r.memory_reservation.as_ref().unwrap().value, "67108864");
        assert_eq!(c.restart.as_ref().unwrap().value, "always");
        let nm = c.network_mode.as_ref().unwrap();
        assert_eq!(nm.value, "host");
        assert_eq!(nm.origin, api("TaskTemplate.Networks[0].Target"));
        let p = &c.ports[0];
        assert_eq!(p.published.as_ref().unwrap().value, "8080");
        assert_eq!(
            p.published.as_ref().unwrap().origin,
            api("EndpointSpec.Ports[0].PublishedPort")
        );
        assert_eq!(p.target.value, "80");
        assert!(p.binds_all_interfaces());
        // Nothing about privileges was sent.
        assert!(c.security_opt.is_empty());
    }

    #[test]
    fn service_privileges_and_defaults() {
        let spec: bollard::models::ServiceSpec = serde_json::from_str(
            r#"{"TaskTemplate":{"ContainerSpec":{"Image":"busybox","Privileges":{
                "NoNewPrivileges":true,"Seccomp":{"Mode":"unconfined"},
                "AppArmor":{"Mode":"disabled"},"SELinuxContext":{"Disable":true}},
                "CapabilityDrop":["ALL"]},
                "RestartPolicy":{"Condition":"on-failure","MaxAttempts":3}},
              "Networks":[{"Target":"front"}]}"#,
        )
        .unwrap();
        let c = service_spec(&spec);
        // No name: the image names it.
        assert_eq!(c.name, "busybox");
        let opts: Vec<(&str, Origin)> = c
            .security_opt
            .iter()
            .map(|o| (o.value.as_str(), o.origin.clone()))
            .collect();
        const P: &str = "TaskTemplate.ContainerSpec.Privileges";
        assert_eq!(
            opts,
            [
                (
                    "no-new-privileges:true",
                    api(format!("{P}.NoNewPrivileges"))
                ),
                ("seccomp=unconfined", api(format!("{P}.Seccomp.Mode"))),
                ("apparmor=unconfined", api(format!("{P}.AppArmor.Mode"))),
                ("label=disable", api(format!("{P}.SELinuxContext.Disable"))),
            ]
        );
        assert_eq!(
            c.cap_drop_key,
            Some(api("TaskTemplate.ContainerSpec.CapabilityDrop"))
        );
        assert_eq!(c.restart.as_ref().unwrap().value, "on-failure:3");
        // The deprecated service-level networks.
        assert_eq!(c.networks[0].origin, api("Networks[0].Target"));
        assert!(c.network_mode.is_none());
        // An empty spec converts to an empty container.
        let c = service_spec(&bollard::models::ServiceSpec::default());
        assert_eq!(c.name, "new service");
        assert!(c.mounts.is_empty() && c.ports.is_empty() && c.image.is_none());
    }

    #[test]
    fn durations() {
        assert_eq!(format_duration_ns(30_000_000_000), "30s");
        assert_eq!(format_duration_ns(90_000_000_000), "1m30s");
        assert_eq!(format_duration_ns(3_600_000_000_000), "1h");
        assert_eq!(format_duration_ns(500_000_000), "500ms");
        assert_eq!(format_duration_ns(0), "0s");
    }

    #[test]
    fn cpus() {
        assert_eq!(cpus_from_nano(1_500_000_000).as_deref(), Some("1.5"));
        assert_eq!(cpus_from_nano(2_000_000_000).as_deref(), Some("2"));
        assert_eq!(cpus_from_nano(0), None);
        assert_eq!(cpus_from_quota(50_000, 100_000).as_deref(), Some("0.5"));
        assert_eq!(cpus_from_quota(150_000, 0).as_deref(), Some("1.5"));
        assert_eq!(cpus_from_quota(-1, 100_000), None);
    }

    #[test]
    fn port_keys() {
        assert_eq!(split_port_key("80/tcp"), Some(("80".into(), "tcp".into())));
        assert_eq!(split_port_key("53/UDP"), Some(("53".into(), "udp".into())));
        assert_eq!(
            split_port_key("8000-8010/tcp"),
            Some(("8000-8010".into(), "tcp".into()))
        );
        assert_eq!(split_port_key("443"), Some(("443".into(), "tcp".into())));
        assert_eq!(split_port_key("x/tcp"), None);
        assert_eq!(split_port_key("80/"), None);
    }

    proptest! {
        #[test]
        fn port_key_roundtrip(port in 0u16.., proto in "(tcp|udp|sctp)") {
            let key = format!("{port}/{proto}");
            prop_assert_eq!(split_port_key(&key), Some((port.to_string(), proto)));
        }

        #[test]
        fn port_key_never_panics(s in "\\PC{0,20}") {
            let _ = split_port_key(&s);
        }

        #[test]
        fn nano_cpus_roundtrip(milli in 1i64..1_000_000) {
            let s = cpus_from_nano(milli * 1_000_000).unwrap();
            let v: f64 = s.parse().unwrap();
            prop_assert!((v * 1000.0 - milli as f64).abs() < 0.5, "{} vs {}", s, milli);
        }

        #[test]
        fn quota_cpus_match_nano(milli in 1i64..100_000, period in prop::sample::select(vec![0i64, 100_000])) {
            let p = if period == 0 { 100_000 } else { period };
            let quota = milli * p / 1000;
            prop_assume!(quota > 0);
            let s = cpus_from_quota(quota, period).unwrap();
            let v: f64 = s.parse().unwrap();
            prop_assert!((v - quota as f64 / p as f64).abs() < 0.001);
        }

        #[test]
        fn durations_are_go_like(secs in 1i64..1_000_000) {
            let s = format_duration_ns(secs * 1_000_000_000);
            prop_assert!(s.ends_with(['h', 'm', 's']));
            prop_assert!(s.chars().all(|c| c.is_ascii_digit() || "hms".contains(c)));
        }
    }
}
