use drydock_core::RuleMeta;
use drydock_core::spec::{
    BaseImage, BuildStep, ImageSpec, Nesting, RunStep, ShellCommand, ShellScript, StepKind,
    SyntaxKind,
};
use drydock_core::{ImageRef, Origin};

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports bash syntax in a `RUN` that `/bin/sh` runs: the default
    /// shell of shell-form `RUN` (no `SHELL` instruction switching to
    /// bash, in the stage or the stage it is built from), a heredoc without
    /// a `#!/bin/bash` line or `bash` reading it, a `sh -c '…'` string.
    ///
    /// What `/bin/sh` understands depends on the base image:
    ///
    /// - Debian, Ubuntu and the official images built on them (`python`,
    ///   `node`, `golang`, `ruby`, `php`, `nginx`, `postgres`, …, and any
    ///   tag naming a Debian or Ubuntu release such as `bookworm` or
    ///   `jammy`): `dash`, which has none of bash's extensions. Reported:
    ///   `[[ … ]]`, `function f`, arrays, `<(…)`, `{a,b}`, `$'…'`, `&>`,
    ///   `|&`, `<<<`, `(( … ))`, `==` in `[ … ]`, `${v:1:2}`, `${v/a/b}`,
    ///   `${v^^}`, `source`, and `echo -e`.
    /// - Alpine and BusyBox: BusyBox `ash`, which supports `[[ … ]]`,
    ///   `function`, `$'…'`, `&>`, `source`, `${v:1:2}`, `${v/a/b}` and
    ///   `echo -e`. Reported: arrays, `<(…)` and `{a,b}`.
    /// - Red Hat, CentOS, Fedora, Rocky, Alma, Oracle Linux, Amazon Linux,
    ///   openSUSE, Arch: `/bin/sh` is bash; nothing is reported.
    /// - Any other base image (unknown, a build argument): only what fails
    ///   in both `dash` and BusyBox `ash`: arrays, `<(…)` and `{a,b}`.
    ///
    /// A stage where an earlier `RUN` made `/bin/sh` a link to bash
    /// (`ln -sf /bin/bash /bin/sh`) is taken to run bash from then on.
    /// `ONBUILD RUN` triggers are not judged (they run in another build).
    ///
    /// ## Why is this bad?
    /// The build breaks with a confusing error (`[[: not found`,
    /// `Syntax error: "(" unexpected`), or worse, it succeeds doing
    /// something else: under `dash`, `make &> build.log` runs `make` in the
    /// background and empties `build.log`; `mkdir -p /opt/{bin,lib}` creates
    /// one directory named `{bin,lib}`; `echo -e 'a\nb' > f` writes `-e`
    /// into the file.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM debian:12
    /// RUN if [[ -f /etc/debian_version ]]; then mkdir -p /opt/{bin,lib}; fi
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM debian:12
    /// SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    /// RUN if [[ -f /etc/debian_version ]]; then mkdir -p /opt/{bin,lib}; fi
    /// ```
    ///
    /// ## How to fix
    /// Switch the shell with `SHELL ["/bin/bash", "-c"]` (install bash first
    /// on Alpine), run the script with `bash -c '…'` or a `#!/bin/bash`
    /// heredoc, or write POSIX shell: `[ … ]`, `=`, `. file`,
    /// `> file 2>&1`, `printf`, one word per directory.
    pub struct BashismInSh {
        id: "IMG071",
        name: "bashism-in-sh",
        title: "Bash syntax in a RUN run by /bin/sh",
        severity: Low,
        category: BestPractice,
        references: [
            "concern:76",
            "hadolint:SC2039",
            "shellcheck:SC3001",
            "shellcheck:SC3003",
            "shellcheck:SC3009",
            "shellcheck:SC3010",
            "shellcheck:SC3011",
            "shellcheck:SC3014",
            "shellcheck:SC3020",
            "shellcheck:SC3030",
            "shellcheck:SC3037",
        ],
        fix: None,
    }
}

