//! Section 1 (host configuration) checks over fake host trees.

mod common;

use common::{Host, ROOT_MOUNTINFO, assert_status, check_with};
use drydock_host::{AuditctlMode, Status};

// ------------------------------------------------------------ 1.1.1

#[test]
fn check_1_1_1_separate_partition() {
    let h = Host::new();
    // Data root missing → not applicable.
    assert_status(&h.check("1.1.1"), Status::NotApplicable);

    // On the root filesystem → fail.
    h.dir("/var/lib/docker", 0o710);
    let r = h.check("1.1.1");
    assert_status(&r, Status::Fail);
    assert!(r.message.contains("root filesystem"), "{}", r.message);
    assert_eq!(r.origin.as_ref().and_then(|o| o.line), Some(2));

    // Its own device → pass.
    h.file(
        "/proc/self/mountinfo",
        &format!("{ROOT_MOUNTINFO}40 27 8:2 / /var/lib/docker rw,relatime - xfs /dev/sdb1 rw\n"),
        0o444,
    );
    let r = h.check("1.1.1");
    assert_status(&r, Status::Pass);
    assert!(
        r.evidence
            .as_deref()
            .is_some_and(|e| e.contains("xfs /dev/sdb1"))
    );

    // A bind mount from the root device is not a separate partition.
    h.file(
        "/proc/self/mountinfo",
        &format!("{ROOT_MOUNTINFO}40 27 8:1 /srv/docker /var/lib/docker rw - ext4 /dev/sda1 rw\n"),
        0o444,
    );
    let r = h.check("1.1.1");
    assert_status(&r, Status::Fail);
    assert!(r.message.contains("bind mount"), "{}", r.message);

    // A mount on a prefix-sharing sibling does not count.
    h.file(
        "/proc/self/mountinfo",
        &format!("{ROOT_MOUNTINFO}40 27 8:2 / /var/lib/docker-old rw - xfs /dev/sdb1 rw\n"),
        0o444,
    );
    assert_status(&h.check("1.1.1"), Status::Fail);

    // Unreadable mountinfo → error, never a pass.
    h.remove("/proc/self/mountinfo");
    assert_status(&h.check("1.1.1"), Status::Error);
}

#[test]
fn check_1_1_1_follows_data_root_parameter_and_symlinks() {
    let h = Host::new();
    h.dir("/data/docker", 0o710);
    h.dir("/var/lib", 0o755);
    h.symlink("/var/lib/docker", "/data/docker");
    h.file(
        "/proc/self/mountinfo",
        &format!("{ROOT_MOUNTINFO}41 27 8:3 / /data rw - ext4 /dev/sdc1 rw\n"),
        0o444,
    );
    assert_status(&h.check("1.1.1"), Status::Pass);
    let mut opts = h.opts();
    opts.data_root = "/srv/elsewhere".into();
    assert_status(&check_with(&opts, "1.1.1"), Status::NotApplicable);
}

// ------------------------------------------------------------ 1.1.2

#[test]
fn check_1_1_2_trusted_users() {
    let h = Host::new();
    h.file(
        "/etc/passwd",
        "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/h:/bin/sh\ncarol:x:1002:999::/h:/bin/sh\n",
        0o644,
    );
    h.file(
        "/etc/group",
        "root:x:0:\n# comment\ndocker:x:999:alice,bob\n",
        0o644,
    );

    let r = h.check("1.1.2");
    assert_status(&r, Status::Info);
    assert!(r.message.contains("alice, bob, carol"), "{}", r.message);
    assert_eq!(r.origin.as_ref().and_then(|o| o.line), Some(3));

    let mut opts = h.opts();
    opts.trusted_users = Some(vec!["alice".into(), "bob".into(), "carol".into()]);
    assert_status(&check_with(&opts, "1.1.2"), Status::Pass);

    // Exact names: "al" does not trust "alice" (Docker Bench matches substrings).
    opts.trusted_users = Some(vec!["al".into(), "bob".into()]);
    let r = check_with(&opts, "1.1.2");
    assert_status(&r, Status::Fail);
    assert!(r.message.contains("alice, carol"), "{}", r.message);

    h.file("/etc/group", "root:x:0:\n", 0o644);
    assert_status(&h.check("1.1.2"), Status::NotApplicable);
    h.remove("/etc/group");
    assert_status(&h.check("1.1.2"), Status::Error);
}

