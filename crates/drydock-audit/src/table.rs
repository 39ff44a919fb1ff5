//! The CIS checks of sections 2, 4, 5, 6 and 7 (v1.6 numbering) and how
//! drydock decides each: by rules, directly, or `manual`.

/// Which inputs decide a daemon check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// `/info` shows the setting.
    Info,
    /// Only daemon.json and the dockerd command line show it.
    Config,
    /// An image's build history (`/images/{id}/history`), read back as
    /// build steps.
    History,
}

/// How a check is decided.
#[derive(Debug, Clone, Copy)]
pub enum How {
    /// Rules; a finding whose message contains the filter (if any) fails it.
    Rules(&'static [(&'static str, Option<&'static str>)], Input),
    /// Evaluated in code (see `lib.rs`).
    Direct,
    /// Rules over the container's exec sessions that the daemon still
    /// lists (`ExecIDs`, each read with `GET /exec/{id}/json`). When they
    /// were not read (an audit of a snapshot alone), `manual` with this
    /// guidance.
    Exec(&'static [&'static str], &'static str),
    /// Not automatable: the guidance.
    Manual(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// CIS 1.6 id.
    pub id: &'static str,
    pub title: &'static str,
    pub scored: bool,
    pub how: How,
}

const fn c(id: &'static str, title: &'static str, scored: bool, how: How) -> Check {
    Check {
        id,
        title,
        scored,
        how,
    }
}

use How::{Direct, Exec, Manual, Rules};
use Input::{Config, History, Info};

pub static DAEMON: &[Check] = &[
    c(
        "2.1",
        "Run the Docker daemon as a non-root user, if possible",
        false,
        Direct,
    ),
    c(
        "2.2",
        "Ensure network traffic is restricted between containers on the default bridge",
        true,
        Rules(&[("DMN001", None)], Config),
    ),
    c(
        "2.3",
        "Ensure the logging level is set to 'info'",
        true,
        Rules(&[("DMN013", None)], Config),
    ),
    c(
        "2.4",
        "Ensure Docker is allowed to make changes to iptables",
        true,
        Rules(&[("DMN014", None)], Config),
    ),
    c(
        "2.5",
        "Ensure insecure registries are not used",
        true,
        Rules(&[("DMN002", None)], Info),
    ),
    c(
        "2.6",
        "Ensure aufs storage driver is not used",
        true,
        Rules(&[("DMN015", None)], Info),
    ),
    c(
        "2.7",
        "Ensure TLS authentication for Docker daemon is configured",
        true,
        Rules(&[("DMN003", None)], Config),
    ),
    c(
        "2.8",
        "Ensure the default ulimit is configured appropriately",
        false,
        Rules(&[("DMN016", None)], Config),
    ),
    c(
        "2.9",
        "Enable user namespace support",
        true,
        Rules(&[("DMN009", None)], Info),
    ),
    c(
        "2.10",
        "Ensure the default cgroup usage has been confirmed",
        true,
        Rules(&[("DMN018", None)], Config),
    ),
    c(
        "2.11",
        "Ensure base device size is not changed until needed",
        true,
        Rules(&[("DMN020", None)], Config),
    ),
    c(
        "2.12",
        "Ensure that authorization for Docker client commands is enabled",
        true,
        Rules(&[("DMN012", None)], Config),
    ),
    c(
        "2.13",
        "Ensure centralized and remote logging is configured",
        true,
        Rules(&[("DMN021", None)], Info),
    ),
    c(
        "2.14",
        "Ensure containers are restricted from acquiring new privileges",
        true,
        Rules(&[("DMN004", None)], Config),
    ),
    c(
        "2.15",
        "Ensure live restore is enabled",
        true,
        Rules(&[("DMN005", None)], Info),
    ),
    c(
        "2.16",
        "Ensure Userland Proxy is Disabled",
        true,
        Rules(&[("DMN006", None)], Config),
    ),
    c(
        "2.17",
        "Ensure that a daemon-wide custom seccomp profile is applied if appropriate",
        false,
        Rules(&[("DMN017", None)], Info),
    ),
    c(
        "2.18",
        "Ensure that experimental features are not implemented in production",
        true,
        Rules(&[("DMN010", None)], Info),
    ),
];

/// CIS 1.8 only: "Ensure devicemapper storage driver is not used" (2.7).
pub const DEVICEMAPPER: Check = c(
    "2.7",
    "Ensure devicemapper storage driver is not used",
    true,
    Direct,
);

pub static IMAGES: &[Check] = &[
    c(
        "4.1",
        "Ensure that a user for the container has been created",
        true,
        Rules(&[("IMG001", None), ("IMG002", None)], Info),
    ),
    c(
        "4.2",
        "Ensure that containers use only trusted base images",
        false,
        Manual(
            "Verify that every image comes from a trusted registry and a known base image (image provenance is not recorded in the image config).",
        ),
    ),
    c(
        "4.3",
        "Ensure that unnecessary packages are not installed in the container",
        false,
        Manual(
            "Review the packages of each image (e.g. with an SBOM) and remove those the application does not need.",
        ),
    ),
    c(
        "4.4",
        "Ensure images are scanned and rebuilt to include security patches",
        false,
        Manual("Scan images with a vulnerability scanner and rebuild them regularly."),
    ),
    c(
        "4.5",
        "Ensure Content trust for Docker is Enabled",
        true,
        Direct,
    ),
    c(
        "4.6",
        "Ensure that HEALTHCHECK instructions have been added to container images",
        true,
        Rules(&[("IMG016", None)], Info),
    ),
    c(
        "4.7",
        "Ensure update instructions are not used alone in the Dockerfile",
        false,
        Rules(&[("IMG031", None)], History),
    ),
    c(
        "4.8",
        "Ensure setuid and setgid permissions are removed",
        false,
        Manual(
            "List setuid/setgid files of each image's filesystem and remove those not needed (IMG023 checks Dockerfiles).",
        ),
    ),
    c(
        "4.9",
        "Ensure that COPY is used instead of ADD in Dockerfiles",
        false,
        Rules(&[("IMG008", None), ("IMG050", None)], History),
    ),
    c(
        "4.10",
        "Ensure secrets are not stored in Dockerfiles",
        false,
        Rules(
            &[("IMG017", None), ("SEC001", None), ("IMG048", None)],
            History,
        ),
    ),
    c(
        "4.11",
        "Ensure only verified packages are installed",
        false,
        Manual(
            "Verify that package installs in the Dockerfiles check signatures (GPG keys, checksums).",
        ),
    ),
    c(
        "4.12",
        "Ensure all signed artifacts are validated",
        false,
        Manual("Verify image signatures (Docker Content Trust, cosign) before deploying."),
    ),
];

pub static CONTAINERS: &[Check] = &[
    c(
        "5.2",
        "Ensure that, if applicable, an AppArmor Profile is enabled",
        true,
        Rules(&[("CTR007", Some("AppArmor"))], Info),
    ),
    c(
        "5.3",
        "Ensure that, if applicable, SELinux security options are set",
        true,
        Rules(&[("CTR026", None), ("CTR007", Some("SELinux"))], Info),
    ),
    c(
        "5.4",
        "Ensure that Linux kernel capabilities are restricted within containers",
        true,
        Rules(&[("CTR004", None), ("CTR005", None)], Info),
    ),
    c(
        "5.5",
        "Ensure that privileged containers are not used",
        true,
        Rules(&[("CTR001", None)], Info),
    ),
    c(
        "5.6",
        "Ensure sensitive host system directories are not mounted on containers",
        true,
        Rules(&[("CTR003", None)], Info),
    ),
    c(
        "5.7",
        "Ensure sshd is not run within containers",
        true,
        Direct,
    ),
    c(
        "5.8",
        "Ensure privileged ports are not mapped within containers",
        true,
        Rules(&[("CTR010", None)], Info),
    ),
    c(
        "5.9",
        "Ensure that only needed ports are open on the container",
        false,
        Manual(
            "Review the published ports of each container (`docker port`) and remove those not needed.",
        ),
    ),
    c(
        "5.10",
        "Ensure that the host's network namespace is not shared",
        true,
        Rules(&[("CTR008", Some("network namespace"))], Info),
    ),
    c(
        "5.11",
        "Ensure that the memory usage for containers is limited",
        true,
        Rules(&[("CTR012", None)], Info),
    ),
    c(
        "5.12",
        "Ensure that CPU priority is set appropriately on containers",
        true,
        Rules(&[("CTR013", None)], Info),
    ),
    c(
        "5.13",
        "Ensure that the container's root filesystem is mounted as read only",
        true,
        Rules(&[("CTR015", None)], Info),
    ),
    c(
        "5.14",
        "Ensure that incoming container traffic is bound to a specific host interface",
        true,
        Rules(&[("CTR009", None)], Info),
    ),
    c(
        "5.15",
        "Ensure that the 'on-failure' container restart policy is set to '5'",
        true,
        Rules(&[("CTR024", None)], Info),
    ),
    c(
        "5.16",
        "Ensure that the host's process namespace is not shared",
        true,
        Rules(&[("CTR008", Some("process namespace"))], Info),
    ),
    c(
        "5.17",
        "Ensure that the host's IPC namespace is not shared",
        true,
        Rules(&[("CTR008", Some("IPC namespace"))], Info),
    ),
    c(
        "5.18",
        "Ensure that host devices are not directly exposed to containers",
        false,
        Rules(&[("CTR018", None)], Info),
    ),
    c(
        "5.19",
        "Ensure that the default ulimit is overwritten at runtime if needed",
        false,
        Manual(
            "Confirm per container whether the daemon's default ulimits fit, and set `--ulimit` where they do not.",
        ),
    ),
    c(
        "5.20",
        "Ensure mount propagation mode is not set to shared",
        true,
        Rules(&[("CTR022", None)], Info),
    ),
    c(
        "5.21",
        "Ensure that the host's UTS namespace is not shared",
        true,
        Rules(&[("CTR008", Some("UTS namespace"))], Info),
    ),
    c(
        "5.22",
        "Ensure the default seccomp profile is not Disabled",
        true,
        Rules(&[("CTR007", Some("seccomp"))], Info),
    ),
    c(
        "5.23",
        "Ensure that docker exec commands are not used with the privileged option",
        false,
        Exec(
            &["CTR033"],
            "Search the daemon's audit log for `exec` with `--privileged`; the API keeps no history of exec sessions.",
        ),
    ),
    c(
        "5.24",
        "Ensure that docker exec commands are not used with the user=root option",
        false,
        Exec(
            &["CTR034"],
            "Search the daemon's audit log for `exec` with `--user=root`; the API keeps no history of exec sessions.",
        ),
    ),
    c(
        "5.25",
        "Ensure that cgroup usage is confirmed",
        true,
        Rules(&[("CTR021", None)], Info),
    ),
    c(
        "5.26",
        "Ensure that the container is restricted from acquiring additional privileges",
        true,
        Rules(&[("CTR006", None)], Info),
    ),
    c(
        "5.27",
        "Ensure that container health is checked at runtime",
        true,
        Rules(&[("CTR025", None)], Info),
    ),
    c(
        "5.28",
        "Ensure that Docker commands always make use of the latest version of their image",
        false,
        Manual(
            "Pull images by digest or pull before each run so that containers run current images.",
        ),
    ),
    c(
        "5.29",
        "Ensure that the PIDs cgroup limit is used",
        true,
        Rules(&[("CTR014", None)], Info),
    ),
    c(
        "5.30",
        "Ensure that Docker's default bridge 'docker0' is not used",
        false,
        Manual("Attach containers to user-defined networks instead of the default bridge."),
    ),
    c(
        "5.31",
        "Ensure that the host's user namespaces are not shared",
        true,
        Rules(&[("CTR008", Some("user namespace"))], Info),
    ),
    c(
        "5.32",
        "Ensure that the Docker socket is not mounted inside any containers",
        true,
        Rules(&[("CTR002", None)], Info),
    ),
];

/// The section-2 id of a v1.6 check in another version's numbering (1.8
/// inserts 2.7 and shifts 2.7–2.18 to 2.8–2.19).
pub fn renumber(id: &str, v: drydock_host::CisVersion) -> String {
    if v == drydock_host::CisVersion::V1_8
        && let Some(n) = id.strip_prefix("2.").and_then(|n| n.parse::<u32>().ok())
        && n >= 7
    {
        return format!("2.{}", n + 1);
    }
    id.to_string()
}
