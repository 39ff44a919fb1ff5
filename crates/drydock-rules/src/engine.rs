//! Runs the rules over one input: parse, convert to specs, check, suppress.

use std::path::Path;
use std::sync::Arc;

use drydock_core::fs::FileSystem;
use drydock_core::{
    FileId, FileKind, Finding, Origin, ParseError, RuleMeta, SourceFile, SourceMap,
};

use crate::rule::{Checker, ComposeCx, DockerfileCx, Rule};
use crate::rules::syntax::{ComposeSyntax, DaemonJsonSyntax, DockerfileSyntax};
use crate::settings::Settings;
use crate::suppress;

/// One file to lint.
#[derive(Clone, Debug)]
pub struct Input<'a> {
    /// Where the file is (for reading files it refers to, relative to it).
    pub path: &'a Path,
    /// How to show its path.
    pub display: String,
    pub kind: FileKind,
    pub text: Arc<str>,
}

/// The outside world a lint may consult: other files (Compose `extends`,
/// `include`, `env_file`, `.env`) and the process environment (Compose
/// interpolation).
pub struct LintEnv<'a> {
    pub fs: &'a dyn FileSystem,
    pub env: &'a (dyn Fn(&str) -> Option<String> + Sync),
}

/// What linting one input produced.
#[derive(Debug)]
pub struct LintResult {
    pub sources: SourceMap,
    pub primary: FileId,
    /// Sorted by file, position and rule.
    pub findings: Vec<Finding>,
    pub suppressed: usize,
    /// Number of syntax-rule findings (fix rounds compare it).
    pub syntax_errors: usize,
}

/// Lints one input with the enabled rules.
pub fn lint(input: &Input<'_>, settings: &Settings, env: &LintEnv<'_>) -> LintResult {
    let mut sources = SourceMap::new();
    let primary = sources.add(SourceFile::new(
        input.display.clone(),
        input.kind,
        input.text.clone(),
    ));
    let rules = settings.enabled_rules();
    let text: &str = &input.text;
    let mut findings = Vec::new();
    let mut dockerfile = None;

    let syntax_errors;
    match input.kind {
        FileKind::Dockerfile => {
            let df = drydock_dockerfile::parse(text, primary);
            syntax_errors = df.errors.len();
            syntax_findings(&mut findings, &DockerfileSyntax::META, &df.errors, settings);
            let images = drydock_dockerfile::image_specs(
                &df,
                text,
                &drydock_dockerfile::SpecOptions::default(),
            );
            let dockerignore = read_dockerignore(input, env);
            let cx = DockerfileCx {
                file: primary,
                text,
                dockerfile: &df,
                images: &images,
                dockerignore: dockerignore.as_ref().and_then(|d| d.as_deref()),
                context_known: dockerignore.is_some(),
            };
            run(&rules, settings, &sources, &mut findings, |r, c| {
                for image in &images {
                    r.check_image(c, image);
                }
                r.check_dockerfile(c, &cx);
            });
            dockerfile = Some(df);
        }
        FileKind::Compose => {
            let opts = drydock_compose::LoadOptions {
                fs: env.fs,
                env: env.env,
            };
            let mut project = drydock_compose::load(input.path, primary, &mut sources, &opts);
            join_dockerfiles(&mut project, input, &mut sources, env);
            syntax_errors = project.errors.len();
            syntax_findings(
                &mut findings,
                &ComposeSyntax::META,
                &project.errors,
                settings,
            );
            let cx = ComposeCx {
                text,
                project: &project,
            };
            run(&rules, settings, &sources, &mut findings, |r, c| {
                for service in &project.services {
                    r.check_container(c, service);
                }
                r.check_compose(c, &cx);
            });
        }
        FileKind::DaemonJson => {
            let cfg = drydock_daemon_config::parse(text, primary);
            syntax_errors = cfg.errors.len();
            syntax_findings(
                &mut findings,
                &DaemonJsonSyntax::META,
                &cfg.errors,
                settings,
            );
            if !cfg.errors.iter().any(|e| e.fatal) {
                run(&rules, settings, &sources, &mut findings, |r, c| {
                    r.check_daemon(c, &cfg.spec)
                });
            }
        }
        FileKind::Script
        | FileKind::Makefile
        | FileKind::GithubWorkflow
        | FileKind::GitlabCi
        | FileKind::Markdown => {
            syntax_errors =
                lint_run_lines(input, primary, &rules, settings, &sources, &mut findings);
        }
        FileKind::Other => syntax_errors = 0,
    }

    let mut suppressed = 0;
    if settings.inline_suppressions {
        let mut sups = suppress::collect(text, input.kind, dockerfile.as_ref());
        suppressed = suppress::apply(&mut findings, primary, &mut sups);
        if settings.is_enabled(&crate::rules::meta::UnusedSuppression::META) {
            findings.extend(suppress::unused(primary, &sups, settings));
        }
    }
    for f in &mut findings {
        f.severity = settings.finding_severity(f);
    }
    sort_findings(&mut findings);
    LintResult {
        sources,
        primary,
        findings,
        suppressed,
        syntax_errors,
    }
}

