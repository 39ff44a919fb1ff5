//! Converting stages into [`ImageSpec`]s.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};

use drydock_core::spec::{
    ArgDecl, BaseImage, BuildStep, CommandLine, CopyStep, Healthcheck, ImageSpec, KeyValue,
    RunStep, ShellScript, StepKind,
};
use drydock_core::{FileId, ImageRef, Origin, Sp, TextRange};
use drydock_shell::{OffsetMap, parse_script};

use crate::lex::{self, JsonArgs};
use crate::segmap::{SegMap, SegText};
use crate::{Args, Dockerfile, Instruction, expand, map_range};

/// Options for [`image_specs`].
#[derive(Clone, Debug, Default)]
pub struct SpecOptions {
    /// `--build-arg NAME=value`: override the defaults of declared `ARG`s.
    pub build_args: BTreeMap<String, String>,
    /// `--target`: the stage that is built (by name, case-insensitive).
    pub target: Option<String>,
}

/// Shells whose scripts `drydock_shell` understands.
const POSIX_SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"];

fn basename(s: &str) -> &str {
    s.rsplit(['/', '\\']).next().unwrap_or(s)
}

fn is_posix_shell(program: &str) -> bool {
    let b = basename(program.trim_matches(['"', '\'']));
    POSIX_SHELLS.contains(&b)
}

/// One ImageSpec per stage, in order. `is_final` is true for the `target`
/// stage if given and found, else for the last stage.
///
/// Values are expanded the BuildKit way: `FROM` (and `--platform`) with
/// the `ARG`s declared before the first `FROM` (build args overriding their
/// defaults); inside a stage with the `ENV` and `ARG` values in scope (ENV
/// wins; a global ARG is visible when redeclared with `ARG NAME`). A
/// reference whose value is not known here (an ARG without a value, a
/// variable from the base image such as `$PATH`) is kept as written. RUN
/// commands are not expanded (the shell does that).
///
/// RUN scripts: shell form is parsed with `drydock_shell` (unless a `SHELL`
/// instruction selected a non-POSIX shell such as PowerShell); exec form
/// `["sh", "-c", "…"]` has its script string parsed. With heredocs, when the
/// arguments are only the marker (`RUN <<EOF`) or a shell reading its
/// standard input (`RUN bash -e <<EOF`), the body is the script (unless it
/// starts with a `#!` line naming a non-shell interpreter); otherwise
/// (`RUN python3 <<EOF`, `RUN cat <<EOF > f`) the command line and the
/// bodies are parsed together as the shell would see them, the bodies then
/// being data. A `SHELL ["bash", "-o", "pipefail", "-c"]` sets
/// `sets_pipefail` on the scripts of the RUNs it governs.
pub fn image_specs(df: &Dockerfile, text: &str, opts: &SpecOptions) -> Vec<ImageSpec> {
    let mut names = HashMap::new();
    for st in &df.stages {
        if let Some((n, _)) = &st.name {
            names.entry(n.clone()).or_insert(st.index);
        }
    }
    let cx = Cx {
        df,
        text,
        file: df.file,
        escape: df.escape,
        opts,
        names,
        expand_budget: Cell::new(
            EXPAND_BUDGET_BASE.saturating_add(text.len().saturating_mul(EXPAND_BUDGET_PER_BYTE)),
        ),
        inherit_budget: Cell::new(INHERIT_BUDGET_BASE.saturating_add(text.len())),
    };
    let mut global: Vars = HashMap::new();
    for inst in df.instructions.iter().take_while(|i| i.stage.is_none()) {
        if inst.keyword != "ARG" {
            continue;
        }
        for decl in cx.arg_decls(inst, &|n| global.get(n).cloned().flatten()) {
            let name = decl.name.value.clone();
            let value = opts
                .build_args
                .get(&name)
                .cloned()
                .or(decl.default.map(|d| d.value));
            global.insert(name, value);
        }
    }
    let target = opts.target.as_ref().and_then(|t| {
        let t = t.to_ascii_lowercase();
        df.stages
            .iter()
            .position(|s| s.name.as_ref().is_some_and(|(n, _)| *n == t))
    });
    let final_index = target.or(df.stages.len().checked_sub(1));
    let mut specs: Vec<ImageSpec> = Vec::with_capacity(df.stages.len());
    for stage in &df.stages {
        let spec = cx.stage(
            stage.index,
            &global,
            &specs,
            final_index == Some(stage.index),
        );
        specs.push(spec);
    }
    specs
}

