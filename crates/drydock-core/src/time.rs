//! Calendar arithmetic for the dates drydock reads and writes: RFC 3339
//! timestamps (an image's `created`, an OSV record's `modified`, label
//! values, SBOM and log times) and `YYYY-MM-DD` dates (ignore-entry expiry,
//! end-of-life tables). Proleptic Gregorian calendar, UTC, leap seconds
//! accepted (`:60`) and counted as the next second. No clock here: callers
//! pass "now" in.

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a count of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // d is in 1..=31 and m in 1..=12 by construction.
    (y, m as u32, d as u32)
}

fn days_in_month(y: i64, m: u32) -> Option<u32> {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    Some(match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    })
}

/// A run of ASCII digits, nothing else (no sign, no blank).
fn digits(s: &[u8]) -> Option<i64> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// `YYYY-MM-DD` as days since 1970-01-01; `None` unless it is exactly that
/// and a real date.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = digits(&b[0..4])?;
    let m = u32::try_from(digits(&b[5..7])?).ok()?;
    let d = u32::try_from(digits(&b[8..10])?).ok()?;
    (1..=days_in_month(y, m)?)
        .contains(&d)
        .then(|| days_from_civil(y, m, d))
}

/// An RFC 3339 timestamp (`2024-05-01T12:30:00Z`,
/// `2024-05-01 12:30:00.123456789+02:00`; `T` or `t` or a blank between
/// date and time, `Z` or `z` or `±HH:MM` for the zone, any number of
/// fraction digits, nanoseconds kept) as Unix nanoseconds (so up to the
/// year 2262). Blanks around it are ignored; anything else that is not
/// RFC 3339 gives `None`.
pub fn parse_rfc3339_nanos(s: &str) -> Option<i64> {
    let (secs, nanos) = parse_parts(s)?;
    secs.checked_mul(1_000_000_000)?.checked_add(nanos)
}

/// [`parse_rfc3339_nanos`] in whole seconds (the fraction dropped), for
/// any year from 0 to 9999.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    parse_parts(s).map(|(secs, _)| secs)
}

/// (Unix seconds, nanoseconds within the second).
fn parse_parts(s: &str) -> Option<(i64, i64)> {
    let b = s.trim().as_bytes();
    let at = |i: usize, set: &[u8]| b.get(i).is_some_and(|c| set.contains(c));
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
        return None;
    }
    let days = parse_date(std::str::from_utf8(&b[..10]).ok()?)?;
    let (h, mi, se) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(b.get(17..19)?)?,
    );
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut i = 19;
    let mut nanos: i64 = 0;
    if at(i, b".") {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        for (k, c) in b[start..i.min(start + 9)].iter().enumerate() {
            nanos += i64::from(c - b'0') * 10_i64.pow(8 - k as u32);
        }
    }
    let offset = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(c @ (b'+' | b'-')) if i + 6 == b.len() && at(i + 3, b":") => {
            let (oh, om) = (digits(&b[i + 1..i + 3])?, digits(&b[i + 4..i + 6])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let v = oh * 3600 + om * 60;
            if *c == b'+' { v } else { -v }
        }
        _ => return None,
    };
    Some((days * 86_400 + h * 3600 + mi * 60 + se - offset, nanos))
}

/// `YYYY-MM-DD` of Unix seconds.
pub fn format_date(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDTHH:MM:SSZ` of Unix seconds.
pub fn format_rfc3339(secs: i64) -> String {
    let rem = secs.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        format_date(secs),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of Unix milliseconds (log lines).
pub fn format_rfc3339_millis(millis: i64) -> String {
    let secs = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000);
    let s = format_rfc3339(secs);
    format!("{}.{ms:03}Z", s.trim_end_matches('Z'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2019-01-01T00:00:00Z"), Some(1_546_300_800));
        assert_eq!(
            parse_rfc3339("2019-01-01T02:00:00.123456789+02:00"),
            Some(1_546_300_800)
        );
        assert_eq!(parse_rfc3339("2024-02-29T23:59:59z"), Some(1_709_251_199));
        assert_eq!(
            parse_rfc3339(" 2024-05-01 12:30:00-07:00\n"),
            parse_rfc3339("2024-05-01T19:30:00Z")
        );
        assert_eq!(
            parse_rfc3339("2016-12-31T23:59:60Z"),
            parse_rfc3339("2017-01-01T00:00:00Z")
        );
        let a = parse_rfc3339_nanos("2023-05-22T20:11:25Z").unwrap();
        let b = parse_rfc3339_nanos("2023-05-22T20:11:25.5Z").unwrap();
        assert_eq!(b - a, 500_000_000);
        assert_eq!(parse_rfc3339_nanos("2023-05-22T22:11:25+02:00"), Some(a));
        for bad in [
            "",
            "yesterday",
            "2019-01-01",
            "2019-13-01T00:00:00Z",
            "2019-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2019-01-01T24:00:00Z",
            "2019-01-01T00:00:00",
            "2019-01-01T12:30Z",
            "2019-01-01T00:00:00.Z",
            "2019-01-01T00:00:00+0200",
            "2019-01-01T00:00:00+02:60",
            "2019-01-01T00:00:00Zjunk",
            "+019-01-01T00:00:00Z",
            "2019-+1-01T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024-2-29"), None);
        assert_eq!(format_date(1_546_300_800), "2019-01-01");
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(format_rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(
            format_rfc3339_millis(1_700_000_000_123),
            "2023-11-14T22:13:20.123Z"
        );
    }

    proptest! {
        /// Formatting then parsing gives the same instant, for every second
        /// from year 1 to 9999.
        #[test]
        fn round_trips(secs in -62_135_596_800_i64..253_402_300_799) {
            prop_assert_eq!(parse_rfc3339(&format_rfc3339(secs)), Some(secs));
            let days = secs.div_euclid(86_400);
            let (y, m, d) = civil_from_days(days);
            prop_assert_eq!(days_from_civil(y, m, d), days);
            prop_assert_eq!(parse_date(&format_date(secs)), Some(days));
        }

        /// No input panics the parsers.
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = parse_rfc3339_nanos(&s);
            let _ = parse_date(&s);
        }
    }
}
