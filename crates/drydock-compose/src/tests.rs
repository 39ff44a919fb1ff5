use super::*;
use drydock_core::fs::MemoryFs;
use drydock_core::spec::MountKind;

struct Loaded {
    proj: ComposeProject,
    sources: SourceMap,
}

impl Loaded {
    /// The text an origin points at.
    fn at(&self, o: &Origin) -> String {
        let (f, r) = o.file_range().expect("file origin");
        self.sources.get(f).unwrap().slice(r).to_string()
    }

    fn path_of(&self, o: &Origin) -> String {
        let (f, _) = o.file_range().unwrap();
        self.sources.get(f).unwrap().path.clone()
    }

    fn svc(&self, name: &str) -> &ContainerSpec {
        self.proj.service(name).unwrap()
    }
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn load_with(text: &str, fs: &MemoryFs, env: &dyn Fn(&str) -> Option<String>) -> Loaded {
    let mut sources = SourceMap::new();
    let id = sources.add(SourceFile::new("/p/compose.yaml", FileKind::Compose, text));
    let opts = LoadOptions { fs, env };
    let proj = load(Path::new("/p/compose.yaml"), id, &mut sources, &opts);
    Loaded { proj, sources }
}

fn load_str(text: &str) -> Loaded {
    load_with(text, &MemoryFs::new(), &no_env)
}

#[test]
fn basic_service_fields() {
    let t = "\
services:
  web:
    image: nginx:1.25
    privileged: true
    user: \"1000:1000\"
    cap_add: [NET_ADMIN]
    cap_drop:
      - ALL
    security_opt:
      - no-new-privileges:true
    read_only: false
    network_mode: host
    pid: host
    restart: always
    tmpfs: /run
    oom_score_adj: -500
";
    let l = load_str(t);
    assert!(l.proj.errors.is_empty(), "{:?}", l.proj.errors);
    let s = l.svc("web");
    assert_eq!(l.at(&s.origin), "web");
    assert_eq!(s.image.as_ref().unwrap().value, "nginx:1.25");
    assert_eq!(s.image_ref.as_ref().unwrap().tag.as_deref(), Some("1.25"));
    assert!(s.is_privileged());
    assert_eq!(l.at(&s.privileged.as_ref().unwrap().origin), "true");
    assert_eq!(l.at(&s.user.as_ref().unwrap().origin), "\"1000:1000\"");
    assert_eq!(l.at(&s.cap_add[0].origin), "NET_ADMIN");
    assert_eq!(l.at(&s.cap_drop[0].origin), "ALL");
    assert_eq!(l.at(s.cap_drop_key.as_ref().unwrap()), "cap_drop");
    assert_eq!(s.no_new_privileges().map(|x| x.0), Some(true));
    assert_eq!(s.read_only.as_ref().map(|b| b.value), Some(false));
    assert_eq!(s.tmpfs[0].value, "/run");
    assert_eq!(s.oom_score_adj.as_ref().unwrap().value, -500);
    let a = s.insert_at.as_ref().unwrap();
    assert_eq!(a.indent, "    ");
    assert_eq!(a.offset as usize, t.len());
    assert!(!a.needs_newline);
}

#[test]
fn insert_at_before_next_service_and_without_newline() {
    let t = "services:\n  a:\n    image: x # c\n  b:\n    image: y";
    let l = load_str(t);
    let a = l.svc("a").insert_at.clone().unwrap();
    assert_eq!(&t[a.offset as usize..], "  b:\n    image: y");
    let b = l.svc("b").insert_at.clone().unwrap();
    assert_eq!(b.offset as usize, t.len());
    assert!(b.needs_newline);
    let l = load_str("services:\n  a: {image: x}\n");
    assert!(l.svc("a").insert_at.is_none());
    // Inserted lines follow a CRLF file's line ending.
    assert_eq!(a.newline, "\n");
    let l = load_str("services:\r\n  a:\r\n    image: x\r\n");
    let a = l.svc("a").insert_at.clone().unwrap();
    assert_eq!(a.newline, "\r\n");
    assert_eq!(
        a.insert("read_only: true").content,
        "    read_only: true\r\n"
    );
}

#[test]
fn merge_key_origins_point_at_anchor() {
    let t = "\
x-defaults: &defaults
  privileged: true
  restart: always
services:
  a:
    <<: *defaults
    restart: \"no\"
    image: a
";
    let l = load_str(t);
    assert!(l.proj.errors.is_empty(), "{:?}", l.proj.errors);
    let s = l.svc("a");
    let p = s.privileged.as_ref().unwrap();
    assert!(p.value);
    let r = p.origin.range().unwrap();
    assert_eq!(r.slice(t), "true");
    assert_eq!(r.start as usize, t.find("true").unwrap());
    assert_eq!(l.at(&s.restart.as_ref().unwrap().origin), "\"no\"");
    // The insertion point stays within the service's own lines.
    assert_eq!(s.insert_at.as_ref().unwrap().offset as usize, t.len());
}

#[test]
fn alias_value_origin() {
    let t = "x-caps: &caps\n  - NET_RAW\nservices:\n  a:\n    image: a\n    cap_add: *caps\n";
    let l = load_str(t);
    let s = l.svc("a");
    assert_eq!(
        s.cap_add[0].origin.range().unwrap().start as usize,
        t.find("NET_RAW").unwrap()
    );
}

#[test]
fn ports_short_and_long() {
    let t = "\
services:
  a:
    image: a
    ports:
      - \"8080:80\"
      - 127.0.0.1:8443:443/udp
      - \"[::1]:53:53\"
      - \"9000\"
      - 3000
      - 8000-8010:8000-8010
      - 127.0.0.1::81
      - target: 80
        published: \"8081\"
        host_ip: 0.0.0.0
        protocol: tcp
        mode: host
";
    let l = load_str(t);
    assert!(l.proj.errors.is_empty(), "{:?}", l.proj.errors);
    let p = &l.svc("a").ports;
    assert_eq!(p.len(), 8);
    assert_eq!(l.at(&p[0].origin), "\"8080:80\"");
    assert_eq!(l.at(&p[0].published.as_ref().unwrap().origin), "8080");
    assert_eq!(l.at(&p[0].target.origin), "80");
    assert!(p[0].binds_all_interfaces());
    assert_eq!(l.at(&p[1].host_ip.as_ref().unwrap().origin), "127.0.0.1");
    assert_eq!(p[1].protocol.as_ref().unwrap().value, "udp");
    assert_eq!(l.at(&p[1].protocol.as_ref().unwrap().origin), "udp");
    assert!(!p[1].binds_all_interfaces());
    assert_eq!(p[2].host_ip.as_ref().unwrap().value, "[::1]");
    assert_eq!(p[2].published.as_ref().unwrap().value, "53");
    assert!(p[3].published.is_none());
    assert_eq!(p[3].target.value, "9000");
    assert_eq!(p[4].target.value, "3000");
    assert_eq!(p[5].published_range(), Some((8000, 8010)));
    assert!(p[6].published.is_none());
    assert_eq!(p[6].target.value, "81");
    assert!(!p[7].short_syntax);
    assert_eq!(l.at(&p[7].published.as_ref().unwrap().origin), "\"8081\"");
    assert!(p[7].binds_all_interfaces());
    assert_eq!(p[7].target.value, "80");
}

#[test]
fn volumes_short_and_long() {
    let t = "\
services:
  a:
    image: a
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro
      - ./data:/data:rw,z
      - named:/srv
      - /anon
      - ~/x:/x:rslave
      - /y:ro
      - type: bind
        source: /etc
        target: /host-etc
        read_only: true
        bind:
          propagation: rshared
      - type: tmpfs
        target: /tmp
";
    let l = load_str(t);
    assert!(l.proj.errors.is_empty(), "{:?}", l.proj.errors);
    let m = &l.svc("a").mounts;
    assert_eq!(m.len(), 8);
    assert_eq!(m[0].kind.value, MountKind::Bind);
    assert_eq!(
        l.at(&m[0].source.as_ref().unwrap().origin),
        "/var/run/docker.sock"
    );
    assert!(m[0].read_only.as_ref().unwrap().value);
    assert_eq!(l.at(&m[0].read_only.as_ref().unwrap().origin), "ro");
    assert_eq!(m[1].kind.value, MountKind::Bind);
    assert!(!m[1].read_only.as_ref().unwrap().value);
    assert_eq!(m[1].selinux.as_ref().unwrap().value, "z");
    assert_eq!(l.at(&m[1].selinux.as_ref().unwrap().origin), "z");
    assert_eq!(m[2].kind.value, MountKind::Volume);
    assert_eq!(m[2].source.as_ref().unwrap().value, "named");
    assert!(m[3].source.is_none());
    assert_eq!(m[3].target.value, "/anon");
    assert_eq!(m[4].propagation.as_ref().unwrap().value, "rslave");
    assert!(m[5].source.is_none());
    assert!(m[5].read_only.as_ref().unwrap().value);
    assert!(!m[6].short_syntax);
    assert_eq!(m[6].kind.value, MountKind::Bind);
    assert_eq!(l.at(&m[6].kind.origin), "bind");
    assert_eq!(m[6].propagation.as_ref().unwrap().value, "rshared");
    assert_eq!(l.at(&m[6].read_only.as_ref().unwrap().origin), "true");
    assert_eq!(m[7].kind.value, MountKind::Tmpfs);
}

#[test]
fn volume_from_an_unset_variable_is_unknown_not_invalid() {
    // `MEDIA` is typically set in a `.env` that is not committed.
    let t = "services:\n  a:\n    image: a\n    volumes:\n      - ${MEDIA}:/media\n      - ./x:/x\n      - /a:/b:/c:/d\n";
    let l = load_str(t);
    let errors: Vec<_> = l.proj.errors.iter().map(|e| e.message.clone()).collect();
    // Only the volume that is wrong whatever the variables hold.
    assert_eq!(errors, ["invalid volume \"/a:/b:/c:/d\""]);
    let m = &l.svc("a").mounts;
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].target.value, "/x");
    // With the variable set, the mount is known.
    let l = load_with(t, &MemoryFs::new(), &|n| {
        (n == "MEDIA").then(|| "/srv/media".into())
    });
    assert_eq!(
        l.svc("a").mounts[0].source.as_ref().unwrap().value,
        "/srv/media"
    );
}

