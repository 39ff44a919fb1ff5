//! DKF004 and DKF005: `FROM --platform`.

use drydock_core::{Edit, Fix, Origin, RuleMeta, TextRange};
use drydock_dockerfile::{Dockerfile, Flag};

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `FROM --platform=<constant>` (`--platform=linux/amd64`);
    /// a value taken from a variable (`$BUILDPLATFORM`) is fine.
    ///
    /// ## Why is this bad?
    /// The image is then always built for that platform, whatever
    /// `docker build --platform` asks for: a multi-platform build produces
    /// the same architecture under every platform name, and on another
    /// architecture the binaries run under emulation or not at all.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM --platform=linux/amd64 alpine:3.20
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// ```
    ///
    /// ## How to fix
    /// Drop the flag and choose the platform with
    /// `docker build --platform`; for a cross-compiling build stage use
    /// `--platform=$BUILDPLATFORM`.
    pub struct FromPlatformConstant {
        id: "DKF004",
        name: "from-platform-constant",
        title: "FROM --platform with a constant value",
        severity: Info,
        category: BestPractice,
        references: ["concern:20", "hadolint:DL3029", "kics:using-platform-flag-with-from", "buildkit:FromPlatformFlagConstDisallowed"],
        fix: None,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports `FROM --platform=$TARGETPLATFORM`.
    ///
    /// ## Why is this bad?
    /// It is the default: the flag says nothing, and readers may take it
    /// for `$BUILDPLATFORM`, which means something else.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM --platform=$TARGETPLATFORM alpine:3.20
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// ```
    ///
    /// ## How to fix
    /// Remove the flag.
    ///
    /// ## Fix
    /// Removes the flag and the blank after it. Safe: the platform is the
    /// same.
    pub struct RedundantTargetPlatform {
        id: "DKF005",
        name: "redundant-target-platform",
        title: "FROM --platform=$TARGETPLATFORM is redundant",
        severity: Info,
        category: BestPractice,
        references: ["concern:21", "hadolint:DL3065", "buildkit:RedundantTargetPlatform"],
        fix: Safe,
    }
}

/// Every `FROM --platform` flag.
fn platform_flags(df: &Dockerfile) -> impl Iterator<Item = &Flag> {
    df.stages
        .iter()
        .filter_map(|s| df.instructions.get(s.from))
        .filter_map(|i| i.flag("platform"))
}

impl Rule for FromPlatformConstant {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        for flag in platform_flags(df.dockerfile) {
            let Some(value) = &flag.value else { continue };
            if value.is_empty() || value.contains('$') {
                continue;
            }
            cx.report(
                &Origin::file(df.file, flag.range),
                format!("`--platform={value}` fixes the platform whatever the build asks for"),
            );
        }
    }
}

impl Rule for RedundantTargetPlatform {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        for flag in platform_flags(df.dockerfile) {
            let Some(value) = &flag.value else { continue };
            if !matches!(value.trim(), "$TARGETPLATFORM" | "${TARGETPLATFORM}") {
                continue;
            }
            let end = flag.range.end as usize;
            let blanks = df.text.get(end..).map_or(0, |rest| {
                rest.len() - rest.trim_start_matches([' ', '\t']).len()
            });
            let delete = TextRange::new(flag.range.start, flag.range.end + blanks as u32);
            cx.report(
                &Origin::file(df.file, flag.range),
                "`--platform=$TARGETPLATFORM` is the default",
            )
            .set_fix(Fix::safe(
                "Remove `--platform=$TARGETPLATFORM`",
                vec![Edit::delete(df.file, delete)],
            ));
        }
    }
}
