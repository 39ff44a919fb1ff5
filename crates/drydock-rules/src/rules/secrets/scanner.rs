//! The secret scanner: the patterns of `patterns.toml`, compiled once, with
//! an Aho-Corasick prefilter over their keywords so that a value runs only
//! through the regexes whose keywords occur in it (most values run through
//! none).

use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::Regex;

use crate::rules::image::secret_in_arg_env::is_secret_name;

const PATTERNS_TOML: &str = include_str!("patterns.toml");

/// One secret pattern (see `patterns.toml` for the fields).
#[derive(Debug)]
pub(crate) struct Pattern {
    pub id: String,
    pub description: String,
    regex: Regex,
    keywords: Vec<String>,
    secret_group: usize,
    name_group: Option<usize>,
    entropy: Option<f64>,
    min_length: usize,
    stopwords: Vec<String>,
    skip_paths: bool,
    skip_code: bool,
}

/// A secret found in a text: the pattern and the secret's byte range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Hit {
    pub pattern: usize,
    pub range: Range<usize>,
}

pub(crate) struct Scanner {
    pub patterns: Vec<Pattern>,
    /// Problems met loading the data; such patterns are skipped. Must be
    /// empty (a unit test checks).
    #[cfg_attr(not(test), allow(dead_code))]
    pub errors: Vec<String>,
    prefilter: Option<AhoCorasick>,
    /// Aho-Corasick pattern index → indices of the patterns with that keyword.
    keyword_owners: Vec<Vec<usize>>,
}

pub(crate) static SCANNER: LazyLock<Scanner> = LazyLock::new(|| Scanner::from_toml(PATTERNS_TOML));

const FIELDS: &[&str] = &[
    "id",
    "description",
    "regex",
    "keywords",
    "secret_group",
    "name_group",
    "entropy",
    "min_length",
    "stopwords",
    "skip_paths",
    "skip_code",
];

fn str_list(t: &toml::Table, key: &str) -> Result<Vec<String>, String> {
    match t.get(key) {
        None => Ok(Vec::new()),
        Some(toml::Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("`{key}` must be a list of strings"))
            })
            .collect(),
        Some(_) => Err(format!("`{key}` must be a list of strings")),
    }
}

fn opt_index(t: &toml::Table, key: &str) -> Result<Option<usize>, String> {
    match t.get(key) {
        None => Ok(None),
        Some(v) => v
            .as_integer()
            .and_then(|i| usize::try_from(i).ok())
            .map(Some)
            .ok_or_else(|| format!("`{key}` must be a non-negative integer")),
    }
}

fn parse_pattern(t: &toml::Table) -> Result<Pattern, String> {
    let s = |key: &str| -> Result<String, String> {
        t.get(key)
            .and_then(toml::Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("missing string `{key}`"))
    };
    let id = s("id")?;
    let wrap = |e: String| format!("{id}: {e}");
    if let Some(k) = t.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(wrap(format!("unknown field `{k}`")));
    }
    let description = s("description").map_err(wrap)?;
    let regex = Regex::new(&s("regex").map_err(wrap)?).map_err(|e| wrap(e.to_string()))?;
    let keywords = str_list(t, "keywords").map_err(wrap)?;
    if keywords.is_empty() || keywords.iter().any(|k| k.is_empty()) {
        return Err(wrap("needs non-empty `keywords`".into()));
    }
    if keywords.iter().any(|k| k.to_lowercase() != *k) {
        return Err(wrap("keywords must be lower-case".into()));
    }
    let stopwords = str_list(t, "stopwords").map_err(wrap)?;
    if stopwords.iter().any(|k| k.to_lowercase() != *k) {
        return Err(wrap("stopwords must be lower-case".into()));
    }
    let secret_group = opt_index(t, "secret_group").map_err(wrap)?.unwrap_or(0);
    let name_group = opt_index(t, "name_group").map_err(wrap)?;
    for g in std::iter::once(secret_group).chain(name_group) {
        if g >= regex.captures_len() {
            return Err(wrap(format!("no capture group {g}")));
        }
    }
    let entropy = match t.get("entropy") {
        None => None,
        Some(v) => Some(
            v.as_float()
                .or_else(|| v.as_integer().map(|i| i as f64))
                .ok_or_else(|| wrap("`entropy` must be a number".into()))?,
        ),
    };
    let min_length = opt_index(t, "min_length").map_err(wrap)?.unwrap_or(0);
    let flag = |key: &str| -> Result<bool, String> {
        match t.get(key) {
            None => Ok(false),
            Some(v) => v
                .as_bool()
                .ok_or_else(|| wrap(format!("`{key}` must be a boolean"))),
        }
    };
    let skip_paths = flag("skip_paths")?;
    let skip_code = flag("skip_code")?;
    Ok(Pattern {
        id,
        description,
        regex,
        keywords,
        secret_group,
        name_group,
        entropy,
        min_length,
        stopwords,
        skip_paths,
        skip_code,
    })
}