/// Which shell `/bin/sh` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sh {
    Dash,
    /// BusyBox ash.
    Ash,
    Bash,
    /// Not known: dash or ash as far as this rule is concerned.
    Unknown,
}

impl Sh {
    fn describe(self) -> &'static str {
        match self {
            Sh::Dash => "dash",
            Sh::Ash => "BusyBox ash",
            Sh::Bash => "bash",
            Sh::Unknown => "dash or BusyBox ash on most images",
        }
    }
}

/// Official Docker Hub images whose default variants are Debian-based.
const DEBIAN_OFFICIAL: &[&str] = &[
    "debian",
    "ubuntu",
    "buildpack-deps",
    "python",
    "node",
    "golang",
    "ruby",
    "perl",
    "php",
    "rust",
    "gcc",
    "httpd",
    "nginx",
    "postgres",
    "redis",
    "haproxy",
    "wordpress",
];

/// Debian and Ubuntu release names, as they appear in tags.
const DEBIAN_RELEASES: &[&str] = &[
    "trixie", "bookworm", "bullseye", "buster", "stretch", "jessie", "noble", "jammy", "focal",
    "bionic", "xenial",
];

/// Images (last path segment) whose `/bin/sh` is bash.
const BASH_SH: &[&str] = &[
    "centos",
    "fedora",
    "rockylinux",
    "almalinux",
    "amazonlinux",
    "amazoncorretto",
    "oraclelinux",
    "archlinux",
    "ubi",
    "ubi-minimal",
    "ubi-micro",
    "ubi-init",
    "ubi8",
    "ubi9",
    "ubi10",
    "ubi8-minimal",
    "ubi9-minimal",
    "ubi10-minimal",
    "leap",
    "tumbleweed",
];

/// Tag words naming a distribution whose `/bin/sh` is bash.
const BASH_TAG_WORDS: &[&str] = &[
    "centos",
    "rockylinux",
    "oraclelinux",
    "oracle",
    "ubi",
    "amazonlinux",
    "fedora",
    "alma",
    "corretto",
];

/// The tag's words: `3.12-slim-bookworm` → `3`, `12`, `slim`, `bookworm`.
fn tag_words(tag: &str) -> impl Iterator<Item = &str> {
    tag.split(['-', '_', '.'])
}

/// `/bin/sh` of a registry image, from its name and tag.
pub(crate) fn sh_of_ref(r: &ImageRef) -> Sh {
    let repo = r.repository.to_ascii_lowercase();
    let last = repo.rsplit('/').next().unwrap_or(&repo);
    let tag = r.tag.as_deref().unwrap_or("").to_ascii_lowercase();
    let has_word = |pred: &dyn Fn(&str) -> bool| tag_words(&tag).any(pred);
    if last == "alpine" || last == "busybox" || has_word(&|w| w.starts_with("alpine")) {
        return Sh::Ash;
    }
    if BASH_SH.contains(&last)
        || has_word(&|w| BASH_TAG_WORDS.iter().any(|b| w.starts_with(b)))
        || repo.starts_with("redhat/")
        || repo.starts_with("opensuse/")
        || r.registry
            .as_deref()
            .is_some_and(|h| h.ends_with("redhat.com") || h.ends_with("redhat.io"))
    {
        return Sh::Bash;
    }
    if has_word(&|w| w.starts_with("windows") || w.starts_with("nanoserver")) {
        return Sh::Unknown;
    }
    if has_word(&|w| DEBIAN_RELEASES.contains(&w)) {
        return Sh::Dash;
    }
    let official = r.registry_or_default() == "docker.io"
        && (!repo.contains('/') || repo.starts_with("library/"));
    if official && DEBIAN_OFFICIAL.contains(&last) {
        return Sh::Dash;
    }
    Sh::Unknown
}

