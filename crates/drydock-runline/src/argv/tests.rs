use drydock_core::spec::{ContainerSpec, MountKind};
use drydock_core::{FileId, Origin};

use crate::{RunLine, SourceKind, extract};

fn lines(text: &str) -> Vec<RunLine> {
    extract(text, FileId(0), SourceKind::Script).lines
}

fn one(text: &str) -> ContainerSpec {
    let mut l = lines(text);
    assert_eq!(l.len(), 1, "{text}");
    l.remove(0).spec
}

/// The file text an origin covers.
fn at<'a>(text: &'a str, o: &Origin) -> &'a str {
    let r = o.range().expect("file origin");
    &text[r.start as usize..r.end as usize]
}

#[test]
fn every_listed_flag() {
    let t = "docker run --privileged --cap-add SYS_ADMIN --cap-drop=ALL \
--security-opt no-new-privileges --security-opt seccomp=unconfined -u 0:0 --read-only \
-v /var/run/docker.sock:/var/run/docker.sock:ro,rshared -v data:/data \
--mount type=bind,source=/etc,target=/host-etc,readonly,bind-propagation=shared \
-p 127.0.0.1:8080:80/tcp -p2375:2375 --network host --pid=host --ipc host --uts host \
--userns host --cgroupns host --device /dev/kmsg -m 512m --cpus 1.5 --pids-limit 100 \
--ulimit nofile=1024:2048 --sysctl net.ipv4.ip_forward=1 --log-driver none --log-opt max-size=1m \
--restart always --health-cmd 'curl -f http://localhost/' --health-interval 30s \
-e A=1 --env B --env-file ./x.env --name web nginx:1.27 nginx -g 'daemon off;'";
    let s = one(t);
    assert_eq!(at(t, &s.origin), "docker run");
    assert!(s.is_privileged());
    assert_eq!(
        at(t, &s.privileged.as_ref().unwrap().origin),
        "--privileged"
    );
    assert_eq!(s.cap_add[0].value, "SYS_ADMIN");
    assert!(s.drops_all_caps());
    assert_eq!(at(t, &s.cap_drop[0].origin), "ALL");
    assert_eq!(at(t, s.cap_drop_key.as_ref().unwrap()), "--cap-drop=ALL");
    assert_eq!(s.no_new_privileges().map(|x| x.0), Some(true));
    assert_eq!(s.security_opt[1].value, "seccomp=unconfined");
    assert_eq!(at(t, &s.user.as_ref().unwrap().origin), "0:0");
    assert!(s.read_only.as_ref().unwrap().value);
    let m = &s.mounts[0];
    assert_eq!(m.kind.value, MountKind::Bind);
    assert_eq!(
        at(t, &m.source.as_ref().unwrap().origin),
        "/var/run/docker.sock"
    );
    assert_eq!(m.read_only.as_ref().map(|r| r.value), Some(true));
    assert_eq!(
        m.propagation.as_ref().map(|p| p.value.as_str()),
        Some("rshared")
    );
    assert_eq!(s.mounts[1].kind.value, MountKind::Volume);
    let lm = &s.mounts[2];
    assert!(!lm.short_syntax);
    assert_eq!(lm.kind.value, MountKind::Bind);
    assert_eq!(at(t, &lm.source.as_ref().unwrap().origin), "/etc");
    assert_eq!(lm.target.value, "/host-etc");
    assert_eq!(at(t, &lm.propagation.as_ref().unwrap().origin), "shared");
    assert!(lm.read_only.as_ref().unwrap().value);
    let p = &s.ports[0];
    assert_eq!(at(t, &p.host_ip.as_ref().unwrap().origin), "127.0.0.1");
    assert_eq!(at(t, &p.published.as_ref().unwrap().origin), "8080");
    assert_eq!(at(t, &p.target.origin), "80");
    assert_eq!(p.protocol.as_ref().unwrap().value, "tcp");
    assert_eq!(
        at(t, &s.ports[1].published.as_ref().unwrap().origin),
        "2375"
    );
    assert_eq!(s.network_mode.as_ref().unwrap().value, "host");
    assert_eq!(at(t, &s.pid.as_ref().unwrap().origin), "host");
    assert_eq!(s.ipc.as_ref().unwrap().value, "host");
    assert_eq!(s.uts.as_ref().unwrap().value, "host");
    assert_eq!(s.userns_mode.as_ref().unwrap().value, "host");
    assert_eq!(s.cgroup.as_ref().unwrap().value, "host");
    assert_eq!(s.devices[0].value, "/dev/kmsg");
    assert_eq!(s.resources.memory.as_ref().unwrap().value, "512m");
    assert_eq!(s.resources.cpus.as_ref().unwrap().value, "1.5");
    assert_eq!(s.resources.pids.as_ref().unwrap().value, 100);
    assert_eq!(s.ulimits[0].key.value, "nofile");
    assert_eq!(at(t, &s.ulimits[0].value.origin), "1024:2048");
    assert_eq!(s.sysctls[0].key.value, "net.ipv4.ip_forward");
    let log = s.logging.as_ref().unwrap();
    assert_eq!(log.driver.as_ref().unwrap().value, "none");
    assert_eq!(log.options[0].key.value, "max-size");
    assert_eq!(s.restart.as_ref().unwrap().value, "always");
    let h = s.healthcheck.as_ref().unwrap();
    assert_eq!(h.value.test, ["CMD-SHELL", "curl -f http://localhost/"]);
    assert_eq!(h.value.interval.as_deref(), Some("30s"));
    assert_eq!(s.environment[0].key.value, "A");
    assert_eq!(at(t, &s.environment[0].value.origin), "1");
    assert_eq!(s.environment[1].key.value, "B");
    assert_eq!(s.env_files[0].value, "./x.env");
    assert_eq!(s.name, "web");
    assert_eq!(at(t, &s.image.as_ref().unwrap().origin), "nginx:1.27");
    assert!(s.image_ref.is_some());
    // `-e B` takes its value from the client's environment: unknown.
    assert_eq!(s.unknown.len(), 1);
    assert!(s.absence_trusted());
}

