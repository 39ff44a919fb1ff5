//! `ImageSpec`: what an image will be (from a Dockerfile stage) or is (from
//! an image config, in a later source).

use std::sync::Arc;

use crate::imageref::ImageRef;
use crate::origin::{Origin, Sp};
use crate::spec::shell::ShellScript;

/// A `KEY=value` pair (ENV, LABEL, environment entries). `origin` covers the
/// whole pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyValue {
    pub origin: Origin,
    pub key: Sp<String>,
    /// The value after variable expansion where it could be done.
    pub value: Sp<String>,
}

/// An `ARG name[=default]` declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgDecl {
    pub origin: Origin,
    pub name: Sp<String>,
    pub default: Option<Sp<String>>,
}

/// What a stage starts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaseImage {
    /// `FROM scratch`.
    Scratch,
    /// `FROM <earlier stage>`.
    Stage { index: usize, name: String },
    /// A registry image.
    Image(ImageRef),
    /// A reference that could not be resolved (an ARG without a default, or
    /// a malformed reference); the text as written.
    Unresolved(String),
}

/// A container command: `CMD`, `ENTRYPOINT`, a healthcheck test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandLine {
    /// JSON exec form (`["a","b"]`) rather than shell form.
    pub exec_form: bool,
    /// Exec form: the arguments; shell form: one element, the command text.
    pub args: Vec<String>,
}

/// A healthcheck.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Healthcheck {
    /// `HEALTHCHECK NONE`, `disable: true` or `test: ["NONE"]`.
    pub disabled: bool,
    pub test: Vec<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub start_period: Option<String>,
    pub retries: Option<String>,
}

impl Healthcheck {
    /// A healthcheck from an image or container configuration (`Test` and
    /// durations in nanoseconds, as the Engine API and image configs write
    /// them); `None` when nothing is set.
    pub fn from_config(
        test: Option<&[String]>,
        interval: Option<i64>,
        timeout: Option<i64>,
        start_period: Option<i64>,
        retries: Option<i64>,
    ) -> Option<Healthcheck> {
        let test = test.unwrap_or_default().to_vec();
        if test.is_empty() && interval.is_none() && timeout.is_none() && retries.is_none() {
            return None;
        }
        let dur = |v: Option<i64>| v.filter(|n| *n > 0).map(crate::text::format_duration_ns);
        Some(Healthcheck {
            disabled: test.first().is_some_and(|t| t == "NONE"),
            test,
            interval: dur(interval),
            timeout: dur(timeout),
            start_period: dur(start_period),
            retries: retries.filter(|r| *r > 0).map(|r| r.to_string()),
        })
    }
}

/// `RUN`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RunStep {
    pub exec_form: bool,
    /// The parsed shell (shell form and heredoc bodies; for exec form, the
    /// script of `["sh","-c","…"]`).
    pub script: Option<ShellScript>,
    /// Exec-form arguments.
    pub exec_args: Vec<Sp<String>>,
    /// `--mount=…` values.
    pub mounts: Vec<Sp<String>>,
    /// `--network=…`
    pub network: Option<Sp<String>>,
    /// `--security=…`
    pub security: Option<Sp<String>>,
    /// The command comes from a heredoc body.
    pub heredoc: bool,
}

impl RunStep {
    /// The `--mount` entries of a given `type=` (`secret`, `cache`, `bind`, `ssh`).
    pub fn mounts_of_type<'a>(&'a self, ty: &'a str) -> impl Iterator<Item = &'a Sp<String>> + 'a {
        self.mounts.iter().filter(move |m| {
            m.value
                .split(',')
                .any(|kv| kv.trim() == format!("type={ty}"))
        })
    }
}

/// `COPY` / `ADD`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CopyStep {
    pub sources: Vec<Sp<String>>,
    pub dest: Option<Sp<String>>,
    pub from: Option<Sp<String>>,
    pub chown: Option<Sp<String>>,
    pub chmod: Option<Sp<String>>,
    pub link: bool,
    pub checksum: Option<Sp<String>>,
    /// The sources are heredoc bodies.
    pub heredoc: bool,
    /// Written in JSON form.
    pub exec_form: bool,
}

/// What one build step does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    Run(RunStep),
    Copy(CopyStep),
    Add(CopyStep),
    User(Sp<String>),
    Workdir(Sp<String>),
    Env(Vec<KeyValue>),
    Arg(Vec<ArgDecl>),
    Label(Vec<KeyValue>),
    Expose(Vec<Sp<String>>),
    Volume(Vec<Sp<String>>),
    Healthcheck(Healthcheck),
    Cmd(CommandLine),
    Entrypoint(CommandLine),
    Shell(Vec<String>),
    StopSignal(Sp<String>),
    Maintainer(Sp<String>),
    /// `ONBUILD <instruction>`: the trigger, itself a step.
    Onbuild(Box<BuildStep>),
    /// Anything else (kept so that step counts and order are faithful).
    Other,
}