impl Scanner {
    pub(crate) fn from_toml(text: &str) -> Scanner {
        let mut errors = Vec::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        match text.parse::<toml::Table>() {
            Ok(doc) => match doc.get("pattern") {
                Some(toml::Value::Array(items)) => {
                    for item in items {
                        match item
                            .as_table()
                            .ok_or("a pattern must be a table".to_string())
                        {
                            Ok(t) => match parse_pattern(t) {
                                Ok(p) if patterns.iter().any(|q| q.id == p.id) => {
                                    errors.push(format!("{}: duplicate id", p.id))
                                }
                                Ok(p) => patterns.push(p),
                                Err(e) => errors.push(e),
                            },
                            Err(e) => errors.push(e),
                        }
                    }
                }
                _ => errors.push("no `[[pattern]]` tables".into()),
            },
            Err(e) => errors.push(e.to_string()),
        }
        let mut keywords: Vec<&str> = Vec::new();
        let mut keyword_owners: Vec<Vec<usize>> = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            for k in &p.keywords {
                match keywords.iter().position(|x| x == k) {
                    Some(j) => keyword_owners[j].push(i),
                    None => {
                        keywords.push(k);
                        keyword_owners.push(vec![i]);
                    }
                }
            }
        }
        let prefilter = match AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&keywords)
        {
            Ok(ac) => Some(ac),
            Err(e) => {
                errors.push(format!("keyword prefilter: {e}"));
                None
            }
        };
        Scanner {
            patterns,
            errors,
            prefilter,
            keyword_owners,
        }
    }

    /// The patterns whose keywords occur in `text`, as a bit set.
    fn candidates(&self, text: &str) -> Vec<bool> {
        let mut set = vec![false; self.patterns.len()];
        if let Some(ac) = &self.prefilter {
            for m in ac.find_overlapping_iter(text) {
                if let Some(owners) = self.keyword_owners.get(m.pattern().as_usize()) {
                    for &o in owners {
                        if let Some(b) = set.get_mut(o) {
                            *b = true;
                        }
                    }
                }
            }
        }
        set
    }

    /// The secrets in `text`, in order, without overlaps (where two patterns
    /// find overlapping secrets the earlier pattern wins).
    pub(crate) fn scan(&self, text: &str) -> Vec<Hit> {
        self.scan_until(text, false)
    }

    /// Whether `text` holds at least one secret: the same as
    /// `!scan(text).is_empty()` (the first secret found is always kept,
    /// overlaps only drop later ones), stopping at the first.
    pub(crate) fn has_secret(&self, text: &str) -> bool {
        !self.scan_until(text, true).is_empty()
    }

    fn scan_until(&self, text: &str, first_only: bool) -> Vec<Hit> {
        if text.len() < 8 {
            return Vec::new();
        }
        let candidates = self.candidates(text);
        if !candidates.contains(&true) {
            return Vec::new();
        }
        let mut hits: Vec<Hit> = Vec::new();
        for (i, p) in self.patterns.iter().enumerate() {
            if !candidates.get(i).copied().unwrap_or(false) {
                continue;
            }
            for caps in p.regex.captures_iter(text) {
                let Some(secret) = caps.get(p.secret_group) else {
                    continue;
                };
                if let Some(g) = p.name_group
                    && !caps.get(g).is_some_and(|n| is_secret_name(n.as_str()))
                {
                    continue;
                }
                if !p.accepts(secret.as_str()) {
                    continue;
                }
                if p.skip_code && looks_like_code(secret.as_str(), &text[secret.end()..]) {
                    continue;
                }
                let range = secret.range();
                if hits
                    .iter()
                    .any(|h| h.range.start < range.end && range.start < h.range.end)
                {
                    continue;
                }
                hits.push(Hit { pattern: i, range });
                if first_only {
                    return hits;
                }
            }
        }
        hits.sort_by_key(|h| h.range.start);
        hits
    }

    pub(crate) fn pattern(&self, hit: &Hit) -> Option<&Pattern> {
        self.patterns.get(hit.pattern)
    }
}

