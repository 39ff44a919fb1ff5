//! Alpine (and Wolfi/Chainguard) apk versions, ordered as apk-tools does.
//!
//! Our own implementation of apk-tools' tokenizer and comparison (the
//! algorithm of `src/version.c` on apk-tools master, which answers every
//! line of the 2.14-stable test data too). A version is
//!
//! ```text
//! digits{.digits}...{letter}{_suffix{digits}}...{~hash}{-r digits}
//! ```
//!
//! * number components: the first compares numerically; a later one
//!   compares numerically unless either side has a leading zero, then as a
//!   string (`1.01 < 1.1`, `8.2.0 < 8.2.001`); numbers never overflow here;
//! * one lower-case `letter` after the numbers (`1.2a < 1.2b`);
//! * suffixes, ordered `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn <
//!   _git < _hg < _p`, each with an optional number;
//! * `~hash`: lower-case hex digits, compared as a string;
//! * `-rN`: the package release, numeric.
//!
//! When one version runs out of tokens first, the longer one is newer
//! unless its next token is a pre-release suffix (`1.2_rc1 < 1.2`).
//!
//! # Validity
//!
//! [`compare`] returns `Err` for a version outside the grammar above
//! (`1.0bc`, `1_foo`, `1-r`, `a`, `""`…), with one extension from apk 2.x
//! (the apk of Alpine 3.x images): digits right after the letter are a
//! further number component (`6.0.2p1-r0`, real versions in Alpine's secdb,
//! ordered as apk 2.x orders them). [`validate`] is that check;
//! [`validate_v3`] is apk v3's `apk_version_validate` exactly, which rejects
//! `0.1a1`.
//!
//! [`compare_lenient`] orders any two strings: apk's order when both are
//! valid, otherwise a best-effort order matching osv-scalibr's vectors (apk
//! 2.x and 3.x disagree with each other on invalid versions). [`fuzzy_match`]
//! and [`matches`] give apk's dependency operators, fuzzy `~` included.

use std::cmp::Ordering;

use crate::num::cmp_digits;

/// apk's token types, in apk's order (the order matters: it bounds which
/// token may follow which, and decides who wins when one side runs out).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Tok {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
    Invalid,
}

/// Suffix weights; `NONE` is the pivot between pre- and post-release.
const SUFFIX_NONE: u8 = 5;

fn suffix_value(s: &[u8]) -> Option<u8> {
    Some(match s {
        b"alpha" => 1,
        b"beta" => 2,
        b"pre" => 3,
        b"rc" => 4,
        b"cvs" => 6,
        b"svn" => 7,
        b"git" => 8,
        b"hg" => 9,
        b"p" => 10,
        _ => return None,
    })
}

/// The tokenizer state: the current token and the rest of the input.
struct Tokens<'a> {
    tok: Tok,
    suffix: u8,
    value: &'a [u8],
    rest: &'a [u8],
    /// Bytes left when the current token started (for error messages).
    left_at_start: usize,
    /// apk 2.x also takes digits right after the letter (`6.0.2p1`).
    letter_digits: bool,
}

