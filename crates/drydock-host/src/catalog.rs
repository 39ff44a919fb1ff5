//! The declaration of every host-side check: CIS ids per benchmark
//! version, title, level, assessment status, guidance, and the Docker Bench
//! for Security function it corresponds to.

use std::fmt;
use std::str::FromStr;

/// CIS Docker Benchmark version whose numbering and differences are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CisVersion {
    #[default]
    V1_6,
    V1_7,
    V1_8,
}

impl CisVersion {
    pub const ALL: [CisVersion; 3] = [CisVersion::V1_6, CisVersion::V1_7, CisVersion::V1_8];

    fn index(self) -> usize {
        match self {
            CisVersion::V1_6 => 0,
            CisVersion::V1_7 => 1,
            CisVersion::V1_8 => 2,
        }
    }

    pub fn as_str(self) -> &'static str {
        ["1.6", "1.7", "1.8"][self.index()]
    }
}

impl fmt::Display for CisVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CisVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().trim_start_matches('v') {
            "1.6" | "1.6.0" => Ok(CisVersion::V1_6),
            "1.7" | "1.7.0" => Ok(CisVersion::V1_7),
            "1.8" | "1.8.0" => Ok(CisVersion::V1_8),
            other => Err(format!(
                "unknown CIS Docker Benchmark version `{other}` (expected 1.6, 1.7 or 1.8)"
            )),
        }
    }
}

/// CIS profile level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    L1,
    L2,
}

/// The CIS assessment status of a recommendation ("Automated"/"Manual" in
/// the benchmark text). Independent of whether drydock evaluates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Assessment {
    Automated,
    Manual,
}

/// How drydock handles a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Evaluation {
    /// Evaluated from the host's files (and `auditctl -l`).
    Automated,
    /// Not automatable: always reported as `Manual` with the guidance.
    Manual,
}

/// A file or directory that section 1.1 wants audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditObject {
    Dockerd,
    RunContainerd,
    DataRoot,
    EtcDocker,
    DockerServiceUnit,
    ContainerdSock,
    DockerSock,
    EtcDefaultDocker,
    DaemonJson,
    ContainerdConfig,
    SysconfigDocker,
    Containerd,
    ContainerdShim,
    ContainerdShimRuncV1,
    ContainerdShimRuncV2,
    Runc,
}

/// A file or directory whose ownership or permissions section 3 checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileObject {
    DockerServiceUnit,
    DockerSocketUnit,
    EtcDocker,
    RegistryCerts,
    TlsCaCert,
    TlsServerCert,
    TlsServerKey,
    DockerSock,
    DaemonJson,
    EtcDefaultDocker,
    SysconfigDocker,
    ContainerdSock,
    ContainerdConfig,
}

/// Who must own a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ownership {
    /// uid 0, gid 0.
    RootRoot,
    /// uid 0, gid of the `docker` group (root's group 0 is accepted as stricter).
    RootDocker,
    /// uid 0; the group is not judged (registry certificates, as in CIS 3.7's audit).
    RootAnyGroup,
}

/// What a check evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckKind {
    SeparatePartition,
    TrustedUsers,
    AuditRule(AuditObject),
    Owner(FileObject, Ownership),
    /// Permission bits must be a subset of the given mask (`mode & !mask == 0`).
    Mode(FileObject, u32),
    Manual,
}

/// One check, declared once.
#[derive(Debug, Clone, Copy)]
pub struct CheckDef {
    /// CIS id in v1.6, v1.7 and v1.8 numbering (sections 1 and 3 keep their
    /// ids; the array exists so every check is mapped explicitly).
    pub ids: [&'static str; 3],
    /// Title in v1.6.
    pub title: &'static str,
    /// Title from v1.7 on, where it changed.
    pub title_1_7: Option<&'static str>,
    pub level: Level,
    /// CIS assessment status in v1.6, v1.7, v1.8.
    pub assessment: [Assessment; 3],
    pub evaluation: Evaluation,
    pub kind: CheckKind,
    pub rationale: &'static str,
    pub remediation: &'static str,
    /// The Docker Bench for Security function implementing the same check.
    pub docker_bench: Option<&'static str>,
}

impl CheckDef {
    pub fn id(&self, version: CisVersion) -> &'static str {
        self.ids[version.index()]
    }