/// Declared ARGs and their values (`None`: declared without a known value).
type Vars = HashMap<String, Option<String>>;

/// Bytes of expanded text `image_specs` may produce in all (a base plus so
/// much per byte of input), so that `ENV A=$A$A` repeated cannot blow up.
const EXPAND_BUDGET_BASE: usize = 1 << 20;
const EXPAND_BUDGET_PER_BYTE: usize = 64;
/// Configuration entries (ENV, LABEL, ports, volumes) stages may inherit
/// from their parent stages in all (a base plus one per byte of input):
/// a chain of `FROM previous` stages cannot make copying quadratic.
const INHERIT_BUDGET_BASE: usize = 100_000;

struct Cx<'a> {
    df: &'a Dockerfile,
    text: &'a str,
    file: FileId,
    escape: char,
    opts: &'a SpecOptions,
    /// Stage name → index of the first stage with that name.
    names: HashMap<String, usize>,
    expand_budget: Cell<usize>,
    inherit_budget: Cell<usize>,
}

/// What a stage's instructions have set so far.
#[derive(Default)]
struct State {
    env: Vec<KeyValue>,
    env_idx: HashMap<String, usize>,
    label_idx: HashMap<String, usize>,
    args: Vars,
    cmd_set: bool,
}

impl State {
    fn lookup(&self, name: &str) -> Option<String> {
        if let Some(kv) = self.env_idx.get(name).and_then(|&i| self.env.get(i)) {
            return Some(kv.value.value.clone());
        }
        self.args.get(name).cloned().flatten()
    }

    /// Sets a variable: replaced in place when already set (as BuildKit
    /// does), else appended.
    fn set_env(&mut self, kv: KeyValue) {
        match self.env_idx.get(&kv.key.value).copied() {
            Some(i) if i < self.env.len() => self.env[i] = kv,
            _ => {
                self.env_idx.insert(kv.key.value.clone(), self.env.len());
                self.env.push(kv);
            }
        }
    }

    fn set_label(&mut self, labels: &mut Vec<KeyValue>, kv: KeyValue) {
        match self.label_idx.get(&kv.key.value).copied() {
            Some(i) if i < labels.len() => labels[i] = kv,
            _ => {
                self.label_idx.insert(kv.key.value.clone(), labels.len());
                labels.push(kv);
            }
        }
    }
}

