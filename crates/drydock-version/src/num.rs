//! Unbounded non-negative integers as the version schemes compare them:
//! decimal digit strings of any length (OSV data holds numbers past 64
//! bits), ordered numerically without parsing.

use std::cmp::Ordering;
use std::fmt;

/// Compares two decimal digit strings as numbers of any size: leading
/// zeros ignored, then the longer is larger, then digit by digit. An empty
/// string is zero.
pub(crate) fn cmp_digits(a: impl AsRef<[u8]>, b: impl AsRef<[u8]>) -> Ordering {
    let strip = |s: &[u8]| -> usize { s.iter().take_while(|c| **c == b'0').count() };
    let (a, b) = (a.as_ref(), b.as_ref());
    let (a, b) = (&a[strip(a)..], &b[strip(b)..]);
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// A non-negative integer of any size, kept as its decimal digits without
/// leading zeros (`"0"` for zero), ordered numerically.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Num(String);

impl Num {
    pub(crate) fn new(digits: &str) -> Num {
        let t = digits.trim_start_matches('0');
        Num(if t.is_empty() {
            "0".to_string()
        } else {
            t.to_string()
        })
    }

    pub(crate) fn zero() -> Num {
        Num("0".to_string())
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.0 == "0"
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(&self.0, &other.0)
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_compare_as_numbers_of_any_size() {
        assert_eq!(cmp_digits("010", "9"), Ordering::Greater);
        assert_eq!(cmp_digits("000", ""), Ordering::Equal);
        assert_eq!(
            cmp_digits("18446744073709551616", "18446744073709551615"),
            Ordering::Greater
        );
        assert_eq!(Num::new("007"), Num::new("7"));
        assert!(Num::zero().is_zero() && Num::new("000").is_zero());
        assert_eq!(Num::new("0012").to_string(), "12");
    }
}