impl Pattern {
    /// Whether a candidate secret passes this pattern's length, entropy and
    /// stop-word tests and is not a placeholder.
    fn accepts(&self, secret: &str) -> bool {
        if secret.chars().count() < self.min_length.max(1) || is_placeholder(secret) {
            return false;
        }
        if self
            .entropy
            .is_some_and(|min| shannon_entropy(secret) < min)
        {
            return false;
        }
        if self.skip_paths && looks_like_path(secret) {
            return false;
        }
        let lower = secret.to_ascii_lowercase();
        !self.stopwords.iter().any(|w| lower.contains(w.as_str()))
    }
}

/// Words that are never a secret on their own.
const PLACEHOLDER_WORDS: &[&str] = &[
    "password", "passwd", "secret", "test", "testing", "example", "changeme", "dummy", "token",
    "none", "null", "nil", "true", "false", "pass", "value", "default", "required", "empty",
];

/// Fragments that mark a placeholder anywhere in a value.
const PLACEHOLDER_FRAGMENTS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "xxxx",
    "***",
    "...",
    "…",
    "{{",
    "placeholder",
];

/// Whether a candidate secret is a known placeholder or a variable
/// reference rather than a value.
pub(crate) fn is_placeholder(secret: &str) -> bool {
    let s = secret.trim_matches(['"', '\'']);
    let lower = s.to_ascii_lowercase();
    if PLACEHOLDER_WORDS.contains(&lower.as_str())
        || PLACEHOLDER_FRAGMENTS.iter().any(|f| lower.contains(f))
    {
        return true;
    }
    // `<your-token>`, `[token]`, `%TOKEN%`.
    if (s.starts_with('<') && s.ends_with('>'))
        || (s.starts_with('[') && s.ends_with(']'))
        || (s.len() > 2 && s.starts_with('%') && s.ends_with('%'))
    {
        return true;
    }
    // `$VAR`, `${VAR}`, `$(cmd)` anywhere: the value is not literal.
    let b = s.as_bytes();
    if b.windows(2).any(|w| {
        w[0] == b'$' && (w[1] == b'{' || w[1] == b'(' || w[1] == b'_' || w[1].is_ascii_alphabetic())
    }) {
        return true;
    }
    // One repeated character (`aaaaaaaa`, `00000000`, `********`).
    let mut chars = s.chars();
    match chars.next() {
        None => true,
        Some(first) => chars.all(|c| c == first),
    }
}

/// A file path or file name (`/run/secrets/db`, `./key`, `creds.json`), or
/// a URL (`https://oauth2.googleapis.com/token`): where a secret is kept or
/// sent, not the secret (a password inside a URL is `password-in-url`'s).
fn looks_like_path(s: &str) -> bool {
    const EXTENSIONS: &[&str] = &[
        ".json",
        ".pem",
        ".key",
        ".txt",
        ".p12",
        ".pfx",
        ".crt",
        ".cer",
        ".yaml",
        ".yml",
        ".env",
        ".cfg",
        ".conf",
        ".ini",
        ".properties",
        ".jks",
        ".gpg",
        ".asc",
    ];
    let lower = s.to_ascii_lowercase();
    s.contains("://")
        || (s.starts_with('/') && s[1..].contains('/'))
        || s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with("~/")
        || EXTENSIONS.iter().any(|e| lower.ends_with(e))
}

/// Whether a candidate secret followed by `after` is an expression of
/// source code rather than a literal: a call (`self.get_token(`), a
/// subscript or generic type (`Optional[str]`), or a name made of words
/// (`self.key_password`, `Token.Name.Builtin`, `_DSAPrivateKey`,
/// `exports2.STRICT_TOKEN`, `always-impersonate`): segments (split at `.`,
/// `_` and `-`) of letters and trailing digits only, whose words (split at
/// lower-to-upper case changes) are at most one in three shorter than three
/// letters. Generated secrets have digits inside segments (`Xk9mQ2vL`) or
/// mostly short runs of each case (`kLmNoPqRs`).
pub(crate) fn looks_like_code(secret: &str, after: &str) -> bool {
    if after.starts_with('(') {
        return true;
    }
    if let Some((head, _)) = secret.split_once('[')
        && !head.is_empty()
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return true;
    }
    let mut words = 0usize;
    let mut short = 0usize;
    for seg in secret.split(['.', '_', '-']).filter(|s| !s.is_empty()) {
        let alpha_end = seg
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(seg.len());
        let (alpha, digits) = seg.split_at(alpha_end);
        if alpha.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        let mut len = 0usize;
        let mut prev_lower = false;
        for c in alpha.chars() {
            if c.is_ascii_uppercase() && prev_lower {
                words += 1;
                short += usize::from(len < 3);
                len = 0;
            }
            len += 1;
            prev_lower = c.is_ascii_lowercase();
        }
        words += 1;
        short += usize::from(len < 3);
    }
    words > 0 && short * 3 <= words
}

