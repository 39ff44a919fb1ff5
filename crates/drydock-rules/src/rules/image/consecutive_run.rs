use drydock_core::RuleMeta;
use drydock_core::spec::{BuildStep, ImageSpec, RunStep, StepKind};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports two or more `RUN` instructions in a row, with no other
    /// instruction between them, that could be one.
    ///
    /// `RUN`s are not reported when either uses `--mount`, a heredoc or the
    /// exec (JSON) form, or when their `--network` or `--security` flags
    /// differ: those cannot simply be joined with `&&`. The finding is at
    /// the second `RUN` of each sequence.
    ///
    /// ## Why is this bad?
    /// Each `RUN` makes a layer. Files that one `RUN` creates and the next
    /// deletes (package lists, downloaded archives, build tools) stay in
    /// the earlier layer and in the image, and many layers make the image
    /// slower to pull.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update
    /// RUN apt-get install -y --no-install-recommends curl
    /// RUN rm -rf /var/lib/apt/lists/*
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update \
    ///  && apt-get install -y --no-install-recommends curl \
    ///  && rm -rf /var/lib/apt/lists/*
    /// ```
    ///
    /// ## How to fix
    /// Join the commands with `&&` (and `\` line continuations) into one
    /// `RUN`. Keep steps separate on purpose only where the layer cache
    /// matters more than the layer count (a slow, rarely changing step
    /// before a fast, often changing one), and suppress the finding there.
    pub struct ConsecutiveRun {
        id: "IMG066",
        name: "consecutive-run",
        title: "Consecutive RUN instructions",
        severity: Info,
        category: BestPractice,
        references: ["concern:75", "hadolint:DL3059"],
        fix: None,
    }
}

fn mergeable(step: &BuildStep) -> Option<&RunStep> {
    let StepKind::Run(run) = &step.kind else {
        return None;
    };
    (run.mounts.is_empty() && !run.heredoc && !run.exec_form).then_some(run)
}

fn same_flags(a: &RunStep, b: &RunStep) -> bool {
    let v = |o: &Option<drydock_core::Sp<String>>| o.as_ref().map(|s| s.value.clone());
    v(&a.network) == v(&b.network) && v(&a.security) == v(&b.security)
}

impl Rule for ConsecutiveRun {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        let mut i = 0;
        while i < image.steps.len() {
            let first = &image.steps[i];
            let Some(run) = mergeable(first) else {
                i += 1;
                continue;
            };
            let mut j = i + 1;
            while let Some(next) = image.steps.get(j)
                && let Some(next_run) = mergeable(next)
                && same_flags(run, next_run)
            {
                j += 1;
            }
            let count = j - i;
            if count >= 2 {
                let second = &image.steps[i + 1];
                let message = if count == 2 {
                    "2 consecutive `RUN` instructions could be one".to_string()
                } else {
                    format!("{count} consecutive `RUN` instructions could be one")
                };
                let f = cx.report(&second.instruction.origin, message);
                f.add_related(first.instruction.origin.clone(), "previous `RUN`");
            }
            i = j;
        }
    }
}
