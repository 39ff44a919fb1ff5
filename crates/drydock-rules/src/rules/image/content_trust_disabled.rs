use drydock_core::spec::{ContainerSpec, ImageSpec, ShellCommand, StepKind, Word};
use drydock_core::{Origin, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::files::is_built;

declare_rule! {
    /// ## What it does
    /// Reports Docker content trust switched off explicitly:
    /// `ENV DOCKER_CONTENT_TRUST=0` (or `false`, or an `ARG` default of
    /// that), `DOCKER_CONTENT_TRUST=0` set for or exported in a `RUN`, a
    /// `docker pull`/`build`/`run`/`create`/`push` with
    /// `--disable-content-trust`, and a Compose service whose
    /// `environment:` sets `DOCKER_CONTENT_TRUST: "0"`. Only explicit
    /// opt-outs are reported: content trust is off by default, and an image
    /// that never runs the Docker CLI has no use for the variable.
    ///
    /// For a built image it also reports a configuration whose `Env` sets
    /// `DOCKER_CONTENT_TRUST=0`, and, when `drydock image` runs (as Dockle's
    /// CIS-DI-0005 does), content trust off in the environment of the scan
    /// itself: `DOCKER_CONTENT_TRUST` unset, empty, or a value the Docker
    /// CLI reads as false. That finding is about the environment that pulls
    /// and runs the image, reported once at `DOCKER_CONTENT_TRUST`.
    ///
    /// ## Why is this bad?
    /// With `DOCKER_CONTENT_TRUST=1` the Docker CLI pulls, runs and builds
    /// only from signed tags, so a tampered or substituted image in the
    /// registry is refused (CIS Docker Benchmark 4.5). Setting it to `0`
    /// in an image or service turns that protection off for every Docker
    /// command run there (CI runners, Docker-in-Docker, deploy tools),
    /// silently and for everyone, whatever the host's policy says.
    ///
    /// Docker content trust is Notary v1, which Docker deprecated in 2025
    /// (Docker Official Images stopped being signed with it), so turning it
    /// on is no longer the whole answer either. The forward path is
    /// signature verification of images with Sigstore `cosign verify` or
    /// Notation, enforced where images are admitted (a registry policy, a
    /// Kubernetes admission controller, a verifying pull in CI), together
    /// with pinning images by digest.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM docker:27-cli
    /// ENV DOCKER_CONTENT_TRUST=0
    /// RUN docker pull --disable-content-trust registry.example.com/tool:1.2
    /// ```
    ///
    /// ## How to fix
    /// Remove the override (or set `DOCKER_CONTENT_TRUST=1` where signed
    /// tags are still published), and verify image signatures with
    /// `cosign verify` or `notation verify` before use; pin what you pull
    /// by digest.
    pub struct ContentTrustDisabled {
        id: "IMG069",
        name: "content-trust-disabled",
        title: "Docker content trust is switched off",
        severity: Low,
        category: SupplyChain,
        references: ["concern:19", "cis-docker-1.6:4.5", "dockle:CIS-DI-0005"],
        fix: None,
    }
}

const VAR: &str = "DOCKER_CONTENT_TRUST";

/// Whether the Docker CLI reads this value as "off": it parses the variable
/// with Go's `strconv.ParseBool`, and anything it cannot parse means on.
fn is_off(value: &str) -> bool {
    matches!(value.trim(), "0" | "f" | "F" | "false" | "FALSE" | "False")
}

/// An assignment word `DOCKER_CONTENT_TRUST=0`.
fn off_assignment(w: &Word) -> bool {
    w.literal
        && w.text
            .split_once('=')
            .is_some_and(|(k, v)| k == VAR && is_off(v.trim_matches(['"', '\''])))
}

/// `--disable-content-trust` or `--disable-content-trust=true` on a
/// `docker` command.
fn disable_flag(cmd: &ShellCommand) -> Option<&Word> {
    if !cmd.is("docker") {
        return None;
    }
    let w = cmd.long_value_word("disable-content-trust")?;
    match w.text.split_once('=') {
        Some((_, v)) if is_off(v) => None,
        _ => Some(w),
    }
}

impl Rule for ContentTrustDisabled {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for step in &image.steps {
            match &step.kind {
                StepKind::Env(kvs) => {
                    for kv in kvs
                        .iter()
                        .filter(|kv| kv.key.value == VAR && is_off(&kv.value.value))
                    {
                        cx.report(
                            &kv.origin,
                            format!(
                                "`ENV {VAR}={}` switches content trust off for every Docker command in the image",
                                kv.value.value
                            ),
                        );
                    }
                }
                StepKind::Arg(decls) => {
                    for d in decls.iter().filter(|d| {
                        d.name.value == VAR && d.default.as_ref().is_some_and(|v| is_off(&v.value))
                    }) {
                        cx.report(
                            &d.origin,
                            format!("`ARG {VAR}` defaults to off: Docker commands in this build skip content trust"),
                        );
                    }
                }
                _ => {}
            }
        }
        if is_built(image) {
            for kv in image.env.iter().filter(|kv| {
                matches!(kv.origin, Origin::Api(_))
                    && kv.key.value == VAR
                    && is_off(&kv.value.value)
            }) {
                cx.report(
                    &kv.key.origin,
                    format!(
                        "the image configuration sets `{VAR}={}`: Docker commands in its containers skip content trust",
                        kv.value.value
                    ),
                );
            }
            if let Some(scan) = &cx.settings.scan_content_trust {
                let off = match scan.as_deref().map(str::trim) {
                    None => Some("is not set".to_string()),
                    Some("") => Some("is empty".to_string()),
                    Some(v) if is_off(v) => Some(format!("is `{v}`")),
                    Some(_) => None,
                };
                if let Some(why) = off {
                    cx.report(
                        &Origin::api(VAR),
                        format!(
                            "`{VAR}` {why} in the environment of this scan: images pulled and run here are not verified against signed tags"
                        ),
                    );
                }
            }
        }
        for (_, cmd) in image.commands() {
            if let Some(w) = disable_flag(cmd) {
                cx.report(
                    &w.origin,
                    format!(
                        "`docker {}` with `--disable-content-trust` skips signature verification",
                        cmd.subcommand().map_or("", |s| s.text.as_str())
                    ),
                );
                continue;
            }
            let exported = if cmd.is("export") || cmd.is("declare") {
                cmd.args.iter().find(|w| off_assignment(w))
            } else {
                None
            };
            if let Some(w) = cmd
                .assignments
                .iter()
                .find(|w| off_assignment(w))
                .or(exported)
            {
                cx.report(
                    &w.origin,
                    format!(
                        "`{}` switches content trust off for the Docker commands of this step",
                        w.text
                    ),
                );
            }
        }
    }

    fn check_container(&self, cx: &mut Checker<'_>, c: &ContainerSpec) {
        for kv in c
            .environment
            .iter()
            .filter(|kv| kv.key.value == VAR && is_off(&kv.value.value))
        {
            cx.report(
                &kv.origin,
                format!(
                    "{} sets `{VAR}={}`: Docker commands in the container skip content trust",
                    crate::rules::container::support::svc(c),
                    kv.value.value
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use drydock_core::FileKind;
    use drydock_core::fs::MemoryFs;

    use crate::{Input, LintEnv, Settings, lint};

    #[test]
    fn compose_environment() {
        let compose = "services:\n  ci:\n    image: docker:27-cli\n    environment:\n      DOCKER_CONTENT_TRUST: \"0\"\n  ok:\n    image: docker:27-cli\n    environment:\n      - DOCKER_CONTENT_TRUST=1\n";
        let fs = MemoryFs::new();
        let env = LintEnv {
            fs: &fs,
            env: &|_: &str| None,
        };
        let input = Input {
            path: Path::new("/p/compose.yml"),
            display: "compose.yml".into(),
            kind: FileKind::Compose,
            text: compose.into(),
        };
        let result = lint(&input, &Settings::only(&["IMG069"]), &env);
        let found: Vec<(String, String)> = result
            .findings
            .iter()
            .filter(|f| f.rule.id == "IMG069")
            .map(|f| {
                let (_, range) = f.origin.file_range().unwrap_or_default();
                (range.slice(compose).to_string(), f.message.clone())
            })
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].0.contains("DOCKER_CONTENT_TRUST"), "{found:?}");
        assert!(found[0].1.contains("service `ci`"), "{found:?}");
    }
}

#[cfg(test)]
mod image_tests {
    use super::*;
    use crate::rules::image::files::testkit::Img;

    #[test]
    fn scan_environment() {
        let run = |v: Option<Option<&str>>| {
            let mut img = Img::new();
            img.settings.scan_content_trust = v.map(|o| o.map(str::to_string));
            img.check(&ContentTrustDisabled)
                .iter()
                .map(|f| format!("{} {}", img.place(f), f.message))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            run(Some(None)),
            [
                "api:DOCKER_CONTENT_TRUST `DOCKER_CONTENT_TRUST` is not set in the environment of this scan: images pulled and run here are not verified against signed tags"
            ]
        );
        assert_eq!(run(Some(Some("0"))).len(), 1);
        assert_eq!(run(Some(Some("false"))).len(), 1);
        assert!(run(Some(Some("1"))).is_empty());
        assert!(run(Some(Some("true"))).is_empty());
        assert!(run(None).is_empty());
    }

    #[test]
    fn config_env() {
        let mut img = Img::new();
        img.env.push(("DOCKER_CONTENT_TRUST".into(), "0".into()));
        let found = img.check(&ContentTrustDisabled);
        assert_eq!(found.len(), 1);
        assert_eq!(img.place(&found[0]), "api:Config.Env");
    }
}