/// Shannon entropy of a string, in bits per character.
pub(crate) fn shannon_entropy(s: &str) -> f64 {
    let mut counts: Vec<(char, usize)> = Vec::new();
    let mut n = 0usize;
    for c in s.chars() {
        n += 1;
        match counts.iter_mut().find(|(x, _)| *x == c) {
            Some((_, k)) => *k += 1,
            None => counts.push((c, 1)),
        }
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    counts
        .iter()
        .map(|&(_, k)| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// The secret masked: at most its first 4 characters (fewer for a short
/// one, never more than a quarter of it), then `…`.
pub(crate) fn mask(secret: &str) -> String {
    let keep = drydock_core::shown_secret_prefix(secret.chars().count());
    let mut out: String = secret.chars().take(keep).collect();
    out.push('…');
    out
}

/// How the secret of `hits[index]` is shown: the whitespace-delimited word
/// of `text` around it (never before `floor`), every secret in that word
/// masked, long context shortened.
pub(crate) fn display(text: &str, hits: &[Hit], index: usize, floor: usize) -> String {
    const CONTEXT: usize = 24;
    let Some(hit) = hits.get(index) else {
        return String::new();
    };
    let floor = floor.min(hit.range.start);
    let start = text[floor..hit.range.start]
        .rfind(char::is_whitespace)
        .map_or(floor, |i| {
            floor + i + text[floor + i..].chars().next().map_or(1, char::len_utf8)
        });
    let mut end = text[hit.range.end..]
        .find(char::is_whitespace)
        .map_or(text.len(), |i| hit.range.end + i);
    // A secret that reaches into the context is shown (masked) whole.
    let mut start = start;
    for h in hits {
        if h.range.start < end && start < h.range.end && h.range.start >= floor {
            start = start.min(h.range.start);
            end = end.max(h.range.end);
        }
    }
    let mut out = String::new();
    let mut pos = start;
    let mut first = true;
    for h in hits
        .iter()
        .filter(|h| h.range.start >= start && h.range.end <= end)
    {
        let before = &text[pos..h.range.start];
        out.push_str(&shorten(before, CONTEXT, first));
        out.push_str(&mask(&text[h.range.clone()]));
        pos = h.range.end;
        first = false;
    }
    out.push_str(&shorten_tail(&text[pos..end], CONTEXT));
    out
}

/// `s` limited to `max` characters, keeping its end (the part next to the
/// secret); a `…` marks what was cut. Between two secrets the middle is cut.
fn shorten(s: &str, max: usize, leading: bool) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let tail: String = s.chars().skip(n - max).collect();
    if leading {
        format!("…{tail}")
    } else {
        let head: String = s.chars().take(max / 2).collect();
        let tail: String = s.chars().skip(n - max / 2).collect();
        format!("{head}…{tail}")
    }
}

fn shorten_tail(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max).collect();
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, String)> {
        SCANNER
            .scan(text)
            .iter()
            .map(|h| {
                (
                    SCANNER.pattern(h).map(|p| p.id.clone()).unwrap_or_default(),
                    text[h.range.clone()].to_string(),
                )
            })
            .collect()
    }

    fn ids(text: &str) -> Vec<String> {
        found(text).into_iter().map(|(id, _)| id).collect()
    }

    #[test]
    fn data_is_valid() {
        let s = Scanner::from_toml(PATTERNS_TOML);
        assert!(s.errors.is_empty(), "{:?}", s.errors);
        assert!(s.prefilter.is_some());
        assert!(s.patterns.len() >= 18);
        // A bad pattern is skipped, not a panic.
        let bad = Scanner::from_toml(
            "[[pattern]]\nid='a'\ndescription='d'\nregex='('\nkeywords=['x']\n\
             [[pattern]]\nid='b'\ndescription='d'\nregex='x'\nkeywords=['X']\n\
             [[pattern]]\nid='c'\ndescription='d'\nregex='x(y)'\nkeywords=['x']\nsecret_group=2\n\
             [[pattern]]\nid='d'\ndescription='d'\nregex='xy'\nkeywords=['x']\nbogus=1\n\
             [[pattern]]\nid='e'\ndescription='d'\nregex='xyzzyxyzzy'\nkeywords=['xyzzy']\n",
        );
        assert_eq!(bad.errors.len(), 4, "{:?}", bad.errors);
        assert_eq!(bad.patterns.len(), 1);
        assert_eq!(bad.scan("a xyzzyxyzzy b").len(), 1);
        assert!(!Scanner::from_toml("not toml [").errors.is_empty());
    }

    /// Test tokens are assembled from pieces so that no complete
    /// token-shaped literal sits in the source.
    fn tok(prefix: &str, body: &str) -> String {
        format!("{prefix}{body}")
    }

    const B36: &str = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
    const HEX32: &str = "3f9a2c7e1b8d4f6a0c5e9b2d7f1a4c8e";

    #[test]
    fn table() {
        let aws_id = tok("AKIA", "IOSFODNN7EXAMPLE");
        let aws_secret = tok("wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYEXAMPLEKEY");
        let pem = format!(
            "-----BEGIN RSA {}-----\nMIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\nZ1BjP5CE/Wm/Rr500P\n-----END RSA PRIVATE KEY-----",
            "PRIVATE KEY"
        );
        let gcp = format!(
            r#"{{"type": "service_account", "project_id": "p", "private_key_id": "{HEX32}", "private_key": "x"}}"#
        );
        let azure = format!(
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={}==;EndpointSuffix=core.windows.net",
            "q8Xf3kLmN2pR7sT1vW4yZ6bC9dE0gH5jK8mN1pQ3rS6tU9wX2zA4cF7hJ0lM3oP6rT9uW2xZ5aD8fG1iK4nQ7s"
        );
        let sas = tok(
            "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=R;SharedAccessKey=",
            "Zk8Xf3kLmN2pR7sT1vW4yZ6bC9dE0gH5jK8mN1pQ3rS=",
        );
        let ghp = tok("ghp_", B36);
        let pat = format!(
            "github_pat_{}_{}",
            &B36[..22],
            tok(B36, "9sT0uV1wX2yZ3aB4cD5eF6g")
        );
        let glpat = tok("glpat-", "Xy7Kq2Lm9Np4Rs8Tv3Wz");
        let npm = tok("npm_", B36);
        let pypi = tok(
            "pypi-AgEIcHlwaS5vcmc",
            "CJGQ3ZjNhYTFkLWE3YjMtNGY2MC1iZjQ2LTYxYjQ1N2YwNjc2NAACKlsz",
        );
        let slack = tok(
            "xoxb-",
            "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        );
        let hook = tok(
            "https://hooks.slack.com/services/",
            "T0A1B2C3D/B4E5F6G7H/aB3dE5fG7hJ9kL1mN3pQ5rS7",
        );
        let stripe = tok("sk_live_", "4eC39HqLyjWDarjtT1zdp7dc");
        let twilio_key = tok("SK", HEX32);
        let sendgrid = format!("SG.{}.{}", &B36[..22], tok(B36, "aBcDeFg"));
        let jwt = tok(
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.",
            "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        );

        // (text, the patterns expected, in order)
        let positives: Vec<(String, Vec<&str>)> = vec![
            (
                format!("AWS_ACCESS_KEY_ID={aws_id}"),
                vec!["aws-access-key-id"],
            ),
            (
                format!("AWS_SECRET_ACCESS_KEY={aws_secret}"),
                vec!["aws-secret-access-key"],
            ),
            (
                format!("aws configure set aws_secret_access_key {aws_secret}"),
                vec!["aws-secret-access-key"],
            ),
            (pem.clone(), vec!["private-key"]),
            (gcp.clone(), vec!["gcp-service-account-key"]),
            (azure.clone(), vec!["azure-storage-key"]),
            (sas.clone(), vec!["azure-shared-access-key"]),
            (format!("GH={ghp}"), vec!["github-token"]),
            (pat.clone(), vec!["github-fine-grained-token"]),
            (
                format!("git clone https://oauth2:{glpat}@gitlab.com/x.git"),
                vec!["gitlab-token"],
            ),
            (
                format!("//registry.npmjs.org/:_authToken={npm}"),
                vec!["npm-token"],
            ),
            (format!("twine upload -p {pypi}"), vec!["pypi-token"]),
            (slack.clone(), vec!["slack-token"]),
            (hook.clone(), vec!["slack-webhook"]),
            (format!("STRIPE={stripe}"), vec!["stripe-secret-key"]),
            (format!("TWILIO_KEY={twilio_key}"), vec!["twilio-api-key"]),
            (
                format!("TWILIO_AUTH_TOKEN={HEX32}"),
                vec!["twilio-auth-token"],
            ),
            (sendgrid.clone(), vec!["sendgrid-api-key"]),
            (format!("Authorization: Bearer {jwt}"), vec!["jwt"]),
            (
                "postgres://app:Zq8r!Tx3v@db:5432/app".into(),
                vec!["password-in-url"],
            ),
            (
                "DB_PASSWORD=Xk9#mQ2%vL7pR4tZ".into(),
                vec!["generic-secret-assignment"],
            ),
            (
                "PW=${DB_PASSWORD:-Xk9mQ2vL7pR4tZ8w}".into(),
                vec!["generic-secret-assignment"],
            ),
            (
                "mysql --password=Xk9mQ2vL7pR4tZ8w -e x".into(),
                vec!["generic-secret-assignment"],
            ),
            (
                r#"{"client_secret": "f3Kd8sLq0pZx7Vb2Nm4R"}"#.into(),
                vec!["generic-secret-assignment"],
            ),
            (
                format!("A={aws_id} B={ghp}"),
                vec!["aws-access-key-id", "github-token"],
            ),
        ];
        for (text, want) in &positives {
            assert_eq!(&ids(text), want, "{text}");
        }
        for p in &SCANNER.patterns {
            assert!(
                positives.iter().any(|(_, w)| w.contains(&p.id.as_str())),
                "{}: no true-positive case",
                p.id
            );
        }

        let negatives: Vec<String> = vec![
            // private-key: a header with no key, a public key
            "grep -q 'BEGIN RSA PRIVATE KEY' key.pem".into(),
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA".into(),
            // gcp: not a service account
            format!(r#"{{"type": "authorized_user", "private_key_id": "{HEX32}"}}"#),
            // aws
            "AKIAAAAAAAAAAAAAAAAA".into(),
            "AKIA_PLACEHOLDER".into(),
            "AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}".into(),
            format!("AWS_SECRET_ACCESS_KEY={}", "x".repeat(40)),
            // azure: the variable, not a key
            "AccountKey=${STORAGE_KEY}".into(),
            "SharedAccessKey=<key>".into(),
            // github / gitlab / npm / pypi / slack / stripe: too short or placeholders
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".into(),
            "github_pat_<token>".into(),
            "glpat-xxxxxxxxxxxxxxxxxxxx".into(),
            "npm_config_registry=https://registry.npmjs.org".into(),
            "pypi-AgEIcHlwaS5vcmc".into(),
            "xoxb-your-token".into(),
            "https://hooks.slack.com/services/${SLACK_HOOK}".into(),
            "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX".into(),
            "sk_test_4eC39HqLyjWDarjtT1zdp7dc".into(),
            // twilio / sendgrid
            "TASK=disk".into(),
            "TWILIO_AUTH_TOKEN=your_auth_token".into(),
            "SG.xxxxx.yyyyy".into(),
            // jwt: two parts only
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0".into(),
            // urls
            "postgres://app:${DB_PASSWORD}@db:5432/app".into(),
            "postgres://app:$DB_PASSWORD@db/app".into(),
            "https://user:****@example.com".into(),
            "redis://:password@redis:6379".into(),
            "https://git@github.com/x.git".into(),
            "https://example.com:8443/path".into(),
            // generic
            "DB_PASSWORD=changeme".into(),
            "DB_PASSWORD=example-password-123".into(),
            "DB_PASSWORD=<password>".into(),
            "DB_PASSWORD=${DB_PASSWORD}".into(),
            "DB_PASSWORD=$DB_PASSWORD".into(),
            "DB_PASSWORD=********".into(),
            "DB_PASSWORD=dummy".into(),
            "DB_PASSWORD=password".into(),
            "DB_PASSWORD=secret".into(),
            "DB_PASSWORD=test".into(),
            "DB_PASSWORD=aaaaaaaaaaaaaaaa".into(),
            "DB_PASSWORD_FILE=/run/secrets/db_password".into(),
            "SECRET_KEY_BASE=short".into(),
            "TOKEN_URL=https://auth.example.com/token".into(),
            "KEYBOARD=Xk9mQ2vL7pR4tZ8w".into(),
            "DB_PASSWORD={{ .Values.dbPassword }}".into(),
            "REDIS_URL=redis://:${REDIS_PASSWORD:-}@redis:6379".into(),
            "DATABASE_PASSWORD=/run/secrets/db-password".into(),
            "GOOGLE_APPLICATION_CREDENTIALS=service-account-key.json".into(),
            "POSTGRES_PASSWORD=POSTGRES_PASSWORD=${POSTGRES_PW}".into(),
        ];
        for text in &negatives {
            assert!(found(text).is_empty(), "{text}: {:?}", found(text));
        }
    }

    #[test]
    fn secret_group_is_the_secret() {
        let t = "postgres://app:Zq8r!Tx3v@db:5432/app";
        assert_eq!(found(t)[0].1, "Zq8r!Tx3v");
        let t = "DB_PASSWORD=\"Xk9mQ2vL7pR4tZ8w\"";
        assert_eq!(found(t)[0].1, "Xk9mQ2vL7pR4tZ8w");
    }

    #[test]
    fn masking() {
        assert_eq!(mask("AKIAIOSFODNN7EXAMPLE"), "AKIA…");
        assert_eq!(mask("Zq8r!Tx3v"), "Zq…");
        assert_eq!(mask("abc"), "…");
        let t = "postgres://app:Zq8r!Tx3v@db:5432/app";
        let hits = SCANNER.scan(t);
        assert_eq!(display(t, &hits, 0, 0), "postgres://app:Zq…@db:5432/app");
        let t = "echo x && curl -H 'x' https://u:Zq8r!Tx3v@h/x";
        let hits = SCANNER.scan(t);
        assert_eq!(display(t, &hits, 0, 0), "https://u:Zq…@h/x");
        let t = "DB_PASSWORD=Xk9mQ2vL7pR4tZ8w";
        let hits = SCANNER.scan(t);
        assert_eq!(display(t, &hits, 0, 12), "Xk9m…");
    }

    #[test]
    fn code_is_not_a_secret() {
        for (secret, after) in [
            ("self.get_token", "(request)"),
            ("Optional[str]", ""),
            ("typing.Optional[CERT_TYPES]", ""),
            ("self.key_password", ","),
            ("Token.Name.Builtin", ""),
            ("_DSAPrivateKey", "\","),
            ("CERTIFICATE_PRIVATE_KEY_TYPES", ","),
            ("ec.EllipticCurvePrivateKey", ","),
            ("exports2.STRICT_TOKEN", ""),
            ("token.isGlob", ""),
            ("always-impersonate", ""),
        ] {
            assert!(looks_like_code(secret, after), "{secret}");
        }
        for secret in [
            "Xk9mQ2vL7pR4tZ8w",
            "kLmNoPqRsTuV",
            "f3Kd8sLq0pZx7Vb2Nm4R",
            "Zq8r!Tx3v",
            "Zq8r-Tx3v-Lp0w",
            "aB_cD_eF_gH",
        ] {
            assert!(!looks_like_code(secret, ""), "{secret}");
        }
        assert!(ids("password: Optional[str] = None").is_empty());
        assert!(ids("key = self.derive_key(secret)").is_empty());
        assert_eq!(
            ids("password: Xk9mQ2vL7pR4tZ8w"),
            ["generic-secret-assignment"]
        );
    }

    #[test]
    fn entropy() {
        assert!(shannon_entropy("aaaa") < 0.01);
        assert!((shannon_entropy("ab") - 1.0).abs() < 1e-9);
        assert!(shannon_entropy("Xk9mQ2vL7pR4tZ8w") > 3.5);
    }

    #[test]
    fn prefilter_skips_plain_values() {
        for v in [
            "/usr/local/bin",
            "production",
            "apt-get install -y curl",
            "8080",
        ] {
            assert!(!SCANNER.candidates(v).contains(&true), "{v}");
        }
    }
}
