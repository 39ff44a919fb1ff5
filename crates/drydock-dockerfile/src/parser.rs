//! The line-level parser: directives, comments, line continuations,
//! instructions with flags and arguments, heredoc bodies, stages, and the
//! checks BuildKit's `instructions` package makes.

use drydock_core::{FileId, ParseError, TextRange};

use crate::lex::{self, JsonArgs, RawFlag, is_ascii_ws};
use crate::segmap::{SegMap, SegText};
use crate::{Args, Comment, Directive, Dockerfile, Flag, Heredoc, Instruction, Stage};

/// Instructions whose arguments may be a JSON array.
const JSON_CAPABLE: &[&str] = &["RUN", "CMD", "ENTRYPOINT", "SHELL", "ADD", "COPY", "VOLUME"];
/// Instructions that take heredocs.
const HEREDOC_CAPABLE: &[&str] = &["RUN", "COPY", "ADD"];
/// Every instruction BuildKit knows.
pub(crate) const KNOWN: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

struct Line {
    start: usize,
    /// End of the content, line terminator (`\n`, `\r\n`, stray `\r`s) excluded.
    end: usize,
    next: usize,
}

fn line_at(text: &str, pos: usize) -> Line {
    let b = text.as_bytes();
    let (raw_end, next) = match b
        .get(pos..)
        .and_then(|r| r.iter().position(|&c| c == b'\n'))
    {
        Some(i) => (pos + i, pos + i + 1),
        None => (b.len(), b.len()),
    };
    let mut end = raw_end;
    while end > pos && b[end - 1] == b'\r' {
        end -= 1;
    }
    Line {
        start: pos,
        end,
        next,
    }
}

fn range(s: usize, e: usize) -> TextRange {
    TextRange::from_usize(s, e)
}

/// The length of `s` without a trailing line-continuation escape (and the
/// spaces and tabs after it), or `None` when the line does not continue.
fn strip_continuation(s: &str, escape: char) -> Option<usize> {
    let t = s.trim_end_matches([' ', '\t']);
    t.ends_with(escape).then(|| t.len() - escape.len_utf8())
}

/// `#[ \t]*name[ \t]*=[ \t]*value[ \t]*` → (name span, value span), relative.
fn match_directive(s: &str) -> Option<((usize, usize), (usize, usize))> {
    let b = s.as_bytes();
    if b.first() != Some(&b'#') {
        return None;
    }
    let skip = |mut i: usize| {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        i
    };
    let ns = skip(1);
    if !b.get(ns).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let mut ne = ns;
    while ne < b.len() && b[ne].is_ascii_alphanumeric() {
        ne += 1;
    }
    let eq = skip(ne);
    if b.get(eq) != Some(&b'=') {
        return None;
    }
    let vs = skip(eq + 1);
    let mut ve = b.len();
    while ve > vs && (b[ve - 1] == b' ' || b[ve - 1] == b'\t') {
        ve -= 1;
    }
    if ve <= vs {
        return None;
    }
    Some(((ns, ne), (vs, ve)))
}

struct Parser<'a> {
    text: &'a str,
    file: FileId,
    escape: char,
    directives: Vec<Directive>,
    comments: Vec<Comment>,
    instructions: Vec<Instruction>,
    errors: Vec<ParseError>,
}

pub(crate) fn parse(text: &str, file: FileId) -> Dockerfile {
    let mut p = Parser {
        text,
        file,
        escape: '\\',
        directives: Vec::new(),
        comments: Vec::new(),
        instructions: Vec::new(),
        errors: Vec::new(),
    };
    p.run();
    let stages = p.stages();
    Dockerfile {
        file,
        directives: p.directives,
        escape: p.escape,
        instructions: p.instructions,
        comments: p.comments,
        stages,
        errors: p.errors,
    }
}

