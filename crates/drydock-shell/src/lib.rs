//! Shell commands in RUN, parsed with tree-sitter-bash into drydock's
//! command model ([`drydock_core::spec::ShellScript`]).
//!
//! [`parse_script`] turns shell text (a `RUN` body, a heredoc body, an
//! `sh -c` string) into a flat list of simple commands in source order.
//! Beyond the plain tree walk it:
//!
//! - flattens pipelines (including the ones tree-sitter-bash nests because of
//!   redirections or heredocs) and numbers them;
//! - lists commands inside `$(…)`, backticks, `<(…)`/`>(…)` after the
//!   command whose word holds them, with `parent` pointing at it; a
//!   substitution that no command owns (`X=$(…)`, `for x in $(…)`,
//!   `[ "$(…)" ]`) yields commands with the substitution nesting and
//!   `parent: None`;
//! - lists the command run by a wrapper (`sudo`, `env`, `xargs`, …) as an
//!   extra [`Nesting::Wrapped`] command right after the wrapper; it shares
//!   the wrapper's pipeline position, background flag and redirects, and
//!   takes `NAME=value` words given to `env`/`sudo` as its assignments;
//! - parses literal strings run by a shell (`sh -c '…'`, `su -c '…'`,
//!   `bash <<'EOF'` heredocs, `bash <<< '…'`) as scripts of their own, with
//!   [`Nesting::ShellString`];
//! - also lists `export`/`declare`/`local`/`readonly`/`typeset`/`unset` as
//!   commands (named by the keyword), since they are simple commands to the
//!   shell; `[ … ]`/`[[ … ]]` tests are not listed.
//!
//! `sets_pipefail` is the state of `pipefail` (changed by `set -o pipefail`
//! / `set +o pipefail` run at the top of the script, i.e. with
//! [`Nesting::Top`]) when the first pipeline of the script runs; in a script
//! without pipelines it is the state at the end.

mod offset;
mod syntax;
mod words;
mod wrappers;

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::ops::Range;

use drydock_core::spec::{Nesting, PipePos, Redirect, ShellCommand, ShellScript, SyntaxFact, Word};
use drydock_core::{FileId, Origin, TextRange};
use tree_sitter::{Node, Parser, Tree};

pub use offset::OffsetMap;

/// Deepest syntax-tree nesting we descend into (across nested scripts).
const MAX_DEPTH: u32 = 200;
/// Deepest `sh -c "sh -c '…'"` nesting we parse.
const MAX_SHELL_DEPTH: u32 = 8;
/// Deepest `sudo env nice …` wrapper chain we unwrap.
const MAX_WRAP_DEPTH: u32 = 8;

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// tree-sitter-bash 0.25.1's scanner calls `isdigit` on the character after
/// `{` and digits (and after `{1..2`), a full code point: for a non-ASCII one
/// that reads outside glibc's ctype table and can crash the process
/// (tree-sitter/tree-sitter-bash#337). We hand the parser a copy where such
/// characters are replaced by as many `_` bytes, so byte offsets do not
/// change; words are still read from the original text.
fn guard_brace_scanner(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let at_risk = |i: usize| {
        let mut j = i;
        while j > 0 && matches!(bytes[j - 1], b'0'..=b'9' | b'.') {
            j -= 1;
        }
        j > 0 && bytes[j - 1] == b'{'
    };
    let risky: Vec<(usize, usize)> = text
        .char_indices()
        .filter(|&(i, c)| !c.is_ascii() && at_risk(i))
        .map(|(i, c)| (i, c.len_utf8()))
        .collect();
    if risky.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (i, len) in risky {
        out.push_str(text.get(last..i).unwrap_or(""));
        out.extend(std::iter::repeat_n('_', len));
        last = i + len;
    }
    out.push_str(text.get(last..).unwrap_or(""));
    Cow::Owned(out)
}

