//! Section 3 (daemon configuration files): owner, group and exact
//! permission bits of every file, over fake host trees with real modes and
//! owners.

mod common;

use common::{Host, assert_status, check_with};
use drydock_host::{HostOptions, Status, TlsPaths};

#[derive(Clone, Copy, PartialEq)]
enum Obj {
    File,
    Dir,
    Socket,
}

#[derive(Clone, Copy, PartialEq)]
enum Owner {
    Strict,
    DockerGroup,
    AnyGroup,
}

struct Case {
    owner_id: &'static str,
    mode_id: &'static str,
    /// The object the checks look at (host path).
    path: &'static str,
    obj: Obj,
    allowed: u32,
    owner: Owner,
}

const CASES: &[Case] = &[
    Case {
        owner_id: "3.1",
        mode_id: "3.2",
        path: "/lib/systemd/system/docker.service",
        obj: Obj::File,
        allowed: 0o644,
        owner: Owner::Strict,
    },
    Case {
        owner_id: "3.3",
        mode_id: "3.4",
        path: "/usr/lib/systemd/system/docker.socket",
        obj: Obj::File,
        allowed: 0o644,
        owner: Owner::Strict,
    },
    Case {
        owner_id: "3.5",
        mode_id: "3.6",
        path: "/etc/docker",
        obj: Obj::Dir,
        allowed: 0o755,
        owner: Owner::Strict,
    },
    Case {
        owner_id: "3.7",
        mode_id: "3.8",
        path: "/etc/docker/certs.d/registry.example:5000/ca.crt",
        obj: Obj::File,
        allowed: 0o444,
        owner: Owner::AnyGroup,
    },
    Case {
        owner_id: "3.9",
        mode_id: "3.10",
        path: "/etc/docker/tls/ca.pem",
        obj: Obj::File,
        allowed: 0o444,
        owner: Owner::Strict,
    },
    Case {
        owner_id: "3.11",
        mode_id: "3.12",
        path: "/etc/docker/tls/server-cert.pem",
        obj: Obj::File,
        allowed: 0o444,
        owner: Owner::Strict,
    },
    Case {
        owner_id: "3.13",
        mode_id: "3.14",
        path: "/etc/docker/tls/server-key.pem",
        obj: Obj::File,
        allowed: 0o400,
        owner: Owner::Strict,
    },
    Case {
        owner_id: "3.15",
        mode_id: "3.16",
        path: "/run/docker.sock",
        obj: Obj::Socket,
        allowed: 0o660,
        owner: Owner::DockerGroup,
    },
    Case {
        owner_id: "3.17",
        mode_id: "3.18",
        path: "/etc/docker/daemon.json",
        obj: Obj::File,
        allowed: 0o644,
        owner: Owner::Strict,
    },
    Case {
        owner_id: "3.19",
        mode_id: "3.20",
        path: "/etc/default/docker",
        obj: Obj::File,
        allowed: 0o644,
        owner: Owner::Strict,
    },
    Case {
        owner_id: "3.22",
        mode_id: "3.21",
        path: "/etc/sysconfig/docker",
        obj: Obj::File,
        allowed: 0o644,
        owner: Owner::Strict,
    },
    Case {
        owner_id: "3.23",
        mode_id: "3.24",
        path: "/run/containerd/containerd.sock",
        obj: Obj::Socket,
        allowed: 0o660,
        owner: Owner::Strict,
    },
    Case {
        owner_id: "drydock-host-1",
        mode_id: "drydock-host-2",
        path: "/etc/containerd/config.toml",
        obj: Obj::File,
        allowed: 0o644,
        owner: Owner::Strict,
    },
];

fn opts_for(h: &Host) -> HostOptions {
    HostOptions {
        tls: TlsPaths {
            ca_cert: Some("/etc/docker/tls/ca.pem".into()),
            server_cert: Some("/etc/docker/tls/server-cert.pem".into()),
            server_key: Some("/etc/docker/tls/server-key.pem".into()),
        },
        ..h.opts()
    }
}

fn make(h: &mut Host, case: &Case, mode: u32) {
    match case.obj {
        Obj::File => h.file(case.path, "content\n", mode),
        Obj::Dir => h.dir(case.path, mode),
        Obj::Socket => h.socket(case.path, mode),
    }
}

const MODES: [u32; 10] = [
    0o400, 0o440, 0o444, 0o600, 0o640, 0o644, 0o660, 0o664, 0o755, 0o4644,
];

#[test]
fn missing_objects_are_not_applicable() {
    let h = Host::new();
    let opts = HostOptions {
        tls: TlsPaths::default(),
        ..h.opts()
    };
    for case in CASES {
        for id in [case.owner_id, case.mode_id] {
            let r = check_with(&opts, id);
            assert_status(&r, Status::NotApplicable);
            assert!(r.evidence.is_none(), "{id}");
        }
    }
}