type Lk<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Cx<'_> {
    fn origin(&self, r: TextRange) -> Origin {
        Origin::file(self.file, r)
    }

    fn sp<T>(&self, v: T, r: TextRange) -> Sp<T> {
        Sp::new(v, self.origin(r))
    }

    fn x(&self, s: &str, lk: Lk<'_>) -> String {
        let left = self.expand_budget.get();
        let out = expand::Lexer::new(s, self.escape, lk, true)
            .with_limit(left)
            .process_all();
        self.expand_budget.set(left.saturating_sub(out.len()));
        out
    }

    fn stage(&self, index: usize, global: &Vars, done: &[ImageSpec], is_final: bool) -> ImageSpec {
        let df = self.df;
        let Some(stage) = df.stages.get(index) else {
            return empty_spec(index, is_final);
        };
        let insts = df
            .instructions
            .get(stage.instructions.clone())
            .unwrap_or(&[]);
        let Some(from) = insts.first() else {
            return empty_spec(index, is_final);
        };
        let global_lk = |n: &str| global.get(n).cloned().flatten();
        let words = from.words();
        let base = match words.first() {
            None => self.sp(BaseImage::Unresolved(String::new()), from.args_range()),
            Some((raw, r)) => {
                let expanded = self.x(raw, &global_lk);
                let lower = expanded.to_ascii_lowercase();
                let earlier =
                    self.names
                        .get(&lower)
                        .filter(|&&i| i < index)
                        .map(|&i| BaseImage::Stage {
                            index: i,
                            name: lower.clone(),
                        });
                let b = match earlier {
                    Some(b) => b,
                    None if expanded == "scratch" => BaseImage::Scratch,
                    None => match ImageRef::parse(&expanded) {
                        Some(r) => BaseImage::Image(r),
                        None => BaseImage::Unresolved(expanded),
                    },
                };
                self.sp(b, *r)
            }
        };
        let platform = from
            .flag("platform")
            .and_then(|f| Some(self.sp(self.x(f.value.as_deref()?, &global_lk), f.value_range?)));
        let mut spec = ImageSpec {
            stage_name: stage.name.as_ref().map(|(n, r)| self.sp(n.clone(), *r)),
            platform,
            ..ImageSpec::new(self.origin(from.range), index, is_final, base)
        };
        if let BaseImage::Stage { index: parent, .. } = &spec.base.value
            && let Some(p) = done.get(*parent)
            && self.charge_inherit(
                p.env.len() + p.labels.len() + p.exposed_ports.len() + p.volumes.len(),
            )
        {
            {
                spec.user = p.user.clone();
                spec.workdir = p.workdir.clone();
                spec.env = p.env.clone();
                spec.labels = p.labels.clone();
                spec.exposed_ports = p.exposed_ports.clone();
                spec.volumes = p.volumes.clone();
                spec.healthcheck = p.healthcheck.clone();
                spec.entrypoint = p.entrypoint.clone();
                spec.cmd = p.cmd.clone();
                spec.shell = p.shell.clone();
            }
        }
        let mut st = State::default();
        for kv in std::mem::take(&mut spec.env) {
            st.set_env(kv);
        }
        for (i, kv) in spec.labels.iter().enumerate() {
            st.label_idx.insert(kv.key.value.clone(), i);
        }
        spec.steps.push(self.step_of(from, StepKind::Other));
        for inst in insts.iter().skip(1) {
            let kind = {
                let lk = |n: &str| st.lookup(n);
                self.kind(inst, &lk, spec.shell.as_ref().map(|s| s.value.as_slice()))
            };
            self.apply(inst, &kind, &mut st, &mut spec, global);
            spec.steps.push(self.step_of(inst, kind));
        }
        spec.env = st.env;
        spec
    }

    fn charge_inherit(&self, n: usize) -> bool {
        let left = self.inherit_budget.get();
        self.inherit_budget.set(left.saturating_sub(n));
        n <= left
    }

    fn step_of(&self, inst: &Instruction, kind: StepKind) -> BuildStep {
        BuildStep {
            origin: self.origin(inst.range),
            instruction: self.sp(inst.keyword.clone(), inst.keyword_range),
            kind,
        }
    }

    /// Applies a step's effect on the image configuration.
    fn apply(
        &self,
        inst: &Instruction,
        kind: &StepKind,
        st: &mut State,
        spec: &mut ImageSpec,
        global: &Vars,
    ) {
        match kind {
            StepKind::Env(kvs) => {
                for kv in kvs {
                    st.set_env(kv.clone());
                }
            }
            StepKind::Arg(decls) => {
                for d in decls {
                    let name = &d.name.value;
                    let value =
                        self.opts
                            .build_args
                            .get(name)
                            .cloned()
                            .or_else(|| match &d.default {
                                Some(v) => Some(v.value.clone()),
                                None => global.get(name).cloned().flatten(),
                            });
                    st.args.insert(name.clone(), value);
                }
                spec.args.extend(decls.iter().cloned());
            }
            StepKind::Label(kvs) => {
                for kv in kvs {
                    st.set_label(&mut spec.labels, kv.clone());
                }
            }
            StepKind::User(u) => spec.user = Some(u.clone()),
            StepKind::Workdir(w) => {
                let mut w = w.clone();
                if !w.value.starts_with('/')
                    && !w.value.starts_with('$')
                    && let Some(prev) = &spec.workdir
                {
                    let sep = if prev.value.ends_with('/') { "" } else { "/" };
                    w.value = format!("{}{sep}{}", prev.value, w.value);
                }
                spec.workdir = Some(w);
            }
            StepKind::Expose(p) => spec.exposed_ports.extend(p.iter().cloned()),
            StepKind::Volume(v) => spec.volumes.extend(v.iter().cloned()),
            StepKind::Healthcheck(h) => spec.healthcheck = Some(self.sp(h.clone(), inst.range)),
            StepKind::Cmd(c) => {
                spec.cmd = Some(self.sp(c.clone(), inst.range));
                st.cmd_set = true;
            }
            StepKind::Entrypoint(c) => {
                spec.entrypoint = Some(self.sp(c.clone(), inst.range));
                if !st.cmd_set {
                    spec.cmd = None;
                }
            }
            StepKind::Shell(s) => spec.shell = Some(self.sp(s.clone(), inst.range)),
            _ => {}
        }
    }

    /// What an instruction does, with values expanded through `lk`.
    fn kind(&self, inst: &Instruction, lk: Lk<'_>, shell: Option<&[String]>) -> StepKind {
        match inst.keyword.as_str() {
            "RUN" => StepKind::Run(self.run(inst, lk, shell)),
            "COPY" => StepKind::Copy(self.copy(inst, lk)),
            "ADD" => StepKind::Add(self.copy(inst, lk)),
            "USER" => StepKind::User(self.whole(inst, lk)),
            "WORKDIR" => StepKind::Workdir(self.whole(inst, lk)),
            "STOPSIGNAL" => StepKind::StopSignal(self.whole(inst, lk)),
            "MAINTAINER" => StepKind::Maintainer(self.sp(
                inst.shell_text().unwrap_or("").to_string(),
                inst.args_range(),
            )),
            "ENV" | "LABEL" => {
                let kvs = self.key_values(inst, lk);
                if inst.keyword == "ENV" {
                    StepKind::Env(kvs)
                } else {
                    StepKind::Label(kvs)
                }
            }
            "ARG" => StepKind::Arg(self.arg_decls(inst, lk)),
            "EXPOSE" => StepKind::Expose(self.expanded_words(inst, lk, true)),
            "VOLUME" => StepKind::Volume(self.expanded_words(inst, lk, false)),
            "HEALTHCHECK" => StepKind::Healthcheck(self.healthcheck(inst)),
            "CMD" => StepKind::Cmd(command_line(inst)),
            "ENTRYPOINT" => StepKind::Entrypoint(command_line(inst)),
            "SHELL" => StepKind::Shell(inst.words().into_iter().map(|(w, _)| w).collect()),
            "ONBUILD" => match &inst.onbuild {
                Some(trigger) => {
                    // Triggers run in a downstream build: nothing here is in scope.
                    let none = |_: &str| None;
                    let kind = self.kind(trigger, &none, None);
                    StepKind::Onbuild(Box::new(self.step_of(trigger, kind)))
                }
                None => StepKind::Other,
            },
            _ => StepKind::Other,
        }
    }

    /// The whole argument text as one expanded value (USER, WORKDIR, …).
    fn whole(&self, inst: &Instruction, lk: Lk<'_>) -> Sp<String> {
        let v = inst.shell_text().map(|t| self.x(t, lk)).unwrap_or_default();
        self.sp(v, inst.args_range())
    }

    fn expanded_words(&self, inst: &Instruction, lk: Lk<'_>, split: bool) -> Vec<Sp<String>> {
        let mut out = Vec::new();
        for (w, r) in inst.words() {
            let v = self.x(&w, lk);
            if split {
                for part in v.split_whitespace() {
                    out.push(self.sp(part.to_string(), r));
                }
            } else {
                out.push(self.sp(v, r));
            }
        }
        out
    }

    /// `ENV`/`LABEL` pairs, new (`k=v k2=v2`) or legacy (`k v`) form.
    fn key_values(&self, inst: &Instruction, lk: Lk<'_>) -> Vec<KeyValue> {
        let Args::Shell { text, map, .. } = &inst.args else {
            return Vec::new();
        };
        let spans = inst.word_spans();
        let Some(&(fs, fe)) = spans.first() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let first = text.get(fs..fe).unwrap_or("");
        if !first.contains('=') {
            // Legacy: the key is the first whitespace-delimited word, the
            // value everything after it.
            let ws = lex::split_ws_words(text);
            let Some(&(ks, ke)) = ws.first() else {
                return out;
            };
            let vs = ws.get(1).map_or(text.len(), |w| w.0);
            let key = text.get(ks..ke).unwrap_or("");
            let value = text.get(vs..).unwrap_or("");
            let key_r = map_range(map, ks, ke);
            let val_r = map_range(map, vs, text.len());
            out.push(KeyValue {
                origin: self.origin(key_r.cover(val_r)),
                key: self.sp(self.x(key, lk), key_r),
                value: self.sp(self.x(value, lk), val_r),
            });
            return out;
        }
        for (s, e) in spans {
            let word = text.get(s..e).unwrap_or("");
            let Some(eq) = word.find('=') else { continue };
            let key_r = map_range(map, s, s + eq);
            let val_r = map_range(map, s + eq + 1, e);
            out.push(KeyValue {
                origin: self.origin(map_range(map, s, e)),
                key: self.sp(self.x(&word[..eq], lk), key_r),
                value: self.sp(self.x(&word[eq + 1..], lk), val_r),
            });
        }
        out
    }

    fn arg_decls(&self, inst: &Instruction, lk: Lk<'_>) -> Vec<ArgDecl> {
        let Args::Shell { text, map, .. } = &inst.args else {
            return Vec::new();
        };
        inst.word_spans()
            .into_iter()
            .map(|(s, e)| {
                let word = text.get(s..e).unwrap_or("");
                match word.find('=') {
                    Some(eq) => ArgDecl {
                        origin: self.origin(map_range(map, s, e)),
                        name: self.sp(word[..eq].to_string(), map_range(map, s, s + eq)),
                        default: Some(
                            self.sp(self.x(&word[eq + 1..], lk), map_range(map, s + eq + 1, e)),
                        ),
                    },
                    None => ArgDecl {
                        origin: self.origin(map_range(map, s, e)),
                        name: self.sp(word.to_string(), map_range(map, s, e)),
                        default: None,
                    },
                }
            })
            .collect()
    }

    fn flag_value(&self, inst: &Instruction, name: &str, lk: Lk<'_>) -> Option<Sp<String>> {
        let f = inst.flag(name)?;
        let v = f.value.as_deref()?;
        Some(self.sp(self.x(v, lk), f.value_range.unwrap_or(f.range)))
    }

    fn copy(&self, inst: &Instruction, lk: Lk<'_>) -> CopyStep {
        let words = inst.words();
        let mut heredoc = false;
        let mut items: Vec<Sp<String>> = words
            .into_iter()
            .map(|(w, r)| {
                if !inst.is_exec_form()
                    && !inst.heredocs.is_empty()
                    && lex::heredoc_marker(&w).is_some()
                {
                    heredoc = true;
                    self.sp(w, r)
                } else {
                    self.sp(self.x(&w, lk), r)
                }
            })
            .collect();
        let dest = items.pop();
        CopyStep {
            sources: items,
            dest,
            from: self.flag_value(inst, "from", lk),
            chown: self.flag_value(inst, "chown", lk),
            chmod: self.flag_value(inst, "chmod", lk),
            link: inst
                .flag("link")
                .is_some_and(|f| f.value.as_deref().is_none_or(|v| v != "false")),
            checksum: self.flag_value(inst, "checksum", lk),
            heredoc,
            exec_form: inst.is_exec_form(),
        }
    }

    fn healthcheck(&self, inst: &Instruction) -> Healthcheck {
        let flag = |n: &str| inst.flag(n).and_then(|f| f.value.clone());
        let mut h = Healthcheck {
            disabled: false,
            test: Vec::new(),
            interval: flag("interval"),
            timeout: flag("timeout"),
            start_period: flag("start-period"),
            retries: flag("retries"),
        };
        let Some(text) = inst.shell_text() else {
            return h;
        };
        let ws = lex::split_ws_words(text);
        let Some(&(ts, te)) = ws.first() else {
            return h;
        };
        let typ = text[ts..te].to_ascii_uppercase();
        if typ == "NONE" {
            h.disabled = true;
            h.test = vec!["NONE".into()];
            return h;
        }
        let rest = ws.get(1).map_or("", |w| text.get(w.0..).unwrap_or(""));
        h.test = match lex::parse_json_array(rest) {
            JsonArgs::Strings(v) => std::iter::once("CMD".to_string())
                .chain(v.into_iter().map(|e| e.0))
                .collect(),
            _ if rest.is_empty() => Vec::new(),
            _ => vec!["CMD-SHELL".into(), rest.to_string()],
        };
        h
    }

    fn run(&self, inst: &Instruction, lk: Lk<'_>, shell: Option<&[String]>) -> RunStep {
        let raw_flag = |n: &str| {
            inst.flag(n)
                .and_then(|f| Some(self.sp(f.value.clone()?, f.value_range.unwrap_or(f.range))))
        };
        let mut step = RunStep {
            exec_form: inst.is_exec_form(),
            script: None,
            exec_args: Vec::new(),
            mounts: inst
                .flags_named("mount")
                .filter_map(|f| {
                    Some(self.sp(
                        self.x(f.value.as_deref()?, lk),
                        f.value_range.unwrap_or(f.range),
                    ))
                })
                .collect(),
            network: raw_flag("network"),
            security: raw_flag("security"),
            heredoc: !inst.heredocs.is_empty(),
        };
        let posix = shell
            .and_then(|s| s.first())
            .is_none_or(|p| is_posix_shell(p));
        let pipefail = shell.is_some_and(|s| {
            s.windows(2)
                .any(|w| w[0].starts_with('-') && w[0].ends_with('o') && w[1] == "pipefail")
        });
        step.script = match &inst.args {
            Args::Exec(v) => {
                step.exec_args = v.iter().map(|(s, r)| self.sp(s.clone(), *r)).collect();
                self.exec_script(v)
            }
            Args::Shell { text, map, .. } if posix => {
                if inst.heredocs.is_empty() {
                    Some(parse_script(text, self.file, map))
                } else {
                    self.heredoc_script(inst, text, map)
                }
            }
            Args::Empty if posix && !inst.heredocs.is_empty() => {
                self.heredoc_script(inst, "", &OffsetMap::identity(0))
            }
            _ => None,
        };
        if pipefail && let Some(s) = step.script.as_mut() {
            s.sets_pipefail = true;
        }
        step
    }

    /// `["sh", "-c", "script"]` (also `-ec`, `-xc`, …).
    fn exec_script(&self, v: &[(String, TextRange)]) -> Option<ShellScript> {
        let (prog, _) = v.first()?;
        if !is_posix_shell(prog) {
            return None;
        }
        let c = v.iter().skip(1).position(|(a, _)| {
            a.starts_with('-') && !a.starts_with("--") && a.len() > 1 && a[1..].contains('c')
        })?;
        let (_, r) = v.get(c + 2)?;
        let mut out = SegText::new();
        let lit = r.slice(self.text);
        if lit.len() >= 2 && lit.starts_with('"') {
            lex::decode_json_literal(
                lit,
                0,
                lit.len(),
                &SegMap::identity(r.start as usize),
                &mut out,
            );
        } else {
            // The literal spans a removed line continuation: use the decoded value.
            let (s, _) = &v[c + 2];
            return Some(parse_script(
                s,
                self.file,
                &OffsetMap::identity(r.start.saturating_add(1)),
            ));
        }
        Some(parse_script(
            &out.text,
            self.file,
            &OffsetMap::from_segments(out.map().to_u32_segments()),
        ))
    }

    /// The script of a RUN with heredocs (see [`image_specs`]).
    fn heredoc_script(
        &self,
        inst: &Instruction,
        args: &str,
        map: &OffsetMap,
    ) -> Option<ShellScript> {
        let hds = &inst.heredocs;
        let words: Vec<&str> = lex::parse_words(args, '\\')
            .into_iter()
            .filter_map(|(s, e)| args.get(s..e))
            .collect();
        let others: Vec<&str> = words
            .iter()
            .copied()
            .filter(|w| lex::heredoc_marker(w).is_none())
            .collect();
        if let [hd] = hds.as_slice()
            && hd.fd.is_none()
            && (others.is_empty() || shell_reading_stdin(&others))
        {
            if !shebang_is_shell(&hd.body) {
                return None;
            }
            return Some(parse_script(
                &hd.body,
                self.file,
                &OffsetMap::identity(hd.body_range.start),
            ));
        }
        // The command line and the bodies, as BuildKit hands them to the shell.
        let mut out = SegText::new();
        for (i, c) in args.char_indices() {
            out.push_char(c, map.map(i) as usize);
        }
        let mut prev_end = map_range(map, 0, args.len()).end as usize;
        for hd in hds {
            out.push_char('\n', prev_end);
            out.push_str(&hd.body, hd.body_range.start as usize);
            let term_start = (hd.range.end as usize).saturating_sub(hd.delimiter.len());
            out.push_str(&hd.delimiter, term_start);
            prev_end = hd.range.end as usize;
        }
        Some(parse_script(
            &out.text,
            self.file,
            &OffsetMap::from_segments(out.map().to_u32_segments()),
        ))
    }
}