#[test]
fn short_flag_forms() {
    let t = "docker run -itd -p80:80 -e=X=1 -uroot -v/a:/b --rm -P alpine sh";
    let s = one(t);
    assert_eq!(at(t, &s.ports[0].published.as_ref().unwrap().origin), "80");
    assert_eq!(s.environment[0].key.value, "X");
    assert_eq!(at(t, &s.user.as_ref().unwrap().origin), "root");
    assert_eq!(at(t, &s.mounts[0].source.as_ref().unwrap().origin), "/a");
    assert_eq!(s.image.as_ref().unwrap().value, "alpine");
    assert!(s.unknown.is_empty());
}

#[test]
fn no_healthcheck_and_bool_values() {
    let s = one("docker run --no-healthcheck --privileged=false --read-only=true x");
    assert!(s.healthcheck.as_ref().unwrap().value.disabled);
    assert!(!s.is_privileged());
    assert!(s.read_only.as_ref().unwrap().value);
}

#[test]
fn wrappers_and_subcommands() {
    let t = "sudo docker container run --privileged a\nexec podman run --pid host b\nX=$(docker create --ipc=host c)\ndocker ps\ndocker container ls\n";
    let l = lines(t);
    assert_eq!(l.len(), 3);
    assert!(l[0].spec.is_privileged());
    assert_eq!(l[1].spec.pid.as_ref().unwrap().value, "host");
    assert_eq!(l[2].subcommand, "create");
    assert_eq!(at(t, &l[2].spec.ipc.as_ref().unwrap().origin), "host");
}

#[test]
fn global_options_and_docker_host() {
    let t = "docker -H tcp://10.0.0.1:2375 --log-level debug run x\nDOCKER_HOST=tcp://h:2375 docker run y\ndocker --host=tcp://z:2376 --tlsverify run z\n";
    let l = lines(t);
    assert_eq!(l.len(), 3);
    assert_eq!(
        at(t, &l[0].docker_host.as_ref().unwrap().origin),
        "tcp://10.0.0.1:2375"
    );
    assert_eq!(l[0].spec.image.as_ref().unwrap().value, "x");
    assert_eq!(
        at(t, &l[1].docker_host.as_ref().unwrap().origin),
        "tcp://h:2375"
    );
    assert!(l[2].client_tls && !l[0].client_tls);
    assert_eq!(
        at(t, &l[0].spec.origin),
        "docker -H tcp://10.0.0.1:2375 --log-level debug run"
    );
}

#[test]
fn continuations_keep_exact_positions() {
    let t = "docker run \\\n  --privileged \\\n  -v \"/etc:/h\" \\\n  img\n";
    let s = one(t);
    assert_eq!(
        at(t, &s.privileged.as_ref().unwrap().origin),
        "--privileged"
    );
    assert_eq!(at(t, &s.mounts[0].source.as_ref().unwrap().origin), "/etc");
    assert_eq!(at(t, &s.mounts[0].target.origin), "/h");
}

