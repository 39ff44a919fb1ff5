//! Maven versions, ordered as Maven's `ComparableVersion` (maven-artifact
//! 3.8.6, the implementation the osv-scalibr vectors were sorted with).
//!
//! Our own implementation of the documented algorithm:
//!
//! * the version is lower-cased and split into items at `.`, `-` and at
//!   every transition between digits and non-digits; a `-` and a
//!   transition open a nested sub-list, a `.` does not;
//! * digit items are numbers (ASCII digits, where Java would also take
//!   other scripts' digits; any length, leading zeros ignored), other
//!   items are qualifiers: `alpha < beta < milestone < rc = cr <
//!   snapshot < "" = ga = final = release < sp < anything else`
//!   (unknown qualifiers among themselves lexically); `a`, `b`, `m`
//!   directly followed by a digit mean `alpha`, `beta`, `milestone`;
//! * trailing "null" items (`0`, `""`, empty lists) are trimmed from every
//!   list, so `1 = 1.0 = 1-0 = 1.ga`; as Maven's ordering spec says (and
//!   osv.dev and osv-scalibr do), this repeats at every hyphen, so
//!   `1-ga-1 = 1-1` (maven-artifact itself leaves an extra nesting level
//!   there; none of the 14,752 generated pairs of real OSV Maven versions
//!   is affected);
//! * a qualifier sorts before a number, a list before a number and after
//!   a qualifier, so `1-alpha < 1 < 1-sp < 1-xyz < 1-1 < 1.1`.
//!
//! Every string is a valid Maven version except the empty string, strings
//! holding whitespace or control characters, and strings longer than
//! [`MAX_LEN`]: none occurs in real coordinates, and they are rejected so
//! that a matcher reports them.

use std::cmp::Ordering;

use crate::num::cmp_digits;

/// The qualifiers with a fixed rank, in order; the empty qualifier (also
/// `ga`, `final`, `release`) is the release itself.
const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
/// Rank of the release (the empty qualifier) in [`QUALIFIERS`].
const RELEASE_RANK: usize = 5;
/// Longest accepted version: every `-` and digit/letter transition nests a
/// list and comparison recurses through them, so the length bounds the
/// recursion depth (real versions are far shorter).
pub const MAX_LEN: usize = 1024;

/// One item of a parsed version.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    /// A number, as its decimal digits without leading zeros (`""` is 0).
    Int(String),
    /// A qualifier, lower-cased, aliases resolved (`cr` → `rc`, `ga` → ``).
    Str(String),
    /// A nested list, opened by `-` or a digit/non-digit transition.
    List(Vec<Item>),
}

/// A parsed Maven version, ordered as `ComparableVersion`.
#[derive(Clone, Debug)]
pub struct Version {
    items: Vec<Item>,
}

impl Version {
    /// Parses a version; Err for the empty string and for whitespace or
    /// control characters.
    pub fn parse(s: &str) -> Result<Version, String> {
        if s.is_empty() {
            return Err("empty Maven version".to_string());
        }
        if let Some(c) = s.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("Maven version {s:?} contains {c:?}"));
        }
        if s.len() > MAX_LEN {
            return Err(format!(
                "Maven version {:?}… is longer than {MAX_LEN} bytes",
                s.chars().take(40).collect::<String>()
            ));
        }
        Ok(Version {
            items: parse_items(&s.to_lowercase()),
        })
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.items, &other.items)
    }
}

/// Compares two versions; Err names the invalid version and what is wrong.
pub fn compare(a: &str, b: &str) -> Result<Ordering, String> {
    Ok(Version::parse(a)?.cmp(&Version::parse(b)?))
}

fn int_item(digits: &str) -> Item {
    Item::Int(digits.trim_start_matches('0').to_string())
}

