//! `docker run` and `docker create` command lines as a source of
//! [`ContainerSpec`](drydock_core::spec::ContainerSpec)s, so that the same
//! container rules that judge a Compose service judge them; and `docker
//! exec` lines as [`ExecSpec`](drydock_core::spec::ExecSpec)s, judged by
//! the exec rules that also judge exec requests and live exec instances
//! (see [`exec`]).
//!
//! [`extract`] finds the lines in
//!
//! - shell scripts (parsed with `drydock-shell`: `sudo docker run`,
//!   `exec docker run`, `docker container run`, `podman run`, commands in
//!   `$(…)` and in `sh -c '…'` strings);
//! - Makefile recipes (tab-indented lines with `\` continuations; the `@`,
//!   `-`, `+` prefixes are dropped, `$$` is the shell's `$`, and make
//!   variables such as `$(IMAGE)` stay unknown);
//! - GitHub Actions workflows (`jobs.*.steps[*].run`) and GitLab CI files
//!   (`script`, `before_script`, `after_script`, string or list);
//! - Markdown fenced code blocks tagged `sh`, `bash`, `shell`, `zsh` or
//!   `console` (prompts `$ `/`# ` are stripped; output lines of console
//!   blocks are skipped).
//!
//! Every origin points at the exact bytes of the file: text handed to the
//! shell parser (a block scalar without its indentation, a recipe without
//! its tab) carries an [`OffsetMap`] back to the file. Where the shell
//! parser gives up (an unbalanced quote), a line-based reader takes the
//! `docker` lines it missed and marks unreadable words unknown.
//!
//! [`argv::parse_invocation`] turns the words into a spec; see its module
//! for how unknown words are handled.

pub mod argv;
pub mod exec;
mod fallback;
mod sources;

pub use argv::{ArgWord, RunLine, is_docker_program, parse_invocation};
use drydock_core::spec::Word;
use drydock_core::{FileId, FileKind, ParseError, TextRange};
use drydock_shell::OffsetMap;
pub use exec::{ExecLine, parse_exec_invocation};

/// Where run lines are looked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    Script,
    Makefile,
    GithubWorkflow,
    GitlabCi,
    Markdown,
}

impl SourceKind {
    pub fn from_file_kind(kind: FileKind) -> Option<SourceKind> {
        Some(match kind {
            FileKind::Script => SourceKind::Script,
            FileKind::Makefile => SourceKind::Makefile,
            FileKind::GithubWorkflow => SourceKind::GithubWorkflow,
            FileKind::GitlabCi => SourceKind::GitlabCi,
            FileKind::Markdown => SourceKind::Markdown,
            _ => return None,
        })
    }
}

/// What a file yielded.
#[derive(Debug, Default)]
pub struct Extracted {
    /// `docker run`/`docker create` lines, in source order.
    pub lines: Vec<RunLine>,
    /// `docker exec` lines, in source order.
    pub execs: Vec<ExecLine>,
    /// Text that could not be read (invalid YAML, shell the parser could
    /// not follow). The lines found are still listed.
    pub errors: Vec<ParseError>,
}

/// Shell text handed to the parser, with where its bytes are in the file.
#[derive(Debug, Default)]
pub(crate) struct ShellText {
    pub text: String,
    /// `(text_offset, file_offset)` pairs, see [`OffsetMap::from_segments`].
    pub segments: Vec<(u32, u32)>,
    /// The text is not a verbatim copy of the file (an escaped YAML
    /// string): every origin is this range.
    pub fixed: Option<TextRange>,
    /// Report shell syntax errors (scripts only: snippets in other files
    /// hold template syntax and placeholders).
    pub report_errors: bool,
}

fn to_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

impl ShellText {
    /// Appends file bytes `file_text[at..at + piece.len()]` (== `piece`).
    pub fn push_verbatim(&mut self, piece: &str, at: usize) {
        if piece.is_empty() {
            return;
        }
        self.segments.push((to_u32(self.text.len()), to_u32(at)));
        self.text.push_str(piece);
    }

