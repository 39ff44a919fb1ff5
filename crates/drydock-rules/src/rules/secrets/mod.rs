//! Rules about secret values written into images and containers (`SEC`).
//! The patterns are data (`patterns.toml`), run by [`scanner`].

pub mod container_environment;
pub mod image_config;
pub mod image_file;
pub(crate) mod scanner;

use drydock_core::{Origin, Sp, TextRange};

use crate::rule::Checker;
use scanner::{Hit, SCANNER, display};

/// A secret found in a value or an instruction.
pub(crate) struct Found {
    /// What the pattern says the secret is (`GitHub token`).
    pub description: &'static str,
    /// The value around the secret, the secret masked.
    pub shown: String,
    /// Where the secret is written (the secret itself when it can be
    /// located in the source text, else the value).
    pub origin: Origin,
}

impl Found {
    /// `a secret (GitHub token: `ghp_…`)`.
    pub fn what(&self) -> String {
        format!("a secret ({}: `{}`)", self.description, self.shown)
    }
}

/// The origin of `range` of the source text of `origin`.
fn narrow(origin: &Origin, range: &std::ops::Range<usize>) -> Origin {
    match origin.file_range() {
        Some((file, r)) => Origin::file(
            file,
            TextRange::from_usize(r.start as usize + range.start, r.start as usize + range.end),
        ),
        None => origin.clone(),
    }
}

fn to_found(hits: &[Hit], text: &str, floor: usize, locate: impl Fn(&Hit) -> Origin) -> Vec<Found> {
    hits.iter()
        .enumerate()
        .filter(|(_, h)| h.range.start >= floor)
        .filter_map(|(i, h)| {
            let p = SCANNER.pattern(h)?;
            Some(Found {
                description: p.description.as_str(),
                shown: display(text, hits, i, floor),
                origin: locate(h),
            })
        })
        .collect()
}

/// The secrets in the value of `key=value` (an `ENV`, `ARG`, label,
/// environment entry, build argument). The key gives context: a high-entropy
/// value of a secret-looking name is a secret. Where the value was
/// interpolated or expanded (its source text has a `$`), the source text is
/// scanned instead: a secret that came from elsewhere is reported there.
pub(crate) fn scan_value(cx: &Checker<'_>, key: &str, value: &Sp<String>) -> Vec<Found> {
    let source = cx.text_of(&value.origin);
    // The value as written: without quotes, and without the `KEY=` of a
    // list-form entry (`- KEY=value`), whose origin covers the whole item.
    let (unquoted, q) = strip_quotes(source);
    let (written, off) = match unquoted.strip_prefix(key).and_then(|r| r.strip_prefix('=')) {
        Some(rest) => (rest, q + unquoted.len() - rest.len()),
        None => (unquoted, q),
    };
    let (text, offset_in_source) = if written.contains('$') {
        (written, Some(off))
    } else {
        (
            value.value.as_str(),
            (!source.is_empty() && written == value.value).then_some(off),
        )
    };
    if text.len() < 8 {
        return Vec::new();
    }
    let joined = format!("{key}={text}");
    let floor = key.len() + 1;
    let hits = SCANNER.scan(&joined);
    if hits.is_empty() {
        return Vec::new();
    }
    to_found(&hits, &joined, floor, |h| match offset_in_source {
        Some(off) => narrow(
            &value.origin,
            &(off + h.range.start - floor..off + h.range.end - floor),
        ),
        None => value.origin.clone(),
    })
}

/// The secrets in the source text of `origin` (a whole instruction: `RUN`
/// with its heredocs, `COPY`, `CMD`, …), each located at the secret.
pub(crate) fn scan_source(cx: &Checker<'_>, origin: &Origin) -> Vec<Found> {
    let source = cx.text_of(origin);
    let hits = SCANNER.scan(source);
    if hits.is_empty() {
        return Vec::new();
    }
    to_found(&hits, source, 0, |h| narrow(origin, &h.range))
}

/// `text` without one pair of surrounding quotes, and the offset of the
/// result in `text`.
fn strip_quotes(text: &str) -> (&str, usize) {
    for q in ['"', '\''] {
        if text.len() >= 2 && text.starts_with(q) && text.ends_with(q) {
            return (&text[1..text.len() - 1], 1);
        }
    }
    (text, 0)
}
