//! The one door through which parsers may read other files (Compose
//! `extends`, `include`, `env_file`, `.env`). The CLI implements it over the
//! real filesystem with size limits; tests implement it over a map.

use std::path::{Path, PathBuf};

/// Errors reading a file through [`FileSystem`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsError {
    NotFound,
    TooLarge { size: u64, limit: u64 },
    NotUtf8,
    Other(String),
}

impl std::fmt::Display for FsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FsError::NotFound => f.write_str("no such file"),
            FsError::TooLarge { size, limit } => {
                write!(f, "file is {size} bytes, over the {limit}-byte limit")
            }
            FsError::NotUtf8 => f.write_str("file is not valid UTF-8"),
            FsError::Other(m) => f.write_str(m),
        }
    }
}

pub trait FileSystem: Sync {
    fn read_to_string(&self, path: &Path) -> Result<String, FsError>;

    fn exists(&self, path: &Path) -> bool {
        self.read_to_string(path).is_ok()
    }

    /// Canonical form of a path, used to detect `extends`/`include` cycles.
    fn canonicalize(&self, path: &Path) -> PathBuf {
        path.to_path_buf()
    }
}

/// An in-memory filesystem for tests and for stdin input.
#[derive(Debug, Default, Clone)]
pub struct MemoryFs {
    pub files: std::collections::BTreeMap<PathBuf, String>,
}

impl MemoryFs {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        self.files.insert(path.into(), text.into());
        self
    }
}

impl FileSystem for MemoryFs {
    fn read_to_string(&self, path: &Path) -> Result<String, FsError> {
        self.files.get(path).cloned().ok_or(FsError::NotFound)
    }
}

/// A filesystem with nothing in it (for inputs that must not read others).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoFs;

impl FileSystem for NoFs {
    fn read_to_string(&self, _path: &Path) -> Result<String, FsError> {
        Err(FsError::NotFound)
    }
}