// ------------------------------------------------------------ 1.1.3–1.1.18

#[derive(Clone, Copy)]
enum Obj {
    File,
    Dir,
    Socket,
}

/// (id, host path of the object, what it is, a different path containing it as a substring)
const AUDIT_CASES: &[(&str, &str, Obj, &str)] = &[
    (
        "1.1.3",
        "/usr/bin/dockerd",
        Obj::File,
        "/usr/bin/dockerd-rootless.sh",
    ),
    ("1.1.4", "/run/containerd", Obj::Dir, "/run/containerd-old"),
    ("1.1.5", "/var/lib/docker", Obj::Dir, "/var/lib/docker.bak"),
    ("1.1.6", "/etc/docker", Obj::Dir, "/etc/dockerx"),
    (
        "1.1.7",
        "/lib/systemd/system/docker.service",
        Obj::File,
        "/lib/systemd/system/docker.service.d",
    ),
    (
        "1.1.8",
        "/run/containerd/containerd.sock",
        Obj::Socket,
        "/run/containerd/containerd.sock.ttrpc",
    ),
    (
        "1.1.9",
        "/run/docker.sock",
        Obj::Socket,
        "/run/docker.sock2",
    ),
    (
        "1.1.10",
        "/etc/default/docker",
        Obj::File,
        "/etc/default/docker.dpkg-old",
    ),
    (
        "1.1.11",
        "/etc/docker/daemon.json",
        Obj::File,
        "/etc/docker/daemon.json.bak",
    ),
    (
        "1.1.12",
        "/etc/containerd/config.toml",
        Obj::File,
        "/etc/containerd/config.toml.orig",
    ),
    (
        "1.1.13",
        "/etc/sysconfig/docker",
        Obj::File,
        "/etc/sysconfig/docker-storage",
    ),
    (
        "1.1.14",
        "/usr/bin/containerd",
        Obj::File,
        "/usr/bin/containerd-shim-runc-v2",
    ),
    (
        "1.1.15",
        "/usr/bin/containerd-shim",
        Obj::File,
        "/usr/bin/containerd-shim-runc-v2",
    ),
    (
        "1.1.16",
        "/usr/bin/containerd-shim-runc-v1",
        Obj::File,
        "/usr/bin/containerd-shim-runc-v10",
    ),
    (
        "1.1.17",
        "/usr/bin/containerd-shim-runc-v2",
        Obj::File,
        "/usr/bin/containerd-shim-runc-v2x",
    ),
    ("1.1.18", "/usr/bin/runc", Obj::File, "/usr/bin/runcx"),
];

fn make(h: &mut Host, path: &str, obj: Obj) {
    match obj {
        Obj::File => h.file(path, "x\n", 0o644),
        Obj::Dir => h.dir(path, 0o755),
        Obj::Socket => h.socket(path, 0o660),
    }
}

fn rules(h: &Host, text: &str) {
    h.file("/etc/audit/rules.d/docker.rules", text, 0o640);
}

#[test]
fn audit_checks_not_applicable_when_missing() {
    let h = Host::new();
    rules(&h, "-w /usr/bin/dockerd -k docker\n");
    for (id, _, _, _) in AUDIT_CASES {
        let r = h.check(id);
        assert_status(&r, Status::NotApplicable);
        assert!(
            r.message.contains("not") || r.message.contains("no "),
            "{id}: {}",
            r.message
        );
    }
}

