//! DKF002 and DKF003: `COPY --from` references between stages.

use drydock_core::{Origin, RuleMeta};
use drydock_dockerfile::Dockerfile;

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `COPY --from=<stage>` naming the stage it is in.
    ///
    /// ## Why is this bad?
    /// A stage cannot copy from itself; BuildKit fails with a cycle, or,
    /// with an image of the same name, silently copies from that image.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20 AS app
    /// COPY --from=app /etc/os-release /tmp/
    /// ```
    ///
    /// ## How to fix
    /// Name the earlier stage the files come from.
    pub struct CopyFromOwnStage {
        id: "DKF002",
        name: "copy-from-own-stage",
        title: "COPY --from names its own stage",
        severity: High,
        category: BestPractice,
        references: ["concern:65", "hadolint:DL3023", "trivy:DS006", "kics:copy-from-references-current-from-alias"],
        fix: None,
    }
}

declare_rule! {
    /// ## What it does
    /// Reports `COPY --from=<name>` where the name is neither an earlier
    /// build stage nor an image reference, and `--from=<n>` where stage `n`
    /// does not come earlier.
    ///
    /// ## Why is this bad?
    /// A name that is not a stage is pulled as an image: a typo in a stage
    /// name fetches `docker.io/library/<typo>`, which anyone can publish.
    ///
    /// A name given to the build as a named context
    /// (`docker buildx build --build-context NAME=…`) is legitimate and
    /// cannot be seen in the Dockerfile; suppress the finding there with
    /// `# drydock:ignore=DKF003 named build context`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.23 AS builder
    /// RUN go build -o /out/app .
    /// FROM gcr.io/distroless/static
    /// COPY --from=biulder /out/app /app
    /// ```
    ///
    /// ## How to fix
    /// Correct the stage name, or write the image reference with its tag
    /// (`--from=alpine:3.20`) to make clear an image is meant.
    pub struct CopyFromUnknownStage {
        id: "DKF003",
        name: "copy-from-unknown-stage",
        title: "COPY --from names no earlier stage",
        severity: Medium,
        category: SupplyChain,
        references: ["concern:66", "hadolint:DL3022", "kics:using-unnamed-build-stages"],
        fix: None,
    }
}

/// Every `COPY --from` (and `ADD --from`) with its stage index, value and origin.
fn copy_froms(df: &Dockerfile, file: drydock_core::FileId) -> Vec<(usize, String, Origin)> {
    let mut out = Vec::new();
    for ins in &df.instructions {
        let Some(stage) = ins.stage else { continue };
        if ins.keyword != "COPY" && ins.keyword != "ADD" {
            continue;
        }
        if let Some(flag) = ins.flag("from")
            && let Some(value) = &flag.value
        {
            let range = flag.value_range.unwrap_or(flag.range);
            out.push((stage, value.clone(), Origin::file(file, range)));
        }
    }
    out
}

fn stage_name(df: &Dockerfile, index: usize) -> Option<String> {
    df.stages
        .get(index)
        .and_then(|s| s.name.as_ref())
        .map(|(n, _)| n.to_ascii_lowercase())
}

impl Rule for CopyFromOwnStage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        for (stage, value, origin) in copy_froms(df.dockerfile, df.file) {
            let lower = value.to_ascii_lowercase();
            if stage_name(df.dockerfile, stage).as_deref() == Some(lower.as_str())
                || lower == stage.to_string()
            {
                cx.report(
                    &origin,
                    format!("`--from={value}` names the stage this instruction is in"),
                );
            }
        }
    }
}

impl Rule for CopyFromUnknownStage {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        for (stage, value, origin) in copy_froms(df.dockerfile, df.file) {
            let lower = value.to_ascii_lowercase();
            if value.contains('$')
                || lower == stage.to_string()
                || stage_name(df.dockerfile, stage).as_deref() == Some(lower.as_str())
            {
                continue;
            }
            if let Ok(n) = lower.parse::<usize>() {
                if n >= stage {
                    cx.report(
                        &origin,
                        format!("`--from={value}`: stage {n} does not come before this one"),
                    );
                }
                continue;
            }
            let earlier =
                (0..stage).any(|i| stage_name(df.dockerfile, i).as_deref() == Some(lower.as_str()));
            let looks_like_image = value.contains([':', '/', '@']);
            if !earlier && !looks_like_image {
                cx.report(&origin, format!("`--from={value}` is not an earlier stage: unless the build passes a named context `{value}`, it is pulled as the image `{value}`"));
            }
        }
    }
}