    pub fn title(&self, version: CisVersion) -> &'static str {
        match (version, self.title_1_7) {
            (CisVersion::V1_6, _) | (_, None) => self.title,
            (_, Some(t)) => t,
        }
    }

    pub fn assessment(&self, version: CisVersion) -> Assessment {
        self.assessment[version.index()]
    }

    /// The section (first component of the id): 1 or 3.
    pub fn section(&self) -> &'static str {
        let id = self.ids[0];
        id.split('.').next().unwrap_or(id)
    }
}

use Assessment::{Automated as A, Manual as M};

const AAA: [Assessment; 3] = [A, A, A];
const MMM: [Assessment; 3] = [M, M, M];
/// Automated in 1.6, Manual from 1.7 (1.1.4).
const AMM: [Assessment; 3] = [A, M, M];
/// Manual in 1.6, Automated from 1.7 (1.1.15, 1.1.17, 1.1.18).
const MAA: [Assessment; 3] = [M, A, A];

const AUDIT_RATIONALE: &str = "The Docker daemon and its files run with root privileges; auditing them records who changed them and when, which is needed to investigate incidents.";

macro_rules! audit_check {
    ($id:literal, $dbs:literal, $title:literal, $level:expr, $assess:expr, $obj:expr, $rem:literal) => {
        CheckDef {
            ids: [$id, $id, $id],
            title: $title,
            title_1_7: None,
            level: $level,
            assessment: $assess,
            evaluation: Evaluation::Automated,
            kind: CheckKind::AuditRule($obj),
            rationale: AUDIT_RATIONALE,
            remediation: $rem,
            docker_bench: Some($dbs),
        }
    };
}

macro_rules! file_check {
    ($id:literal, $dbs:literal, $title:literal, $level:expr, $assess:expr, $kind:expr, $why:literal, $rem:literal) => {
        CheckDef {
            ids: [$id, $id, $id],
            title: $title,
            title_1_7: None,
            level: $level,
            assessment: $assess,
            evaluation: Evaluation::Automated,
            kind: $kind,
            rationale: $why,
            remediation: $rem,
            docker_bench: Some($dbs),
        }
    };
}

use AuditObject as AO;
use CheckKind::{Mode, Owner};
use FileObject as FO;
use Level::{L1, L2};
use Ownership::{RootAnyGroup, RootDocker, RootRoot};