#[test]
fn dashdash_and_command_after_image() {
    let s = one("docker run --rm -- img --privileged");
    assert_eq!(s.image.as_ref().unwrap().value, "img");
    assert!(s.privileged.is_none());
}

#[test]
fn unknown_values_are_not_guessed() {
    let t = "docker run --memory \"$MEM\" --user=$U -e TOKEN=$TOKEN -p $PORT:80 --read-only=$RO app:$TAG";
    let s = one(t);
    assert!(s.resources.memory.is_none());
    assert!(s.user.is_none());
    assert!(s.read_only.is_none());
    assert!(s.ports.is_empty());
    assert!(s.image.is_none());
    assert_eq!(s.environment[0].key.value, "TOKEN");
    assert_eq!(at(t, &s.environment[0].value.origin), "$TOKEN");
    let opts: Vec<Option<&str>> = s.unknown.iter().map(|u| u.option.as_deref()).collect();
    assert_eq!(
        opts,
        [
            Some("--memory"),
            Some("--user"),
            Some("--env"),
            Some("--publish"),
            Some("--read-only"),
            Some("image")
        ]
    );
    assert!(!s.absence_trusted());
}

#[test]
fn harmless_unknowns_keep_absence_trusted() {
    let s = one("docker run -v \"$PWD:/src\" -e A=$B --name \"$N\" node:22 npm test");
    assert!(s.mounts.is_empty());
    assert!(s.absence_trusted());
    assert_eq!(s.image.as_ref().unwrap().value, "node:22");
}

#[test]
fn opaque_words_hide_absence() {
    for t in [
        "docker run $DOCKER_OPTS nginx",
        "docker run --rm \"$@\"",
        "docker run ${OPTS} --privileged nginx",
        "docker run --unknown-flag x --privileged img",
    ] {
        let s = one(t);
        assert!(!s.absence_trusted(), "{t}");
        assert!(s.image.is_none(), "{t}");
    }
    // Known options after the opaque word are still read.
    let s = one("docker run $OPTS --privileged nginx");
    assert!(s.is_privileged());
    // An unknown flag followed by an option is taken as a boolean.
    let s = one("docker run --gpu-magic --privileged img");
    assert!(s.is_privileged() && s.absence_trusted());
}

#[test]
fn unbalanced_quotes_give_a_partial_spec() {
    let t = "#!/bin/sh\ndocker run --privileged -v \"/etc:/h nginx\necho done\n";
    let ex = extract(t, FileId(0), SourceKind::Script);
    assert_eq!(ex.lines.len(), 1);
    let s = &ex.lines[0].spec;
    assert!(s.is_privileged());
    assert_eq!(
        at(t, &s.privileged.as_ref().unwrap().origin),
        "--privileged"
    );
    assert!(s.mounts.is_empty());
    assert!(!s.unknown.is_empty());
    assert_eq!(ex.errors.len(), 1);
}

#[test]
fn not_run_lines() {
    assert!(lines("docker build -t x .\ndocker compose up\necho docker run x\n").is_empty());
}

#[test]
fn ipv6_ports() {
    let t = "docker run -p [::1]:8080:80 -p 127.0.0.1::53/udp x";
    let s = one(t);
    assert_eq!(at(t, &s.ports[0].host_ip.as_ref().unwrap().origin), "[::1]");
    assert_eq!(
        at(t, &s.ports[0].published.as_ref().unwrap().origin),
        "8080"
    );
    assert!(s.ports[1].published.is_none());
    assert_eq!(s.ports[1].protocol.as_ref().unwrap().value, "udp");
}

#[test]
fn publish_all_publishes_the_exposed_ports_without_a_binding() {
    let t = "docker run -P --expose 22 --expose 53/udp --expose 80 -p 127.0.0.1:8080:80 app";
    let s = one(t);
    let all: Vec<(&str, &str, &str)> = s
        .ports
        .iter()
        .map(|p| {
            (
                p.target.value.as_str(),
                p.protocol.as_ref().map_or("", |x| x.value.as_str()),
                at(t, &p.origin),
            )
        })
        .collect();
    assert_eq!(
        all,
        [
            ("80", "", "127.0.0.1:8080:80"),
            ("22", "tcp", "-P"),
            ("53", "udp", "-P")
        ]
    );
    assert!(s.ports[1].host_ip.is_none() && s.ports[1].published.is_none());
    assert_eq!(
        one("docker run --publish-all=false --expose 22 app")
            .ports
            .len(),
        0
    );
}
