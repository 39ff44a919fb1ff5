//! `DaemonSpec`: the Docker daemon's configuration (from daemon.json; later
//! from `/info`, the dockerd command line and systemd units).

use crate::origin::{Origin, Sp};
use crate::spec::anchor::JsonObjectAnchor;
use crate::spec::image::KeyValue;

/// Any setting, typed or not, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DaemonSetting {
    /// The key (`log-opts`) with the origin of the key itself.
    pub key: Sp<String>,
    /// The value's origin.
    pub value: Origin,
}

/// The daemon's effective security-relevant configuration. A field is
/// `None` when the setting is absent (the daemon default applies).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DaemonSpec {
    /// The configuration as a whole: for daemon.json, the top-level
    /// object's opening brace (findings about absent settings point there).
    pub origin: Origin,
    pub icc: Option<Sp<bool>>,
    pub log_level: Option<Sp<String>>,
    pub iptables: Option<Sp<bool>>,
    pub ip_forward: Option<Sp<bool>>,
    pub insecure_registries: Vec<Sp<String>>,
    pub registry_mirrors: Vec<Sp<String>>,
    pub storage_driver: Option<Sp<String>>,
    pub storage_opts: Vec<Sp<String>>,
    pub hosts: Vec<Sp<String>>,
    pub tls: Option<Sp<bool>>,
    pub tlsverify: Option<Sp<bool>>,
    pub tlscacert: Option<Sp<String>>,
    pub tlscert: Option<Sp<String>>,
    pub tlskey: Option<Sp<String>>,
    /// `default-ulimits` entries, `name -> "soft:hard"`; `default_ulimits_key`
    /// is the origin of the key (set even when the object is empty).
    pub default_ulimits: Vec<KeyValue>,
    pub default_ulimits_key: Option<Origin>,
    pub userns_remap: Option<Sp<String>>,
    pub cgroup_parent: Option<Sp<String>>,
    pub authorization_plugins: Vec<Sp<String>>,
    pub log_driver: Option<Sp<String>>,
    pub log_opts: Vec<KeyValue>,
    pub no_new_privileges: Option<Sp<bool>>,
    pub live_restore: Option<Sp<bool>>,
    pub userland_proxy: Option<Sp<bool>>,
    pub seccomp_profile: Option<Sp<String>>,
    pub experimental: Option<Sp<bool>>,
    pub selinux_enabled: Option<Sp<bool>>,
    /// Default address for published ports (`ip`).
    pub ip: Option<Sp<String>>,
    pub debug: Option<Sp<bool>>,
    pub data_root: Option<Sp<String>>,
    pub default_runtime: Option<Sp<String>>,
    /// Whether the daemon runs rootless. Only a live daemon tells
    /// (`/info` `SecurityOptions` `name=rootless`); `None` for daemon.json.
    pub rootless: Option<Sp<bool>>,
    /// The security options a live daemon reports (`/info`
    /// `SecurityOptions`: `name=seccomp,profile=builtin`, `name=apparmor`,
    /// `name=userns`, …), as reported. Empty for daemon.json.
    pub security_options: Vec<Sp<String>>,
    /// Every key present, in order.
    pub settings: Vec<DaemonSetting>,
    /// Where a missing key can be added (file sources only).
    pub insert_at: Option<JsonObjectAnchor>,
}

impl DaemonSpec {
    pub fn setting(&self, key: &str) -> Option<&DaemonSetting> {
        self.settings.iter().find(|s| s.key.value == key)
    }

    pub fn log_opt(&self, name: &str) -> Option<&KeyValue> {
        self.log_opts.iter().find(|kv| kv.key.value == name)
    }
}
