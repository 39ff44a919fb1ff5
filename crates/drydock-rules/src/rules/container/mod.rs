//! Rules that judge one container (`ContainerSpec`): a Compose service, a
//! `docker run`/`docker create` line, a live container or a create
//! request; and, with `check_exec`, a command run in one (`ExecSpec`: a
//! `docker exec` line, an exec create request, a live exec instance). They look at the spec only, never at the file it came
//! from (except to compute the text of a fix). Messages name the container
//! with `support::svc` and its settings with `support::setting`, so that
//! they read in the terms of the source (`pids_limit`, `--pids-limit`,
//! `HostConfig.PidsLimit`).

pub(crate) mod support;

mod build_arg_secret;
mod build_privileges;
mod build_ssh_agent;
mod caps_not_dropped;
mod cgroup_parent;
mod confinement;
mod container_name;
mod dangerous_cap;
mod docker_api_port;
mod docker_socket;
mod exec_as_root;
mod exec_privileged;
mod healthcheck_disabled;
mod host_devices;
mod host_namespace;
mod image_digest;
mod image_tag;
mod kernel_settings;
mod logging_disabled;
mod mount_propagation;
mod networks_not_set;
mod no_new_privileges;
mod port_all_interfaces;
mod privileged;
mod privileged_port;
mod read_only;
mod resources;
mod restart_policy;
mod runs_as_root;
mod security_opt_not_set;
mod sensitive_mount;
mod tmpfs_exec;

pub use build_arg_secret::SecretInBuildArgs;
pub use build_privileges::InsecureBuildOptions;
pub use build_ssh_agent::BuildSshAgentForwarded;
pub use caps_not_dropped::CapabilitiesNotDropped;
pub use cgroup_parent::CgroupParentSet;
pub use confinement::ConfinementDisabled;
pub use container_name::InvalidContainerName;
pub use dangerous_cap::DangerousCapabilityAdded;
pub use docker_api_port::DockerApiPortPublished;
pub use docker_socket::DockerSocketMounted;
pub use exec_as_root::ExecAsRoot;
pub use exec_privileged::PrivilegedExec;
pub use healthcheck_disabled::HealthcheckDisabled;
pub use host_devices::HostDevicesExposed;
pub use host_namespace::HostNamespaceShared;
pub use image_digest::ServiceImageNotPinned;
pub use image_tag::ImageTagMutable;
pub use kernel_settings::RiskyKernelSettings;
pub use logging_disabled::LoggingDisabled;
pub use mount_propagation::MountPropagationShared;
pub use networks_not_set::NetworksNotSet;
pub use no_new_privileges::NoNewPrivilegesNotSet;
pub use port_all_interfaces::PortBoundToAllInterfaces;
pub use privileged::PrivilegedContainer;
pub use privileged_port::PrivilegedHostPort;
pub use read_only::RootFilesystemWritable;
pub use resources::{CpuNotLimited, MemoryNotLimited, PidsNotLimited};
pub use restart_policy::RestartPolicyUnbounded;
pub use runs_as_root::RunsAsRoot;
pub use security_opt_not_set::SecurityOptNotSet;
pub use sensitive_mount::SensitiveHostPathMounted;
pub use tmpfs_exec::TmpfsExecAllowed;