/// `/bin/sh` of a stage, following `FROM <stage>` to the registry image.
pub(crate) fn sh_of_stage(images: &[ImageSpec], image: &ImageSpec) -> Sh {
    let mut cur = image;
    for _ in 0..=images.len() {
        match &cur.base.value {
            BaseImage::Image(r) => return sh_of_ref(r),
            BaseImage::Stage { index, .. } => {
                match images.iter().find(|i| i.stage_index == *index) {
                    Some(next) if next.stage_index < cur.stage_index => cur = next,
                    _ => return Sh::Unknown,
                }
            }
            BaseImage::Scratch | BaseImage::Unresolved(_) => return Sh::Unknown,
        }
    }
    Sh::Unknown
}

/// The `SHELL` a stage starts with: the one in force at the end of the
/// stage it is built from.
pub(crate) fn inherited_shell(images: &[ImageSpec], image: &ImageSpec) -> Option<Vec<String>> {
    match &image.base.value {
        BaseImage::Stage { index, .. } => images
            .iter()
            .find(|i| i.stage_index == *index && i.stage_index < image.stage_index)
            .and_then(|p| p.shell.as_ref().map(|s| s.value.clone())),
        _ => None,
    }
}

fn basename(s: &str) -> &str {
    s.rsplit('/').next().unwrap_or(s)
}

/// The shell a program name stands for, given what `/bin/sh` is; `None`
/// for a shell this rule does not judge (bash, zsh, ksh) or no shell.
fn dialect(program: &str, sh: Sh) -> Option<Sh> {
    match basename(program) {
        "sh" => Some(sh),
        "dash" => Some(Sh::Dash),
        "ash" | "busybox" => Some(Sh::Ash),
        _ => None,
    }
}

/// Shells that read a script on standard input (`RUN <<EOF bash`).
const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"];

/// The program that reads the script of a heredoc `RUN`: the shell named
/// on the `RUN` line (`RUN <<EOF bash`), the `#!` interpreter of a body
/// run as it is, else `None` (the `SHELL`, which also runs a command line
/// such as `RUN cat <<EOF > f`).
pub(crate) fn heredoc_program<'a>(step_text: &'a str, body: &'a str) -> Option<&'a str> {
    let first_line = step_text.lines().next().unwrap_or("");
    let words: Vec<&str> = first_line
        .split_whitespace()
        .skip(1)
        .filter(|w| !w.starts_with("--") && !w.starts_with("<<"))
        .collect();
    if let Some(first) = words.first() {
        return SHELLS.contains(&basename(first)).then_some(*first);
    }
    let line = body.strip_prefix("#!")?.lines().next()?;
    let mut parts = line.split_whitespace();
    let interp = parts.next()?;
    if basename(interp) == "env" {
        return parts.find(|p| !p.starts_with('-') && !p.contains('='));
    }
    Some(interp)
}

/// The program that runs a `RUN`'s top-level script, as written: the
/// exec-form program, the heredoc's shell or interpreter, else the
/// `SHELL`'s first word (`None`: the default `/bin/sh`).
pub(crate) fn run_program(
    cx: &Checker<'_>,
    step: &BuildStep,
    run: &RunStep,
    script: &ShellScript,
    shell: Option<&[String]>,
) -> Option<String> {
    if run.exec_form {
        return run.exec_args.first().map(|a| a.value.clone());
    }
    if run.heredoc {
        let body = cx.text_of(&script.origin);
        if let Some(p) = heredoc_program(cx.text_of(&step.origin), body) {
            return Some(p.to_string());
        }
    }
    shell.and_then(|s| s.first()).cloned()
}

/// Whether a `RUN` makes `/bin/sh` a link to bash.
fn links_bash_as_sh(script: &ShellScript) -> bool {
    script.commands.iter().any(|c| {
        c.is("ln")
            && c.has_short('s')
            && c.positionals(&["-t", "-S"])
                .split_last()
                .is_some_and(|(last, rest)| {
                    matches!(last.text.as_str(), "/bin/sh" | "/usr/bin/sh")
                        && rest.iter().any(|w| basename(&w.text) == "bash")
                })
    })
}