/// Runs the enabled rules over one exec (`docker exec`): an exec create
/// request (`drydock guard`) or a live exec instance. Findings point at the
/// spec's origins (`Privileged`, `ProcessConfig.user`), take the configured
/// severities and are sorted; they carry no fix.
pub fn check_exec(exec: &drydock_core::spec::ExecSpec, settings: &Settings) -> Vec<Finding> {
    let rules = settings.enabled_rules();
    let sources = SourceMap::new();
    let mut findings = Vec::new();
    run(&rules, settings, &sources, &mut findings, |r, c| {
        r.check_exec(c, exec)
    });
    for f in &mut findings {
        f.fix = None;
        f.severity = settings.finding_severity(f);
    }
    sort_findings(&mut findings);
    findings
}

/// Runs the enabled rules over a built image (`drydock image`): its
/// configuration, its history as build steps and its filesystem
/// ([`ImageSpec::files`](drydock_core::spec::ImageSpec::files)). `sources`
/// holds the history document and the texts of the image's files that the
/// spec refers to. Findings carry no fix (nothing here is a file the user
/// can edit), take the configured severities and are sorted.
pub fn check_built_image(
    image: &drydock_core::spec::ImageSpec,
    sources: &SourceMap,
    settings: &Settings,
) -> Vec<Finding> {
    let rules = settings.enabled_rules();
    let mut findings = Vec::new();
    run(&rules, settings, sources, &mut findings, |r, c| {
        r.check_image(c, image)
    });
    for f in &mut findings {
        f.fix = None;
        f.severity = settings.finding_severity(f);
    }
    sort_findings(&mut findings);
    findings
}