/// `bash`, `sh -e`, `bash -o pipefail -x`: a shell reading its script from
/// standard input.
fn shell_reading_stdin(words: &[&str]) -> bool {
    let Some((prog, rest)) = words.split_first() else {
        return false;
    };
    if !is_posix_shell(prog) {
        return false;
    }
    let mut after_o = false;
    for w in rest {
        if after_o {
            after_o = false;
            continue;
        }
        let opt = w.starts_with('-') || w.starts_with('+');
        if !opt || *w == "--" || w.starts_with("--") && w.len() > 2 && w[2..].contains('=') {
            return false;
        }
        if !w.starts_with("--") && w[1..].contains('c') {
            return false;
        }
        after_o = w.ends_with('o') && !w.starts_with("--");
    }
    true
}

/// Whether a heredoc body is a shell script: no `#!` line, or one naming a
/// POSIX shell.
fn shebang_is_shell(body: &str) -> bool {
    let Some(line) = body.strip_prefix("#!") else {
        return true;
    };
    let line = line.lines().next().unwrap_or("");
    let mut parts = line.split_whitespace();
    let Some(first) = parts.next() else {
        return true;
    };
    if basename(first) == "env" {
        return parts
            .find(|p| !p.starts_with('-') && !p.contains('='))
            .is_some_and(is_posix_shell);
    }
    is_posix_shell(first)
}

fn command_line(inst: &Instruction) -> CommandLine {
    match &inst.args {
        Args::Exec(v) => CommandLine {
            exec_form: true,
            args: v.iter().map(|(s, _)| s.clone()).collect(),
        },
        Args::Shell { text, .. } => CommandLine {
            exec_form: false,
            args: vec![text.clone()],
        },
        Args::Empty => CommandLine {
            exec_form: false,
            args: Vec::new(),
        },
    }
}

fn empty_spec(index: usize, is_final: bool) -> ImageSpec {
    ImageSpec::new(
        Origin::Implicit,
        index,
        is_final,
        Sp::implicit(BaseImage::Unresolved(String::new())),
    )
}
