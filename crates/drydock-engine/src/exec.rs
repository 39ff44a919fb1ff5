//! Exec sessions as [`ExecSpec`]s, the way the exec rules judge them: the
//! body of an exec create request (`POST /containers/{id}/exec`, for
//! `drydock guard`) and the exec instances the daemon still knows (`GET
//! /exec/{id}/json`, for `drydock audit`), with their API field paths as
//! origins (`Privileged`, `ProcessConfig.privileged`).
//!
//! The daemon lists a container's exec instances (`ExecIDs` of `GET
//! /containers/{id}/json`) while they run and for a while after they end
//! (until the container stops or the daemon prunes them): an audit sees
//! only those, never the history of every exec.

use std::collections::BTreeMap;

use bollard::models::{ContainerInspectResponse, ExecConfig, ExecInspectResponse};
use drydock_core::Origin;
use drydock_core::spec::{ExecSource, ExecSpec};
use futures_util::stream::{self, StreamExt};

use crate::client::Engine;
use crate::convert::{env_pairs, sp};
use crate::error::EngineError;
use crate::fetch::{Progress, Target};

/// The origin of an exec create request as a whole (its body).
pub const REQUEST_PATH: &str = "";
/// The origin of an exec instance as a whole.
pub const INSTANCE_PATH: &str = "ID";

/// An exec create request (`POST /containers/{container}/exec`, `container`
/// as the path names it: ID or name) as the exec rules judge it. Origins
/// are the body's fields: `Privileged`, `User`, `Cmd[0]`, `Env[2]`,
/// `WorkingDir`, `Tty`, `AttachStdin`. The container's own user is not
/// known from the request, so an exec without `User` is judged as one whose
/// user is unknown.
pub fn request_spec(container: &str, cfg: &ExecConfig) -> ExecSpec {
    ExecSpec {
        origin: Origin::api(REQUEST_PATH),
        source: ExecSource::Request,
        container: Some(sp(container.to_string(), "{id}")),
        privileged: cfg.privileged.map(|p| sp(p, "Privileged")),
        user: cfg.user.clone().map(|u| sp(u, "User")),
        command: cfg
            .cmd
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, w)| sp(w.clone(), format!("Cmd[{i}]")))
            .collect(),
        env: env_pairs(cfg.env.as_deref().unwrap_or_default(), "Env"),
        workdir: cfg
            .working_dir
            .clone()
            .filter(|w| !w.is_empty())
            .map(|w| sp(w, "WorkingDir")),
        tty: cfg.tty.map(|t| sp(t, "Tty")),
        interactive: cfg.attach_stdin.map(|a| sp(a, "AttachStdin")),
        ..ExecSpec::default()
    }
}

/// A live exec instance (`GET /exec/{id}/json`) in the container `ci`, as
/// the exec rules judge it. Origins are the instance's fields:
/// `ProcessConfig.privileged`, `ProcessConfig.user`,
/// `ProcessConfig.entrypoint`, `ProcessConfig.arguments[0]`. The
/// container's own user (`Config.User`, what an exec without a user runs
/// as) comes from `ci` when it is given.
pub fn instance_spec(
    exec: &ExecInspectResponse,
    ci: Option<&ContainerInspectResponse>,
) -> ExecSpec {
    let pc = exec.process_config.as_ref();
    let name = ci
        .and_then(|c| c.name.as_deref())
        .map(|n| n.trim_start_matches('/'))
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .or_else(|| exec.container_id.clone());
    let mut command = Vec::new();
    if let Some(e) = pc.and_then(|p| p.entrypoint.clone()) {
        command.push(sp(e, "ProcessConfig.entrypoint"));
    }
    for (i, a) in pc
        .and_then(|p| p.arguments.as_ref())
        .into_iter()
        .flatten()
        .enumerate()
    {
        command.push(sp(a.clone(), format!("ProcessConfig.arguments[{i}]")));
    }
    ExecSpec {
        origin: Origin::api(INSTANCE_PATH),
        source: ExecSource::Instance,
        id: exec.id.clone(),
        container: name.map(|n| sp(n, "ContainerID")),
        privileged: pc
            .and_then(|p| p.privileged)
            .map(|p| sp(p, "ProcessConfig.privileged")),
        user: pc
            .and_then(|p| p.user.clone())
            .map(|u| sp(u, "ProcessConfig.user")),
        container_user: ci
            .and_then(|c| c.config.as_ref())
            .map(|c| sp(c.user.clone().unwrap_or_default(), "Config.User")),
        command,
        tty: pc.and_then(|p| p.tty).map(|t| sp(t, "ProcessConfig.tty")),
        interactive: exec.open_stdin.map(|o| sp(o, "OpenStdin")),
        running: exec.running,
        ..ExecSpec::default()
    }
}