/// A file read for its `docker run` / `docker create` lines: each line's
/// container goes through every container rule (and each `docker exec`
/// line through the exec rules, [`Rule::check_exec`]). Findings about absent
/// settings (reported at the container's own origin or at its `cap_drop`
/// key, see [`ContainerSpec::is_absence_origin`]) are dropped for a line
/// with a word that may set them unseen (`$DOCKER_OPTS`, `"$@"`, an
/// unreadable `--memory` value): that line's absences are not known.
/// Findings on run lines carry no fix. Returns the number of syntax errors.
///
/// [`ContainerSpec::is_absence_origin`]: drydock_core::spec::ContainerSpec::is_absence_origin
fn lint_run_lines(
    input: &Input<'_>,
    primary: FileId,
    rules: &[&'static dyn Rule],
    settings: &Settings,
    sources: &SourceMap,
    findings: &mut Vec<Finding>,
) -> usize {
    let Some(kind) = drydock_runline::SourceKind::from_file_kind(input.kind) else {
        return 0;
    };
    let extracted = drydock_runline::extract(&input.text, primary, kind);
    syntax_findings(
        findings,
        &crate::rules::script_syntax::ScriptSyntax::META,
        &extracted.errors,
        settings,
    );
    for line in &extracted.lines {
        let spec = &line.spec;
        let mut found = Vec::new();
        run(rules, settings, sources, &mut found, |r, c| {
            r.check_container(c, spec)
        });
        if !spec.absence_trusted() {
            found.retain(|f| !spec.is_absence_origin(&f.origin));
        }
        // Fixes are structured edits of Compose/Dockerfile syntax; a command
        // line (quoted, continued, inside YAML) gets none.
        for f in &mut found {
            f.fix = None;
        }
        findings.extend(found);
    }
    // `docker exec` lines: the exec rules. A fix here removes one whole
    // word the line writes (`--privileged`), so it is kept.
    for exec in &extracted.execs {
        run(rules, settings, sources, findings, |r, c| {
            r.check_exec(c, &exec.spec)
        });
    }
    extracted.errors.len()
}

/// The `.dockerignore` of a Dockerfile's build context, taken to be the
/// Dockerfile's directory: `<name>.dockerignore` beside the Dockerfile
/// (BuildKit's per-Dockerfile ignore file), else `.dockerignore`.
/// `None` when the Dockerfile has no location (standard input),
/// `Some(None)` when neither file can be read.
fn read_dockerignore(input: &Input<'_>, env: &LintEnv<'_>) -> Option<Option<String>> {
    if input.path.as_os_str().is_empty() || input.path == Path::new("-") {
        return None;
    }
    let dir = input.path.parent().unwrap_or(Path::new(""));
    let mut candidates = Vec::new();
    if let Some(name) = input.path.file_name() {
        let mut own = name.to_os_string();
        own.push(".dockerignore");
        candidates.push(dir.join(own));
    }
    candidates.push(dir.join(".dockerignore"));
    Some(
        candidates
            .iter()
            .find_map(|p| env.fs.read_to_string(p).ok()),
    )
}

/// Cross-file reasoning: gives each Compose service with a local `build:`
/// the `ImageSpec` of the stage it builds (its `target`, else the last),
/// with the service's `build.args`, so that container rules can tell what
/// the Dockerfile decides (the user, the healthcheck) from what the service
/// overrides. Each Dockerfile is read and parsed once per Compose file; its
/// text joins the source map, so findings and related notes can point
/// into it. A Dockerfile that cannot be read leaves the service without an
/// image spec (the Dockerfile's own scan reports its problems).
fn join_dockerfiles(
    project: &mut drydock_compose::ComposeProject,
    input: &Input<'_>,
    sources: &mut SourceMap,
    env: &LintEnv<'_>,
) {
    use std::collections::{BTreeMap, HashMap};
    use std::path::PathBuf;

    let base_dir = input.path.parent().unwrap_or(Path::new(""));
    let display_dir = Path::new(&input.display).parent().unwrap_or(Path::new(""));
    let mut parsed: HashMap<PathBuf, Option<(FileId, drydock_dockerfile::Dockerfile)>> =
        HashMap::new();
    for service in &mut project.services {
        let Some(build) = &service.build else {
            continue;
        };
        let context = build.context.as_ref().map_or(".", |c| c.value.as_str());
        if context.contains("://") || context.starts_with("git@") || context.contains('$') {
            continue;
        }
        let dockerfile = build
            .dockerfile
            .as_ref()
            .map_or("Dockerfile", |d| d.value.as_str());
        if dockerfile.contains('$') {
            continue;
        }
        let rel = Path::new(context).join(dockerfile);
        let path = normalize(&base_dir.join(&rel));
        let entry = parsed.entry(path.clone()).or_insert_with(|| {
            let text = env.fs.read_to_string(&path).ok()?;
            let display = normalize(&display_dir.join(&rel))
                .to_string_lossy()
                .into_owned();
            let file = sources.add(SourceFile::new(display, FileKind::Dockerfile, text));
            let text = sources.get(file)?.text.clone();
            Some((file, drydock_dockerfile::parse(&text, file)))
        });
        let Some((file, df)) = entry else { continue };
        let Some(text) = sources.get(*file).map(|f| f.text.clone()) else {
            continue;
        };
        let build_args: BTreeMap<String, String> = build
            .args
            .iter()
            .filter_map(|(k, v)| Some((k.value.clone(), v.as_ref()?.value.clone())))
            .collect();
        let opts = drydock_dockerfile::SpecOptions {
            build_args,
            target: build.target.as_ref().map(|t| t.value.clone()),
        };
        let images = drydock_dockerfile::image_specs(df, &text, &opts);
        service.image_spec = images
            .into_iter()
            .find(|i| i.is_final)
            .map(std::sync::Arc::new);
    }
}

/// `a/./b/../c` → `a/c`, without touching the filesystem.
fn normalize(path: &Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let at_start = out.as_os_str().is_empty()
                    || matches!(out.components().next_back(), Some(Component::ParentDir));
                if at_start {
                    out.push("..");
                } else if !matches!(out.components().next_back(), Some(Component::RootDir)) {
                    out.pop();
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn run(
    rules: &[&'static dyn Rule],
    settings: &Settings,
    sources: &SourceMap,
    findings: &mut Vec<Finding>,
    mut each: impl FnMut(&'static dyn Rule, &mut Checker<'_>),
) {
    for &rule in rules {
        let mut cx = Checker::new(rule.meta(), settings, sources);
        each(rule, &mut cx);
        findings.extend(cx.into_findings());
    }
}

fn syntax_findings(
    out: &mut Vec<Finding>,
    meta: &'static RuleMeta,
    errors: &[ParseError],
    settings: &Settings,
) {
    for e in errors {
        // An error a dedicated rule names (DKF013, DKF014) is that rule's.
        let meta = crate::rules::syntax::rule_for(meta, e);
        if !settings.is_enabled(meta) {
            continue;
        }
        out.push(Finding::new(
            meta,
            Origin::file(e.file, e.range),
            e.message.clone(),
        ));
    }
}

/// Sorts by file, start offset, rule ID and message, and drops exact
/// duplicates (the same rule at the same place with the same message, as
/// happens when one merged YAML value is shared by several services).
pub fn sort_findings(findings: &mut Vec<Finding>) {
    let key = |f: &Finding| {
        let (file, start, end) = match &f.origin {
            Origin::File { file, range } => (file.0, range.start, range.end),
            _ => (u32::MAX, 0, 0),
        };
        (file, start, end, f.rule.id, f.message.clone())
    };
    findings.sort_by_cached_key(key);
    findings
        .dedup_by(|a, b| a.rule.id == b.rule.id && a.origin == b.origin && a.message == b.message);
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use std::path::Path;

    #[test]
    fn normalizes_lexically() {
        for (a, b) in [
            ("a/./b/../c", "a/c"),
            ("../../x", "../../x"),
            ("./Dockerfile", "Dockerfile"),
            ("/a/../../b", "/b"),
            ("a/../../b", "../b"),
        ] {
            assert_eq!(normalize(Path::new(a)), Path::new(b), "{a}");
        }
    }
}