/// A qualifier item; `followed_by_digit` enables the `a1`/`b1`/`m1`
/// shorthands.
fn str_item(s: &str, followed_by_digit: bool) -> Item {
    let s = match s {
        "a" if followed_by_digit => "alpha",
        "b" if followed_by_digit => "beta",
        "m" if followed_by_digit => "milestone",
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    Item::Str(s.to_string())
}

/// Splits a lower-cased version into nested item lists.
fn parse_items(v: &str) -> Vec<Item> {
    // The stack of open lists: the last one receives items; a closed list
    // is normalised and appended to its parent.
    let mut stack: Vec<Vec<Item>> = vec![Vec::new()];
    let mut is_digit = false;
    let mut start = 0;
    for (i, c) in v.char_indices() {
        match c {
            '.' | '-' => {
                let item = if i == start {
                    Item::Int(String::new())
                } else if is_digit {
                    int_item(&v[start..i])
                } else {
                    str_item(&v[start..i], false)
                };
                push(&mut stack, item);
                start = i + 1;
                if c == '-' {
                    stack.push(Vec::new());
                }
            }
            '0'..='9' => {
                if !is_digit && i > start {
                    push(&mut stack, str_item(&v[start..i], true));
                    start = i;
                    stack.push(Vec::new());
                }
                is_digit = true;
            }
            _ => {
                if is_digit && i > start {
                    push(&mut stack, int_item(&v[start..i]));
                    start = i;
                    stack.push(Vec::new());
                }
                is_digit = false;
            }
        }
    }
    if v.len() > start {
        let rest = &v[start..];
        let item = if is_digit {
            int_item(rest)
        } else {
            str_item(rest, false)
        };
        push(&mut stack, item);
    }
    // Close the lists innermost first, normalising each.
    loop {
        let mut list = stack.pop().unwrap_or_default();
        normalize(&mut list);
        match stack.last_mut() {
            Some(parent) => {
                // A sub-list whose own items were all trimmed, leaving only
                // its child (`1-ga-1`, `1-0-1`), is that child: Maven's
                // ordering spec trims at every hyphen, so `1-ga-1 = 1-1`
                // (maven-artifact keeps an extra nesting level there).
                if let [Item::List(child)] = list.as_mut_slice() {
                    list = std::mem::take(child);
                }
                parent.push(Item::List(list));
            }
            None => return list,
        }
    }
}

fn push(stack: &mut [Vec<Item>], item: Item) {
    if let Some(top) = stack.last_mut() {
        top.push(item);
    }
}

fn is_null(item: &Item) -> bool {
    match item {
        Item::Int(d) => d.is_empty(),
        Item::Str(s) => s.is_empty(),
        Item::List(l) => l.is_empty(),
    }
}

/// Removes trailing null items, looking past (already normalised) lists.
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if is_null(&list[i]) {
            list.remove(i);
        } else if !matches!(list[i], Item::List(_)) {
            break;
        }
    }
}

/// Ranks a qualifier: `(rank, name)` where unknown qualifiers share the
/// rank after all known ones and then sort by name (UTF-16 order, as Java).
fn qualifier_rank(q: &str) -> usize {
    QUALIFIERS
        .iter()
        .position(|k| *k == q)
        .unwrap_or(QUALIFIERS.len())
}

fn cmp_qualifiers(a: &str, b: &str) -> Ordering {
    let (ra, rb) = (qualifier_rank(a), qualifier_rank(b));
    if ra == QUALIFIERS.len() && rb == QUALIFIERS.len() {
        a.encode_utf16().cmp(b.encode_utf16())
    } else {
        ra.cmp(&rb)
    }
}

/// Compares an item with a missing one (the shorter list's padding).
fn cmp_with_null(item: &Item) -> Ordering {
    match item {
        Item::Int(d) if d.is_empty() => Ordering::Equal,
        Item::Int(_) => Ordering::Greater,
        Item::Str(s) => qualifier_rank(s).cmp(&RELEASE_RANK),
        Item::List(l) => l
            .iter()
            .map(cmp_with_null)
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal),
    }
}