fn parse_tree(text: &str) -> Option<Tree> {
    let text = guard_brace_scanner(text);
    let text = text.as_ref();
    PARSER.with(|cell| {
        let mut slot = cell.try_borrow_mut().ok()?;
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_bash::LANGUAGE.into())
                .ok()?;
            *slot = Some(parser);
        }
        slot.as_mut()?.parse(text, None)
    })
}

/// Parses `text` as a POSIX/bash script. Origins are
/// `Origin::File { file, range }` with ranges mapped through `map`.
pub fn parse_script(text: &str, file: FileId, map: &OffsetMap) -> ShellScript {
    let mut b = Builder {
        file,
        commands: Vec::new(),
        has_errors: false,
        next_pipeline: 0,
        pipefail: Pipefail::default(),
        syntax: Vec::new(),
    };
    let ctx = Ctx {
        nesting: Nesting::Top,
        parent: None,
        owner: None,
        pipe: None,
        background: false,
        shell_depth: 0,
        runner: None,
        assignment: false,
    };
    b.script(text, map, &ctx, 0);
    ShellScript {
        origin: Origin::file(file, map.map_range(0, text.len())),
        commands: b.commands,
        has_errors: b.has_errors,
        sets_pipefail: b.pipefail.at_first_pipe.unwrap_or(b.pipefail.on),
        syntax: b.syntax,
    }
}

#[derive(Default)]
struct Pipefail {
    on: bool,
    at_first_pipe: Option<bool>,
}

/// Where the walk is.
#[derive(Clone)]
struct Ctx {
    /// Nesting and parent of the commands found here.
    nesting: Nesting,
    parent: Option<u32>,
    /// The command whose words are being walked: substitutions found here
    /// are nested in it.
    owner: Option<u32>,
    pipe: Option<PipePos>,
    background: bool,
    /// How many `sh -c` levels deep the current script is.
    shell_depth: u32,
    /// The command running the shell that reads the current script.
    runner: Option<u32>,
    /// Walking the value of an assignment that stands alone as a command.
    assignment: bool,
}

/// One script's text and offset map.
struct Src<'a> {
    text: &'a str,
    map: &'a OffsetMap,
    /// Ids of the command nodes whose status goes untested.
    unchecked: HashSet<usize>,
}

/// A word and its byte range in the script text.
type Spanned = (Word, Range<usize>);

struct Builder {
    file: FileId,
    commands: Vec<ShellCommand>,
    has_errors: bool,
    next_pipeline: u32,
    pipefail: Pipefail,
    syntax: Vec<SyntaxFact>,
}

fn index_of(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// Children with their field names.
fn fields<'t>(node: Node<'t>) -> Vec<(Option<&'t str>, Node<'t>)> {
    let mut out = Vec::with_capacity(node.child_count() as usize);
    let mut c = node.walk();
    if c.goto_first_child() {
        loop {
            out.push((c.field_name(), c.node()));
            if !c.goto_next_sibling() {
                break;
            }
        }
    }
    out
}

fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut c = node.walk();
    node.named_children(&mut c).collect()
}

/// The byte offset at which `text` (a word's static value) starts inside
/// `raw` (the word as written), when `raw` is `text` verbatim, possibly
/// quoted.
fn verbatim_offset(raw: &str, text: &str) -> Option<usize> {
    if raw == text {
        return Some(0);
    }
    [("'", "'"), ("\"", "\""), ("$'", "'")]
        .iter()
        .find_map(|(pre, post)| {
            (raw.strip_prefix(pre).and_then(|r| r.strip_suffix(post)) == Some(text))
                .then_some(pre.len())
        })
}

impl Builder {
    fn origin(&self, s: &Src<'_>, start: usize, end: usize) -> Origin {
        Origin::file(self.file, s.map.map_range(start, end))
    }

    fn word(&self, s: &Src<'_>, node: Node<'_>) -> Spanned {
        let range = node.byte_range();
        let (text, literal) = match words::static_value(node, s.text) {
            Some(v) => (v, true),
            None => (s.text.get(range.clone()).unwrap_or("").to_owned(), false),
        };
        (
            Word {
                text,
                literal,
                origin: self.origin(s, range.start, range.end),
            },
            range,
        )
    }