/// Whether `/bin/sh` of the given kind lacks a construct.
fn unsupported(kind: SyntaxKind, sh: Sh) -> bool {
    match sh {
        Sh::Bash => false,
        Sh::Dash => true,
        Sh::Ash | Sh::Unknown => matches!(
            kind,
            SyntaxKind::Array | SyntaxKind::ProcessSubstitution | SyntaxKind::BraceExpansion
        ),
    }
}

fn shellcheck_code(kind: SyntaxKind) -> Option<&'static str> {
    Some(match kind {
        SyntaxKind::ProcessSubstitution => "SC3001",
        SyntaxKind::AnsiCString => "SC3003",
        SyntaxKind::BraceExpansion => "SC3009",
        SyntaxKind::DoubleBracketTest => "SC3010",
        SyntaxKind::HereString => "SC3011",
        SyntaxKind::DoubleEqualInTest => "SC3014",
        SyntaxKind::AmpersandRedirect => "SC3020",
        SyntaxKind::Array => "SC3030",
        _ => return None,
    })
}

/// Bash-only commands: `source` and `echo -e` (dash's `echo` prints the
/// `-e`). Only the shell's own builtins count (not `/bin/echo`, nor a
/// command run by `xargs` or `sudo`).
fn command_bashism(cmd: &ShellCommand) -> Option<&'static str> {
    if cmd.nesting == Nesting::Wrapped || !cmd.name.literal {
        return None;
    }
    match cmd.name.text.as_str() {
        "source" => Some("`source` is a bash builtin, but `/bin/sh` here is dash{base}: use `.`"),
        "echo" => {
            let first = cmd.args.first()?;
            let flags = first.text.strip_prefix('-')?;
            (first.literal
                && flags.contains('e')
                && flags.chars().all(|c| matches!(c, 'e' | 'n' | 'E')))
            .then_some("`echo -e` is bash's, but `/bin/sh` here is dash{base}, whose `echo` prints the `-e`: use `printf`")
        }
        _ => None,
    }
}

impl BashismInSh {
    fn check_run(
        cx: &mut Checker<'_>,
        step: &BuildStep,
        run: &RunStep,
        shell: Option<&[String]>,
        sh: Sh,
        base: &str,
    ) {
        let Some(script) = &run.script else { return };
        let top = match run_program(cx, step, run, script, shell) {
            None => Some(sh),
            Some(p) => dialect(&p, sh),
        };
        // The shell reading text whose runner is `i` (None: the top).
        let shell_of = |i: Option<u32>| -> Option<Sh> {
            match i {
                None => top,
                Some(i) => dialect(script.commands.get(i as usize)?.program(), sh),
            }
        };
        let mut seen: Vec<SyntaxKind> = Vec::new();
        for fact in &script.syntax {
            let Some(d) = shell_of(fact.shell) else {
                continue;
            };
            if !unsupported(fact.kind, d) || seen.contains(&fact.kind) {
                continue;
            }
            seen.push(fact.kind);
            let code = shellcheck_code(fact.kind)
                .map(|c| format!(" (ShellCheck {c})"))
                .unwrap_or_default();
            cx.report(
                &fact.origin,
                format!(
                    "{} is bash syntax, but `/bin/sh` here is {}{base}{code}",
                    fact.kind.describe(),
                    d.describe()
                ),
            );
        }
        let mut seen_cmd: Vec<&str> = Vec::new();
        for cmd in &script.commands {
            if shell_of(cmd.shell) != Some(Sh::Dash) {
                continue;
            }
            let Some(what) = command_bashism(cmd) else {
                continue;
            };
            if seen_cmd.contains(&what) {
                continue;
            }
            seen_cmd.push(what);
            let origin = match (cmd.name.text.as_str(), cmd.args.first()) {
                ("echo", Some(flag)) => cover(&cmd.name.origin, &flag.origin),
                _ => cmd.name.origin.clone(),
            };
            cx.report(&origin, what.replace("{base}", base));
        }
    }
}

