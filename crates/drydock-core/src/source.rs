//! Source files, the per-scan table that names them, and parse errors.

use std::sync::{Arc, OnceLock};

use crate::text::{LineCol, LineIndex, TextRange};

/// Index of a file in a [`SourceMap`]. Origins store it instead of a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// What a file is, as far as drydock is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Dockerfile,
    Compose,
    DaemonJson,
    /// A shell script (`*.sh`, a shell shebang): its `docker run` lines.
    Script,
    /// A Makefile: the `docker run` lines of its recipes.
    Makefile,
    /// A GitHub Actions workflow: the `docker run` lines of `run:` steps.
    GithubWorkflow,
    /// A GitLab CI file: the `docker run` lines of its `script:` entries.
    GitlabCi,
    /// Markdown: the `docker run` lines of shell code blocks.
    Markdown,
    /// A file read on behalf of another (an `env_file`, a `.env`, an
    /// included Compose file read as text only).
    Other,
}

impl FileKind {
    /// Files scanned for the `docker run` / `docker create` lines they hold.
    pub fn holds_run_lines(self) -> bool {
        matches!(
            self,
            FileKind::Script
                | FileKind::Makefile
                | FileKind::GithubWorkflow
                | FileKind::GitlabCi
                | FileKind::Markdown
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Dockerfile => "dockerfile",
            FileKind::Compose => "compose",
            FileKind::DaemonJson => "daemon-json",
            FileKind::Script => "script",
            FileKind::Makefile => "makefile",
            FileKind::GithubWorkflow => "github-workflow",
            FileKind::GitlabCi => "gitlab-ci",
            FileKind::Markdown => "markdown",
            FileKind::Other => "other",
        }
    }
}

/// One file's text, with its display path and a lazily built line index.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user should see it (relative to where they asked, or
    /// `-` for standard input).
    pub path: String,
    pub kind: FileKind,
    pub text: Arc<str>,
    index: OnceLock<LineIndex>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, kind: FileKind, text: impl Into<Arc<str>>) -> Self {
        SourceFile {
            path: path.into(),
            kind,
            text: text.into(),
            index: OnceLock::new(),
        }
    }

    pub fn line_index(&self) -> &LineIndex {
        self.index.get_or_init(|| LineIndex::new(&self.text))
    }

    pub fn line_col(&self, offset: u32) -> LineCol {
        self.line_index().line_col(offset, &self.text)
    }

    pub fn slice(&self, range: TextRange) -> &str {
        range.slice(&self.text)
    }
}

/// The files one scan unit touches. A Compose file with `extends` or
/// `include` adds the files it pulls in; origins then name them by id.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<Arc<SourceFile>>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.add_arc(Arc::new(file))
    }

    pub fn add_arc(&mut self, file: Arc<SourceFile>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(file);
        id
    }

    pub fn get(&self, id: FileId) -> Option<&Arc<SourceFile>> {
        self.files.get(id.0 as usize)
    }

    /// The id of an already added file with this path.
    pub fn find(&self, path: &str) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .and_then(|i| u32::try_from(i).ok())
            .map(FileId)
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &Arc<SourceFile>)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// A problem found while reading a file: a syntax error, an unknown key, a
/// value of the wrong type. Parsers collect these and go on where they can;
/// the rule engine turns them into findings of the file type's syntax rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub file: FileId,
    pub range: TextRange,
    pub message: String,
    /// `true` when the file could not be understood at all (no spec came out
    /// of it); `false` for a recoverable problem.
    pub fatal: bool,
    /// The ID of the rule that reports this error when a dedicated rule
    /// names it (`DKF013` for a bad `ONBUILD` trigger); `None` for the file
    /// type's syntax rule. Either way it counts as a syntax error.
    pub rule: Option<&'static str>,
}

impl ParseError {
    pub fn new(file: FileId, range: TextRange, message: impl Into<String>) -> Self {
        ParseError {
            file,
            range,
            message: message.into(),
            fatal: false,
            rule: None,
        }
    }

    pub fn fatal(file: FileId, range: TextRange, message: impl Into<String>) -> Self {
        ParseError {
            file,
            range,
            message: message.into(),
            fatal: true,
            rule: None,
        }
    }

    /// The same error, reported by the rule `id` instead of the syntax rule.
    pub fn for_rule(mut self, id: &'static str) -> Self {
        self.rule = Some(id);
        self
    }
}
