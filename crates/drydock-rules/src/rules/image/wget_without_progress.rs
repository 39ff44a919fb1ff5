use drydock_core::spec::{ImageSpec, ShellCommand};
use drydock_core::{Fix, RuleMeta};

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};
use crate::rules::image::fixes::{BaseOs, base_os};
use crate::rules::util::insert_after;

declare_rule! {
    /// ## What it does
    /// Reports `wget` without `--progress=…`, `-q`/`--quiet` or
    /// `-nv`/`--no-verbose`, and without its log going elsewhere (`-o`,
    /// `-a`, a redirection of standard error).
    ///
    /// ## Why is this bad?
    /// wget's default progress bar, in a build log, turns into one line per
    /// update: a large download writes thousands of lines, drowning the
    /// useful output and sometimes hitting CI log limits.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN wget https://example.com/big.tar.gz
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN wget --progress=dot:giga https://example.com/big.tar.gz
    /// ```
    ///
    /// ## How to fix
    /// Add `--progress=dot:giga` (some progress, few lines) or `-q`/`-nv`.
    ///
    /// ## Fix
    /// Inserts `--progress=dot:giga` after `wget`; no fix in stages built
    /// from Alpine or BusyBox, whose `wget` is BusyBox's. Unsafe: only GNU
    /// wget knows the option, and a base image not known to be Alpine may
    /// still ship another `wget`, which then fails.
    pub struct WgetWithoutProgress {
        id: "IMG041",
        name: "wget-without-progress",
        title: "wget without --progress or -q",
        severity: Info,
        category: BestPractice,
        references: ["concern:48", "hadolint:DL3047"],
        fix: Unsafe,
    }
}

/// wget's short options that take a value (the rest of the cluster, or the
/// next word).
const WITH_VALUE: &str = "OoaeiBtTwPUQlARDXIY";

fn quiet_or_logged(cmd: &ShellCommand) -> bool {
    if cmd.has_any(&[
        "--progress",
        "--quiet",
        "--no-verbose",
        "--output-file",
        "--append-output",
    ]) {
        return true;
    }
    // stderr (where the progress goes) sent to a file rather than the log.
    let stdout_to_file = cmd
        .redirects
        .iter()
        .any(|r| matches!(r.op.as_str(), ">" | "1>" | ">>" | "1>>" | ">|"));
    if cmd.redirects.iter().any(|r| match r.op.as_str() {
        "2>" | "2>>" | "&>" | "&>>" | ">&" => true,
        "2>&" => r.target.text != "1" || stdout_to_file,
        _ => false,
    }) {
        return true;
    }
    cmd.option_args().any(|w| {
        let Some(cluster) = w.text.strip_prefix('-') else {
            return false;
        };
        if cluster.starts_with('-') {
            return false;
        }
        if cluster == "nv" {
            return true;
        }
        if cluster.starts_with('n') {
            return false; // -nc, -nd, -nH, -np
        }
        for c in cluster.chars() {
            if c == 'q' || c == 'o' || c == 'a' {
                return true;
            }
            if WITH_VALUE.contains(c) || !c.is_ascii_alphanumeric() {
                return false;
            }
        }
        false
    })
}

impl Rule for WgetWithoutProgress {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        for image in df.images {
            check_stage(cx, df.images, image);
        }
    }
}

fn check_stage(cx: &mut Checker<'_>, images: &[ImageSpec], image: &ImageSpec) {
    let gnu = base_os(images, image) == BaseOs::Other;
    for (_, cmd) in image.commands() {
        if cmd.is("wget") && !cmd.args.is_empty() && !quiet_or_logged(cmd) {
            let precise = cx.text_of(&cmd.name.origin) == cmd.name.text;
            let f = cx.report(
                &cmd.origin,
                "`wget` without `--progress=dot:giga` or `-q` floods the build log",
            );
            if gnu
                && precise
                && let Some(edit) = insert_after(&cmd.name.origin, " --progress=dot:giga")
            {
                f.set_fix(Fix::unsafe_("Add `--progress=dot:giga`", vec![edit]));
            }
        }
    }
}