#[test]
fn environment_forms_and_env_file() {
    let t = "\
services:
  a:
    image: a
    env_file:
      - common.env
      - path: optional.env
        required: false
    environment:
      - A=1
      - BARE
      - SHARED=from-compose
  b:
    image: b
    env_file: missing.env
    environment:
      K: v
      N:
";
    let fs = MemoryFs::new().with(
        "/p/common.env",
        "# c\nSHARED=from-file\nFILEVAR=\"quoted\"\n",
    );
    let l = load_with(t, &fs, &no_env);
    let a = l.svc("a");
    let env: Vec<(&str, &str)> = a
        .environment
        .iter()
        .map(|kv| (kv.key.value.as_str(), kv.value.value.as_str()))
        .collect();
    assert_eq!(
        env,
        vec![
            ("FILEVAR", "quoted"),
            ("A", "1"),
            ("BARE", ""),
            ("SHARED", "from-compose")
        ]
    );
    assert_eq!(l.path_of(&a.environment[0].origin), "/p/common.env");
    assert_eq!(l.at(&a.environment[0].value.origin), "\"quoted\"");
    assert_eq!(l.at(&a.environment[0].key.origin), "FILEVAR");
    assert_eq!(l.at(&a.environment[1].origin), "A=1");
    assert_eq!(l.at(&a.environment[1].key.origin), "A");
    assert_eq!(l.at(&a.environment[1].value.origin), "1");
    assert_eq!(l.at(&a.environment[2].value.origin), "BARE");
    assert_eq!(a.env_files.len(), 2);
    assert_eq!(l.proj.env_files.len(), 1);
    let b = l.svc("b");
    assert_eq!(l.at(&b.environment[0].origin), "K: v");
    assert_eq!(b.environment[1].value.value, "");
    assert_eq!(l.at(&b.environment[1].value.origin), "N");
    // Only the missing required env file is an error.
    assert_eq!(l.proj.errors.len(), 1, "{:?}", l.proj.errors);
    assert_eq!(
        l.at(&Origin::file(l.proj.errors[0].file, l.proj.errors[0].range)),
        "missing.env"
    );
    // Named as written, and reported by its own rule.
    assert!(
        l.proj.errors[0]
            .message
            .starts_with("env_file `missing.env` does not exist")
    );
    assert_eq!(l.proj.errors[0].rule, Some(RULE_ENV_FILE_MISSING));
}

