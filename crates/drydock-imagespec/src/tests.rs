#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use drydock_core::spec::{BaseImage, StepKind};
use drydock_testkit::archive::ImageFixture;

use super::*;

fn build(toml: &str, wants: Wants<'_>) -> Built {
    let fx = ImageFixture::from_toml(toml).unwrap();
    let tar = fx.archive().unwrap();
    let visitor = ImageVisitor {
        wants,
        catalog: true,
    };
    let scan =
        drydock_image::read_stream(tar.as_slice(), &drydock_image::Options::default(), &visitor)
            .unwrap();
    assemble(scan, &fx.name)
}

const IMAGE: &str = r#"
name = "app.tar"
created = "2024-05-01T10:00:00Z"
history = [
  "/bin/sh -c #(nop) ADD file:0123abcd in / ",
  "ENV DB_PASSWORD=hunter2",
  "RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit",
  "USER app",
]
[config]
User = "app"
Env = ["PATH=/usr/bin", "DB_PASSWORD=hunter2"]
ExposedPorts = { "22/tcp" = {}, "8080/tcp" = {} }
Volumes = { "/data" = {} }
Labels = { "org.opencontainers.image.title" = "app" }
Cmd = ["/app/run"]
Healthcheck = { Test = ["CMD", "/app/check"], Interval = 30000000000 }
[[file]]
path = "/etc/os-release"
text = "ID=debian\nVERSION_ID=\"12\"\n"
[[file]]
path = "/etc/shadow"
mode = "640"
text = "root:*:19000:0:99999:7:::\n"
[[file]]
path = "/usr/bin/su"
mode = "4755"
text = "ELF"
[[file]]
path = "/app/config.yml"
layer = 1
text = "token: abc\n"
[[file]]
path = "/app/notes.txt"
layer = 1
text = "nothing here\n"
"#;

#[test]
fn config_becomes_the_spec_with_api_origins() {
    let b = build(IMAGE, Wants::NOTHING);
    let s = &b.spec;
    assert_eq!(s.origin, Origin::api("Config"));
    assert_eq!(s.user.as_ref().unwrap().value, "app");
    assert_eq!(s.user.as_ref().unwrap().origin, Origin::api("Config.User"));
    assert_eq!(s.env[1].key.value, "DB_PASSWORD");
    assert_eq!(s.env[1].origin, Origin::api("Config.Env[1]"));
    let ports: Vec<_> = s.exposed_ports.iter().map(|p| p.value.as_str()).collect();
    assert_eq!(ports, ["22/tcp", "8080/tcp"]);
    assert_eq!(
        s.exposed_ports[0].origin,
        Origin::api("Config.ExposedPorts[\"22/tcp\"]")
    );
    assert_eq!(s.volumes[0].value, "/data");
    assert_eq!(s.labels[0].key.value, "org.opencontainers.image.title");
    assert_eq!(s.cmd.as_ref().unwrap().args, ["/app/run"]);
    let hc = s.healthcheck.as_ref().unwrap();
    assert_eq!(hc.interval.as_deref(), Some("30s"));
    assert_eq!(
        s.created.as_ref().map(|c| c.value.as_str()),
        Some("2024-05-01T10:00:00Z")
    );
    assert!(matches!(&s.base.value, BaseImage::Image(_)), "{:?}", s.base);
    assert_eq!(b.info.platform.as_deref(), Some("linux/amd64"));
    assert_eq!(b.info.layers, 2);
    assert!(!b.incomplete(), "{:?}", b.notes);
}

#[test]
fn history_keeps_build_steps_and_names_their_entries() {
    let b = build(IMAGE, Wants::NOTHING);
    let kinds: Vec<&str> = b
        .spec
        .steps
        .iter()
        .map(|s| s.instruction.value.as_str())
        .collect();
    // The root filesystem ADD is the base's; ENV and USER are in the config;
    // the fixture's own per-layer `COPY` entries follow.
    assert_eq!(kinds, ["RUN", "COPY", "COPY"]);
    let run = &b.spec.steps[0];
    assert!(matches!(run.kind, StepKind::Run(_)));
    assert_eq!(
        b.history_origin(&run.origin).as_deref(),
        Some("history[2].created_by")
    );
    assert_eq!(b.history_origin(&Origin::api("Config.User")), None);
}

#[test]
fn files_know_their_layer_and_mode() {
    let b = build(IMAGE, Wants::NOTHING);
    let files = b.spec.files.as_ref().unwrap();
    let su = files.get("/usr/bin/su").unwrap();
    assert_eq!(su.perm(), 0o4755);
    assert_eq!(su.layer, 0);
    assert_eq!(files.get("/app/config.yml").unwrap().layer, 1);
    assert!(files.get("/etc").unwrap().is_dir());
    assert_eq!(files.layers.len(), 2);
    assert!(files.layer_label(1).starts_with("layer 1 (sha256:"));
    assert_eq!(files.layers[1].history, Some(5));
    // The OS release is always read; nothing else was asked for.
    assert_eq!(files.texts.keys().collect::<Vec<_>>(), ["/etc/os-release"]);
    assert_eq!(files.os.as_ref().unwrap().id.as_deref(), Some("debian"));
    let text = files.text("/etc/os-release").unwrap();
    assert_eq!(b.sources.get(text).unwrap().path, "app.tar!/etc/os-release");
}

#[test]
fn texts_are_kept_as_the_rules_ask() {
    let text = |p: &str| p == "/etc/shadow";
    let secret_file = |p: &str, size: u64| p.starts_with("/app/") && size < 100;
    let secret = |b: &[u8]| b.windows(5).any(|w| w == b"token");
    let b = build(
        IMAGE,
        Wants {
            text: &text,
            secret_file: &secret_file,
            secret: &secret,
        },
    );
    let files = b.spec.files.as_ref().unwrap();
    let kept: Vec<&String> = files.texts.keys().collect();
    assert_eq!(kept, ["/app/config.yml", "/etc/os-release", "/etc/shadow"]);
    let shadow = b.sources.get(files.text("/etc/shadow").unwrap()).unwrap();
    assert_eq!(&*shadow.text, "root:*:19000:0:99999:7:::\n");
}

#[test]
fn a_later_layer_replaces_a_text() {
    let b = build(
        r#"
name = "x.tar"
[[file]]
path = "/etc/os-release"
text = "ID=alpine\nVERSION_ID=3.18.0\n"
[[file]]
path = "/etc/os-release"
layer = 1
text = "ID=alpine\nVERSION_ID=3.20.1\n"
"#,
        Wants::NOTHING,
    );
    let files = b.spec.files.as_ref().unwrap();
    assert_eq!(files.texts.len(), 1);
    let t = b
        .sources
        .get(files.text("/etc/os-release").unwrap())
        .unwrap();
    assert!(t.text.contains("3.20.1"));
    assert_eq!(files.get("/etc/os-release").unwrap().layer, 1);
}

#[test]
fn an_image_without_config_or_history_is_still_built() {
    let b = build("name = \"bare.tar\"\n", Wants::NOTHING);
    assert!(b.spec.user.is_none());
    assert!(b.spec.steps.iter().all(|s| s.instruction.value == "COPY"));
    assert!(matches!(&b.spec.base.value, BaseImage::Image(_)));
}
