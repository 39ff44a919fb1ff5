//! Helpers shared by the daemon rules.

use drydock_core::spec::DaemonSpec;
use drydock_core::{Edit, Origin, Sp};

use crate::rules::util::replace;

/// Where a finding about `value` goes: the value when it is written, else
/// the configuration as a whole.
pub(crate) fn at<'a, T>(d: &'a DaemonSpec, value: Option<&'a Sp<T>>) -> &'a Origin {
    match value {
        Some(v) if !matches!(v.origin, Origin::Implicit) => &v.origin,
        _ => &d.origin,
    }
}

/// An edit that makes a boolean setting `want`: replaces the written value,
/// or inserts the key when it is absent from the file.
pub(crate) fn set_bool(
    d: &DaemonSpec,
    key: &str,
    value: Option<&Sp<bool>>,
    want: bool,
) -> Option<Edit> {
    let lit = if want { "true" } else { "false" };
    match value {
        Some(v) => replace(&v.origin, lit),
        None if d.setting(key).is_none() => d.insert_at.as_ref().map(|a| a.insert_member(key, lit)),
        // Present but unusable (null, wrong type): leave it to the user.
        None => None,
    }
}

/// An edit replacing a written string value (a JSON or JSON5 string
/// literal, quotes included in `value`'s origin) by `want`, keeping the
/// quote character.
pub(crate) fn set_string(
    cx: &crate::rule::Checker<'_>,
    value: &Sp<String>,
    want: &str,
) -> Option<Edit> {
    let written = cx.text_of(&value.origin);
    let quote = written.chars().next().filter(|q| matches!(q, '"' | '\''))?;
    if !written.ends_with(quote) || written.len() < 2 {
        return None;
    }
    replace(&value.origin, format!("{quote}{want}{quote}"))
}