    /// Parses `text` and walks it with `ctx`.
    fn script(&mut self, text: &str, map: &OffsetMap, ctx: &Ctx, depth: u32) {
        let Some(tree) = parse_tree(text) else {
            self.has_errors = true;
            return;
        };
        let root = tree.root_node();
        if root.has_error() {
            self.has_errors = true;
        }
        let facts = syntax::facts(root, text);
        for (kind, r) in facts.bashisms {
            let origin = Origin::file(self.file, map.map_range(r.start, r.end));
            self.syntax.push(SyntaxFact {
                kind,
                origin,
                shell: ctx.runner,
            });
        }
        let s = Src {
            text,
            map,
            unchecked: facts.unchecked,
        };
        self.visit(&s, root, ctx, depth);
    }

    fn visit(&mut self, s: &Src<'_>, node: Node<'_>, ctx: &Ctx, depth: u32) {
        if depth > MAX_DEPTH {
            self.has_errors = true;
            return;
        }
        match node.kind() {
            "command" | "declaration_command" | "unset_command" => {
                self.command(s, node, &[], ctx, depth)
            }
            "redirected_statement" | "pipeline" => self.statement(s, node, Vec::new(), ctx, depth),
            "negated_command" => self.children(s, node, ctx, depth),
            "command_substitution" | "process_substitution" => {
                let nesting = if node.kind() == "command_substitution" {
                    Nesting::CommandSubstitution
                } else {
                    Nesting::ProcessSubstitution
                };
                let inner = Ctx {
                    nesting,
                    parent: ctx.owner,
                    owner: None,
                    pipe: None,
                    background: false,
                    ..ctx.clone()
                };
                self.children(s, node, &inner, depth);
            }
            "list" => self.list(s, node, ctx, depth),
            "comment" => {}
            // `x="$(…)"` alone (not the prefix of a command, not `export`).
            "variable_assignment" | "variable_assignments"
                if node
                    .parent()
                    .is_none_or(|p| !matches!(p.kind(), "command" | "declaration_command")) =>
            {
                let inner = Ctx {
                    assignment: true,
                    ..ctx.clone()
                };
                self.children(s, node, &inner, depth);
            }
            _ => self.children(s, node, ctx, depth),
        }
    }

