//! A lossless Dockerfile parser following BuildKit's grammar
//! (`moby/buildkit` `frontend/dockerfile/parser` and `instructions`), with
//! byte spans for everything, and the conversion of each build stage into
//! drydock-core's [`ImageSpec`](drydock_core::spec::ImageSpec).
//!
//! [`parse`] never fails: problems become [`ParseError`]s (non-fatal except
//! when a non-empty file has no `FROM` at all) and parsing goes on.
//! [`image_specs`] turns the stages into specs, expanding `ARG`/`ENV`
//! references where BuildKit does.

mod expand;
pub mod history;
mod lex;
mod parser;
mod segmap;
mod spec;

use drydock_core::{FileId, ParseError, TextRange};

pub use history::HistoryDocument;
pub use spec::{SpecOptions, image_specs};

/// A parsed Dockerfile.
#[derive(Clone, Debug)]
pub struct Dockerfile {
    pub file: FileId,
    /// Parser directives at the top of the file (`# syntax=`, `# escape=`,
    /// `# check=`).
    pub directives: Vec<Directive>,
    /// The escape character: `\` or, with `# escape=``, a backtick.
    pub escape: char,
    pub instructions: Vec<Instruction>,
    /// Full-line comments (directives excluded), including those inside
    /// line continuations.
    pub comments: Vec<Comment>,
    pub stages: Vec<Stage>,
    pub errors: Vec<ParseError>,
}

/// A parser directive such as `# syntax=docker/dockerfile:1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// The whole line, from `#`.
    pub range: TextRange,
    /// Lower-case: `syntax`, `escape` or `check`.
    pub name: String,
    pub value: String,
    pub value_range: TextRange,
}

/// A full-line comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// From `#` to the end of the line (line terminator excluded).
    pub range: TextRange,
    /// The text after `#`, trimmed.
    pub text: String,
}

/// One instruction.
#[derive(Clone, Debug)]
pub struct Instruction {
    /// The whole instruction, including continuation lines and heredoc
    /// bodies (trailing whitespace of its last line excluded).
    pub range: TextRange,
    /// Upper-case, as BuildKit matches it case-insensitively.
    pub keyword: String,
    pub keyword_range: TextRange,
    pub flags: Vec<Flag>,
    pub args: Args,
    /// Heredocs introduced by this instruction, in order. For `ONBUILD`
    /// they belong to the trigger ([`Instruction::onbuild`]), not to the
    /// `ONBUILD` instruction itself.
    pub heredocs: Vec<Heredoc>,
    /// `ONBUILD`'s trigger, parsed as an instruction with its own spans.
    pub onbuild: Option<Box<Instruction>>,
    /// Index into [`Dockerfile::stages`] (`None` before the first `FROM`).
    pub stage: Option<usize>,
    /// The file's escape character (needed to split words).
    pub escape: char,
}

/// A `--name=value` or `--name` flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// The whole flag word, from `--`.
    pub range: TextRange,
    /// Without the leading `--`.
    pub name: String,
    pub name_range: TextRange,
    /// The value with quotes and backslash escapes removed (BuildKit's
    /// `extractBuilderFlags`), not variable-expanded.
    pub value: Option<String>,
    pub value_range: Option<TextRange>,
}

/// An instruction's arguments after its flags.
#[derive(Clone, Debug)]
pub enum Args {
    /// JSON array form, each element with the range of its JSON string
    /// literal (quotes included) in the file.
    Exec(Vec<(String, TextRange)>),
    /// Everything after the flags as one text with line continuations (and
    /// comment/blank lines inside continuations) removed. `range` is the
    /// file range from the first to the last character, and `map` maps
    /// text offsets to file offsets (for `drydock_shell`).
    Shell {
        text: String,
        range: TextRange,
        map: drydock_shell::OffsetMap,
    },
    Empty,
}

/// A heredoc (`<<EOF` … `EOF`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    /// From the `<<WORD` marker to the end of the terminator line (line
    /// terminator excluded; to the end of the file when unterminated).
    pub range: TextRange,
    pub marker_range: TextRange,
    pub delimiter: String,
    /// `<<-WORD`: leading tabs are stripped from body lines and terminator.
    pub strip_tabs: bool,
    /// The delimiter was quoted (`<<'EOF'`, `<<"EOF"`): no expansion.
    pub quoted: bool,
    /// The body exactly as in the file (every line with its terminator;
    /// tabs not stripped, see [`Heredoc::content`]).
    pub body: String,
    pub body_range: TextRange,
    /// A file descriptor written before `<<` (`3<<EOF`).
    pub fd: Option<u32>,
}

impl Heredoc {
    /// The content as BuildKit uses it: with `<<-`, leading tabs of every
    /// line removed.
    pub fn content(&self) -> String {
        if !self.strip_tabs {
            return self.body.clone();
        }
        self.body
            .split_inclusive('\n')
            .map(|l| l.trim_start_matches('\t'))
            .collect()
    }
}

