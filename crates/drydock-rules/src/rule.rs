//! The rule trait, the declaration macro and the checker rules report into.

use drydock_compose::ComposeProject;
use drydock_core::spec::{ContainerSpec, DaemonSpec, ExecSpec, ImageSpec};
use drydock_core::{FileId, Finding, Origin, RuleMeta, SourceMap, TextRange};
use drydock_dockerfile::Dockerfile;

use crate::settings::Settings;

/// A Dockerfile as a whole, for rules about its structure across stages.
pub struct DockerfileCx<'a> {
    pub file: FileId,
    pub text: &'a str,
    pub dockerfile: &'a Dockerfile,
    pub images: &'a [ImageSpec],
    /// The text of the build context's `.dockerignore`: the file named
    /// after the Dockerfile (`<name>.dockerignore`) beside it, else
    /// `.dockerignore` in its directory (the build context is taken to be
    /// the Dockerfile's directory). `None` when there is none.
    pub dockerignore: Option<&'a str>,
    /// Whether the Dockerfile's location, and so its build context, is
    /// known (not for standard input); without it `dockerignore` says
    /// nothing.
    pub context_known: bool,
}

/// A Compose project as a whole, for rules across services.
pub struct ComposeCx<'a> {
    pub text: &'a str,
    pub project: &'a ComposeProject,
}

/// A rule. Implement the `check_*` methods for the specs it judges; a rule
/// that judges several kinds of spec (an image reference in a `FROM` and in
/// a Compose `image:`) implements several.
pub trait Rule: Send + Sync + 'static {
    fn meta(&self) -> &'static RuleMeta;

    /// One Dockerfile stage (or, later, a built image).
    fn check_image(&self, _cx: &mut Checker<'_>, _image: &ImageSpec) {}

    /// One container: a Compose service (later a `docker run` line, a live
    /// container, a create request).
    fn check_container(&self, _cx: &mut Checker<'_>, _container: &ContainerSpec) {}

    /// A command run in an existing container (`docker exec`): a line of a
    /// script, an exec create request, a live exec instance.
    fn check_exec(&self, _cx: &mut Checker<'_>, _exec: &ExecSpec) {}

    /// The daemon's configuration.
    fn check_daemon(&self, _cx: &mut Checker<'_>, _daemon: &DaemonSpec) {}

    /// A whole Dockerfile (stage structure, cross-stage references).
    fn check_dockerfile(&self, _cx: &mut Checker<'_>, _df: &DockerfileCx<'_>) {}

    /// A whole Compose project (cross-service facts, top-level keys).
    fn check_compose(&self, _cx: &mut Checker<'_>, _compose: &ComposeCx<'_>) {}
}

/// What a rule reports into. One per rule run.
pub struct Checker<'a> {
    pub settings: &'a Settings,
    pub sources: &'a SourceMap,
    rule: &'static RuleMeta,
    pub(crate) findings: Vec<Finding>,
}

impl<'a> Checker<'a> {
    pub fn new(rule: &'static RuleMeta, settings: &'a Settings, sources: &'a SourceMap) -> Self {
        Checker {
            settings,
            sources,
            rule,
            findings: Vec::new(),
        }
    }

    /// Reports a finding of the current rule at `origin`; the returned
    /// reference can take a fix and related locations.
    pub fn report(&mut self, origin: &Origin, message: impl Into<String>) -> &mut Finding {
        let idx = self.findings.len();
        self.findings
            .push(Finding::new(self.rule, origin.clone(), message));
        &mut self.findings[idx]
    }

    /// Reports a finding about a file as a whole.
    pub fn report_file(&mut self, file: FileId, message: impl Into<String>) -> &mut Finding {
        self.report(&Origin::file(file, TextRange::EMPTY), message)
    }

    /// The source text an origin covers (empty for non-file origins).
    pub fn text_of(&self, origin: &Origin) -> &'a str {
        match origin.file_range() {
            Some((file, range)) => self.sources.get(file).map_or("", |f| range.slice(&f.text)),
            None => "",
        }
    }

    /// The whole text of a file.
    pub fn file_text(&self, file: FileId) -> &'a str {
        self.sources.get(file).map_or("", |f| &f.text)
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}

/// Declares a rule: a unit struct whose doc comment is its documentation
/// and whose associated `META` constant is its metadata.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// …
///     pub struct PrivilegedContainer {
///         id: "CTR001",
///         name: "privileged-container",
///         title: "Container runs privileged",
///         severity: Critical,
///         category: Privilege,
///         references: ["cis-docker-1.6:5.4", "concern:81"],
///         fix: None,
///     }
/// }
/// ```
///
/// An opt-in rule (off unless selected by its ID, see
/// [`drydock_core::config::Selection::is_enabled_for`]) adds
/// `enabled: false` after `fix`.
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        $vis:vis struct $name:ident {
            id: $id:literal,
            name: $rname:literal,
            title: $title:literal,
            severity: $sev:ident,
            category: $cat:ident,
            references: [$($r:literal),* $(,)?],
            fix: $fix:ident
            $(, enabled: $enabled:literal)? $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $name;

        impl $name {
            pub const META: ::drydock_core::RuleMeta = ::drydock_core::RuleMeta {
                id: $id,
                name: $rname,
                title: $title,
                severity: ::drydock_core::Severity::$sev,
                category: ::drydock_core::Category::$cat,
                references: &[$($r),*],
                fix: ::drydock_core::FixAvailability::$fix,
                docs: concat!($($doc, "\n"),*),
                default_enabled: true $(&& $enabled)?,
            };
        }
    };
}
