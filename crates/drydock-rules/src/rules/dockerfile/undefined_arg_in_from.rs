use std::collections::HashSet;

use drydock_core::{Origin, RuleMeta, TextRange};

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};
use crate::rules::image::env_self_reference::var_refs;

declare_rule! {
    /// ## What it does
    /// Reports a variable in `FROM` (the image or `--platform`) that no
    /// `ARG` before the first `FROM` declares and that is not one of the
    /// platform arguments BuildKit predefines (`TARGETPLATFORM`,
    /// `BUILDPLATFORM`, `TARGETARCH`, …). References with a default
    /// (`${VERSION:-3.20}`) are not reported.
    ///
    /// ## Why is this bad?
    /// `FROM` only sees global `ARG`s: the variable expands to an empty
    /// string, so `FROM alpine:$VERSION` builds from `alpine:` or fails,
    /// and `FROM $REGISTRY/app` pulls from Docker Hub instead of the
    /// intended registry. An `ARG` declared inside a stage or an `ENV` does
    /// not help.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:$ALPINE_VERSION
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ARG ALPINE_VERSION=3.20
    /// FROM alpine:$ALPINE_VERSION
    /// ```
    ///
    /// ## How to fix
    /// Declare the `ARG` before the first `FROM`, with a default.
    pub struct UndefinedArgInFrom {
        id: "DKF010",
        name: "undefined-arg-in-from",
        title: "FROM uses a variable no global ARG declares",
        severity: Medium,
        category: SupplyChain,
        references: ["concern:78", "buildkit:UndefinedArgInFrom"],
        fix: None,
    }
}

const PREDEFINED: &[&str] = &[
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
];

impl Rule for UndefinedArgInFrom {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        let d = df.dockerfile;
        let mut global: HashSet<String> = PREDEFINED.iter().map(|s| s.to_string()).collect();
        for ins in d.instructions.iter().take_while(|i| i.stage.is_none()) {
            if ins.keyword != "ARG" {
                continue;
            }
            for (w, _) in ins.words() {
                let name = w.split('=').next().unwrap_or(&w);
                global.insert(name.to_string());
            }
        }
        for stage in &d.stages {
            let Some(from) = d.instructions.get(stage.from) else {
                continue;
            };
            let mut places: Vec<(String, TextRange)> = Vec::new();
            if let Some((w, r)) = from.words().into_iter().next() {
                places.push((w, r));
            }
            if let Some(f) = from.flag("platform")
                && let Some(v) = &f.value
            {
                places.push((v.clone(), f.value_range.unwrap_or(f.range)));
            }
            for (text, range) in places {
                let mut seen = HashSet::new();
                for (name, has_default) in var_refs(&text, d.escape) {
                    if has_default || global.contains(&name) || !seen.insert(name.clone()) {
                        continue;
                    }
                    cx.report(
                        &Origin::file(df.file, range),
                        format!("`{name}` is not declared by an `ARG` before the first `FROM`: it expands to an empty string here"),
                    );
                }
            }
        }
    }
}