impl Parser<'_> {
    fn error(&mut self, r: TextRange, msg: impl Into<String>) {
        self.errors.push(ParseError::new(self.file, r, msg));
    }

    fn comment(&mut self, start: usize, end: usize) {
        let text = self
            .text
            .get(start + 1..end)
            .unwrap_or("")
            .trim()
            .to_string();
        self.comments.push(Comment {
            range: range(start, end),
            text,
        });
    }

    /// Handles a possible directive line; returns whether it was one.
    fn directive(&mut self, t: &str, ts: usize, end: usize) -> bool {
        let Some(((ns, ne), (vs, ve))) = match_directive(t) else {
            return false;
        };
        let name = t[ns..ne].to_ascii_lowercase();
        if !matches!(name.as_str(), "syntax" | "escape" | "check") {
            return false;
        }
        let value = t[vs..ve].to_string();
        let value_range = range(ts + vs, ts + ve);
        if self.directives.iter().any(|d| d.name == name) {
            self.error(
                range(ts, end),
                format!("only one {name} parser directive can be used"),
            );
            return true;
        }
        if name == "escape" {
            match value.as_str() {
                "\\" => self.escape = '\\',
                "`" => self.escape = '`',
                _ => self.error(
                    value_range,
                    format!("invalid escape token '{value}' does not match ` or \\"),
                ),
            }
        }
        self.directives.push(Directive {
            range: range(ts, end),
            name,
            value,
            value_range,
        });
        true
    }

    fn run(&mut self) {
        let text = self.text;
        let len = text.len();
        let mut pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let mut directives_done = false;
        while pos < len {
            let line = line_at(text, pos);
            pos = line.next;
            let raw = &text[line.start..line.end];
            let t = raw.trim_start();
            let ts = line.start + (raw.len() - t.len());
            if !directives_done {
                if self.directive(t, ts, line.end) {
                    continue;
                }
                directives_done = true;
            }
            if t.starts_with('#') {
                self.comment(ts, line.end);
                continue;
            }
            let (first_end, mut cont) = match strip_continuation(t, self.escape) {
                Some(n) => (ts + n, true),
                None => (line.end, false),
            };
            if !cont && t.is_empty() {
                continue;
            }
            let mut logical = SegText::new();
            logical.push_str(&text[ts..first_end], ts);
            let mut last_end = line.end;
            while cont && pos < len {
                let l = line_at(text, pos);
                pos = l.next;
                let raw = &text[l.start..l.end];
                let tt = raw.trim_start();
                if tt.starts_with('#') {
                    self.comment(l.start + (raw.len() - tt.len()), l.end);
                    continue;
                }
                if tt.is_empty() {
                    continue;
                }
                let (ce, c) = match strip_continuation(raw, self.escape) {
                    Some(n) => (l.start + n, true),
                    None => (l.end, false),
                };
                logical.push_str(&text[l.start..ce], l.start);
                cont = c;
                last_end = l.end;
            }
            if logical.text.trim().is_empty() {
                continue;
            }
            let map = logical.map();
            let mut inst = self.build_instruction(&logical.text, &map, 0);
            let end = ts.max(text[..last_end].trim_end().len());
            inst.range = range(ts, end);
            if can_contain_heredoc(&inst) {
                let heredocs = self.read_heredocs(&logical.text, &map, &mut pos);
                if let Some(last) = heredocs.last() {
                    inst.range = inst.range.cover(last.range);
                    let target = match inst.onbuild.as_mut() {
                        Some(trigger) => trigger.as_mut(),
                        None => &mut inst,
                    };
                    target.range = target.range.cover(last.range);
                    target.heredocs = heredocs;
                }
            }
            self.instructions.push(inst);
        }
    }

    fn read_heredocs(&mut self, line: &str, map: &SegMap, pos: &mut usize) -> Vec<Heredoc> {
        let text = self.text;
        let mut out = Vec::new();
        for m in lex::heredoc_markers(line) {
            let marker_range = map.range(m.start, m.end);
            let body_start = *pos;
            let mut term = None;
            while *pos < text.len() {
                let l = line_at(text, *pos);
                *pos = l.next;
                let mut cand = &text[l.start..l.end];
                if m.chomp {
                    cand = cand.trim_start_matches('\t');
                }
                if cand == m.name {
                    term = Some(l);
                    break;
                }
            }
            let (body_end, hd_end) = match term {
                Some(l) => (l.start, l.end),
                None => {
                    self.error(
                        marker_range,
                        format!("unterminated heredoc: no line `{}` ends it", m.name),
                    );
                    (
                        text.len(),
                        text.trim_end().len().max(marker_range.end as usize),
                    )
                }
            };
            out.push(Heredoc {
                range: TextRange::new(
                    marker_range.start,
                    u32::try_from(hd_end).unwrap_or(u32::MAX),
                ),
                marker_range,
                delimiter: m.name,
                strip_tabs: m.chomp,
                quoted: m.quoted,
                body: text[body_start..body_end].to_string(),
                body_range: range(body_start, body_end),
                fd: m.fd,
            });
        }
        out
    }

    fn make_flag(&self, text: &str, map: &SegMap, f: &RawFlag) -> Flag {
        let raw = &text[f.start..f.end];
        let body = f.word.strip_prefix("--").unwrap_or(&f.word);
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (body.to_string(), None),
        };
        let name_start = (f.start + 2).min(f.end);
        let eq = raw.find('=').map(|i| f.start + i);
        let name_end = eq.unwrap_or(f.end).max(name_start);
        let value_range = value.as_ref().map(|_| match eq {
            Some(e) => map.range(e + 1, f.end),
            None => map.range(f.end, f.end),
        });
        Flag {
            range: map.range(f.start, f.end),
            name,
            name_range: map.range(name_start, name_end),
            value,
            value_range,
        }
    }

    /// Builds an instruction from a logical line (continuations joined).
    /// `range` is set from the logical text; the caller widens it.
    fn build_instruction(&mut self, text: &str, map: &SegMap, depth: u32) -> Instruction {
        let lead = text.len() - text.trim_start().len();
        let end = text.trim_end().len().max(lead);
        let kw_end = text[lead..end]
            .char_indices()
            .find(|(_, c)| is_ascii_ws(*c))
            .map_or(end, |(i, _)| lead + i);
        let keyword = text[lead..kw_end].to_ascii_uppercase();
        let keyword_range = map.range(lead, kw_end);
        let (raw_flags, args_start) = lex::extract_flags(&text[..end], kw_end);
        let flags = raw_flags
            .iter()
            .map(|f| self.make_flag(text, map, f))
            .collect();
        let args_start = args_start.min(end);
        let args_text = &text[args_start..end];
        let args_map = map.sub(args_start);
        let shell = |t: &str| Args::Shell {
            text: t.to_string(),
            range: args_map.range(0, t.len()),
            map: args_map.to_offset_map(),
        };
        let args = if args_text.is_empty() {
            Args::Empty
        } else if JSON_CAPABLE.contains(&keyword.as_str()) {
            match lex::parse_json_array(args_text) {
                JsonArgs::Strings(v) => Args::Exec(
                    v.into_iter()
                        .map(|(s, a, b)| (s, args_map.range(a, b)))
                        .collect(),
                ),
                JsonArgs::NotStrings => {
                    self.error(
                        args_map.range(0, args_text.len()),
                        "JSON arguments must be an array of strings",
                    );
                    shell(args_text)
                }
                JsonArgs::NotJson => shell(args_text),
            }
        } else {
            shell(args_text)
        };
        let onbuild = if keyword == "ONBUILD" && !args_text.is_empty() && depth == 0 {
            Some(Box::new(self.build_instruction(
                args_text,
                &args_map,
                depth + 1,
            )))
        } else {
            None
        };
        Instruction {
            range: map.range(lead, end),
            keyword,
            keyword_range,
            flags,
            args,
            heredocs: Vec::new(),
            onbuild,
            stage: None,
            escape: self.escape,
        }
    }

    /// Assigns stages and runs the per-instruction checks.
    fn stages(&mut self) -> Vec<Stage> {
        let mut stages: Vec<Stage> = Vec::new();
        let has_from = self.instructions.iter().any(|i| i.keyword == "FROM");
        if !has_from && let Some(first) = self.instructions.first() {
            let r = first.range;
            self.errors.push(ParseError::fatal(
                self.file,
                r,
                "no FROM instruction: not a buildable Dockerfile",
            ));
        }
        let mut errors = Vec::new();
        let mut seen_names = std::collections::HashSet::new();
        for idx in 0..self.instructions.len() {
            let inst = &self.instructions[idx];
            if inst.keyword == "FROM" {
                if let Some(prev) = stages.last_mut() {
                    prev.instructions.end = idx;
                }
                let name = stage_name(inst, &mut errors, self.file);
                if let Some((n, r)) = &name
                    && !seen_names.insert(n.clone())
                {
                    errors.push(ParseError::new(
                        self.file,
                        *r,
                        format!("duplicate stage name {n:?}"),
                    ));
                }
                stages.push(Stage {
                    index: stages.len(),
                    name,
                    from: idx,
                    instructions: idx..idx + 1,
                });
            } else if stages.is_empty() && inst.keyword != "ARG" && has_from {
                // BuildKit: "no build stage in current context".
                errors.push(
                    ParseError::new(
                        self.file,
                        inst.keyword_range,
                        format!(
                            "{} before the first FROM: only ARG (and comments or parser directives) may come before FROM",
                            inst.keyword
                        ),
                    )
                    .for_rule(RULE_BEFORE_FROM),
                );
            }
            validate(inst, self.file, &mut errors);
            let stage = stages.len().checked_sub(1);
            self.instructions[idx].stage = stage;
        }
        if let Some(last) = stages.last_mut() {
            last.instructions.end = self.instructions.len();
        }
        self.errors.extend(errors);
        self.errors.sort_by_key(|e| e.range.start);
        stages
    }
}