/// Every host-side check of sections 1 and 3, in benchmark order.
pub static CHECKS: &[CheckDef] = &[
    CheckDef {
        ids: ["1.1.1", "1.1.1", "1.1.1"],
        title: "Ensure a separate partition for containers has been created",
        title_1_7: None,
        level: L1,
        assessment: MMM,
        evaluation: Evaluation::Automated,
        kind: CheckKind::SeparatePartition,
        rationale: "Docker stores images, containers and volumes under its data root; if it shares the root filesystem, a container filling it makes the whole host unusable.",
        remediation: "Create a dedicated partition (e.g. an LVM volume) for the Docker data root (`/var/lib/docker` or the `data-root` in daemon.json) and mount it there at boot via /etc/fstab.",
        docker_bench: Some("check_1_1_1"),
    },
    CheckDef {
        ids: ["1.1.2", "1.1.2", "1.1.2"],
        title: "Ensure only trusted users are allowed to control Docker daemon",
        title_1_7: None,
        level: L1,
        assessment: MMM,
        evaluation: Evaluation::Automated,
        kind: CheckKind::TrustedUsers,
        rationale: "Members of the `docker` group can reach the daemon socket and thereby gain root on the host (e.g. by mounting `/` into a container).",
        remediation: "Remove untrusted users from the `docker` group (`gpasswd -d USER docker`) and do not make `docker` anyone's primary group. Pass the list of trusted users to have this verified.",
        docker_bench: Some("check_1_1_2"),
    },
    audit_check!(
        "1.1.3",
        "check_1_1_3",
        "Ensure auditing is configured for the Docker daemon",
        L1,
        AAA,
        AO::Dockerd,
        "Add `-w /usr/bin/dockerd -k docker` to a file in /etc/audit/rules.d/ and load it (`augenrules --load`)."
    ),
    audit_check!(
        "1.1.4",
        "check_1_1_4",
        "Ensure auditing is configured for Docker files and directories - /run/containerd",
        L1,
        AMM,
        AO::RunContainerd,
        "Add `-a exit,always -F path=/run/containerd -F perm=war -k docker` to a file in /etc/audit/rules.d/ and load it."
    ),
    audit_check!(
        "1.1.5",
        "check_1_1_5",
        "Ensure auditing is configured for Docker files and directories - /var/lib/docker",
        L1,
        MMM,
        AO::DataRoot,
        "Add `-a exit,always -F path=/var/lib/docker -F perm=war -k docker` (the data root) to a file in /etc/audit/rules.d/ and load it; CIS 1.7 adds `-a exit,never` exclusions for its overlay2 and volumes subdirectories."
    ),
    audit_check!(
        "1.1.6",
        "check_1_1_6",
        "Ensure auditing is configured for Docker files and directories - /etc/docker",
        L1,
        AAA,
        AO::EtcDocker,
        "Add `-w /etc/docker -k docker` to a file in /etc/audit/rules.d/ and load it."
    ),
    audit_check!(
        "1.1.7",
        "check_1_1_7",
        "Ensure auditing is configured for Docker files and directories - docker.service",
        L2,
        AAA,
        AO::DockerServiceUnit,
        "Add `-w <path of docker.service> -k docker` (e.g. /usr/lib/systemd/system/docker.service) to a file in /etc/audit/rules.d/ and load it."
    ),
    audit_check!(
        "1.1.8",
        "check_1_1_8",
        "Ensure auditing is configured for Docker files and directories - containerd.sock",
        L2,
        AAA,
        AO::ContainerdSock,
        "Add `-w /run/containerd/containerd.sock -k docker` to a file in /etc/audit/rules.d/ and load it."
    ),
    CheckDef {
        ids: ["1.1.9", "1.1.9", "1.1.9"],
        title: "Ensure auditing is configured for Docker files and directories - docker.socket",
        title_1_7: Some(
            "Ensure auditing is configured for Docker files and directories - docker.sock",
        ),
        level: L2,
        assessment: AAA,
        evaluation: Evaluation::Automated,
        kind: CheckKind::AuditRule(AO::DockerSock),
        rationale: AUDIT_RATIONALE,
        remediation: "Add `-w /var/run/docker.sock -k docker` (the socket path from docker.socket's ListenStream) to a file in /etc/audit/rules.d/ and load it.",
        docker_bench: Some("check_1_1_9"),
    },
    audit_check!(
        "1.1.10",
        "check_1_1_10",
        "Ensure auditing is configured for Docker files and directories - /etc/default/docker",
        L2,
        AAA,
        AO::EtcDefaultDocker,
        "Add `-w /etc/default/docker -k docker` to a file in /etc/audit/rules.d/ and load it."
    ),
    audit_check!(
        "1.1.11",
        "check_1_1_11",
        "Ensure auditing is configured for Dockerfiles and directories - /etc/docker/daemon.json",
        L2,
        AAA,
        AO::DaemonJson,
        "Add `-w /etc/docker/daemon.json -k docker` to a file in /etc/audit/rules.d/ and load it."
    ),
    audit_check!(
        "1.1.12",
        "check_1_1_12",
        "Ensure auditing is configured for Dockerfiles and directories - /etc/containerd/config.toml",
        L2,
        AAA,
        AO::ContainerdConfig,
        "Add `-w /etc/containerd/config.toml -k docker` to a file in /etc/audit/rules.d/ and load it."
    ),
    audit_check!(
        "1.1.13",
        "check_1_1_13",
        "Ensure auditing is configured for Docker files and directories - /etc/sysconfig/docker",
        L2,
        AAA,
        AO::SysconfigDocker,
        "Add `-w /etc/sysconfig/docker -k docker` to a file in /etc/audit/rules.d/ and load it."
    ),
    audit_check!(
        "1.1.14",
        "check_1_1_14",
        "Ensure auditing is configured for Docker files and directories - /usr/bin/containerd",
        L2,
        AAA,
        AO::Containerd,
        "Add `-w /usr/bin/containerd -k docker` to a file in /etc/audit/rules.d/ and load it."
    ),
    audit_check!(
        "1.1.15",
        "check_1_1_15",
        "Ensure auditing is configured for Docker files and directories - /usr/bin/containerd-shim",
        L2,
        MAA,
        AO::ContainerdShim,
        "Add `-w /usr/bin/containerd-shim -k docker` to a file in /etc/audit/rules.d/ and load it."
    ),
    audit_check!(
        "1.1.16",
        "check_1_1_16",
        "Ensure auditing is configured for Docker files and directories - /usr/bin/containerd-shim-runc-v1",
        L2,
        MMM,
        AO::ContainerdShimRuncV1,
        "Add `-w /usr/bin/containerd-shim-runc-v1 -k docker` to a file in /etc/audit/rules.d/ and load it."
    ),
    audit_check!(
        "1.1.17",
        "check_1_1_17",
        "Ensure auditing is configured for Docker files and directories - /usr/bin/containerd-shim-runc-v2",
        L2,
        MAA,
        AO::ContainerdShimRuncV2,
        "Add `-w /usr/bin/containerd-shim-runc-v2 -k docker` to a file in /etc/audit/rules.d/ and load it."
    ),
    audit_check!(
        "1.1.18",
        "check_1_1_18",
        "Ensure auditing is configured for Docker files and directories - /usr/bin/runc",
        L2,
        MAA,
        AO::Runc,
        "Add `-w /usr/bin/runc -k docker` to a file in /etc/audit/rules.d/ and load it."
    ),
    CheckDef {
        ids: ["1.2.1", "1.2.1", "1.2.1"],
        title: "Ensure the container host has been Hardened",
        title_1_7: None,
        level: L1,
        assessment: MMM,
        evaluation: Evaluation::Manual,
        kind: CheckKind::Manual,
        rationale: "Containers share the host kernel; a weak host undermines every container control.",
        remediation: "Harden the host OS following the CIS benchmark for your distribution (or a hardened distribution), keep the kernel patched, and apply grsecurity/SELinux/AppArmor as appropriate. Verify against the organisation's host hardening baseline.",
        docker_bench: Some("check_1_2_1"),
    },
    CheckDef {
        ids: ["1.2.2", "1.2.2", "1.2.2"],
        title: "Ensure that the version of Docker is up to date",
        title_1_7: None,
        level: L1,
        assessment: MMM,
        evaluation: Evaluation::Manual,
        kind: CheckKind::Manual,
        rationale: "Docker releases fix vulnerabilities; an old engine may be exploitable. Whether a version is acceptable depends on the vendor's support window and your change process.",
        remediation: "Compare `docker version` (server) with the currently supported releases of your vendor and upgrade when a newer release fixes security issues.",
        docker_bench: Some("check_1_2_2"),
    },
    file_check!(
        "3.1",
        "check_3_1",
        "Ensure that the docker.service file ownership is set to root:root",
        L1,
        AAA,
        Owner(FO::DockerServiceUnit, RootRoot),
        "docker.service defines how the daemon runs (flags, environment); whoever can write it controls the daemon.",
        "`chown root:root <path of docker.service>` (find it with `systemctl show -p FragmentPath docker.service`)."
    ),
    file_check!(
        "3.2",
        "check_3_2",
        "Ensure that docker.service file permissions are appropriately set",
        L1,
        AAA,
        Mode(FO::DockerServiceUnit, 0o644),
        "docker.service must be writable only by root.",
        "`chmod 644 <path of docker.service>` (or more restrictive)."
    ),
    file_check!(
        "3.3",
        "check_3_3",
        "Ensure that docker.socket file ownership is set to root:root",
        L1,
        AAA,
        Owner(FO::DockerSocketUnit, RootRoot),
        "docker.socket defines the daemon's socket and its group; whoever can write it controls access to the daemon.",
        "`chown root:root <path of docker.socket>` (find it with `systemctl show -p FragmentPath docker.socket`)."
    ),
    file_check!(
        "3.4",
        "check_3_4",
        "Ensure that docker.socket file permissions are set to 644 or more restrictive",
        L1,
        AAA,
        Mode(FO::DockerSocketUnit, 0o644),
        "docker.socket must be writable only by root.",
        "`chmod 644 <path of docker.socket>` (or more restrictive)."
    ),
    file_check!(
        "3.5",
        "check_3_5",
        "Ensure that the /etc/docker directory ownership is set to root:root",
        L1,
        AAA,
        Owner(FO::EtcDocker, RootRoot),
        "/etc/docker holds daemon.json, certificates and keys; it must be owned by root.",
        "`chown root:root /etc/docker`."
    ),
    file_check!(
        "3.6",
        "check_3_6",
        "Ensure that /etc/docker directory permissions are set to 755 or more restrictively",
        L1,
        AAA,
        Mode(FO::EtcDocker, 0o755),
        "Only root may create or replace files in /etc/docker.",
        "`chmod 755 /etc/docker` (or more restrictive)."
    ),
    file_check!(
        "3.7",
        "check_3_7",
        "Ensure that registry certificate file ownership is set to root:root",
        L1,
        MMM,
        Owner(FO::RegistryCerts, RootAnyGroup),
        "Registry certificates under /etc/docker/certs.d decide which registries the daemon trusts; they must be owned by root.",
        "`chown root:root /etc/docker/certs.d/<registry>/*`."
    ),
    file_check!(
        "3.8",
        "check_3_8",
        "Ensure that registry certificate file permissions are set to 444 or more restrictively",
        L1,
        MMM,
        Mode(FO::RegistryCerts, 0o444),
        "Registry certificates must not be modifiable by anyone.",
        "`chmod 444 /etc/docker/certs.d/<registry>/*`."
    ),
    file_check!(
        "3.9",
        "check_3_9",
        "Ensure that TLS CA certificate file ownership is set to root:root",
        L1,
        MMM,
        Owner(FO::TlsCaCert, RootRoot),
        "The TLS CA certificate decides which clients may talk to a TCP-exposed daemon; it must be owned by root.",
        "`chown root:root <path of --tlscacert>`."
    ),
    file_check!(
        "3.10",
        "check_3_10",
        "Ensure that TLS CA certificate file permissions are set to 444 or more restrictively",
        L1,
        MMM,
        Mode(FO::TlsCaCert, 0o444),
        "The TLS CA certificate must not be modifiable.",
        "`chmod 444 <path of --tlscacert>`."
    ),
    file_check!(
        "3.11",
        "check_3_11",
        "Ensure that Docker server certificate file ownership is set to root:root",
        L1,
        MMM,
        Owner(FO::TlsServerCert, RootRoot),
        "The daemon's server certificate must be owned by root so nobody can substitute it.",
        "`chown root:root <path of --tlscert>`."
    ),
    file_check!(
        "3.12",
        "check_3_12",
        "Ensure that the Docker server certificate file permissions are set to 444 or more restrictively",
        L1,
        MMM,
        Mode(FO::TlsServerCert, 0o444),
        "The daemon's server certificate must not be modifiable.",
        "`chmod 444 <path of --tlscert>`."
    ),
    file_check!(
        "3.13",
        "check_3_13",
        "Ensure that the Docker server certificate key file ownership is set to root:root",
        L1,
        MMM,
        Owner(FO::TlsServerKey, RootRoot),
        "The daemon's private key must be owned by root.",
        "`chown root:root <path of --tlskey>`."
    ),
    file_check!(
        "3.14",
        "check_3_14",
        "Ensure that the Docker server certificate key file permissions are set to 400",
        L1,
        MMM,
        Mode(FO::TlsServerKey, 0o400),
        "Anyone who can read the daemon's private key can impersonate the daemon.",
        "`chmod 400 <path of --tlskey>`."
    ),
    file_check!(
        "3.15",
        "check_3_15",
        "Ensure that the Docker socket file ownership is set to root:docker",
        L1,
        AAA,
        Owner(FO::DockerSock, RootDocker),
        "Access to the Docker socket is root access; only root and the `docker` group may own it.",
        "`chown root:docker /var/run/docker.sock` (or set SocketUser/SocketGroup in docker.socket)."
    ),
    file_check!(
        "3.16",
        "check_3_16",
        "Ensure that the Docker socket file permissions are set to 660 or more restrictively",
        L1,
        AAA,
        Mode(FO::DockerSock, 0o660),
        "A socket readable or writable by others gives every local user root.",
        "`chmod 660 /var/run/docker.sock` (or set SocketMode=0660 in docker.socket)."
    ),
    file_check!(
        "3.17",
        "check_3_17",
        "Ensure that the daemon.json file ownership is set to root:root",
        L2,
        MMM,
        Owner(FO::DaemonJson, RootRoot),
        "daemon.json configures the daemon; whoever can write it controls the daemon.",
        "`chown root:root /etc/docker/daemon.json`."
    ),
    file_check!(
        "3.18",
        "check_3_18",
        "Ensure that daemon.json file permissions are set to 644 or more restrictive",
        L2,
        MMM,
        Mode(FO::DaemonJson, 0o644),
        "daemon.json must be writable only by root.",
        "`chmod 644 /etc/docker/daemon.json` (or more restrictive)."
    ),
    file_check!(
        "3.19",
        "check_3_19",
        "Ensure that the /etc/default/docker file ownership is set to root:root",
        L2,
        MMM,
        Owner(FO::EtcDefaultDocker, RootRoot),
        "/etc/default/docker sets the daemon's options (DOCKER_OPTS); it must be owned by root.",
        "`chown root:root /etc/default/docker`."
    ),
    file_check!(
        "3.20",
        "check_3_20",
        "Ensure that the /etc/default/docker file permissions are set to 644 or more restrictively",
        L2,
        MMM,
        Mode(FO::EtcDefaultDocker, 0o644),
        "/etc/default/docker must be writable only by root.",
        "`chmod 644 /etc/default/docker` (or more restrictive)."
    ),
    file_check!(
        "3.21",
        "check_3_21",
        "Ensure that the /etc/sysconfig/docker file permissions are set to 644 or more restrictively",
        L2,
        MMM,
        Mode(FO::SysconfigDocker, 0o644),
        "/etc/sysconfig/docker must be writable only by root.",
        "`chmod 644 /etc/sysconfig/docker` (or more restrictive)."
    ),
    file_check!(
        "3.22",
        "check_3_22",
        "Ensure that the /etc/sysconfig/docker file ownership is set to root:root",
        L2,
        MMM,
        Owner(FO::SysconfigDocker, RootRoot),
        "/etc/sysconfig/docker sets the daemon's options; it must be owned by root.",
        "`chown root:root /etc/sysconfig/docker`."
    ),
    file_check!(
        "3.23",
        "check_3_23",
        "Ensure that the Containerd socket file ownership is set to root:root",
        L1,
        AAA,
        Owner(FO::ContainerdSock, RootRoot),
        "Access to containerd's socket is root access on the host.",
        "`chown root:root /run/containerd/containerd.sock`."
    ),
    file_check!(
        "3.24",
        "check_3_24",
        "Ensure that the Containerd socket file permissions are set to 660 or more restrictively",
        L1,
        AAA,
        Mode(FO::ContainerdSock, 0o660),
        "A containerd socket accessible to others gives every local user root.",
        "`chmod 660 /run/containerd/containerd.sock`."
    ),
];