#[test]
fn interpolation_with_dotenv_and_env() {
    let t = "\
services:
  a:
    image: \"${IMG:-busybox}:${TAG}\"
    user: $USERID
    container_name: ${NAME:?name is required}
    labels:
      cost: $$5
      both: ${FROM_BOTH}
";
    let fs = MemoryFs::new().with("/p/.env", "TAG=1.36\nUSERID=1000\nFROM_BOTH=dotenv\n");
    let env = |n: &str| (n == "FROM_BOTH").then(|| "process".to_string());
    let l = load_with(t, &fs, &env);
    let a = l.svc("a");
    assert_eq!(a.image.as_ref().unwrap().value, "busybox:1.36");
    assert_eq!(
        l.at(&a.image.as_ref().unwrap().origin),
        "\"${IMG:-busybox}:${TAG}\""
    );
    assert_eq!(a.image_ref.as_ref().unwrap().tag.as_deref(), Some("1.36"));
    assert_eq!(a.user.as_ref().unwrap().value, "1000");
    assert_eq!(a.labels[0].value.value, "$5");
    assert_eq!(a.labels[1].value.value, "process");
    assert_eq!(l.proj.errors.len(), 1, "{:?}", l.proj.errors);
    let e = &l.proj.errors[0];
    assert!(!e.fatal);
    assert!(e.message.contains("name is required"));
    assert_eq!(e.range.slice(t), "${NAME:?name is required}");
    assert_eq!(l.proj.env_files.len(), 1);
}