#[test]
fn audit_checks_pass_fail_per_rule_form() {
    for (id, path, obj, other) in AUDIT_CASES {
        let mut h = Host::new();
        make(&mut h, path, *obj);
        if *id == "1.1.9" {
            h.file(
                "/lib/systemd/system/docker.socket",
                "[Socket]\nListenStream=/run/docker.sock\n",
                0o644,
            );
        }

        // No rules at all.
        let r = h.check(id);
        assert_status(&r, Status::Fail);

        // A watch.
        rules(&h, &format!("## docker\n-w {path} -p wa -k docker\n"));
        let r = h.check(id);
        assert_status(&r, Status::Pass);
        assert_eq!(r.origin.as_ref().and_then(|o| o.line), Some(2), "{id}");

        // A watch without -p (all permissions).
        rules(&h, &format!("-w {path} -k docker\n"));
        assert_status(&h.check(id), Status::Pass);

        // A syscall rule with path=.
        rules(
            &h,
            &format!("-a always,exit -F arch=b64 -F path={path} -F perm=war -k docker\n"),
        );
        assert_status(&h.check(id), Status::Pass);
        rules(
            &h,
            &format!("-a exit,always -F path={path} -F perm=wa -F key=docker\n"),
        );
        assert_status(&h.check(id), Status::Pass);

        // A rule for a different path that contains the wanted one: does not count.
        rules(&h, &format!("-w {other} -p wa -k docker\n"));
        let r = h.check(id);
        assert_status(&r, Status::Fail);

        // Commented out.
        rules(&h, &format!("# -w {path} -p wa -k docker\n  #-w {path}\n"));
        assert_status(&h.check(id), Status::Fail);

        // A never rule is an exclusion, not auditing.
        rules(&h, &format!("-a never,exit -F path={path}\n"));
        assert_status(&h.check(id), Status::Fail);

        // Read-only auditing does not record changes.
        rules(&h, &format!("-w {path} -p r -k docker\n"));
        let r = h.check(id);
        assert_status(&r, Status::Fail);
        assert!(r.message.contains("writes"), "{id}: {}", r.message);

        // The compiled /etc/audit/audit.rules counts too.
        h.remove("/etc/audit/rules.d/docker.rules");
        h.file(
            "/etc/audit/audit.rules",
            &format!("-D\n-b 8192\n-w {path} -p rwxa -k docker\n-e 2\n"),
            0o640,
        );
        let r = h.check(id);
        assert_status(&r, Status::Pass);
        assert_eq!(
            r.origin.as_ref().map(|o| o.path.clone()),
            Some("/etc/audit/audit.rules".into())
        );
    }
}

#[test]
fn audit_rules_loaded_versus_persisted() {
    let mut h = Host::new();
    make(&mut h, "/etc/docker", Obj::Dir);
    let rule = "-w /etc/docker -p wa -k docker";
    let mut opts = h.opts();

    // In both: pass.
    rules(&h, &format!("{rule}\n"));
    opts.auditctl = AuditctlMode::Output(format!("{rule}\n"));
    assert_status(&check_with(&opts, "1.1.6"), Status::Pass);

    // Only in the files: not loaded.
    opts.auditctl = AuditctlMode::Output("No rules\n".into());
    let r = check_with(&opts, "1.1.6");
    assert_status(&r, Status::Warn);
    assert!(r.message.contains("not loaded"), "{}", r.message);

    // Only loaded: lost on reboot.
    h.remove("/etc/audit/rules.d/docker.rules");
    opts.auditctl = AuditctlMode::Output(format!("{rule}\n"));
    let r = check_with(&opts, "1.1.6");
    assert_status(&r, Status::Warn);
    assert!(r.message.contains("reboot"), "{}", r.message);

    // Neither.
    opts.auditctl = AuditctlMode::Output(String::new());
    assert_status(&check_with(&opts, "1.1.6"), Status::Fail);
}

#[test]
fn directory_rules_cover_their_contents_path_rules_do_not() {
    let h = Host::new();
    h.file("/etc/docker/daemon.json", "{}", 0o644);
    rules(&h, "-w /etc/docker/ -p wa -k docker\n");
    let r = h.check("1.1.11");
    assert_status(&r, Status::Pass);
    rules(
        &h,
        "-a always,exit -F dir=/etc/docker -F perm=wa -k docker\n",
    );
    assert_status(&h.check("1.1.11"), Status::Pass);
    rules(
        &h,
        "-a always,exit -F path=/etc/docker -F perm=wa -k docker\n",
    );
    assert_status(&h.check("1.1.11"), Status::Fail);
}

#[test]
fn socket_rule_through_var_run_symlink() {
    let mut h = Host::new();
    h.socket("/run/docker.sock", 0o660);
    rules(&h, "-w /var/run/docker.sock -k docker\n");
    assert_status(&h.check("1.1.9"), Status::Pass);
}