/// Checks beyond the benchmark that the issue asks for: containerd's
/// configuration is as sensitive as daemon.json, but CIS (1.6–1.8) only
/// audits it (1.1.12). Same expectations as 3.17/3.18. Their ids are not
/// CIS ids and do not change with the version.
pub static EXTENSION_CHECKS: &[CheckDef] = &[
    CheckDef {
        ids: ["drydock-host-1", "drydock-host-1", "drydock-host-1"],
        title: "Ensure that the containerd config.toml file ownership is set to root:root",
        title_1_7: None,
        level: L2,
        assessment: MMM,
        evaluation: Evaluation::Automated,
        kind: Owner(FO::ContainerdConfig, RootRoot),
        rationale: "/etc/containerd/config.toml configures the runtime under Docker (runtimes, plugins, registry mirrors); whoever can write it controls every container.",
        remediation: "`chown root:root /etc/containerd/config.toml`.",
        docker_bench: None,
    },
    CheckDef {
        ids: ["drydock-host-2", "drydock-host-2", "drydock-host-2"],
        title: "Ensure that the containerd config.toml file permissions are set to 644 or more restrictive",
        title_1_7: None,
        level: L2,
        assessment: MMM,
        evaluation: Evaluation::Automated,
        kind: Mode(FO::ContainerdConfig, 0o644),
        rationale: "/etc/containerd/config.toml must be writable only by root.",
        remediation: "`chmod 644 /etc/containerd/config.toml` (or more restrictive).",
        docker_bench: None,
    },
];

/// All checks: CIS ones then extensions.
pub fn all_checks() -> impl Iterator<Item = &'static CheckDef> {
    CHECKS.iter().chain(EXTENSION_CHECKS.iter())
}

/// Look up a check by id in the given version's numbering.
pub fn find(id: &str, version: CisVersion) -> Option<&'static CheckDef> {
    all_checks().find(|c| c.id(version) == id)
}