fn can_contain_heredoc(inst: &Instruction) -> bool {
    let target = match &inst.onbuild {
        Some(t) if inst.keyword == "ONBUILD" => t.as_ref(),
        _ => inst,
    };
    HEREDOC_CAPABLE.contains(&target.keyword.as_str()) && !target.is_exec_form()
}

fn stage_name(
    inst: &Instruction,
    errors: &mut Vec<ParseError>,
    file: FileId,
) -> Option<(String, TextRange)> {
    let words = inst.words();
    match words.as_slice() {
        [_] => None,
        [_, (as_kw, _), (name, r)] if as_kw.eq_ignore_ascii_case("as") => {
            let lower = name.to_ascii_lowercase();
            let valid = lower.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && lower.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')
                });
            if !valid {
                errors.push(ParseError::new(
                    file,
                    *r,
                    format!("invalid name for build stage: {name:?}, name can't start with a number or contain symbols"),
                ));
            }
            Some((lower, *r))
        }
        _ => {
            errors.push(ParseError::new(
                file,
                inst.args_range(),
                "FROM requires either one or three arguments",
            ));
            None
        }
    }
}

/// The rule that reports an `ONBUILD ONBUILD`, `ONBUILD FROM` or
/// `ONBUILD MAINTAINER` (hadolint DL3043) instead of the syntax rule.
pub const RULE_ONBUILD_TRIGGER: &str = "DKF013";
/// The rule that reports an instruction other than `ARG` before the first
/// `FROM` (hadolint DL3061) instead of the syntax rule.
pub const RULE_BEFORE_FROM: &str = "DKF014";

