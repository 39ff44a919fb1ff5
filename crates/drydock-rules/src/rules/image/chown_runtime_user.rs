use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, StepKind};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::util::is_root_user;

declare_rule! {
    /// ## What it does
    /// Reports `COPY --chown`/`ADD --chown` in the final stage that gives
    /// the copied files to the user the container runs as (the stage's
    /// effective `USER`).
    ///
    /// ## Why is this bad?
    /// Files owned by the runtime user are writable by it: an attacker who
    /// gets code execution in the application can rewrite the application
    /// itself (its code, templates, configuration) and persist there. Code
    /// and configuration are better owned by root and only readable by the
    /// runtime user; only the directories it must write to should be its
    /// own.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:22-alpine
    /// COPY --chown=node:node . /app
    /// USER node
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:22-alpine
    /// COPY . /app
    /// RUN mkdir /app/uploads && chown node:node /app/uploads
    /// USER node
    /// ```
    ///
    /// ## How to fix
    /// Drop `--chown` (the files are then owned by root and readable by
    /// everyone, as their modes allow), or give them to another user; make
    /// only the writable directories the runtime user's.
    pub struct ChownRuntimeUser {
        id: "IMG049",
        name: "copied-files-owned-by-runtime-user",
        title: "Copied files owned by the runtime user",
        severity: Low,
        category: Privilege,
        references: ["concern:10", "kics:chown-flag-exists"],
        fix: None,
    }
}

fn user_part(s: &str) -> &str {
    s.split(':').next().unwrap_or(s).trim()
}

impl Rule for ChownRuntimeUser {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        if !image.is_final {
            return;
        }
        let Some(user) = &image.user else { return };
        let runtime = user_part(&user.value);
        if runtime.is_empty() || runtime.contains('$') || is_root_user(runtime) {
            return;
        }
        for step in &image.steps {
            let (StepKind::Copy(c) | StepKind::Add(c)) = &step.kind else {
                continue;
            };
            let Some(chown) = &c.chown else { continue };
            let owner = user_part(&chown.value);
            if owner != runtime {
                continue;
            }
            cx.report(
                &chown.origin,
                format!("the copied files are owned by `{owner}`, the user the container runs as, which can therefore modify them"),
            )
            .add_related(user.origin.clone(), "the runtime user");
        }
    }
}