#[test]
fn a_rule_on_a_symlink_audits_the_link_not_the_binary() {
    let h = Host::new();
    h.file("/usr/sbin/runc", "x", 0o755);
    h.symlink("/usr/bin/runc", "/usr/sbin/runc");
    rules(&h, "-w /usr/bin/runc -k docker\n");
    let r = h.check("1.1.18");
    assert_status(&r, Status::Fail);
    assert!(
        r.message.contains("/usr/bin/runc (-> /usr/sbin/runc)"),
        "{}",
        r.message
    );
    rules(&h, "-w /usr/sbin/runc -k docker\n");
    assert_status(&h.check("1.1.18"), Status::Pass);
}

#[test]
fn unreadable_rules_are_an_error_not_a_pass() {
    let h = Host::new();
    h.dir("/etc/docker", 0o755);
    // audit.rules is a directory: reading it fails.
    h.dir("/etc/audit/audit.rules", 0o755);
    let r = h.check("1.1.6");
    assert_status(&r, Status::Error);
    // A rule found elsewhere still counts.
    rules(&h, "-w /etc/docker -k docker\n");
    assert_status(&h.check("1.1.6"), Status::Pass);
}

fn script(h: &Host, name: &str, body: &str) -> std::path::PathBuf {
    let host = format!("/tools/{name}");
    h.file(&host, &format!("#!/bin/sh\n{body}\n"), 0o755);
    h.path(&host)
}

#[test]
fn auditctl_program_output_failure_and_timeout() {
    let h = Host::new();
    h.dir("/etc/docker", 0o755);
    rules(&h, "-w /etc/docker -k docker\n");
    let mut opts = h.opts();

    // auditctl not consulted: judged on the files, and says so.
    let r = check_with(&opts, "1.1.6");
    assert_status(&r, Status::Pass);
    assert!(r.message.contains("not verified"), "{}", r.message);

    // A real program printing the loaded rules.
    opts.auditctl =
        AuditctlMode::Program(script(&h, "ok", "echo '-w /etc/docker -p rwxa -k docker'"));
    assert_status(&check_with(&opts, "1.1.6"), Status::Pass);

    // auditctl fails: the files alone do not make a silent pass.
    opts.auditctl =
        AuditctlMode::Program(script(&h, "fail", "echo 'You must be root' >&2; exit 1"));
    let r = check_with(&opts, "1.1.6");
    assert_status(&r, Status::Error);
    assert!(r.message.contains("You must be root"), "{}", r.message);

    // auditctl hangs: killed after the timeout, error.
    opts.auditctl = AuditctlMode::Program(script(&h, "hang", "exec sleep 5"));
    opts.auditctl_timeout = std::time::Duration::from_millis(100);
    let start = std::time::Instant::now();
    let r = check_with(&opts, "1.1.6");
    assert!(start.elapsed() < std::time::Duration::from_secs(3));
    assert_status(&r, Status::Error);
    assert!(r.message.contains("did not finish"), "{}", r.message);

    // auditctl fails and no rule in the files: a plain fail.
    h.remove("/etc/audit/rules.d/docker.rules");
    opts.auditctl = AuditctlMode::Program(script(&h, "fail2", "exit 1"));
    assert_status(&check_with(&opts, "1.1.6"), Status::Fail);
}

#[test]
fn dockerd_path_parameter() {
    let h = Host::new();
    h.file("/opt/docker/bin/dockerd", "x", 0o755);
    let mut opts = h.opts();
    assert_status(&check_with(&opts, "1.1.3"), Status::NotApplicable);
    opts.dockerd_path = Some("/opt/docker/bin/dockerd".into());
    assert_status(&check_with(&opts, "1.1.3"), Status::Fail);
    rules(&h, "-w /opt/docker/bin/dockerd -k docker\n");
    assert_status(&check_with(&opts, "1.1.3"), Status::Pass);
}

// ------------------------------------------------------------ 1.2

#[test]
fn general_checks_are_manual_with_guidance() {
    let h = Host::new();
    for id in ["1.2.1", "1.2.2"] {
        let r = h.check(id);
        assert_status(&r, Status::Manual);
        assert!(r.message.len() > 40, "{id}: {}", r.message);
    }
}
