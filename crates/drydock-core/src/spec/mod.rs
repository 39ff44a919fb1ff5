//! The typed specs that rules judge. Every source (a Dockerfile stage, a
//! Compose service, a daemon.json, a live container, an image config, a
//! `docker run` or `docker exec` line, a request arriving at the daemon) converts into one
//! of these, and every field remembers its [`Origin`](crate::Origin).
//!
//! Rules never look at raw files: they ask a spec, so the same rule judges
//! `privileged: true` in Compose and `HostConfig.Privileged` on the API.

mod anchor;
mod container;
mod daemon;
mod exec;
mod files;
mod image;
mod shell;

pub use anchor::{JsonObjectAnchor, YamlMapAnchor};
pub use container::{
    BuildSpec, ContainerSource, ContainerSpec, EngineClient, Logging, Mount, MountKind,
    PortMapping, Resources, SecurityOpt, UnknownPart, parse_port_range,
};
pub use daemon::{DaemonSetting, DaemonSpec};
pub use exec::{ExecSource, ExecSpec, ExecUser};
pub use files::{ImageFile, ImageFileKind, ImageFiles, ImageLayer, ImageText};
pub use image::{
    ArgDecl, BaseImage, BuildStep, CommandLine, CopyStep, Healthcheck, ImageSpec, KeyValue,
    RunStep, StepKind,
};
pub use shell::{
    Nesting, PipePos, Redirect, ShellCommand, ShellScript, SyntaxFact, SyntaxKind, Word,
    positional_words,
};