#[test]
fn modes_are_compared_as_bits() {
    for case in CASES {
        for mode in MODES {
            let mut h = Host::new();
            make(&mut h, case, mode);
            let r = check_with(&opts_for(&h), case.mode_id);
            let expect = if mode & !case.allowed == 0 {
                Status::Pass
            } else {
                Status::Fail
            };
            assert_eq!(
                r.status, expect,
                "{} on {} with mode {mode:o}: {}",
                case.mode_id, case.path, r.message
            );
            let shown = format!("{mode:04o}");
            assert!(
                r.message.contains(&shown)
                    || r.evidence.as_deref().is_some_and(|e| e.contains(&shown)),
                "{}: {} / {:?}",
                case.mode_id,
                r.message,
                r.evidence
            );
            if expect == Status::Pass {
                // Ownership is root:root here (we run as root) → the owner check passes too.
                let o = check_with(&opts_for(&h), case.owner_id);
                if nix_is_root() {
                    assert_status(&o, Status::Pass);
                }
            }
        }
    }
}

fn nix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .is_some_and(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

#[test]
fn owners_and_groups() {
    for case in CASES {
        let mut h = Host::new();
        make(&mut h, case, case.allowed);
        let opts = opts_for(&h);

        if !h.chown(case.path, 0, 0) {
            continue;
        }
        assert_status(&check_with(&opts, case.owner_id), Status::Pass);

        // Wrong owner.
        if h.chown(case.path, 1000, 0) {
            let r = check_with(&opts, case.owner_id);
            assert_status(&r, Status::Fail);
            assert!(
                r.message.contains("alice"),
                "{}: {}",
                case.owner_id,
                r.message
            );
        }

        // Wrong group.
        if h.chown(case.path, 0, 1000) {
            let r = check_with(&opts, case.owner_id);
            let expect = if case.owner == Owner::AnyGroup {
                Status::Pass
            } else {
                Status::Fail
            };
            assert_status(&r, expect);
        }

        // The docker group.
        if h.chown(case.path, 0, 999) {
            let r = check_with(&opts, case.owner_id);
            let expect = match case.owner {
                Owner::DockerGroup | Owner::AnyGroup => Status::Pass,
                Owner::Strict => Status::Fail,
            };
            assert_status(&r, expect);
            assert!(
                r.evidence
                    .as_deref()
                    .is_some_and(|e| e.contains("root:docker")),
                "{:?}",
                r.evidence
            );
        }

        // An unknown uid is shown numerically.
        if h.chown(case.path, 4242, 0) {
            let r = check_with(&opts, case.owner_id);
            assert_status(&r, Status::Fail);
            assert!(r.message.contains("4242"), "{}", r.message);
        }
    }
}

#[test]
fn docker_unit_lookup_follows_systemd_order() {
    let h = Host::new();
    h.file("/lib/systemd/system/docker.service", "[Service]\n", 0o644);
    h.file("/etc/systemd/system/docker.service", "[Service]\n", 0o664);
    let r = h.check("3.2");
    assert_status(&r, Status::Fail);
    assert_eq!(
        r.origin.map(|o| o.path),
        Some("/etc/systemd/system/docker.service".into())
    );

    // A symlink in /etc to the vendor unit: the target is judged.
    h.remove("/etc/systemd/system/docker.service");
    h.symlink(
        "/etc/systemd/system/docker.service",
        "/lib/systemd/system/docker.service",
    );
    let r = h.check("3.2");
    assert_status(&r, Status::Pass);
    assert!(r.message.contains("->"), "{}", r.message);

    // Masked: not applicable.
    h.remove("/etc/systemd/system/docker.service");
    h.file("/dev/null", "", 0o666);
    h.symlink("/etc/systemd/system/docker.service", "/dev/null");
    let r = h.check("3.1");
    assert_status(&r, Status::NotApplicable);
    assert!(r.message.contains("masked"), "{}", r.message);
    // Also when the host root has no /dev/null (the vendor unit in /lib
    // must not be judged instead).
    h.remove("/dev/null");
    let r = h.check("3.1");
    assert_status(&r, Status::NotApplicable);
    assert!(r.message.contains("masked"), "{}", r.message);
}

#[test]
fn docker_socket_found_via_listen_stream_and_var_run() {
    let mut h = Host::new();
    h.file(
        "/lib/systemd/system/docker.socket",
        "[Socket]\nListenStream=/custom/docker.sock\nSocketMode=0660\n",
        0o644,
    );
    h.socket("/custom/docker.sock", 0o666);
    let r = h.check("3.16");
    assert_status(&r, Status::Fail);
    assert!(
        r.message.contains("other read, other write"),
        "{}",
        r.message
    );

    // Default path through the /var/run -> /run symlink.
    let mut h = Host::new();
    h.socket("/run/docker.sock", 0o660);
    let r = h.check("3.16");
    assert_status(&r, Status::Pass);
    assert!(
        r.message
            .contains("/var/run/docker.sock (-> /run/docker.sock)"),
        "{}",
        r.message
    );

    // A regular file where the socket should be.
    let h = Host::new();
    h.file("/run/docker.sock", "", 0o660);
    assert_status(&h.check("3.16"), Status::Warn);
}

#[test]
fn registry_certificates_every_file_recursively() {
    let h = Host::new();
    h.dir("/etc/docker/certs.d", 0o755);
    assert_status(&h.check("3.8"), Status::NotApplicable);
    h.file("/etc/docker/certs.d/a.example/ca.crt", "c", 0o444);
    h.file("/etc/docker/certs.d/a.example/client.cert", "c", 0o400);
    h.file("/etc/docker/certs.d/b.example:5000/client.key", "k", 0o644);
    let r = h.check("3.8");
    assert_status(&r, Status::Fail);
    assert!(r.message.contains("1 of 3"), "{}", r.message);
    assert!(r.message.contains("client.key 0644"), "{}", r.message);
    assert_eq!(
        r.origin.map(|o| o.path),
        Some("/etc/docker/certs.d/b.example:5000/client.key".into())
    );
    h.chmod("/etc/docker/certs.d/b.example:5000/client.key", 0o400);
    assert_status(&h.check("3.8"), Status::Pass);
}

#[test]
fn tls_key_needs_0400_or_stricter() {
    let h = Host::new();
    let opts = opts_for(&h);
    for (mode, expect) in [
        (0o400, Status::Pass),
        (0o000, Status::Pass),
        (0o440, Status::Fail),
        (0o600, Status::Fail),
        (0o444, Status::Fail),
    ] {
        h.file("/etc/docker/tls/server-key.pem", "k", mode);
        assert_status(&check_with(&opts, "3.14"), expect);
    }
}

#[test]
fn configured_tls_file_that_does_not_exist_is_an_error() {
    let h = Host::new();
    let r = check_with(&opts_for(&h), "3.10");
    assert_status(&r, Status::Error);
    assert!(r.message.contains("--tlscacert"), "{}", r.message);
}

#[test]
fn daemon_json_parameter() {
    let h = Host::new();
    h.file("/srv/docker/daemon.json", "{}", 0o666);
    let mut opts = h.opts();
    assert_status(&check_with(&opts, "3.18"), Status::NotApplicable);
    opts.daemon_json = Some("/srv/docker/daemon.json".into());
    assert_status(&check_with(&opts, "3.18"), Status::Fail);
}

#[test]
fn unknown_group_file_for_root_docker() {
    let mut h = Host::new();
    h.socket("/run/docker.sock", 0o660);
    if !h.chown("/run/docker.sock", 0, 999) {
        return;
    }
    h.remove("/etc/group");
    let r = h.check("3.15");
    assert_status(&r, Status::Error);
    assert!(r.message.contains("/etc/group"), "{}", r.message);
}

#[test]
fn daemon_json_that_is_not_a_file_fails() {
    // A directory at the default path.
    let h = Host::new();
    h.dir("/etc/docker/daemon.json", 0o755);
    for id in ["3.17", "3.18"] {
        let r = h.check(id);
        assert_status(&r, Status::Fail);
        assert!(
            r.message
                .contains("/etc/docker/daemon.json is a directory, not a file"),
            "{}",
            r.message
        );
    }

    // A dangling symlink at the default path.
    let h = Host::new();
    h.symlink("/etc/docker/daemon.json", "/srv/gone/daemon.json");
    let r = h.check("3.18");
    assert_status(&r, Status::Fail);
    assert!(
        r.message
            .contains("dangling symlink to /srv/gone/daemon.json"),
        "{}",
        r.message
    );

    // A socket at a configured path.
    let mut h = Host::new();
    h.socket("/srv/d.json", 0o644);
    let mut opts = h.opts();
    opts.daemon_json = Some("/srv/d.json".into());
    let r = check_with(&opts, "3.17");
    assert_status(&r, Status::Fail);
    assert!(
        r.message.contains("is a socket, not a file"),
        "{}",
        r.message
    );
}

#[test]
fn daemon_json_missing_is_not_applicable_only_at_the_default_path() {
    let h = Host::new();
    let mut opts = h.opts();
    for id in ["3.17", "3.18"] {
        assert_status(&check_with(&opts, id), Status::NotApplicable);
    }
    // The default path, passed on as the daemon's path but not configured.
    opts.daemon_json = Some("/etc/docker/daemon.json".into());
    assert_status(&check_with(&opts, "3.17"), Status::NotApplicable);
    // The same path given with --config-file: dockerd needs it.
    opts.daemon_json_explicit = true;
    let r = check_with(&opts, "3.17");
    assert_status(&r, Status::Fail);
    assert!(r.message.contains("does not exist"), "{}", r.message);
    // Any other path is explicit.
    let mut opts = h.opts();
    opts.daemon_json = Some("/srv/missing.json".into());
    let r = check_with(&opts, "3.18");
    assert_status(&r, Status::Fail);
    assert!(r.message.contains("--config-file"), "{}", r.message);
}