/// The checks of BuildKit's `instructions` package that do not need
/// variable values.
fn validate(inst: &Instruction, file: FileId, errors: &mut Vec<ParseError>) {
    let kw = inst.keyword.as_str();
    let mut err = |r: TextRange, m: String| errors.push(ParseError::new(file, r, m));
    if !KNOWN.contains(&kw) {
        err(inst.keyword_range, format!("unknown instruction: {kw}"));
        return;
    }
    let words = inst.words();
    let args_range = inst.args_range();
    let needs_args = !matches!(kw, "RUN" | "CMD" | "ENTRYPOINT");
    if needs_args && words.is_empty() && inst.heredocs.is_empty() {
        err(inst.range, format!("{kw} requires at least one argument"));
        return;
    }
    match kw {
        "ENV" | "LABEL" => {
            if let Some((first, r)) = words.first() {
                if !first.contains('=') {
                    if words.len() < 2
                        && inst
                            .shell_text()
                            .is_some_and(|t| lex::split_ws_words(t).len() < 2)
                    {
                        err(*r, format!("{kw} must have two arguments"));
                    }
                } else {
                    for (w, r) in &words {
                        if !w.contains('=') {
                            err(
                                *r,
                                format!(
                                    "Syntax error - can't find = in {w:?}. Must be of the form: name=value"
                                ),
                            );
                        } else if w.starts_with('=') {
                            err(*r, format!("{kw} names can not be blank"));
                        }
                    }
                }
            }
        }
        "ARG" => {
            for (w, r) in &words {
                if w.starts_with('=') {
                    err(*r, "ARG names can not be blank".into());
                }
            }
        }
        "MAINTAINER" | "WORKDIR" | "USER" | "STOPSIGNAL" => {}
        "ADD" | "COPY" if words.len() < 2 => {
            err(
                args_range,
                format!(
                    "{kw} requires at least two arguments, but only one was provided. Destination could not be determined"
                ),
            );
        }
        "SHELL" if !inst.is_exec_form() => {
            err(
                args_range,
                "SHELL requires the arguments to be in JSON form".into(),
            );
        }
        "VOLUME" if words.iter().any(|(w, _)| w.trim().is_empty()) => {
            err(
                args_range,
                "VOLUME specified can not be an empty string".into(),
            );
        }
        "HEALTHCHECK" => {
            let (typ, r) = &words[0];
            match typ.to_ascii_uppercase().as_str() {
                "NONE" => {
                    if words.len() > 1 {
                        err(args_range, "HEALTHCHECK NONE takes no arguments".into());
                    }
                }
                "CMD" => {
                    if words.len() < 2 {
                        err(args_range, "Missing command after HEALTHCHECK CMD".into());
                    }
                }
                _ => err(*r, format!("Unknown type {typ:?} in HEALTHCHECK (try CMD)")),
            }
        }
        "ONBUILD" => {
            if let Some(t) = &inst.onbuild {
                let message = match t.keyword.as_str() {
                    "ONBUILD" => "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".to_string(),
                    "MAINTAINER" | "FROM" => {
                        format!("{} isn't allowed as an ONBUILD trigger", t.keyword)
                    }
                    _ => return validate(t, file, errors),
                };
                errors.push(
                    ParseError::new(file, t.keyword_range, message).for_rule(RULE_ONBUILD_TRIGGER),
                );
            }
        }
        _ => {}
    }
}