/// A build stage: a `FROM` and the instructions up to the next one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    pub index: usize,
    /// The `AS` name, lower-cased (BuildKit matches names
    /// case-insensitively), with the range of the name as written.
    pub name: Option<(String, TextRange)>,
    /// Index of the `FROM` in [`Dockerfile::instructions`].
    pub from: usize,
    /// The stage's instructions (the `FROM` included).
    pub instructions: std::ops::Range<usize>,
}

/// Parses a Dockerfile. Never fails and never panics; see [`Dockerfile::errors`].
pub fn parse(text: &str, file: FileId) -> Dockerfile {
    parser::parse(text, file)
}

/// Expands `$V ${V} ${V:-d} ${V-d} ${V:+a} ${V+a} ${V:?e} ${V?e}` (and
/// `${V#p} ${V##p} ${V%p} ${V%%p} ${V/p/r} ${V//p/r}`) and removes quotes
/// and escapes the way BuildKit does, with the given lookup. Unknown
/// variables expand to `""`; malformed substitutions are expanded leniently
/// (BuildKit would reject them).
pub fn expand(s: &str, escape: char, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    expand::Lexer::new(s, escape, lookup, false).process_all()
}

/// Like [`expand`], but a reference to a variable the lookup does not know
/// is kept as written (`$PATH`, `${VERSION}`), as BuildKit's `SkipUnsetEnv`.
/// The specs use this so that values inherited from a base image stay
/// visible instead of silently becoming empty.
pub fn expand_keep_unset(s: &str, escape: char, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    expand::Lexer::new(s, escape, lookup, true).process_all()
}

/// File range of `text[start..end]` through `map`.
pub(crate) fn map_range(map: &drydock_shell::OffsetMap, start: usize, end: usize) -> TextRange {
    if end <= start {
        return TextRange::empty_at(map.map(start));
    }
    TextRange::new(map.map(start), map.map(end - 1).saturating_add(1))
}

impl Instruction {
    /// The arguments split into words the BuildKit way, with their file
    /// ranges: for `ENV`, `LABEL` and `ARG` BuildKit's quote-aware
    /// `parseWords` (quotes and escapes kept in the words); for every other
    /// instruction, whitespace-delimited words. Exec form gives its
    /// elements (decoded, with the ranges of their literals).
    pub fn words(&self) -> Vec<(String, TextRange)> {
        match &self.args {
            Args::Empty => Vec::new(),
            Args::Exec(v) => v.clone(),
            Args::Shell { text, map, .. } => self
                .word_spans()
                .into_iter()
                .map(|(s, e)| {
                    (
                        text.get(s..e).unwrap_or("").to_string(),
                        map_range(map, s, e),
                    )
                })
                .collect(),
        }
    }

    /// Word spans in the shell-form argument text.
    pub(crate) fn word_spans(&self) -> Vec<(usize, usize)> {
        match &self.args {
            Args::Shell { text, .. } => match self.keyword.as_str() {
                "ENV" | "LABEL" | "ARG" => lex::parse_words(text, self.escape),
                _ => lex::split_ws_words(text),
            },
            _ => Vec::new(),
        }
    }

    /// The first flag named `name` (without `--`).
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    /// All flags named `name` (`--mount` may be repeated).
    pub fn flags_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Flag> + 'a {
        self.flags.iter().filter(move |f| f.name == name)
    }

    /// The shell-form argument text, if any.
    pub fn shell_text(&self) -> Option<&str> {
        match &self.args {
            Args::Shell { text, .. } => Some(text),
            _ => None,
        }
    }

    pub fn is_exec_form(&self) -> bool {
        matches!(self.args, Args::Exec(_))
    }

    /// The file range of the arguments (empty at the end of the flags or
    /// keyword when there are none).
    pub fn args_range(&self) -> TextRange {
        match &self.args {
            Args::Shell { range, .. } => *range,
            Args::Exec(v) => match (v.first(), v.last()) {
                (Some(a), Some(b)) => a.1.cover(b.1),
                _ => TextRange::empty_at(self.keyword_range.end),
            },
            Args::Empty => {
                let end = self
                    .flags
                    .last()
                    .map_or(self.keyword_range.end, |f| f.range.end);
                TextRange::empty_at(end)
            }
        }
    }
}

impl Dockerfile {
    /// The stage named `name` (case-insensitive) or with that index.
    pub fn stage_by_name_or_index(&self, name: &str) -> Option<&Stage> {
        let lower = name.to_ascii_lowercase();
        self.stages
            .iter()
            .find(|s| s.name.as_ref().is_some_and(|(n, _)| *n == lower))
            .or_else(|| name.parse::<usize>().ok().and_then(|i| self.stages.get(i)))
    }

    /// The instructions of a stage.
    pub fn stage_instructions(&self, stage: &Stage) -> &[Instruction] {
        self.instructions
            .get(stage.instructions.clone())
            .unwrap_or(&[])
    }

    /// The value of a parser directive (`syntax`, `escape`, `check`).
    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
    }
}

#[cfg(test)]
mod tests;
