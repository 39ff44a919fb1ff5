//! Reading everything an audit needs, concurrently with a bound and never
//! asking for the same object twice.

use std::collections::{BTreeMap, BTreeSet};

use bollard::models::{
    ContainerInspectResponse, ContainerSummary, ContainerTopResponse, ImageHistoryResponseItem,
    ImageInspect, Network, Node, Secret, Service, Swarm, SystemInfo,
};
use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListImagesOptionsBuilder, ListNetworksOptions, ListNodesOptions,
    ListSecretsOptions, ListServicesOptions,
};
use futures_util::stream::{self, StreamExt};

use crate::client::Engine;
use crate::error::EngineError;

/// What to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FetchOptions {
    /// Only running containers (`--running-only`).
    pub running_only: bool,
    /// How many API calls run at once (at least 1).
    pub jobs: usize,
    /// Read the processes of running containers (`/top`).
    pub top: bool,
    /// Read every local image, not only those of the containers.
    pub all_images: bool,
    /// Read networks (overlay encryption).
    pub networks: bool,
    /// Read the build history of each image read (`/images/{id}/history`).
    pub history: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            running_only: false,
            jobs: 16,
            top: true,
            all_images: true,
            networks: true,
            history: true,
        }
    }
}

/// What [`Engine::snapshot_observed`] reports while it reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// This many more calls are planned (one per object).
    Planned(usize),
    /// One of them is done (successfully or not).
    Done,
}

/// One object read by ID, or the error that reading it gave.
#[derive(Clone, Debug)]
pub struct Target<T> {
    /// Container or image ID.
    pub id: String,
    /// Container name (without `/`) or first image tag; the ID when none.
    pub name: String,
    pub result: Result<T, EngineError>,
}

/// Swarm objects, read when this node is an active manager.
#[derive(Clone, Debug)]
pub struct SwarmData {
    pub swarm: Result<Swarm, EngineError>,
    pub nodes: Result<Vec<Node>, EngineError>,
    pub services: Result<Vec<Service>, EngineError>,
    pub secrets: Result<Vec<Secret>, EngineError>,
}

/// Everything read from one engine.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub version: bollard::models::SystemVersion,
    pub info: Result<SystemInfo, EngineError>,
    /// `Err` when the container list itself failed.
    pub containers: Result<Vec<Target<ContainerInspectResponse>>, EngineError>,
    /// Images by ID: those of the containers and, with `all_images`, every
    /// local image.
    pub images: BTreeMap<String, Target<ImageInspect>>,
    /// Build history of each image read (newest entry first, as the API
    /// lists it), by image ID; empty without [`FetchOptions::history`].
    pub history: BTreeMap<String, Result<Vec<ImageHistoryResponseItem>, EngineError>>,
    /// Error of the image list (the images of containers are still read).
    pub image_list_error: Option<EngineError>,
    /// Processes of running containers, by container ID.
    pub top: BTreeMap<String, Result<ContainerTopResponse, EngineError>>,
    pub networks: Option<Result<Vec<Network>, EngineError>>,
    /// `None` when Swarm is not active on this node, or it is not a manager.
    pub swarm: Option<SwarmData>,
}

fn summary_name(c: &ContainerSummary) -> String {
    c.names
        .as_ref()
        .and_then(|n| n.first())
        .map(|n| n.trim_start_matches('/').to_string())
        .or_else(|| c.id.clone())
        .unwrap_or_default()
}

impl Engine {
    /// Reads the engine's state: `info`, containers and their inspect,
    /// images and their inspect, `top` of running containers, networks,
    /// and Swarm objects on an active manager. A failure of one object is
    /// recorded in its [`Target`]; only a connection failure of the very
    /// first call aborts.
    pub async fn snapshot(&self, opts: FetchOptions) -> Result<Snapshot, EngineError> {
        self.snapshot_observed(opts, &|_| {}).await
    }