    /// Appends bytes that are not in the file (a separator).
    pub fn push_synthetic(&mut self, s: &str) {
        self.text.push_str(s);
    }
}

/// Finds the `docker run` / `docker create` and `docker exec` lines of a
/// file.
pub fn extract(text: &str, file: FileId, kind: SourceKind) -> Extracted {
    let mut out = Extracted::default();
    let texts = match kind {
        SourceKind::Script => vec![ShellText {
            text: text.to_string(),
            segments: vec![(0, 0)],
            fixed: None,
            report_errors: true,
        }],
        SourceKind::Makefile => vec![sources::makefile(text)],
        SourceKind::Markdown => sources::markdown(text),
        SourceKind::GithubWorkflow | SourceKind::GitlabCi => {
            sources::ci_yaml(text, file, kind, &mut out.errors)
        }
    };
    for st in &texts {
        scan_shell(st, text, file, &mut out);
    }
    out.lines
        .sort_by_key(|l| l.origin.range().map_or(0, |r| r.start));
    out.execs
        .sort_by_key(|l| l.origin.range().map_or(0, |r| r.start));
    out
}

/// Where a word's static value sits verbatim in the file.
pub(crate) fn verbatim_start(file_text: &str, range: TextRange, value: &str) -> Option<u32> {
    let raw = file_text.get(range.start as usize..range.end as usize)?;
    if raw == value {
        return Some(range.start);
    }
    for q in ["'", "\""] {
        if raw.strip_prefix(q).and_then(|r| r.strip_suffix(q)) == Some(value) {
            return Some(range.start + 1);
        }
    }
    None
}

fn arg_word(w: &Word, file_text: &str, fixed: Option<TextRange>) -> ArgWord {
    let range = fixed.unwrap_or_else(|| w.origin.range().unwrap_or_default());
    let verbatim = if fixed.is_some() {
        None
    } else {
        verbatim_start(file_text, range, &w.text)
    };
    ArgWord {
        text: w.text.clone(),
        literal: w.literal,
        range,
        verbatim,
    }
}

fn scan_shell(st: &ShellText, file_text: &str, file: FileId, out: &mut Extracted) {
    if st.text.trim().is_empty() || !st.text.contains("docker") && !st.text.contains("podman") {
        return;
    }
    let map = OffsetMap::from_segments(st.segments.clone());
    let script = drydock_shell::parse_script(&st.text, file, &map);
    let mut covered = Vec::new();
    for c in &script.commands {
        if !c.name.literal || !is_docker_program(&c.name.text) {
            continue;
        }
        let program = arg_word(&c.name, file_text, st.fixed);
        let args: Vec<ArgWord> = c
            .args
            .iter()
            .map(|a| arg_word(a, file_text, st.fixed))
            .collect();
        let assigns: Vec<ArgWord> = c
            .assignments
            .iter()
            .map(|a| arg_word(a, file_text, st.fixed))
            .collect();
        if let Some(line) = parse_invocation(file, &program, &args, &assigns) {
            covered.push(program.range);
            out.lines.push(line);
        } else if let Some(exec) = parse_exec_invocation(file, &program, &args, &assigns) {
            covered.push(program.range);
            out.execs.push(exec);
        }
    }
    if script.has_errors {
        let (found, execs) = fallback::scan(st, &map, file_text, file, &covered);
        out.execs.extend(execs);
        if st.report_errors {
            let at = fallback::first_unbalanced_quote(&st.text)
                .map(|o| map.map_range(o, o + 1))
                .unwrap_or(TextRange::EMPTY);
            out.errors.push(ParseError::new(
                file,
                at,
                "the shell parser could not read all of this script; its `docker run` lines were read word by word, and the unreadable words are treated as unknown",
            ));
        }
        out.lines.extend(found);
    }
}