fn cover(a: &Origin, b: &Origin) -> Origin {
    match (a.file_range(), b.range()) {
        (Some((file, ra)), Some(rb)) => Origin::file(file, ra.cover(rb)),
        _ => a.clone(),
    }
}

/// `` (`debian:12`)`` for messages.
fn base_note(images: &[ImageSpec], image: &ImageSpec) -> String {
    let mut cur = image;
    for _ in 0..=images.len() {
        match &cur.base.value {
            BaseImage::Image(r) => return format!(" (`{}`)", r.raw),
            BaseImage::Stage { index, .. } => {
                match images.iter().find(|i| i.stage_index == *index) {
                    Some(next) if next.stage_index < cur.stage_index => cur = next,
                    _ => break,
                }
            }
            _ => break,
        }
    }
    String::new()
}

impl Rule for BashismInSh {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        // Stages whose `/bin/sh` an earlier RUN replaced with bash.
        let mut linked: Vec<usize> = Vec::new();
        for image in df.images {
            let mut sh = sh_of_stage(df.images, image);
            let parent_linked = match &image.base.value {
                BaseImage::Stage { index, .. } => linked.contains(index),
                _ => false,
            };
            if parent_linked {
                sh = Sh::Bash;
            }
            let base = base_note(df.images, image);
            let mut shell = inherited_shell(df.images, image);
            for step in &image.steps {
                match &step.kind {
                    StepKind::Shell(s) => shell = Some(s.clone()),
                    StepKind::Run(run) => {
                        Self::check_run(cx, step, run, shell.as_deref(), sh, &base);
                        if run.script.as_ref().is_some_and(links_bash_as_sh) {
                            sh = Sh::Bash;
                        }
                    }
                    _ => {}
                }
            }
            if sh == Sh::Bash {
                linked.push(image.stage_index);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(s: &str) -> Sh {
        sh_of_ref(&ImageRef::parse(s).unwrap())
    }

    #[test]
    fn distributions() {
        for s in [
            "debian:12",
            "ubuntu",
            "python:3.12-slim",
            "node:20",
            "library/golang:1.22",
            "eclipse-temurin:21-jammy",
            "mcr.microsoft.com/dotnet/sdk:8.0-bookworm-slim",
        ] {
            assert_eq!(sh(s), Sh::Dash, "{s}");
        }
        for s in [
            "alpine:3.20",
            "python:3.12-alpine3.20",
            "busybox:glibc",
            "nginx:alpine",
        ] {
            assert_eq!(sh(s), Sh::Ash, "{s}");
        }
        for s in [
            "centos:7",
            "rockylinux:9",
            "registry.access.redhat.com/ubi9/ubi-minimal",
            "amazonlinux:2023",
            "openjdk:17-oracle",
            "amazoncorretto:21",
            "fedora",
        ] {
            assert_eq!(sh(s), Sh::Bash, "{s}");
        }
        for s in [
            "myorg/python:3",
            "ghcr.io/acme/app:1",
            "openjdk:17",
            "mcr.microsoft.com/windows/servercore:ltsc2022",
        ] {
            assert_eq!(sh(s), Sh::Unknown, "{s}");
        }
    }

    #[test]
    fn heredoc_programs() {
        assert_eq!(heredoc_program("RUN <<EOF bash\n", ""), Some("bash"));
        assert_eq!(
            heredoc_program(
                "RUN --mount=type=cache,target=/x <<EOF\n",
                "#!/usr/bin/env bash\nx"
            ),
            Some("bash")
        );
        assert_eq!(
            heredoc_program("RUN <<EOF\n", "#!/bin/sh -e\n"),
            Some("/bin/sh")
        );
        assert_eq!(heredoc_program("RUN <<EOF\n", "set -e\n"), None);
        assert_eq!(
            heredoc_program("RUN cat <<EOF > /f\n", "#!/bin/bash\n"),
            None
        );
    }
}