impl<'a> Tokens<'a> {
    /// apk's `token_first`: the version starts with digits.
    fn first(s: &'a str, letter_digits: bool) -> Tokens<'a> {
        let mut t = Tokens {
            letter_digits,
            tok: Tok::InitialDigit,
            suffix: 0,
            value: b"",
            rest: s.as_bytes(),
            left_at_start: s.len(),
        };
        t.digits();
        t
    }

    /// Takes the leading run of bytes matching `pred` as the token value.
    fn span(&mut self, pred: impl Fn(u8) -> bool) {
        let n = self.rest.iter().take_while(|c| pred(**c)).count();
        let (value, rest) = self.rest.split_at(n);
        self.value = value;
        self.rest = rest;
    }

    fn digits(&mut self) {
        self.span(|c| c.is_ascii_digit());
        if self.value.is_empty() {
            self.tok = Tok::Invalid;
        }
    }

    fn skip(&mut self, n: usize) {
        self.rest = self.rest.get(n..).unwrap_or_default();
    }

    /// apk's `token_next`.
    fn next(&mut self) {
        let Some(&c) = self.rest.first() else {
            self.tok = Tok::End;
            return;
        };
        let t = self.tok;
        self.left_at_start = self.rest.len();
        self.tok = match c {
            b'a'..=b'z' if t <= Tok::Digit => {
                self.value = &self.rest[..1];
                self.skip(1);
                Tok::Letter
            }
            b'.' | b'0'..=b'9'
                if t <= Tok::Digit
                    || (c != b'.' && t == Tok::Suffix)
                    || (c != b'.' && t == Tok::Letter && self.letter_digits) =>
            {
                if c == b'.' {
                    self.skip(1);
                }
                self.tok = if t == Tok::Suffix {
                    Tok::SuffixNo
                } else {
                    Tok::Digit
                };
                self.digits();
                return;
            }
            b'_' if t <= Tok::SuffixNo => {
                self.skip(1);
                self.span(|c| c.is_ascii_lowercase());
                match suffix_value(self.value) {
                    Some(s) => {
                        self.suffix = s;
                        Tok::Suffix
                    }
                    None => Tok::Invalid,
                }
            }
            b'~' if t < Tok::CommitHash => {
                self.skip(1);
                self.span(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
                if self.value.is_empty() {
                    Tok::Invalid
                } else {
                    Tok::CommitHash
                }
            }
            b'-' if t < Tok::RevisionNo && self.rest.get(1) == Some(&b'r') => {
                self.skip(2);
                self.tok = Tok::RevisionNo;
                self.digits();
                return;
            }
            _ => Tok::Invalid,
        };
    }
}

/// apk's `token_cmp` for two tokens of the same type.
fn token_cmp(a: &Tokens<'_>, b: &Tokens<'_>) -> Ordering {
    match a.tok {
        Tok::Digit if a.value.first() == Some(&b'0') || b.value.first() == Some(&b'0') => {
            a.value.cmp(b.value)
        }
        Tok::InitialDigit | Tok::Digit | Tok::SuffixNo | Tok::RevisionNo => {
            cmp_digits(a.value, b.value)
        }
        Tok::Letter => a.value.cmp(b.value),
        Tok::Suffix => a.suffix.cmp(&b.suffix),
        Tok::CommitHash | Tok::End | Tok::Invalid => a.value.cmp(b.value),
    }
}

/// apk's `apk_version_compare_fuzzy`: `fuzzy` makes `a` equal to `b` when
/// `b` is a prefix of `a` by tokens (`3.6.9 ~ 3.6`).
fn compare_tokens(a: &str, b: &str, fuzzy: bool) -> Ordering {
    let (mut ta, mut tb) = (Tokens::first(a, true), Tokens::first(b, true));
    while ta.tok == tb.tok && ta.tok < Tok::End {
        match token_cmp(&ta, &tb) {
            Ordering::Equal => {}
            other => return other,
        }
        ta.next();
        tb.next();
    }
    if ta.tok == tb.tok || (fuzzy && tb.tok == Tok::End) {
        return Ordering::Equal;
    }
    // Equal so far: the longer one is newer unless it goes on with a
    // pre-release suffix. (An invalid tail is "longest", hence older.)
    if ta.tok == Tok::Suffix && ta.suffix < SUFFIX_NONE {
        return Ordering::Less;
    }
    if tb.tok == Tok::Suffix && tb.suffix < SUFFIX_NONE {
        return Ordering::Greater;
    }
    tb.tok.cmp(&ta.tok)
}

/// Runs the tokenizer to its end; `Err` says where the version leaves the
/// grammar.
fn check(v: &str, letter_digits: bool) -> Result<(), String> {
    let mut t = Tokens::first(v, letter_digits);
    while t.tok < Tok::End {
        t.next();
    }
    if t.tok == Tok::End {
        return Ok(());
    }
    let at = v.len() - t.left_at_start;
    Err(match v.get(at..) {
        _ if v.is_empty() => "\"\": version is empty".to_string(),
        Some(tail) if !tail.is_empty() => format!("{v:?}: invalid apk version at {tail:?}"),
        _ => format!("{v:?}: invalid apk version"),
    })
}

/// Whether [`compare`] accepts `v`: apk v3's grammar plus apk 2.x's digits
/// after the letter (`6.0.2p1-r0`, which Alpine's secdb holds).
pub fn validate(v: &str) -> Result<(), String> {
    check(v, true)
}

/// apk v3's `apk_version_validate` exactly (rejects `0.1a1`).
pub fn validate_v3(v: &str) -> Result<(), String> {
    check(v, false)
}

/// An order for any two strings, valid or not. Valid versions compare as
/// in [`compare`]. When either is invalid, apk 2.x and 3.x disagree with each
/// other, so there is no one right answer; this then orders the way
/// osv-scalibr's comparator does (the reference of its Alpine vectors):
/// the leading numbers, letter, `_suffix` run and `-rN` that can be read,
/// then the version with nothing left over is newer; two versions that are
/// both unreadable (junk after what could be read, not `-r…`) compare as
/// strings. Not a total order across valid and invalid
/// versions: use it to report, never to match.
pub fn compare_lenient(a: &str, b: &str) -> Ordering {
    if validate(a).is_ok() && validate(b).is_ok() {
        compare_tokens(a, b, false)
    } else {
        Loose::parse(a).cmp_loose(&Loose::parse(b))
    }
}

/// The loose reading of a possibly invalid version (see [`compare_lenient`]).
struct Loose<'a> {
    original: &'a str,
    invalid: bool,
    /// Number components (an empty one after a trailing dot counts as 0).
    numbers: Vec<&'a [u8]>,
    letter: Option<u8>,
    /// (weight, number) with the no-suffix weight 4 as the pivot.
    suffixes: Vec<(u8, &'a [u8])>,
    revision: &'a [u8],
    leftover: bool,
}

impl<'a> Loose<'a> {
    fn parse(original: &'a str) -> Loose<'a> {
        let mut s = original.as_bytes();
        let digits = |s: &'a [u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
        let mut numbers = Vec::new();
        // `((\d+)\.?)*`: digit runs, each optionally followed by a dot.
        loop {
            let n = digits(s);
            if n == 0 {
                break;
            }
            numbers.push(&s[..n]);
            s = &s[n..];
            match s.strip_prefix(b".") {
                Some(rest) => s = rest,
                None => break,
            }
            if digits(s) == 0 {
                // A trailing dot: an empty (zero) component.
                numbers.push(&s[..0]);
                break;
            }
        }
        let letter = match s.first() {
            Some(c @ b'a'..=b'z') => {
                s = &s[1..];
                Some(*c)
            }
            _ => None,
        };
        let mut suffixes = Vec::new();
        while let Some(rest) = s.strip_prefix(b"_") {
            let name = rest.iter().take_while(|c| c.is_ascii_lowercase()).count();
            // Longest known suffix name at the start (`pre` before `p`).
            let known = [
                (&b"alpha"[..], 0),
                (b"beta", 1),
                (b"pre", 2),
                (b"rc", 3),
                (b"cvs", 5),
                (b"svn", 6),
                (b"git", 7),
                (b"hg", 8),
                (b"p", 9),
            ]
            .into_iter()
            .find(|(n, _)| rest[..name].starts_with(n));
            let Some((n, weight)) = known else { break };
            let rest = &rest[n.len()..];
            let d = digits(rest);
            suffixes.push((weight, &rest[..d]));
            s = &rest[d..];
        }
        if let Some(rest) = s.strip_prefix(b"~") {
            let h = rest
                .iter()
                .take_while(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(*c))
                .count();
            if h > 0 {
                s = &rest[h..];
            }
        }
        let (revision, invalid) = match s.strip_prefix(b"-r") {
            Some(rest) => {
                let d = digits(rest);
                s = &rest[d..];
                (&rest[..d], false)
            }
            None => (&s[..0], !s.is_empty()),
        };
        Loose {
            original,
            invalid,
            numbers,
            letter,
            suffixes,
            revision,
            leftover: !s.is_empty(),
        }
    }

    fn cmp_loose(&self, other: &Loose<'_>) -> Ordering {
        if self.invalid && other.invalid {
            return self.original.cmp(other.original);
        }
        let n = self.numbers.len().max(other.numbers.len());
        for i in 0..n {
            let (a, b) = (self.numbers.get(i), other.numbers.get(i));
            let o = match (a, b) {
                (Some(a), Some(b))
                    if i > 0 && (a.first() == Some(&b'0') || b.first() == Some(&b'0')) =>
                {
                    a.cmp(b)
                }
                _ => cmp_digits(a.copied().unwrap_or(b"0"), b.copied().unwrap_or(b"0")),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        let o = self.letter.cmp(&other.letter);
        if o != Ordering::Equal {
            return o;
        }
        let n = self.suffixes.len().max(other.suffixes.len());
        for i in 0..n {
            let none = (4, &b""[..]);
            let (aw, an) = self.suffixes.get(i).copied().unwrap_or(none);
            let (bw, bn) = other.suffixes.get(i).copied().unwrap_or(none);
            let o = aw.cmp(&bw).then_with(|| cmp_digits(an, bn));
            if o != Ordering::Equal {
                return o;
            }
        }
        cmp_digits(self.revision, other.revision).then_with(|| other.leftover.cmp(&self.leftover))
    }
}

/// apk's fuzzy match `a ~ b`: `b` is a token prefix of `a` (`3.6.9 ~ 3.6`,
/// `3.6_pre1 ~ 3.6`, but not `3.60 ~ 3.6`).
pub fn fuzzy_match(a: &str, b: &str) -> bool {
    compare_tokens(a, b, true) == Ordering::Equal
}

/// Checks `a OP b` for an apk operator: `<`, `<=`, `=`, `>=`, `>`, the
/// fuzzy `~`, `<~`, `>~`, and any of them negated with a leading `!`.
/// `None` for an unknown operator.
pub fn matches(a: &str, op: &str, b: &str) -> Option<bool> {
    let (negate, op) = match op.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, op),
    };
    if op.is_empty() {
        return None;
    }
    let (mut less, mut equal, mut greater, mut fuzzy) = (false, false, false, false);
    for c in op.chars() {
        match c {
            '<' => less = true,
            '>' => greater = true,
            '=' => equal = true,
            '~' => {
                fuzzy = true;
                equal = true;
            }
            _ => return None,
        }
    }
    let ok = match compare_tokens(a, b, fuzzy) {
        Ordering::Less => less,
        Ordering::Equal => equal,
        Ordering::Greater => greater,
    };
    Some(ok != negate)
}

/// Compares two versions; Err names the invalid version and what is wrong.
pub fn compare(a: &str, b: &str) -> Result<Ordering, String> {
    validate(a)?;
    validate(b)?;
    Ok(compare_lenient(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    fn cmp(a: &str, b: &str) -> Ordering {
        compare(a, b).unwrap()
    }

    #[test]
    fn numbers_letters_suffixes_revisions() {
        assert_eq!(cmp("1.10", "1.9"), Greater);
        assert_eq!(cmp("1.01", "1.1"), Less);
        assert_eq!(cmp("8.2.0", "8.2.001"), Less);
        assert_eq!(cmp("1.2a", "1.2"), Greater);
        assert_eq!(cmp("1.2a", "1.2b"), Less);
        assert_eq!(cmp("1.2_rc1", "1.2"), Less);
        assert_eq!(cmp("1.2_alpha", "1.2_beta"), Less);
        assert_eq!(cmp("1.2_p1", "1.2"), Greater);
        assert_eq!(cmp("1.2_git2", "1.2_hg1"), Less);
        assert_eq!(cmp("1.2-r1", "1.2"), Greater);
        assert_eq!(cmp("1.2-r10", "1.2-r9"), Greater);
        assert_eq!(cmp("1.2.3", "1.2.3-r0"), Less);
        assert_eq!(cmp("1.0~1234-r1", "1.0~2345-r0"), Less);
        assert_eq!(cmp("1.0~abc", "1.0"), Greater);
        assert_eq!(
            cmp("1.99999999999999999999999", "1.99999999999999999999998"),
            Greater
        );
        assert_eq!(cmp("1-r00", "1-r0"), Equal);
    }

    #[test]
    fn apk2_digits_after_letter() {
        assert_eq!(validate("6.0.2p1-r0"), Ok(()));
        assert!(validate_v3("6.0.2p1-r0").is_err());
        assert_eq!(cmp("6.0.2p1-r0", "6.0.2p1-r1"), Less);
        assert_eq!(cmp("6.0.2p1", "6.0.2p2"), Less);
        assert_eq!(cmp("6.0.2p1", "6.0.2_p1"), Greater);
        assert_eq!(cmp("6.0.2p10", "6.0.2p9"), Greater);
        assert_eq!(cmp("6.0.2p1", "6.0.2p"), Greater);
        assert_eq!(cmp("1.2a1.3", "1.2a1.2"), Greater);
    }

    #[test]
    fn validity() {
        for ok in [
            "1",
            "1.2.3a_rc1_p2~ab12-r3",
            "0.1_pre2~1234abcd",
            "0.1_git20240101_pre1",
        ] {
            assert_eq!(validate(ok), Ok(()), "{ok}");
        }
        for bad in [
            "", "a", ".1", "1.", "1..2", "1_foo", "1-r", "1-r1-r2", "1~", "1~A", "1 ", "1é",
        ] {
            assert!(validate(bad).is_err(), "{bad:?} should be invalid");
            assert!(compare(bad, "1").is_err());
            assert!(compare("1", bad).is_err());
        }
        let e = validate("1.0bc").unwrap_err();
        assert!(e.contains("\"c\""), "{e}");
    }

    #[test]
    fn lenient_orders_invalid_versions_like_apk() {
        assert_eq!(compare_lenient("1.0", "1.0bc"), Less);
        assert_eq!(compare_lenient("a", "b"), Less);
        assert_eq!(compare_lenient("1-r", "1-r0"), Equal);
        assert_eq!(compare_lenient("1", "1-ruff"), Greater);
        assert_eq!(compare_lenient("1é", "1"), Less);
        assert_eq!(compare_lenient("", ""), Equal);
    }

    #[test]
    fn fuzzy_and_operators() {
        assert!(fuzzy_match("3.6.9", "3.6"));
        assert!(fuzzy_match("3.6_pre1", "3.6"));
        assert!(!fuzzy_match("3.60", "3.6"));
        assert!(!fuzzy_match("3.6", "3.6.1"));
        assert_eq!(matches("3.5", "<~", "3.6"), Some(true));
        assert_eq!(matches("3.8", "!~", "3.8.1"), Some(true));
        assert_eq!(matches("1", ">=", "1"), Some(true));
        assert_eq!(matches("1", "?", "1"), None);
        assert_eq!(matches("1", "!", "1"), None);
    }
}