/// One step of the build that produced an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildStep {
    /// The whole instruction (or the history entry).
    pub origin: Origin,
    /// The instruction keyword, upper-case (`RUN`, `COPY`, …).
    pub instruction: Sp<String>,
    pub kind: StepKind,
}

/// What an image is or will be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageSpec {
    /// The object as a whole: the stage's `FROM` instruction.
    pub origin: Origin,
    /// 0-based stage index in a multi-stage Dockerfile.
    pub stage_index: usize,
    pub stage_name: Option<Sp<String>>,
    /// The stage that `docker build` produces by default (the last one), or
    /// the `target` a Compose file asks for.
    pub is_final: bool,
    pub base: Sp<BaseImage>,
    pub platform: Option<Sp<String>>,
    /// The effective user: the last `USER` of this stage, else of the stage
    /// it is built `FROM` (`None` means the base image's user).
    pub user: Option<Sp<String>>,
    pub workdir: Option<Sp<String>>,
    pub env: Vec<KeyValue>,
    pub args: Vec<ArgDecl>,
    pub labels: Vec<KeyValue>,
    pub exposed_ports: Vec<Sp<String>>,
    pub volumes: Vec<Sp<String>>,
    pub healthcheck: Option<Sp<Healthcheck>>,
    pub entrypoint: Option<Sp<CommandLine>>,
    pub cmd: Option<Sp<CommandLine>>,
    pub shell: Option<Sp<Vec<String>>>,
    pub steps: Vec<BuildStep>,
    /// When the image was built (`created` of a built image's config, RFC
    /// 3339); `None` for a Dockerfile stage.
    pub created: Option<Sp<String>>,
    /// The final filesystem of a built image; `None` for a Dockerfile stage
    /// and for an image known only by its configuration (the daemon's
    /// inspect). Rules about files judge it here.
    pub files: Option<Arc<crate::spec::ImageFiles>>,
}

impl ImageSpec {
    /// A spec with the identity of a stage and nothing else set yet.
    pub fn new(origin: Origin, stage_index: usize, is_final: bool, base: Sp<BaseImage>) -> Self {
        ImageSpec {
            origin,
            stage_index,
            stage_name: None,
            is_final,
            base,
            platform: None,
            user: None,
            workdir: None,
            env: Vec::new(),
            args: Vec::new(),
            labels: Vec::new(),
            exposed_ports: Vec::new(),
            volumes: Vec::new(),
            healthcheck: None,
            entrypoint: None,
            cmd: None,
            shell: None,
            steps: Vec::new(),
            created: None,
            files: None,
        }
    }

    pub fn base_ref(&self) -> Option<&ImageRef> {
        match &self.base.value {
            BaseImage::Image(r) => Some(r),
            _ => None,
        }
    }

    /// The base image when it is pulled from a registry (not `scratch`, not
    /// an earlier stage, not unresolved).
    pub fn registry_base(&self) -> Option<&ImageRef> {
        self.base_ref().filter(|r| !r.is_scratch())
    }

    /// All RUN steps with their scripts, including ONBUILD triggers.
    pub fn runs(&self) -> impl Iterator<Item = (&BuildStep, &RunStep)> {
        self.steps.iter().flat_map(|s| {
            let inner = match &s.kind {
                StepKind::Onbuild(b) => b.as_ref(),
                _ => s,
            };
            match &inner.kind {
                StepKind::Run(r) => Some((inner, r)),
                _ => None,
            }
        })
    }

    /// The parsed shell scripts of every RUN step (ONBUILD triggers included).
    pub fn scripts(&self) -> impl Iterator<Item = &ShellScript> {
        self.runs().filter_map(|(_, run)| run.script.as_ref())
    }

    /// Every shell command run by a RUN step, with its script (for
    /// pipelines and nesting).
    pub fn commands(&self) -> impl Iterator<Item = (&ShellScript, &crate::spec::ShellCommand)> {
        self.scripts()
            .flat_map(|s| s.commands.iter().map(move |c| (s, c)))
    }

    pub fn env_value(&self, name: &str) -> Option<&KeyValue> {
        self.env.iter().rev().find(|kv| kv.key.value == name)
    }
}
