//! Findings and fixes.

use crate::origin::Origin;
use crate::rule::{RuleMeta, Severity};
use crate::source::FileId;
use crate::text::TextRange;

/// One byte-range replacement in one file: an insertion when the range is
/// empty, a deletion when `content` is empty.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edit {
    pub file: FileId,
    pub range: TextRange,
    pub content: String,
}

impl Edit {
    pub fn replace(file: FileId, range: TextRange, content: impl Into<String>) -> Self {
        Edit {
            file,
            range,
            content: content.into(),
        }
    }

    pub fn insert(file: FileId, offset: u32, content: impl Into<String>) -> Self {
        Edit {
            file,
            range: TextRange::empty_at(offset),
            content: content.into(),
        }
    }

    pub fn delete(file: FileId, range: TextRange) -> Self {
        Edit {
            file,
            range,
            content: String::new(),
        }
    }
}

/// How safe a fix is to apply without review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// May change behaviour; needs `--unsafe-fixes`.
    Unsafe,
    /// Applied by `--fix`.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// A set of edits that together remove the problem a finding reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, imperative ("Add `--no-install-recommends`").
    pub title: String,
    pub applicability: Applicability,
    /// Sorted by file and start; never overlapping.
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn new(
        title: impl Into<String>,
        applicability: Applicability,
        mut edits: Vec<Edit>,
    ) -> Self {
        edits.sort();
        Fix {
            title: title.into(),
            applicability,
            edits,
        }
    }

    pub fn safe(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Self::new(title, Applicability::Safe, edits)
    }

    pub fn unsafe_(title: impl Into<String>, edits: Vec<Edit>) -> Self {
        Self::new(title, Applicability::Unsafe, edits)
    }
}

/// A secondary location attached to a finding ("the Dockerfile's USER is
/// here").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub origin: Origin,
    pub message: String,
}

/// How many leading characters of a secret of `chars` characters may be
/// shown: a quarter of it, at most four, so a short password keeps most of
/// itself hidden. Messages and source snippets both follow this, so they
/// never show more of a secret than each other.
pub fn shown_secret_prefix(chars: usize) -> usize {
    (chars / 4).min(4)
}

/// A rule's verdict on one place.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    /// The rule's severity, or the configured override.
    pub severity: Severity,
    pub message: String,
    /// Where the problem is. For an absent setting, the enclosing object
    /// (the stage's `FROM`, the service's key, the file).
    pub origin: Origin,
    pub related: Vec<Related>,
    pub fix: Option<Fix>,
    /// A range of the finding's own file (its origin's file) that holds a
    /// secret: renderers never show it in full, not even in source
    /// snippets of other findings.
    pub redact: Option<TextRange>,
}

impl Finding {
    pub fn new(rule: &'static RuleMeta, origin: Origin, message: impl Into<String>) -> Self {
        Finding {
            rule,
            severity: rule.severity,
            message: message.into(),
            origin,
            related: Vec::new(),
            fix: None,
            redact: None,
        }
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn with_related(mut self, origin: Origin, message: impl Into<String>) -> Self {
        self.related.push(Related {
            origin,
            message: message.into(),
        });
        self
    }

    /// Attaches a fix (builder style on a `&mut` from a rule checker).
    pub fn set_fix(&mut self, fix: Fix) -> &mut Self {
        self.fix = Some(fix);
        self
    }

    /// Adds a secondary location.
    pub fn add_related(&mut self, origin: Origin, message: impl Into<String>) -> &mut Self {
        self.related.push(Related {
            origin,
            message: message.into(),
        });
        self
    }
}
