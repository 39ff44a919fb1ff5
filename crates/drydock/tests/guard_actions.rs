//! `drydock guard plugin` in front of a real private dockerd, judging what
//! is not a container create: `docker build`, `docker update`, `docker
//! plugin install`, `docker service create`, driven by the real `docker` CLI.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use drydock_testkit as support;

mod guard_support;
use guard_support::{PluginProc, docker, refused, succeeded};

/// A token of GitHub's format, made up.
const SECRET: &str = "ghp_Zq8rTx3vLp0wKd8sLq0pZx7Vb2Nm4Rt6Wy9A";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_judges_builds_updates_plugins_and_services() {
    if !support::available_with(&["docker"]) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("guard.toml");
    // Secrets deny too, and unbounded restart policies: a CI host's policy.
    std::fs::write(
        &policy,
        "[rules]\ndeny = [\"CTR:high\", \"SEC:high\", \"CTR024\"]\n\n[registries]\nallow = [\"docker.io\"]\n",
    )
    .unwrap();
    let log = tmp.path().join("decisions.jsonl");
    let config = tmp.path().join("docker-config");
    std::fs::create_dir_all(&config).unwrap();
    let ctx = tmp.path().join("ctx");
    std::fs::create_dir_all(&ctx).unwrap();
    std::fs::write(ctx.join("Dockerfile"), "FROM scratch\nCOPY a /a\n").unwrap();
    std::fs::write(ctx.join("a"), "hello\n").unwrap();
    let ctx = ctx.to_str().unwrap();

    // Declared first, dropped last: the daemon stops before its plugin.
    let plugin = PluginProc::start("actions", &policy, &log);
    let d = support::Daemon::start_with(None, &[format!("--authorization-plugin={}", plugin.name)])
        .unwrap_or_else(|e| panic!("dockerd did not start: {e}"));
    let e = d.connect().await;
    support::import_test_image(&e).await;
    let image = support::IMAGE;

    // --- docker build (the classic builder: everything judged is in the
    // query of POST /build).
    let o = docker(
        &d,
        &config,
        &["build", "--network", "host", "-t", "hostnet", ctx],
    );
    refused(
        &o,
        "docker build --network host",
        &[
            "drydock guard: denied by CTR029 (insecure-build-options)",
            "networkmode is \"host\"",
            "[[exceptions]] image = \"hostnet\", rules = [\"CTR029\"]",
        ],
    );
    let arg = format!("NOTE={SECRET}");
    let o = docker(
        &d,
        &config,
        &["build", "--build-arg", &arg, "-t", "leaky", ctx],
    );
    let err = refused(
        &o,
        "docker build --build-arg NOTE=<a GitHub token>",
        &[
            "denied by SEC002 (secret-in-container-environment)",
            "buildargs[\"NOTE\"]",
            "`ghp_…`",
        ],
    );
    assert!(!err.contains(SECRET), "the secret is in the refusal: {err}");
    let o = docker(&d, &config, &["build", "-t", "drydock-test/built:1", ctx]);
    succeeded(&o, "docker build of FROM scratch + COPY");

    // --- docker update: judged on what it sets.
    let o = docker(
        &d,
        &config,
        &[
            "run",
            "-d",
            "--name",
            "upd",
            "--network",
            "none",
            "--cap-drop",
            "ALL",
            "--read-only",
            "--user",
            "1000",
            "--security-opt",
            "no-new-privileges",
            image,
            "/bin/busybox",
            "sleep",
            "120",
        ],
    );
    succeeded(&o, "docker run -d");
    let o = docker(
        &d,
        &config,
        &["update", "--memory", "64m", "--memory-swap", "128m", "upd"],
    );
    succeeded(&o, "docker update --memory 64m");
    let o = docker(&d, &config, &["update", "--cpu-shares", "512", "upd"]);
    succeeded(&o, "docker update --cpu-shares 512");
    let o = docker(&d, &config, &["update", "--restart", "always", "upd"]);
    refused(
        &o,
        "docker update --restart always",
        &[
            "denied by CTR024 (restart-policy-unbounded)",
            "RestartPolicy is {\"MaximumRetryCount\":0,\"Name\":\"always\"}",
            "[[exceptions]] name = \"upd\", rules = [\"CTR024\"]",
        ],
    );
    let o = docker(&d, &config, &["update", "--restart", "on-failure:3", "upd"]);
    succeeded(&o, "docker update --restart on-failure:3");
    let _ = docker(&d, &config, &["rm", "-f", "upd"]);

    // --- docker plugin install from a registry not on the list: the CLI's
    // first request (GET /plugins/privileges, which has the daemon fetch
    // the manifest) is refused, so nothing is fetched (no registry is
    // reachable here: any other error would show).
    let o = docker(
        &d,
        &config,
        &[
            "plugin",
            "install",
            "--grant-all-permissions",
            "some.registry.example/plugin",
        ],
    );
    refused(
        &o,
        "docker plugin install some.registry.example/plugin",
        &[
            "denied by registry-not-allowed",
            "installing the plugin `some.registry.example/plugin`",
            "`some.registry.example`",
        ],
    );

    // --- Swarm services: the same container rules.
    if let Err(err) = support::init_swarm(&e).await {
        support::skip(&format!("swarm init failed on this machine: {err}"));
        return;
    }
    let o = docker(
        &d,
        &config,
        &[
            "service",
            "create",
            "--detach",
            "--no-resolve-image",
            "--name",
            "sock",
            "--mount",
            "type=bind,src=/var/run/docker.sock,dst=/var/run/docker.sock",
            image,
        ],
    );
    refused(
        &o,
        "docker service create --mount <the docker socket>",
        &[
            "denied by CTR002 (docker-socket-mounted)",
            "TaskTemplate.ContainerSpec.Mounts[0].Source is \"/var/run/docker.sock\"",
            "[[exceptions]] name = \"sock\", rules = [\"CTR002\"]",
        ],
    );
    let o = docker(
        &d,
        &config,
        &[
            "service",
            "create",
            "--detach",
            "--no-resolve-image",
            "--name",
            "caps",
            "--cap-add",
            "SYS_ADMIN",
            image,
        ],
    );
    refused(
        &o,
        "docker service create --cap-add SYS_ADMIN",
        &[
            "denied by CTR004",
            "TaskTemplate.ContainerSpec.CapabilityAdd[0] is \"CAP_SYS_ADMIN\"",
        ],
    );
    let o = docker(
        &d,
        &config,
        &[
            "service",
            "create",
            "--detach",
            "--no-resolve-image",
            "--name",
            "ok",
            "--read-only",
            "--user",
            "1000",
            "--cap-drop",
            "ALL",
            "--limit-memory",
            "64m",
            image,
            "/bin/busybox",
            "sleep",
            "60",
        ],
    );
    succeeded(&o, "docker service create of a hardened service");
    // An update that adds what a create may not: refused as well.
    let o = docker(
        &d,
        &config,
        &[
            "service",
            "update",
            "--detach",
            "--no-resolve-image",
            "--cap-add",
            "SYS_ADMIN",
            "ok",
        ],
    );
    refused(
        &o,
        "docker service update --cap-add SYS_ADMIN",
        &["denied by CTR004"],
    );
    let o = docker(&d, &config, &["service", "rm", "ok"]);
    succeeded(&o, "docker service rm");

    // One JSON line per decision: the refusals with their rules and paths.
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let denied = |path_end: &str, rule: &str| {
        lines.iter().any(|l| {
            l["allow"] == false
                && l["path"].as_str().unwrap().contains(path_end)
                && l["rules"]
                    .as_array()
                    .unwrap()
                    .contains(&serde_json::json!(rule))
        })
    };
    assert!(denied("/build", "CTR029"));
    assert!(denied("/build", "SEC002"));
    assert!(denied("/containers/upd/update", "CTR024"));
    assert!(denied("/plugins/privileges", "registry-not-allowed"));
    assert!(denied("/services/create", "CTR002"));
    assert!(denied("/update", "CTR004"));
    // The secret is in no decision either.
    let raw = std::fs::read_to_string(&log).unwrap();
    assert!(!raw.contains(SECRET), "the decision log holds the secret");
}