fn cmp_items(a: &Item, b: &Item) -> Ordering {
    use Item::{Int, List, Str};
    match (a, b) {
        (Int(x), Int(y)) => cmp_digits(x, y),
        (Int(_), _) => Ordering::Greater,
        (Str(_), Int(_)) | (Str(_), List(_)) => Ordering::Less,
        (Str(x), Str(y)) => cmp_qualifiers(x, y),
        (List(_), Int(_)) => Ordering::Less,
        (List(_), Str(_)) => Ordering::Greater,
        (List(x), List(y)) => cmp_lists(x, y),
    }
}

fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let o = match (a.get(i), b.get(i)) {
            (Some(x), Some(y)) => cmp_items(x, y),
            (Some(x), None) => cmp_with_null(x),
            (None, Some(y)) => cmp_with_null(y).reverse(),
            (None, None) => Ordering::Equal,
        };
        if o.is_ne() {
            return o;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering::{Equal, Greater, Less};

    fn c(a: &str, b: &str) -> Ordering {
        compare(a, b).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn qualifier_order() {
        let ordered = [
            "1-alpha",
            "1-beta",
            "1-milestone",
            "1-rc",
            "1-snapshot",
            "1",
            "1-sp",
            "1-abc",
            "1-xyz",
            "1-1",
            "1.1",
        ];
        for w in ordered.windows(2) {
            assert_eq!(c(w[0], w[1]), Less, "{} < {}", w[0], w[1]);
            assert_eq!(c(w[1], w[0]), Greater, "{} > {}", w[1], w[0]);
        }
    }

    #[test]
    fn aliases_and_shorthands() {
        assert_eq!(c("1cr", "1rc"), Equal);
        assert_eq!(c("1-ga", "1"), Equal);
        assert_eq!(c("1.final", "1.release"), Equal);
        assert_eq!(c("1a1", "1-alpha-1"), Equal);
        assert_eq!(c("1m3", "1-milestone-3"), Equal);
        // `a` not followed by a digit is an unknown qualifier, not alpha.
        assert_eq!(c("1-a", "1-alpha"), Greater);
    }

    #[test]
    fn trailing_nulls_trimmed() {
        assert_eq!(c("1", "1.0.0"), Equal);
        assert_eq!(c("1", "1-0"), Equal);
        assert_eq!(c("1.", "1-"), Equal);
        assert_eq!(c("0.0.0-0.0.0", "0-final-ga"), Equal);
        assert_eq!(c("1.0.0.0.1", "1"), Greater);
        assert_eq!(c("1-ga-1", "1-1"), Equal);
        assert_eq!(c("1-0-1", "1-1"), Equal);
        assert_eq!(c("1-sp-1", "1-ga-1"), Less);
    }

    #[test]
    fn separators_matter() {
        // "-number" < ".number", "-qualifier" < "-number".
        assert_eq!(c("2.0-1", "2.0.1"), Less);
        assert_eq!(c("2.0.1-xyz", "2.0.1-123"), Less);
        assert_eq!(c("1.0-1", "1.0.1"), Less);
    }

    #[test]
    fn huge_numbers() {
        assert_eq!(
            c("99999999999999999999999", "100000000000000000000000"),
            Less
        );
        assert_eq!(c("0001", "1"), Equal);
    }

    #[test]
    fn invalid() {
        assert!(compare("", "1").is_err());
        assert!(compare("1", "1 .0").is_err());
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = "a1".repeat(MAX_LEN / 2);
        assert_eq!(c(&deep, &deep), Equal);
        assert_eq!(c(&deep, "1"), Less);
        let too_deep = "a1".repeat(100_000);
        assert!(compare(&too_deep, "1").is_err());
        assert!(compare("1", &too_deep).is_err());
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        for v in ["-", ".", "--..--", "é1ä", "1-é", "日本1", "a", "0"] {
            let _ = compare(v, "1.0");
        }
    }
}
