//! Where a value came from. Every field of a spec carries one, so that a
//! finding can point at the place that decides, whatever the source.

use std::fmt;

use crate::source::FileId;
use crate::text::TextRange;

/// The origin of a value.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub enum Origin {
    /// Written in a file, at this byte range.
    File { file: FileId, range: TextRange },
    /// A field of an Engine API object or request, as a dotted path such as
    /// `HostConfig.Privileged`.
    Api(String),
    /// Not written anywhere: an implicit default. Findings about absent
    /// settings are reported at the origin of the enclosing object instead.
    #[default]
    Implicit,
}

impl Origin {
    pub fn file(file: FileId, range: TextRange) -> Self {
        Origin::File { file, range }
    }

    pub fn api(path: impl Into<String>) -> Self {
        Origin::Api(path.into())
    }

    pub fn file_range(&self) -> Option<(FileId, TextRange)> {
        match self {
            Origin::File { file, range } => Some((*file, *range)),
            _ => None,
        }
    }

    pub fn range(&self) -> Option<TextRange> {
        self.file_range().map(|(_, r)| r)
    }

    pub fn is_file(&self) -> bool {
        matches!(self, Origin::File { .. })
    }

    /// The first origin that is not implicit.
    pub fn or(self, other: Origin) -> Origin {
        if matches!(self, Origin::Implicit) {
            other
        } else {
            self
        }
    }
}

impl fmt::Debug for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { file, range } => write!(f, "file#{}@{:?}", file.0, range),
            Origin::Api(p) => write!(f, "api:{p}"),
            Origin::Implicit => f.write_str("implicit"),
        }
    }
}

/// A value together with its origin ("spanned").
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Sp<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Sp<T> {
    pub fn new(value: T, origin: Origin) -> Self {
        Sp { value, origin }
    }

    pub fn implicit(value: T) -> Self {
        Sp {
            value,
            origin: Origin::Implicit,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Sp<U> {
        Sp {
            value: f(self.value),
            origin: self.origin,
        }
    }

    pub fn as_ref(&self) -> Sp<&T> {
        Sp {
            value: &self.value,
            origin: self.origin.clone(),
        }
    }
}

impl<T> std::ops::Deref for Sp<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Sp<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} @ {:?}", self.value, self.origin)
    }
}