    /// [`Engine::snapshot`], telling `progress` how many calls are planned
    /// and when each one is done (for a progress bar).
    pub async fn snapshot_observed(
        &self,
        opts: FetchOptions,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<Snapshot, EngineError> {
        let jobs = opts.jobs.max(1);
        let info = self.call("GET /info", self.docker().info()).await;
        // `/version` has just answered: a slow `/info` alone is that
        // call's error (its checks say so), the rest is still read.
        let info_timed_out = matches!(info, Err(EngineError::Timeout { .. }));
        if let Err(e) = &info
            && e.is_connection_error()
            && !info_timed_out
        {
            return Err(e.clone());
        }

        let list = ListContainersOptionsBuilder::default()
            .all(!opts.running_only)
            .build();
        let summaries = self
            .call(
                "GET /containers/json",
                self.docker().list_containers(Some(list)),
            )
            .await;
        // …but a daemon that answers neither is not usable: stop here
        // rather than wait for every other call's deadline.
        if info_timed_out
            && let Err(e) = &summaries
            && e.is_connection_error()
        {
            return Err(e.clone());
        }
        let containers = match summaries {
            Ok(list) => {
                progress(Progress::Planned(list.len()));
                Ok(self
                    .inspect_containers_observed(&list, jobs, progress)
                    .await)
            }
            Err(e) => Err(e),
        };

        // Images: those of the containers, then every local one; each once.
        let mut wanted: BTreeMap<String, String> = BTreeMap::new();
        if let Ok(cs) = &containers {
            for c in cs {
                if let Ok(ci) = &c.result
                    && let Some(img) = ci.image.as_ref().filter(|i| !i.is_empty())
                {
                    let name = ci
                        .config
                        .as_ref()
                        .and_then(|c| c.image.clone())
                        .unwrap_or_else(|| img.clone());
                    wanted.entry(img.clone()).or_insert(name);
                }
            }
        }
        let mut image_list_error = None;
        if opts.all_images {
            let o = ListImagesOptionsBuilder::default().all(false).build();
            match self
                .call("GET /images/json", self.docker().list_images(Some(o)))
                .await
            {
                Ok(list) => {
                    for i in list {
                        let name = i
                            .repo_tags
                            .iter()
                            .find(|t| t.as_str() != "<none>:<none>")
                            .cloned()
                            .unwrap_or_else(|| i.id.clone());
                        wanted.entry(i.id).or_insert(name);
                    }
                }
                Err(e) => image_list_error = Some(e),
            }
        }
        progress(Progress::Planned(
            wanted.len() * if opts.history { 2 } else { 1 },
        ));
        let history = if opts.history {
            stream::iter(wanted.keys().cloned())
                .map(|id| async move {
                    let r = self
                        .call(
                            &format!("GET /images/{id}/history"),
                            self.docker().image_history(&id),
                        )
                        .await;
                    progress(Progress::Done);
                    (id, r)
                })
                .buffer_unordered(jobs)
                .collect()
                .await
        } else {
            BTreeMap::new()
        };
        let images = self.inspect_images(wanted, jobs, progress).await;

        let mut top = BTreeMap::new();
        if opts.top
            && let Ok(cs) = &containers
        {
            let running: Vec<String> = cs
                .iter()
                .filter_map(|c| {
                    let ci = c.result.as_ref().ok()?;
                    let running = ci.state.as_ref()?.running?;
                    running.then(|| c.id.clone())
                })
                .collect();
            progress(Progress::Planned(running.len()));
            top = stream::iter(running)
                .map(|id| async move {
                    let r = self
                        .call(
                            &format!("GET /containers/{id}/top"),
                            self.docker().top_processes(&id, None),
                        )
                        .await;
                    progress(Progress::Done);
                    (id, r)
                })
                .buffer_unordered(jobs)
                .collect()
                .await;
        }

        let networks = if opts.networks {
            Some(
                self.call(
                    "GET /networks",
                    self.docker().list_networks(None::<ListNetworksOptions>),
                )
                .await,
            )
        } else {
            None
        };

        let swarm = match &info {
            Ok(i) if is_active_manager(i) => Some(self.swarm_data().await),
            _ => None,
        };

        Ok(Snapshot {
            version: self.version().clone(),
            info,
            containers,
            images,
            history,
            image_list_error,
            top,
            networks,
            swarm,
        })
    }

    /// Inspects the listed containers, each once, `jobs` at a time. A
    /// container removed since the list gives a [`EngineError::NotFound`]
    /// target, not a failure of the whole read.
    pub async fn inspect_containers(
        &self,
        list: &[ContainerSummary],
        jobs: usize,
    ) -> Vec<Target<ContainerInspectResponse>> {
        self.inspect_containers_observed(list, jobs, &|_| {}).await
    }

    async fn inspect_containers_observed(
        &self,
        list: &[ContainerSummary],
        jobs: usize,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Vec<Target<ContainerInspectResponse>> {
        let mut seen = BTreeSet::new();
        let todo: Vec<(String, String)> = list
            .iter()
            .filter_map(|c| {
                let id = c.id.clone()?;
                seen.insert(id.clone()).then(|| (id, summary_name(c)))
            })
            .collect();
        let mut out: Vec<Target<ContainerInspectResponse>> = stream::iter(todo)
            .map(|(id, name)| async move {
                let result = self
                    .call(
                        &format!("GET /containers/{id}/json"),
                        self.docker().inspect_container(&id, None),
                    )
                    .await;
                progress(Progress::Done);
                Target { id, name, result }
            })
            .buffer_unordered(jobs)
            .collect()
            .await;
        out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        out
    }

    async fn inspect_images(
        &self,
        wanted: BTreeMap<String, String>,
        jobs: usize,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> BTreeMap<String, Target<ImageInspect>> {
        stream::iter(wanted)
            .map(|(id, name)| async move {
                let result = self
                    .call(
                        &format!("GET /images/{id}/json"),
                        self.docker().inspect_image(&id),
                    )
                    .await;
                progress(Progress::Done);
                (id.clone(), Target { id, name, result })
            })
            .buffer_unordered(jobs)
            .collect()
            .await
    }

    async fn swarm_data(&self) -> SwarmData {
        let d = self.docker();
        let (swarm, nodes, services, secrets) = tokio::join!(
            self.call("GET /swarm", d.inspect_swarm()),
            self.call("GET /nodes", d.list_nodes(None::<ListNodesOptions>)),
            self.call(
                "GET /services",
                d.list_services(None::<ListServicesOptions>)
            ),
            self.call("GET /secrets", d.list_secrets(None::<ListSecretsOptions>)),
        );
        SwarmData {
            swarm,
            nodes,
            services,
            secrets,
        }
    }
}

/// Whether `info` describes an active Swarm manager.
pub fn is_active_manager(info: &SystemInfo) -> bool {
    info.swarm.as_ref().is_some_and(|s| {
        s.local_node_state
            .as_ref()
            .is_some_and(|st| st.to_string() == "active")
            && s.control_available == Some(true)
    })
}