/// The exec instances of one container, as read.
#[derive(Clone, Debug, Default)]
pub struct ContainerExecs {
    /// Each exec ID the container lists, with its inspect or the error of
    /// reading it (an exec that ended and was pruned between the two
    /// calls gives "not found").
    pub execs: Vec<(String, Result<ExecInspectResponse, EngineError>)>,
}

impl ContainerExecs {
    /// The instances read, as specs; `ci` is their container.
    pub fn specs(&self, ci: Option<&ContainerInspectResponse>) -> Vec<ExecSpec> {
        self.execs
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .map(|e| instance_spec(e, ci))
            .collect()
    }
}

impl Engine {
    /// Reads the exec instances that `containers` list (`ExecIDs`), at most
    /// `jobs` calls at once, by container ID. Containers that list none are
    /// absent from the map.
    pub async fn exec_instances(
        &self,
        containers: &[Target<ContainerInspectResponse>],
        jobs: usize,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> BTreeMap<String, ContainerExecs> {
        let wanted: Vec<(String, String)> = containers
            .iter()
            .filter_map(|t| Some((t.id.clone(), t.result.as_ref().ok()?.exec_ids.clone()?)))
            .flat_map(|(cid, ids)| ids.into_iter().map(move |e| (cid.clone(), e)))
            .collect();
        progress(Progress::Planned(wanted.len()));
        let read: Vec<(String, String, Result<ExecInspectResponse, EngineError>)> =
            stream::iter(wanted)
                .map(|(cid, eid)| async move {
                    let r = self
                        .call(
                            &format!("GET /exec/{eid}/json"),
                            self.docker().inspect_exec(&eid),
                        )
                        .await;
                    progress(Progress::Done);
                    (cid, eid, r)
                })
                .buffer_unordered(jobs.max(1))
                .collect()
                .await;
        let mut out: BTreeMap<String, ContainerExecs> = BTreeMap::new();
        for (cid, eid, r) in read {
            out.entry(cid).or_default().execs.push((eid, r));
        }
        for c in out.values_mut() {
            c.execs.sort_by(|a, b| a.0.cmp(&b.0));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{ContainerConfig, ProcessConfig};
    use drydock_core::spec::ExecUser;

    #[test]
    fn request_fields_and_origins() {
        let cfg: ExecConfig = serde_json::from_str(
            r#"{"Privileged":true,"User":"root","Cmd":["sh","-c","id"],"Env":["A=1"],"WorkingDir":"/srv","Tty":true,"AttachStdin":true}"#,
        )
        .unwrap();
        let e = request_spec("web", &cfg);
        assert_eq!(e.source, ExecSource::Request);
        assert_eq!(e.origin, Origin::api(""));
        assert!(e.is_privileged());
        assert_eq!(
            e.privileged.as_ref().unwrap().origin,
            Origin::api("Privileged")
        );
        assert_eq!(e.user.as_ref().unwrap().origin, Origin::api("User"));
        assert_eq!(e.container.as_ref().unwrap().value, "web");
        assert_eq!(e.command[2].origin, Origin::api("Cmd[2]"));
        assert_eq!(e.env[0].key.value, "A");
        assert_eq!(e.workdir.as_ref().unwrap().value, "/srv");
        assert!(matches!(e.effective_user(), ExecUser::Explicit(_)));
        // An empty body: nothing set, the user unknown.
        let e = request_spec("web", &ExecConfig::default());
        assert!(!e.is_privileged());
        assert_eq!(e.effective_user(), ExecUser::Unknown);
    }

    #[test]
    fn instance_resolves_the_containers_user() {
        let exec = ExecInspectResponse {
            id: Some("abc".into()),
            running: Some(true),
            container_id: Some("c1".into()),
            process_config: Some(ProcessConfig {
                privileged: Some(true),
                user: Some(String::new()),
                tty: Some(false),
                entrypoint: Some("sleep".into()),
                arguments: Some(vec!["60".into()]),
            }),
            ..ExecInspectResponse::default()
        };
        let ci = ContainerInspectResponse {
            name: Some("/web".into()),
            config: Some(ContainerConfig {
                user: Some("app".into()),
                ..ContainerConfig::default()
            }),
            ..ContainerInspectResponse::default()
        };
        let e = instance_spec(&exec, Some(&ci));
        assert_eq!(e.source, ExecSource::Instance);
        assert_eq!(e.container.as_ref().unwrap().value, "web");
        assert_eq!(
            e.privileged.as_ref().unwrap().origin,
            Origin::api("ProcessConfig.privileged")
        );
        match e.effective_user() {
            ExecUser::Container(u) => {
                assert_eq!(u.value, "app");
                assert_eq!(u.origin, Origin::api("Config.User"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            e.command[1].origin,
            Origin::api("ProcessConfig.arguments[0]")
        );
        // Without the container: its ID names it, its user is unknown.
        let e = instance_spec(&exec, None);
        assert_eq!(e.container.as_ref().unwrap().value, "c1");
        assert_eq!(e.effective_user(), ExecUser::Unknown);
    }
}
