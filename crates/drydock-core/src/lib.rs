//! drydock's core model: byte ranges and line indexes, origins, findings and
//! fixes, rule metadata, the typed specs that every source converts into, and
//! the configuration model. This crate does no I/O: parsers and the CLI hand
//! it text, and it hands back data.

pub mod audit;
pub mod config;
pub mod finding;
pub mod fs;
pub mod imageref;
pub mod origin;
pub mod package;
pub mod rule;
pub mod source;
pub mod spec;
pub mod text;
pub mod time;

pub use finding::{Applicability, Edit, Finding, Fix, Related, shown_secret_prefix};
pub use imageref::ImageRef;
pub use origin::{Origin, Sp};
pub use rule::{Category, FixAvailability, RuleMeta, Severity};
pub use source::{FileId, FileKind, ParseError, SourceFile, SourceMap};
pub use text::{LineCol, LineIndex, TextRange};