    /// Walks the children of `node`, marking the ones followed by `&` as
    /// running in the background.
    fn children(&mut self, s: &Src<'_>, node: Node<'_>, ctx: &Ctx, depth: u32) {
        let kids: Vec<Node<'_>> = {
            let mut c = node.walk();
            node.children(&mut c).collect()
        };
        for (i, kid) in kids.iter().enumerate() {
            if !kid.is_named() {
                continue;
            }
            let bg = kids
                .get(i + 1)
                .is_some_and(|n| !n.is_named() && n.kind() == "&");
            if bg && !ctx.background {
                let bg_ctx = Ctx {
                    background: true,
                    ..ctx.clone()
                };
                self.visit(s, *kid, &bg_ctx, depth + 1);
            } else {
                self.visit(s, *kid, ctx, depth + 1);
            }
        }
    }

    /// `a && b || c` nests to the left; walk the spine without recursion.
    fn list(&mut self, s: &Src<'_>, node: Node<'_>, ctx: &Ctx, depth: u32) {
        let mut groups = Vec::new();
        let mut cur = node;
        loop {
            let kids = named_children(cur);
            match kids.split_first() {
                Some((first, rest)) if first.kind() == "list" => {
                    groups.push(rest.to_vec());
                    cur = *first;
                }
                _ => {
                    groups.push(kids);
                    break;
                }
            }
        }
        for group in groups.iter().rev() {
            for kid in group {
                self.visit(s, *kid, ctx, depth + 1);
            }
        }
    }

    /// A pipeline or a redirected statement: flattened into pipeline
    /// elements, each with the redirections that apply to it.
    fn statement<'t>(
        &mut self,
        s: &Src<'_>,
        node: Node<'t>,
        extras: Vec<Node<'t>>,
        ctx: &Ctx,
        depth: u32,
    ) {
        let mut elems = Vec::new();
        let mut after = Vec::new();
        self.flatten(node, extras, &mut elems, &mut after, depth);
        if elems.len() == 1 {
            if let Some((n, ex)) = elems.pop() {
                self.element(s, n, &ex, ctx, depth + 1);
            }
        } else if !elems.is_empty() {
            let id = self.next_pipeline;
            self.next_pipeline = self.next_pipeline.saturating_add(1);
            let len = index_of(elems.len());
            for (i, (n, ex)) in elems.into_iter().enumerate() {
                let pipe = PipePos {
                    id,
                    index: index_of(i),
                    len,
                };
                let el_ctx = Ctx {
                    pipe: Some(pipe),
                    ..ctx.clone()
                };
                self.element(s, n, &ex, &el_ctx, depth + 1);
            }
        }
        for n in after {
            self.visit(s, n, ctx, depth + 1);
        }
    }

    fn flatten<'t>(
        &mut self,
        node: Node<'t>,
        extras: Vec<Node<'t>>,
        out: &mut Vec<(Node<'t>, Vec<Node<'t>>)>,
        after: &mut Vec<Node<'t>>,
        depth: u32,
    ) {
        if depth > MAX_DEPTH {
            self.has_errors = true;
            return;
        }
        match node.kind() {
            "pipeline" => {
                let kids: Vec<Node<'t>> = named_children(node)
                    .into_iter()
                    .filter(|n| n.kind() != "comment")
                    .collect();
                let last = kids.len().saturating_sub(1);
                let mut extras = Some(extras);
                for (i, kid) in kids.into_iter().enumerate() {
                    let ex = if i == last {
                        extras.take().unwrap_or_default()
                    } else {
                        Vec::new()
                    };
                    self.flatten(kid, ex, out, after, depth + 1);
                }
            }
            "redirected_statement" => {
                let mut body = None;
                let mut redirs = Vec::new();
                let mut heredoc_pipe = None;
                for (field, kid) in fields(node) {
                    match (field, kid.kind()) {
                        (Some("body"), _) => body = Some(kid),
                        (_, "file_redirect" | "herestring_redirect" | "heredoc_redirect") => {
                            if kid.kind() == "heredoc_redirect" {
                                for (f, k) in fields(kid) {
                                    if k.kind() == "pipeline" {
                                        heredoc_pipe = Some(k);
                                    } else if f == Some("right") {
                                        after.push(k);
                                    }
                                }
                            }
                            redirs.push(kid);
                        }
                        _ if kid.is_named() => after.push(kid),
                        _ => {}
                    }
                }
                redirs.extend(extras);
                match body {
                    Some(b) => self.flatten(b, redirs, out, after, depth + 1),
                    None => after.extend(
                        redirs
                            .into_iter()
                            .filter(|r| r.kind() != "heredoc_redirect"),
                    ),
                }
                if let Some(p) = heredoc_pipe {
                    self.flatten(p, Vec::new(), out, after, depth + 1);
                }
            }
            _ => out.push((node, extras)),
        }
    }

    /// One pipeline element, with the redirections that apply to it.
    fn element(&mut self, s: &Src<'_>, node: Node<'_>, extras: &[Node<'_>], ctx: &Ctx, depth: u32) {
        if depth > MAX_DEPTH {
            self.has_errors = true;
            return;
        }
        match node.kind() {
            "command" | "declaration_command" | "unset_command" => {
                self.command(s, node, extras, ctx, depth)
            }
            "negated_command" => match named_children(node)
                .into_iter()
                .find(|n| n.kind() != "comment")
            {
                Some(inner) => self.element(s, inner, extras, ctx, depth + 1),
                None => self.redirect_substitutions(s, extras, ctx, depth),
            },
            _ => {
                self.visit(s, node, ctx, depth + 1);
                self.redirect_substitutions(s, extras, ctx, depth);
            }
        }
    }

    /// Walks redirections that belong to no simple command (`{ …; } > f`)
    /// for substitutions.
    fn redirect_substitutions(&mut self, s: &Src<'_>, extras: &[Node<'_>], ctx: &Ctx, depth: u32) {
        let plain = Ctx {
            owner: None,
            pipe: None,
            background: false,
            ..ctx.clone()
        };
        for r in extras {
            for n in redirect_parts(*r) {
                self.visit(s, n, &plain, depth + 1);
            }
        }
    }

    /// A simple command: emitted, then what it wraps or runs, then what its
    /// substitutions run.
    fn command(&mut self, s: &Src<'_>, node: Node<'_>, extras: &[Node<'_>], ctx: &Ctx, depth: u32) {
        let mut name: Option<Spanned> = None;
        let mut args: Vec<Spanned> = Vec::new();
        let mut assignments = Vec::new();
        let mut redirects = Vec::new();
        let mut stdin_scripts: Vec<StdinScript<'_>> = Vec::new();
        let mut subs: Vec<Node<'_>> = Vec::new();

        if node.kind() == "command" {
            for (field, kid) in fields(node) {
                match (field, kid.kind()) {
                    (Some("name"), _) => name = Some(self.word(s, kid)),
                    (Some("argument"), _) => args.push(self.word(s, kid)),
                    (_, "variable_assignment") => assignments.push(self.word(s, kid).0),
                    (_, "file_redirect" | "herestring_redirect") => {
                        self.push_redirect(s, kid, &mut redirects, &mut stdin_scripts);
                    }
                    _ => {}
                }
                if kid.is_named() {
                    subs.push(kid);
                }
            }
        } else {
            // `export A=b C`, `unset X`: the keyword is the name.
            for kid in fields(node).into_iter().map(|(_, k)| k) {
                if !kid.is_named() {
                    if name.is_none() {
                        let r = kid.byte_range();
                        let text = s.text.get(r.clone()).unwrap_or("").to_owned();
                        let origin = self.origin(s, r.start, r.end);
                        name = Some((
                            Word {
                                text,
                                literal: true,
                                origin,
                            },
                            r,
                        ));
                    }
                    continue;
                }
                match kid.kind() {
                    "comment" => {}
                    "file_redirect" | "herestring_redirect" => {
                        self.push_redirect(s, kid, &mut redirects, &mut stdin_scripts);
                        subs.push(kid);
                    }
                    _ => {
                        args.push(self.word(s, kid));
                        subs.push(kid);
                    }
                }
            }
        }
        for &e in extras {
            match e.kind() {
                "file_redirect" | "herestring_redirect" => {
                    self.push_redirect(s, e, &mut redirects, &mut stdin_scripts);
                }
                "heredoc_redirect" => {
                    let mut start = None;
                    for (field, kid) in fields(e) {
                        match (field, kid.kind()) {
                            (_, "heredoc_start") => start = Some(kid),
                            (Some("redirect"), "file_redirect" | "herestring_redirect") => {
                                self.push_redirect(s, kid, &mut redirects, &mut stdin_scripts);
                            }
                            (Some("argument"), _) => args.push(self.word(s, kid)),
                            (_, "heredoc_body") => {
                                stdin_scripts.push(StdinScript::Heredoc { start, body: kid })
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
            subs.extend(redirect_parts(e));
        }

        let Some(name) = name else {
            // No command word (error recovery): still look inside.
            let plain = Ctx {
                owner: ctx.owner,
                ..ctx.clone()
            };
            for n in subs {
                self.visit(s, n, &plain, depth + 1);
            }
            return;
        };

        let mut range = TextRange::from_usize(node.start_byte(), node.end_byte());
        for e in extras {
            range = range.cover(TextRange::from_usize(e.start_byte(), e.end_byte()));
        }
        let origin = self.origin(s, range.start as usize, range.end as usize);
        let index = index_of(self.commands.len());
        let cmd = ShellCommand {
            origin,
            name: name.0.clone(),
            args: args.iter().map(|a| a.0.clone()).collect(),
            assignments,
            redirects,
            pipeline: ctx.pipe,
            nesting: ctx.nesting,
            parent: ctx.parent,
            assigned: ctx.assignment && ctx.nesting == Nesting::CommandSubstitution,
            background: ctx.background,
            shell: ctx.runner,
            status_unchecked: node.kind() == "command" && s.unchecked.contains(&node.id()),
        };
        if ctx.shell_depth == 0 {
            if ctx.nesting == Nesting::Top && cmd.is("set") {
                let texts: Vec<&str> = cmd.args.iter().map(|w| w.text.as_str()).collect();
                if let Some(on) = wrappers::set_pipefail(&texts) {
                    self.pipefail.on = on;
                }
            }
            if ctx.pipe.is_some() && self.pipefail.at_first_pipe.is_none() {
                self.pipefail.at_first_pipe = Some(self.pipefail.on);
            }
        }
        let redirects = cmd.redirects.clone();
        self.commands.push(cmd);

        let call = Call {
            name: &name,
            args: &args,
            redirects: &redirects,
            stdin: &stdin_scripts,
        };
        self.expand(s, index, &call, ctx, depth, 0);

        let sub_ctx = Ctx {
            owner: Some(index),
            pipe: None,
            background: false,
            assignment: false,
            ..ctx.clone()
        };
        for n in subs {
            self.visit(s, n, &sub_ctx, depth + 1);
        }
    }

    fn push_redirect<'t>(
        &self,
        s: &Src<'_>,
        r: Node<'t>,
        redirects: &mut Vec<Redirect>,
        stdin: &mut Vec<StdinScript<'t>>,
    ) {
        if let Some((red, word, span)) = self.make_redirect(s, r) {
            if r.kind() == "herestring_redirect" {
                stdin.push(StdinScript::Word(word, span));
            }
            redirects.push(red);
        }
    }

    /// Builds a [`Redirect`] from a `file_redirect`/`herestring_redirect`;
    /// also returns the target word and its span.
    fn make_redirect(&self, s: &Src<'_>, node: Node<'_>) -> Option<(Redirect, Word, Range<usize>)> {
        let target = match node.kind() {
            "file_redirect" => node.child_by_field_name("destination")?,
            "herestring_redirect" => named_children(node)
                .into_iter()
                .find(|n| n.kind() != "file_descriptor")?,
            _ => return None,
        };
        let op = s
            .text
            .get(node.start_byte()..target.start_byte())
            .unwrap_or("")
            .trim()
            .to_owned();
        let (word, span) = self.word(s, target);
        Some((
            Redirect {
                op,
                target: word.clone(),
            },
            word,
            span,
        ))
    }

    /// What the command at `index` runs in turn: the command it wraps, or
    /// the script it hands to a shell.
    fn expand(
        &mut self,
        s: &Src<'_>,
        index: u32,
        call: &Call<'_, '_>,
        ctx: &Ctx,
        depth: u32,
        wrap_depth: u32,
    ) {
        let program = call.name.0.text.rsplit('/').next().unwrap_or("");
        let texts: Vec<&str> = call.args.iter().map(|a| a.0.text.as_str()).collect();

        if let Some((env, k)) = wrappers::wrapped(program, &texts) {
            if wrap_depth >= MAX_WRAP_DEPTH {
                self.has_errors = true;
            } else if let (Some(wname), Some(wargs)) = (call.args.get(k), call.args.get(k + 1..)) {
                let mut range = wname.0.origin.range().unwrap_or_default();
                if let Some(last) = wargs.last().and_then(|a| a.0.origin.range()) {
                    range = range.cover(last);
                }
                let cmd = ShellCommand {
                    origin: Origin::file(self.file, range),
                    name: wname.0.clone(),
                    args: wargs.iter().map(|a| a.0.clone()).collect(),
                    assignments: call
                        .args
                        .get(env)
                        .unwrap_or_default()
                        .iter()
                        .map(|a| a.0.clone())
                        .collect(),
                    redirects: call.redirects.to_vec(),
                    pipeline: ctx.pipe,
                    nesting: Nesting::Wrapped,
                    parent: Some(index),
                    assigned: false,
                    background: ctx.background,
                    shell: ctx.runner,
                    status_unchecked: false,
                };
                let new_index = index_of(self.commands.len());
                self.commands.push(cmd);
                let inner = Call {
                    name: wname,
                    args: wargs,
                    redirects: call.redirects,
                    stdin: call.stdin,
                };
                self.expand(s, new_index, &inner, ctx, depth, wrap_depth + 1);
            }
        }

        let inner = Ctx {
            nesting: Nesting::ShellString,
            parent: Some(index),
            owner: None,
            pipe: None,
            background: false,
            shell_depth: ctx.shell_depth + 1,
            runner: Some(index),
            assignment: false,
        };
        if ctx.shell_depth >= MAX_SHELL_DEPTH {
            return;
        }
        match wrappers::shell_input(program, &texts) {
            Some(wrappers::ShellInput::Arg {
                index: ai,
                attached,
            }) => {
                if let Some((word, span)) = call.args.get(ai) {
                    self.shell_string(s, word, span, attached, &inner, depth);
                }
            }
            Some(wrappers::ShellInput::Stdin) => {
                for script in call.stdin {
                    match script {
                        StdinScript::Word(word, span) => {
                            self.shell_string(s, word, span, false, &inner, depth)
                        }
                        StdinScript::Heredoc { start, body } => {
                            let quoted = start.is_some_and(|n| {
                                s.text
                                    .get(n.byte_range())
                                    .is_some_and(|t| t.contains(['\'', '"', '\\']))
                            });
                            let mut c = body.walk();
                            let dynamic = body
                                .named_children(&mut c)
                                .any(|n| n.kind() != "heredoc_content");
                            // An unquoted heredoc with expansions is expanded by
                            // the outer shell first; its text is not the script.
                            if quoted || !dynamic {
                                let r = body.byte_range();
                                let text = s.text.get(r.clone()).unwrap_or("");
                                let map = s.map.sub(r.start, r.end);
                                self.script(text, &map, &inner, depth + 1);
                            }
                        }
                    }
                }
            }
            None => {}
        }
    }

    /// Parses a literal word given to a shell as a script.
    fn shell_string(
        &mut self,
        s: &Src<'_>,
        word: &Word,
        span: &Range<usize>,
        attached: bool,
        ctx: &Ctx,
        depth: u32,
    ) {
        if !word.literal {
            return;
        }
        let text = if attached {
            word.text
                .get(wrappers::attached_prefix(&word.text)..)
                .unwrap_or("")
        } else {
            &word.text
        };
        let raw = s.text.get(span.clone()).unwrap_or("");
        let map = match verbatim_offset(raw, text).filter(|_| !attached) {
            Some(off) => s.map.sub(span.start + off, span.start + off + text.len()),
            None => OffsetMap::fixed(word.origin.range().unwrap_or_default()),
        };
        self.script(text, &map, ctx, depth + 1);
    }
}

/// Shell code a command may read on standard input.
enum StdinScript<'t> {
    /// `<<< word`
    Word(Word, Range<usize>),
    /// `<<EOF … EOF`
    Heredoc {
        start: Option<Node<'t>>,
        body: Node<'t>,
    },
}

/// A command's words, for [`Builder::expand`].
struct Call<'a, 't> {
    name: &'a Spanned,
    args: &'a [Spanned],
    redirects: &'a [Redirect],
    stdin: &'a [StdinScript<'t>],
}

/// The parts of a redirection that may hold substitutions (not the
/// pipeline or list that tree-sitter-bash hangs under a heredoc).
fn redirect_parts(node: Node<'_>) -> Vec<Node<'_>> {
    if node.kind() != "heredoc_redirect" {
        return vec![node];
    }
    fields(node)
        .into_iter()
        .filter(|(f, k)| k.is_named() && k.kind() != "pipeline" && *f != Some("right"))
        .map(|(_, k)| k)
        .collect()
}

#[cfg(test)]
mod tests;
