//! CTR018

use drydock_core::RuleMeta;
use drydock_core::spec::ContainerSpec;

use super::support::svc;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports host devices passed into a container (`devices:`,
    /// `docker run --device`), one finding per device. The message says
    /// when the device gives raw access to disks or memory.
    ///
    /// ## Why is this bad?
    /// A device node bypasses the filesystem and namespace isolation: a raw
    /// disk (`/dev/sda`, `/dev/nvme0n1`) lets the container read and write
    /// the host's filesystems below every permission check; `/dev/mem`,
    /// `/dev/kmem` and `/dev/port` give access to physical memory and I/O
    /// ports; GPUs, USB and serial devices expose drivers with a large
    /// kernel attack surface.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   imager:
    ///     image: example/imager:1.0
    ///     devices:
    ///       - /dev/sda:/dev/sda
    /// ```
    ///
    /// ## How to fix
    /// Pass only the devices the service needs, with the narrowest
    /// permissions (`/dev/ttyUSB0:/dev/ttyUSB0:r`); never pass raw disks or
    /// memory. For GPUs prefer `deploy.resources.reservations.devices`
    /// (CDI; `docker run --gpus` or `--device nvidia.com/gpu=0`), which the
    /// runtime sets up with the minimum access.
    pub struct HostDevicesExposed {
        id: "CTR018",
        name: "host-devices-exposed",
        title: "Host device is passed into a container",
        severity: Medium,
        category: Isolation,
        references: ["concern:97", "cis-docker-1.6:5.18", "compose-lint:CL-0016"],
        fix: None,
    }
}

/// Whether a host device path gives raw access to disks, memory or ports.
fn raw_access(path: &str) -> Option<&'static str> {
    let name = path.strip_prefix("/dev/")?;
    if matches!(name, "mem" | "kmem" | "port") {
        return Some("physical memory or I/O ports");
    }
    const DISKS: &[&str] = &[
        "sd", "hd", "vd", "xvd", "nvme", "mmcblk", "dm-", "md", "loop", "mapper/", "disk/",
    ];
    if DISKS.iter().any(|d| name.starts_with(d)) {
        return Some("a raw disk, readable and writable below every filesystem permission check");
    }
    None
}

impl Rule for HostDevicesExposed {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        for d in &c.devices {
            let host = d.value.split(':').next().unwrap_or("").trim();
            let msg = match raw_access(host) {
                Some(what) => format!("{} is given host device `{host}`: {what}", svc(c)),
                None => format!("{} is given host device `{host}`", svc(c)),
            };
            cx.report(&d.origin, msg);
        }
    }
}