#[test]
fn extends_across_files() {
    let base = "\
services:
  common:
    image: base:1
    cap_add: [SYS_ADMIN]
    environment:
      A: base
      B: base
    ports: [\"80:80\"]
";
    let t = "\
services:
  web:
    extends:
      file: base.yml
      service: common
    environment:
      B: local
    ports: [\"443:443\"]
  local:
    extends: web
    privileged: true
";
    let fs = MemoryFs::new().with("/p/base.yml", base);
    let l = load_with(t, &fs, &no_env);
    assert!(l.proj.errors.is_empty(), "{:?}", l.proj.errors);
    let w = l.svc("web");
    assert_eq!(w.image.as_ref().unwrap().value, "base:1");
    assert_eq!(l.path_of(&w.image.as_ref().unwrap().origin), "/p/base.yml");
    assert_eq!(l.at(&w.image.as_ref().unwrap().origin), "base:1");
    assert_eq!(l.at(&w.cap_add[0].origin), "SYS_ADMIN");
    let env: Vec<(&str, &str)> = w
        .environment
        .iter()
        .map(|kv| (kv.key.value.as_str(), kv.value.value.as_str()))
        .collect();
    assert_eq!(env, vec![("A", "base"), ("B", "local")]);
    assert_eq!(w.ports.len(), 2);
    assert_eq!(l.at(&w.origin), "web");
    let loc = l.svc("local");
    assert!(loc.is_privileged());
    assert_eq!(loc.image.as_ref().unwrap().value, "base:1");
    assert_eq!(loc.ports.len(), 2);
}

#[test]
fn extends_cycle_and_missing() {
    let t = "services:\n  a:\n    extends: b\n    image: a\n  b:\n    extends: a\n  c:\n    extends: nope\n";
    let l = load_str(t);
    assert_eq!(l.proj.services.len(), 3);
    assert!(l.proj.errors.iter().any(|e| e.message.contains("cycle")));
    assert!(
        l.proj
            .errors
            .iter()
            .any(|e| e.message.contains("no service `nope`"))
    );
}

#[test]
fn include_files() {
    let t = "include:\n  - inc/db.yml\n  - path: other.yml\nservices:\n  web:\n    image: web\n";
    let db = "services:\n  db:\n    image: postgres\n    privileged: true\nvolumes:\n  data: {}\n";
    let other = "include:\n  - compose.yaml\nservices:\n  o:\n    image: o\n";
    let fs = MemoryFs::new()
        .with("/p/inc/db.yml", db)
        .with("/p/other.yml", other)
        .with("/p/compose.yaml", t);
    let l = load_with(t, &fs, &no_env);
    let names: Vec<&str> = l.proj.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, vec!["web", "db", "o"]);
    let db = l.svc("db");
    assert_eq!(
        l.path_of(&db.privileged.as_ref().unwrap().origin),
        "/p/inc/db.yml"
    );
    assert_eq!(l.at(&db.privileged.as_ref().unwrap().origin), "true");
    assert_eq!(l.proj.volumes.len(), 1);
    assert_eq!(l.proj.errors.len(), 1, "{:?}", l.proj.errors);
    assert!(l.proj.errors[0].message.contains("cycle"));
}

#[test]
fn top_level_definitions() {
    let t = "\
version: \"3.8\"
name: proj
services:
  a:
    image: a
    networks: [front]
    secrets:
      - db_pw
      - source: api
        target: /run/api
networks:
  front:
    driver: overlay
    driver_opts:
      encrypted: \"\"
    internal: true
  ext:
    external: true
volumes:
  data:
  old:
    external:
      name: x
secrets:
  db_pw:
    file: ./pw.txt
  api:
    environment: API_KEY
configs:
  c:
    content: hi
x-custom: 1
bogus: 2
";
    let l = load_str(t);
    let p = &l.proj;
    assert_eq!(p.version.as_ref().unwrap().value, "3.8");
    assert_eq!(p.name.as_ref().unwrap().value, "proj");
    assert_eq!(p.networks.len(), 2);
    assert!(p.networks[0].encrypted);
    assert!(p.networks[0].internal.as_ref().unwrap().value);
    assert_eq!(l.at(&p.networks[0].name.origin), "front");
    assert!(p.networks[1].external.as_ref().unwrap().value);
    assert_eq!(p.volumes.len(), 2);
    assert!(p.volumes[1].external.as_ref().unwrap().value);
    assert_eq!(p.secrets[0].file.as_ref().unwrap().value, "./pw.txt");
    assert_eq!(p.secrets[1].environment.as_ref().unwrap().value, "API_KEY");
    assert_eq!(p.configs[0].content.as_ref().unwrap().value, "hi");
    let s = l.svc("a");
    assert_eq!(
        s.secrets
            .iter()
            .map(|x| x.value.as_str())
            .collect::<Vec<_>>(),
        vec!["db_pw", "api"]
    );
    assert_eq!(s.networks[0].value, "front");
    assert_eq!(p.errors.len(), 1);
    assert!(p.errors[0].message.contains("bogus"));
}

#[test]
fn other_service_keys() {
    let t = "\
services:
  a:
    build:
      context: .
      dockerfile: Dockerfile.dev
      args:
        - VERSION=1
        - FROM_ENV
      secrets: [npm]
      privileged: true
    deploy:
      resources:
        limits:
          memory: 512M
          cpus: \"0.5\"
          pids: 100
        reservations:
          memory: 128M
    mem_limit: 1g
    cpu_shares: 512
    memswap_limit: 2g
    ulimits:
      nproc: 65535
      nofile:
        soft: 1024
        hard: 2048
    sysctls:
      - net.ipv4.ip_forward=1
    logging:
      driver: json-file
      options:
        max-size: 10m
    healthcheck:
      test: [\"NONE\"]
    devices:
      - /dev/fuse
      - source: /dev/sda
        target: /dev/xvda
        permissions: r
    extra_hosts:
      host.docker.internal: host-gateway
    labels:
      - a=b
    oom_kill_disable: true
    ipc: host
    uts: host
    userns_mode: host
    cgroup: host
    cgroup_parent: p
    expose: [\"3000\", 4000]
    configs: [cfg]
  b:
    build: ./dir
    healthcheck:
      test: curl -f http://localhost
      interval: 30s
      retries: 3
    pids_limit: 10
    cpus: 2
";
    let l = load_str(t);
    assert!(l.proj.errors.is_empty(), "{:?}", l.proj.errors);
    let a = l.svc("a");
    let b = a.build.as_ref().unwrap();
    assert_eq!(b.dockerfile.as_ref().unwrap().value, "Dockerfile.dev");
    assert_eq!(b.args[0].1.as_ref().unwrap().value, "1");
    assert!(b.args[1].1.is_none());
    assert_eq!(b.secrets[0].value, "npm");
    assert!(b.privileged.as_ref().unwrap().value);
    let r = &a.resources;
    assert_eq!(r.memory.as_ref().unwrap().value, "512M");
    assert_eq!(r.cpus.as_ref().unwrap().value, "0.5");
    assert_eq!(r.pids.as_ref().unwrap().value, 100);
    assert_eq!(r.memory_reservation.as_ref().unwrap().value, "128M");
    assert_eq!(r.cpu_shares.as_ref().unwrap().value, "512");
    assert_eq!(r.memswap.as_ref().unwrap().value, "2g");
    assert_eq!(a.ulimits[0].value.value, "65535");
    assert_eq!(a.ulimits[1].value.value, "1024:2048");
    assert_eq!(l.at(&a.ulimits[1].key.origin), "nofile");
    assert_eq!(a.sysctls[0].key.value, "net.ipv4.ip_forward");
    let lg = a.logging.as_ref().unwrap();
    assert_eq!(lg.driver.as_ref().unwrap().value, "json-file");
    assert_eq!(lg.options[0].value.value, "10m");
    assert!(a.healthcheck.as_ref().unwrap().disabled);
    assert_eq!(a.devices[0].value, "/dev/fuse");
    assert_eq!(a.devices[1].value, "/dev/sda:/dev/xvda:r");
    assert_eq!(a.extra_hosts[0].value, "host.docker.internal:host-gateway");
    assert_eq!(a.labels[0].key.value, "a");
    assert!(a.oom_kill_disable.as_ref().unwrap().value);
    assert_eq!(a.ipc.as_ref().unwrap().value, "host");
    assert_eq!(a.uts.as_ref().unwrap().value, "host");
    assert_eq!(a.userns_mode.as_ref().unwrap().value, "host");
    assert_eq!(a.cgroup.as_ref().unwrap().value, "host");
    assert_eq!(a.cgroup_parent.as_ref().unwrap().value, "p");
    assert_eq!(a.expose.len(), 2);
    assert_eq!(a.configs[0].value, "cfg");
    let b = l.svc("b");
    assert_eq!(
        b.build.as_ref().unwrap().context.as_ref().unwrap().value,
        "./dir"
    );
    let h = b.healthcheck.as_ref().unwrap();
    assert_eq!(
        h.test,
        vec![
            "CMD-SHELL".to_string(),
            "curl -f http://localhost".to_string()
        ]
    );
    assert_eq!(h.interval.as_deref(), Some("30s"));
    assert!(!h.disabled);
    assert_eq!(b.resources.pids.as_ref().unwrap().value, 10);
    assert_eq!(b.resources.cpus.as_ref().unwrap().value, "2");
}

#[test]
fn type_errors_are_reported() {
    let t = "services:\n  a:\n    image: a\n    privileged: \"maybe\"\n    read_only: yes\n    cap_add: NET_ADMIN\n  b: just-a-string\n";
    let l = load_str(t);
    let a = l.svc("a");
    assert!(a.privileged.is_none());
    assert!(a.read_only.as_ref().unwrap().value);
    assert!(l.proj.service("b").is_none());
    assert_eq!(l.proj.errors.len(), 4, "{:?}", l.proj.errors);
    assert!(l.proj.errors.iter().all(|e| !e.fatal));
}

#[test]
fn structural_errors() {
    let l = load_str("- a\n- b\n");
    assert!(l.proj.has_fatal_error());
    let l = load_str("services: [a]\n");
    assert!(!l.proj.has_fatal_error());
    assert_eq!(l.proj.errors.len(), 1);
    let l = load_str("services:\n  a: [\n");
    assert!(l.proj.has_fatal_error());
    assert!(l.proj.errors[0].range.start > 0);
    let l = load_str("# nothing\n");
    assert!(!l.proj.has_fatal_error());
    assert_eq!(l.proj.errors.len(), 1);
    let l = load_str("services:\n  a:\n    image: a\n---\nservices: {}\n");
    assert_eq!(l.proj.services.len(), 1);
    assert_eq!(l.proj.errors.len(), 1);
}

#[test]
fn non_ascii_before_values() {
    let t = "# café ☕ 日本語\nservices:\n  ünï:\n    labels:\n      desc: \"naïve — ok\"\n    image: \"nginx\"\n    privileged: true\n";
    let l = load_str(t);
    assert!(l.proj.errors.is_empty(), "{:?}", l.proj.errors);
    let s = l.svc("ünï");
    assert_eq!(l.at(&s.origin), "ünï");
    assert_eq!(l.at(&s.image.as_ref().unwrap().origin), "\"nginx\"");
    assert_eq!(l.at(&s.privileged.as_ref().unwrap().origin), "true");
    assert_eq!(l.at(&s.labels[0].value.origin), "\"naïve — ok\"");
}

#[test]
fn alias_bomb_in_compose_is_fatal() {
    let mut t = String::from("x-a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        t.push_str(&format!(
            "x-a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    t.push_str("services:\n  a:\n    image: a\n");
    let start = std::time::Instant::now();
    let l = load_str(&t);
    assert!(start.elapsed().as_millis() < 1000);
    assert!(l.proj.has_fatal_error());
    assert!(
        l.proj
            .errors
            .iter()
            .any(|e| e.message.contains("alias bomb"))
    );
}

#[test]
fn deep_nesting_is_an_error() {
    let t = "services: ".to_string() + &"[".repeat(10_000);
    assert!(load_str(&t).proj.has_fatal_error());
    let t = "services: ".to_string() + &"{a: ".repeat(10_000) + "1" + &"}".repeat(10_000);
    assert!(load_str(&t).proj.has_fatal_error());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
    #[test]
    fn load_never_panics(s in "(services:\n  a:\n    |[a-z_]{1,8}: |- |\"|\\$\\{|[:&*<{}\\[\\],#/. ]|[0-9]|é|\n    ){0,40}") {
        let _ = load_str(&s);
    }

    #[test]
    fn short_syntax_never_panics(p in "[0-9a-z:\\[\\]/.,~$-]{0,30}") {
        let t = format!("services:\n  a:\n    ports: [\"{p}\"]\n    volumes: [\"{p}\"]\n");
        let _ = load_str(&t);
    }
}

fn messages(l: &Loaded) -> Vec<(String, String)> {
    l.proj
        .errors
        .iter()
        .map(|e| {
            let f = l.sources.get(e.file).unwrap();
            (f.slice(e.range).to_string(), e.message.clone())
        })
        .collect()
}

#[test]
fn unknown_service_keys() {
    let t = "\
x-common: &common
  restrat: always
services:
  a:
    image: a
    privilegd: true
    x-anything: {whatever: 1}
    frobnicate: 1
    Image: b
    <<: *common
    build:
      contxt: .
      x-b: 1
    deploy:
      replica: 2
      resources: {limits: {memory: 1g}}
    healthcheck:
      intervall: 5s
    logging:
      drivr: json-file
    ports:
      - {target: 80, publishd: 8080}
    volumes:
      - {type: bind, source: ./a, target: /a, sorce: x}
  b:
    image: b
    <<: *common
";
    let l = load_str(t);
    let got = messages(&l);
    let want: Vec<(&str, &str)> = vec![
        (
            "privilegd",
            "unknown service key `privilegd`; did you mean `privileged`?",
        ),
        ("frobnicate", "unknown service key `frobnicate`"),
        (
            "Image",
            "unknown service key `Image`; did you mean `image`?",
        ),
        (
            "restrat",
            "unknown service key `restrat`; did you mean `restart`?",
        ),
        (
            "contxt",
            "unknown build key `contxt`; did you mean `context`?",
        ),
        (
            "intervall",
            "unknown healthcheck key `intervall`; did you mean `interval`?",
        ),
        (
            "drivr",
            "unknown logging key `drivr`; did you mean `driver`?",
        ),
        (
            "publishd",
            "unknown port key `publishd`; did you mean `published`?",
        ),
        (
            "sorce",
            "unknown volume key `sorce`; did you mean `source`?",
        ),
        // `deploy` is looked at after the other keys.
        (
            "replica",
            "unknown deploy key `replica`; did you mean `replicas`?",
        ),
    ];
    let got_ref: Vec<(&str, &str)> = got.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    // The anchor merged into two services is reported once.
    assert_eq!(got_ref, want);
    assert!(l.proj.errors.iter().all(|e| !e.fatal));
    let a = l.svc("a");
    assert_eq!(a.resources.memory.as_ref().unwrap().value, "1g");
    assert_eq!(a.ports.len(), 1);
    assert_eq!(a.mounts.len(), 1);
}

#[test]
fn unknown_key_in_a_base_service_is_reported_once() {
    let base = "services:\n  common:\n    image: c\n    cap_ad: [ALL]\n";
    let t = "\
services:
  a:
    extends: {file: base.yml, service: common}
  b:
    extends: {file: base.yml, service: common}
";
    let fs = MemoryFs::new().with("/p/base.yml", base);
    let l = load_with(t, &fs, &no_env);
    let got = messages(&l);
    assert_eq!(
        got,
        vec![(
            "cap_ad".to_string(),
            "unknown service key `cap_ad`; did you mean `cap_add`?".to_string()
        )]
    );
    assert_eq!(
        l.path_of(&Origin::file(l.proj.errors[0].file, l.proj.errors[0].range)),
        "/p/base.yml"
    );
}

#[test]
fn relative_paths_of_included_files_are_rebased() {
    let t = "\
include:
  - inc/db.yml
  - /etc/stack/compose.yml
  - path: here/compose.yml
    project_directory: .
services:
  web:
    image: web
    build: ./web
    env_file: web.env
    volumes: [\"./data:/data\"]
";
    let db = "\
services:
  db:
    image: \"db:${TAG}\"
    build:
      context: ./app
      dockerfile: Dockerfile.dev
    env_file: db.env
    volumes:
      - ./data:/data
      - ../shared:/shared
      - named:/named
      - /abs:/abs
      - ~/home:/home
      - {type: bind, source: conf, target: /conf}
      - {type: volume, source: vol, target: /vol}
  db2:
    extends: {file: base.yml, service: base}
secrets:
  s: {file: ./secret.txt}
configs:
  c: {file: /etc/c.conf}
";
    let inc_base = "\
services:
  base:
    image: base
    env_file: [{path: base.env, required: false}]
    build: {context: .., dockerfile: /abs/Dockerfile}
";
    let abs = "services:\n  abs:\n    image: a\n    volumes: [\"./data:/d\"]\n    build: https://github.com/x/y.git\n";
    let here =
        "services:\n  here:\n    image: h\n    env_file: here.env\n    volumes: [\"./data:/d\"]\n";
    let fs = MemoryFs::new()
        .with("/p/web.env", "W=1\n")
        .with("/p/inc/db.yml", db)
        .with("/p/inc/.env", "TAG=7\n")
        .with("/p/inc/db.env", "DB=1\n")
        .with("/p/inc/base.yml", inc_base)
        .with("/p/inc/base.env", "BASE=1\n")
        .with("/etc/stack/compose.yml", abs)
        .with("/p/here/compose.yml", here)
        .with("/p/here.env", "HERE=1\n");
    let l = load_with(t, &fs, &no_env);
    assert!(l.proj.errors.is_empty(), "{:?}", l.proj.errors);

    // The main file's own paths are unchanged.
    let web = l.svc("web");
    assert_eq!(
        web.build.as_ref().unwrap().context.as_ref().unwrap().value,
        "./web"
    );
    assert_eq!(web.env_files[0].value, "web.env");
    assert_eq!(web.mounts[0].source.as_ref().unwrap().value, "./data");

    let db = l.svc("db");
    // The included file's .env is read from its directory.
    assert_eq!(db.image.as_ref().unwrap().value, "db:7");
    let b = db.build.as_ref().unwrap();
    let ctx = b.context.as_ref().unwrap();
    assert_eq!(ctx.value, "./inc/app");
    assert_eq!(l.path_of(&ctx.origin), "/p/inc/db.yml");
    assert_eq!(l.at(&ctx.origin), "./app");
    // Relative to the build context, which is rebased.
    assert_eq!(b.dockerfile.as_ref().unwrap().value, "Dockerfile.dev");
    assert_eq!(db.env_files[0].value, "inc/db.env");
    assert_eq!(l.at(&db.env_files[0].origin), "db.env");
    assert!(db.environment.iter().any(|kv| kv.key.value == "DB"));
    let srcs: Vec<&str> = db
        .mounts
        .iter()
        .map(|m| m.source.as_ref().unwrap().value.as_str())
        .collect();
    assert_eq!(
        srcs,
        vec![
            "./inc/data",
            "./shared",
            "named",
            "/abs",
            "~/home",
            "inc/conf",
            "vol"
        ]
    );
    assert_eq!(
        l.at(&db.mounts[0].source.as_ref().unwrap().origin),
        "./data"
    );
    assert_eq!(l.path_of(&db.mounts[0].origin), "/p/inc/db.yml");

    // extends from an included file: relative to the base file's directory.
    let db2 = l.svc("db2");
    assert_eq!(db2.env_files[0].value, "inc/base.env");
    assert!(db2.environment.iter().any(|kv| kv.key.value == "BASE"));
    let b2 = db2.build.as_ref().unwrap();
    assert_eq!(b2.context.as_ref().unwrap().value, ".");
    assert_eq!(b2.dockerfile.as_ref().unwrap().value, "/abs/Dockerfile");

    let s = &l.proj.secrets[0];
    assert_eq!(s.file.as_ref().unwrap().value, "./inc/secret.txt");
    assert_eq!(l.at(&s.file.as_ref().unwrap().origin), "./secret.txt");
    assert_eq!(
        l.proj.configs[0].file.as_ref().unwrap().value,
        "/etc/c.conf"
    );

    // An absolutely named include: absolute paths; remote contexts as written.
    let abs = l.svc("abs");
    assert_eq!(
        abs.mounts[0].source.as_ref().unwrap().value,
        "/etc/stack/data"
    );
    assert_eq!(
        abs.build.as_ref().unwrap().context.as_ref().unwrap().value,
        "https://github.com/x/y.git"
    );

    // project_directory: paths are relative to it, env_files read from it.
    let here = l.svc("here");
    assert_eq!(here.mounts[0].source.as_ref().unwrap().value, "./data");
    assert_eq!(here.env_files[0].value, "here.env");
    assert!(here.environment.iter().any(|kv| kv.key.value == "HERE"));
}

#[test]
fn relative_paths_of_extended_files_are_rebased() {
    let t = "\
services:
  web:
    extends:
      file: common/base.yml
      service: base
    volumes: [\"./logs:/logs\"]
  deep:
    extends: {file: ./common/base.yml, service: chained}
";
    let base = "\
services:
  base:
    build: ../ctx
    env_file: ./base.env
    volumes:
      - ./data:/data
      - .:/src
  chained:
    extends: {file: ../shared/more.yml, service: more}
";
    let more =
        "services:\n  more:\n    image: m\n    volumes: [\"./m:/m\"]\n    env_file: more.env\n";
    let fs = MemoryFs::new()
        .with("/p/common/base.yml", base)
        .with("/p/common/base.env", "FROM_BASE=1\n")
        .with("/p/shared/more.yml", more)
        .with("/p/shared/more.env", "FROM_MORE=1\n");
    let l = load_with(t, &fs, &no_env);
    assert!(l.proj.errors.is_empty(), "{:?}", l.proj.errors);
    let w = l.svc("web");
    let ctx = w.build.as_ref().unwrap().context.as_ref().unwrap();
    assert_eq!(ctx.value, "./ctx");
    assert_eq!(l.path_of(&ctx.origin), "/p/common/base.yml");
    assert_eq!(w.env_files[0].value, "./common/base.env");
    assert!(w.environment.iter().any(|kv| kv.key.value == "FROM_BASE"));
    let srcs: Vec<(&str, &str)> = w
        .mounts
        .iter()
        .map(|m| {
            (
                m.source.as_ref().unwrap().value.as_str(),
                m.target.value.as_str(),
            )
        })
        .collect();
    assert_eq!(
        srcs,
        vec![
            ("./common/data", "/data"),
            ("./common", "/src"),
            ("./logs", "/logs")
        ]
    );
    let d = l.svc("deep");
    assert_eq!(d.mounts[0].source.as_ref().unwrap().value, "./shared/m");
    assert_eq!(d.env_files[0].value, "shared/more.env");
    assert!(d.environment.iter().any(|kv| kv.key.value == "FROM_MORE"));
}

#[test]
fn rebase_and_normalize() {
    let r = |b: &str, p: &str| rebase(Path::new(b), p);
    assert_eq!(r("", "./x"), None);
    assert_eq!(r("sub", "./x").as_deref(), Some("./sub/x"));
    assert_eq!(r("sub", "x").as_deref(), Some("sub/x"));
    assert_eq!(r("sub", "..").as_deref(), Some("."));
    assert_eq!(r("sub", "../..").as_deref(), Some(".."));
    assert_eq!(r("sub", "../../x").as_deref(), Some("../x"));
    assert_eq!(r("../a", "./x").as_deref(), Some("../a/x"));
    assert_eq!(r("/etc/s", "../x").as_deref(), Some("/etc/x"));
    assert_eq!(r("/etc/s", "/abs"), None);
    assert_eq!(r("sub", "~/x"), None);
    assert_eq!(r("sub", "C:\\x"), None);
    assert_eq!(r("sub", "git@github.com:a/b.git"), None);
    assert_eq!(r("sub", "${X}/y"), None);
    assert_eq!(
        normalize(Path::new("/../a/./b/../c")),
        PathBuf::from("/a/c")
    );
}
