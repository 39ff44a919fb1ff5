//! Rules that judge the daemon's configuration (`DaemonSpec`): a
//! daemon.json today; `/info`, the dockerd command line and systemd units
//! later.

mod selinux;
mod support;

mod authorization_plugin;
mod base_device_size;
mod cgroup_parent;
mod debug;
mod default_bind;
mod default_ulimits;
mod experimental;
mod icc;
mod insecure_registry;
mod iptables;
mod live_restore;
mod log_level;
mod log_rotation;
mod no_new_privileges;
mod remote_logging;
mod seccomp_profile;
mod storage_driver;
mod tcp_without_tls;
mod userland_proxy;
mod userns_remap;

pub use authorization_plugin::AuthorizationPluginMissing;
pub use base_device_size::BaseDeviceSizeChanged;
pub use cgroup_parent::CgroupParentChanged;
pub use debug::DebugEnabled;
pub use default_bind::DefaultBindAllInterfaces;
pub use default_ulimits::DefaultUlimitsNotSet;
pub use experimental::ExperimentalEnabled;
pub use icc::IccEnabled;
pub use insecure_registry::InsecureRegistry;
pub use iptables::IptablesDisabled;
pub use live_restore::LiveRestoreDisabled;
pub use log_level::LogLevelNotInfo;
pub use log_rotation::LogRotationMissing;
pub use no_new_privileges::NoNewPrivilegesDefault;
pub use remote_logging::RemoteLoggingNotConfigured;
pub use seccomp_profile::SeccompProfileUnconfined;
pub use selinux::SelinuxNotEnabled;
pub use storage_driver::DeprecatedStorageDriver;
pub use tcp_without_tls::TcpSocketWithoutTls;
pub use userland_proxy::UserlandProxyEnabled;
pub use userns_remap::UsernsRemapNotSet;
