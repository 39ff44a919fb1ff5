//! The effective configuration of a systemd service, read from files
//! under a host root (no `systemctl`, which cannot be pointed at another
//! root and is absent in containers).
//!
//! [`read_service`] finds the unit file first on systemd's search path
//! ([`UNIT_DIRS`]), adds the drop-ins `<unit>.d/*.conf` (and the
//! type-wide `service.d/*.conf`) of every search directory — a drop-in
//! name in a higher-priority directory hides the same name in a lower one,
//! and drop-ins apply sorted by file name — and evaluates them with
//! systemd's syntax (systemd.syntax(7), systemd.service(5)): sections,
//! `#`/`;` comments, backslash line continuation, `ExecStart=` (an empty
//! value resets the list; `-@:+!` prefixes), quoting and C escapes,
//! `Environment=` and `EnvironmentFile=`, and `$VAR` / `${VAR}` expansion
//! of command lines. Every argument of the result knows the file and byte
//! range where it is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use drydock_core::TextRange;

use crate::checks::UNIT_DIRS;
use crate::hostfs::{self, HostFs};

/// One argument of a command line and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub value: String,
    /// The host path of the file that holds it.
    pub file: PathBuf,
    /// The bytes of the word in that file (for an argument that comes from
    /// a `$VAR` expansion, the variable reference).
    pub range: TextRange,
}

/// One `ExecStart=` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecCommand {
    /// The special prefixes (`-`, `@`, `:`, `+`, `!`, `!!`) as written.
    pub prefixes: String,
    /// The program (the first word).
    pub path: Arg,
    /// The argument vector after expansion: `argv[0]` (the program, or the
    /// second word with `@`) then the arguments.
    pub argv: Vec<Arg>,
}

impl ExecCommand {
    /// The arguments after `argv[0]`.
    pub fn args(&self) -> &[Arg] {
        self.argv.get(1..).unwrap_or(&[])
    }
}

/// A file read while evaluating a service, with its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFile {
    pub path: PathBuf,
    pub text: String,
    pub kind: ReadKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadKind {
    Unit,
    DropIn,
    EnvironmentFile,
}

/// The effective configuration of one service.
#[derive(Debug, Clone, Default)]
pub struct ServiceConfig {
    /// The unit name (`docker.service`).
    pub name: String,
    /// The unit file used (host path as found on the search path); `None`
    /// when there is none (or it is masked).
    pub unit: Option<PathBuf>,
    /// The unit (or its path) links to `/dev/null`.
    pub masked: bool,
    /// Every file read, in the order applied: unit, drop-ins, environment files.
    pub files: Vec<ReadFile>,
    /// The effective `ExecStart=` commands (after resets), expanded.
    pub exec_start: Vec<ExecCommand>,
    /// The service's environment (`Environment=`, then `EnvironmentFile=`
    /// overriding it), sorted by name.
    pub environment: BTreeMap<String, String>,
    /// Problems: unreadable files, syntax errors, missing environment files.
    pub errors: Vec<String>,
}

impl ServiceConfig {
    /// The text of a file that was read.
    pub fn text_of(&self, path: &Path) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.text.as_str())
    }
}

/// A word of `ExecStart=` before expansion.
#[derive(Debug, Clone)]
struct RawWord {
    value: String,
    file: PathBuf,
    range: TextRange,
}

#[derive(Debug, Clone)]
struct RawCommand {
    prefixes: String,
    words: Vec<RawWord>,
}

/// `Environment=` / `EnvironmentFile=` settings in order (resets included).
#[derive(Debug, Clone)]
enum EnvSetting {
    Assign(String, String),
    ResetAssign,
    File { path: PathBuf, optional: bool },
    ResetFiles,
}

/// Reads the effective configuration of the service unit `name` under `fs`.
pub fn read_service(fs: &HostFs, name: &str) -> ServiceConfig {
    let mut out = ServiceConfig {
        name: name.to_owned(),
        ..ServiceConfig::default()
    };
    let mut unit = None;
    for dir in UNIT_DIRS {
        let path = Path::new(dir).join(name);
        if links_to_dev_null(fs, &path) {
            out.masked = true;
            return out;
        }
        match fs.resolve(&path) {
            Ok(r) if r.host == Path::new("/dev/null") => {
                out.masked = true;
                return out;
            }
            Ok(r) => {
                unit = Some((path, r));
                break;
            }
            Err(e) if hostfs::is_not_found(&e) => {}
            Err(e) => {
                out.errors
                    .push(format!("cannot stat {}: {e}", path.display()));
                return out;
            }
        }
    }
    let Some((unit_path, resolved)) = unit else {
        return out;
    };
    if !resolved.metadata.is_file() {
        out.errors
            .push(format!("{} is not a regular file", unit_path.display()));
        return out;
    }
    // An empty unit file masks the unit, as a link to /dev/null does.
    if resolved.metadata.len() == 0 {
        out.masked = true;
        return out;
    }
    let mut commands: Vec<RawCommand> = Vec::new();
    let mut env: Vec<EnvSetting> = Vec::new();
    match fs.read_to_string(&unit_path) {
        Ok(text) => {
            parse_unit(&unit_path, &text, &mut commands, &mut env, &mut out.errors);
            out.files.push(ReadFile {
                path: unit_path.clone(),
                text,
                kind: ReadKind::Unit,
            });
        }
        Err(e) => {
            out.errors
                .push(format!("cannot read {}: {e}", unit_path.display()));
            return out;
        }
    }
    out.unit = Some(unit_path);

    for path in drop_ins(fs, name, &mut out.errors) {
        if links_to_dev_null(fs, &path) {
            continue;
        }
        match fs.resolve(&path) {
            // A drop-in linked to /dev/null is masked.
            Ok(r) if r.host == Path::new("/dev/null") => continue,
            Ok(r) if !r.metadata.is_file() => {
                out.errors
                    .push(format!("{} is not a regular file", path.display()));
                continue;
            }
            Ok(_) => {}
            Err(e) => {
                out.errors
                    .push(format!("cannot stat {}: {e}", path.display()));
                continue;
            }
        }
        match fs.read_to_string(&path) {
            Ok(text) => {
                parse_unit(&path, &text, &mut commands, &mut env, &mut out.errors);
                out.files.push(ReadFile {
                    path,
                    text,
                    kind: ReadKind::DropIn,
                });
            }
            Err(e) => out
                .errors
                .push(format!("cannot read {}: {e}", path.display())),
        }
    }

    // The environment: assignments, then the files, which override them.
    let mut assigned: BTreeMap<String, String> = BTreeMap::new();
    let mut files: Vec<(PathBuf, bool)> = Vec::new();
    for s in env {
        match s {
            EnvSetting::Assign(k, v) => {
                assigned.insert(k, v);
            }
            EnvSetting::ResetAssign => assigned.clear(),
            EnvSetting::File { path, optional } => files.push((path, optional)),
            EnvSetting::ResetFiles => files.clear(),
        }
    }
    for (path, optional) in files {
        match fs.read_to_string(&path) {
            Ok(text) => {
                for (k, v) in parse_env_file(&text) {
                    assigned.insert(k, v);
                }
                out.files.push(ReadFile {
                    path,
                    text,
                    kind: ReadKind::EnvironmentFile,
                });
            }
            Err(e) if optional && hostfs::is_not_found(&e) => {}
            Err(e) => out.errors.push(format!(
                "cannot read EnvironmentFile {}: {e}",
                path.display()
            )),
        }
    }
    out.exec_start = commands
        .into_iter()
        .filter_map(|c| expand(c, &assigned))
        .collect();
    out.environment = assigned;
    out
}

/// Is `path` a symlink to `/dev/null` (masked), whether or not the root
/// has a `/dev/null`?
pub(crate) fn links_to_dev_null(fs: &HostFs, path: &Path) -> bool {
    fs.resolve_parent(path).is_ok_and(|r| {
        r.metadata.file_type().is_symlink()
            && std::fs::read_link(fs.real(&r.host)).is_ok_and(|t| t == Path::new("/dev/null"))
    })
}

/// The drop-in files of a unit, applied in this order: sorted by file name,
/// the highest-priority directory's file for each name.
fn drop_ins(fs: &HostFs, name: &str, errors: &mut Vec<String>) -> Vec<PathBuf> {
    let kind = name.rsplit_once('.').map_or("", |(_, k)| k);
    let mut subs = vec![format!("{name}.d")];
    if !kind.is_empty() {
        subs.push(format!("{kind}.d"));
    }
    let mut by_name: BTreeMap<String, PathBuf> = BTreeMap::new();
    // UNIT_DIRS is in priority order: the first file seen with a name wins
    // (within one directory, the unit's own `.d` before the type-wide one).
    for dir in UNIT_DIRS {
        for sub in &subs {
            let d = Path::new(dir).join(sub);
            let entries = match fs.read_dir(&d) {
                Ok(e) => e,
                Err(e) if hostfs::is_not_found(&e) => continue,
                Err(e) => {
                    errors.push(format!("cannot list {}: {e}", d.display()));
                    continue;
                }
            };
            for p in entries {
                let Some(file) = p.file_name().and_then(|f| f.to_str()) else {
                    continue;
                };
                if file.ends_with(".conf") && !by_name.contains_key(file) {
                    by_name.insert(file.to_owned(), p.clone());
                }
            }
        }
    }
    by_name.into_values().collect()
}

/// A logical line: its text and, for every byte, its offset in the file.
struct Logical {
    text: String,
    offsets: Vec<u32>,
}

impl Logical {
    fn range(&self, start: usize, end: usize) -> TextRange {
        let s = self.offsets.get(start).copied().unwrap_or(0);
        let e = if end > start {
            self.offsets.get(end - 1).map_or(s, |o| o + 1)
        } else {
            s
        };
        TextRange::new(s, e)
    }
}

/// Splits a unit file into logical lines (continuations joined, the
/// backslash becoming a space; comment lines inside a continuation skipped).
fn logical_lines(text: &str) -> Vec<Logical> {
    let mut out = Vec::new();
    let mut cur: Option<Logical> = None;
    let mut pos = 0usize;
    for raw in text.split_inclusive('\n') {
        let start = pos;
        pos += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        let trimmed = line.trim_start();
        if cur.is_some() && (trimmed.starts_with('#') || trimmed.starts_with(';')) {
            continue;
        }
        let l = cur.get_or_insert_with(|| Logical {
            text: String::new(),
            offsets: Vec::new(),
        });
        let (body, cont) = match line.strip_suffix('\\') {
            Some(b) => (b, true),
            None => (line, false),
        };
        l.text.push_str(body);
        for (i, _) in body.bytes().enumerate() {
            l.offsets.push(u32::try_from(start + i).unwrap_or(u32::MAX));
        }
        if cont {
            l.text.push(' ');
            l.offsets
                .push(u32::try_from(start + body.len()).unwrap_or(u32::MAX));
        } else if let Some(done) = cur.take() {
            out.push(done);
        }
    }
    if let Some(done) = cur.take() {
        out.push(done);
    }
    out
}

fn parse_unit(
    path: &Path,
    text: &str,
    commands: &mut Vec<RawCommand>,
    env: &mut Vec<EnvSetting>,
    errors: &mut Vec<String>,
) {
    let mut section = String::new();
    for line in logical_lines(text) {
        let lead = line.text.len() - line.text.trim_start().len();
        let t = line.text.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        if t.starts_with('[') {
            match t.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
                Some(name) => section = name.to_owned(),
                None => errors.push(format!(
                    "{}: invalid section header {t}",
                    describe(path, text, &line, lead)
                )),
            }
            continue;
        }
        let Some(eq) = t.find('=') else {
            errors.push(format!(
                "{}: missing '=' in {t}",
                describe(path, text, &line, lead)
            ));
            continue;
        };
        if section != "Service" {
            continue;
        }
        let key = t[..eq].trim();
        let after = &t[eq + 1..];
        let value_start = lead + eq + 1 + (after.len() - after.trim_start().len());
        let value = after.trim();
        match key {
            "ExecStart" => {
                if value.is_empty() {
                    commands.clear();
                    continue;
                }
                match split_command(path, &line, value_start, value) {
                    Ok(Some(c)) => commands.push(c),
                    Ok(None) => {}
                    Err(e) => errors.push(format!(
                        "{}: ExecStart: {e}",
                        describe(path, text, &line, lead)
                    )),
                }
            }
            "Environment" => {
                if value.is_empty() {
                    env.push(EnvSetting::ResetAssign);
                    continue;
                }
                match split_words(value) {
                    Ok(words) => {
                        for (w, _, _) in words {
                            match w.split_once('=') {
                                Some((k, v)) if valid_name(k) => {
                                    env.push(EnvSetting::Assign(k.to_owned(), v.to_owned()));
                                }
                                _ => errors.push(format!(
                                    "{}: invalid environment assignment {w}",
                                    describe(path, text, &line, lead)
                                )),
                            }
                        }
                    }
                    Err(e) => errors.push(format!(
                        "{}: Environment: {e}",
                        describe(path, text, &line, lead)
                    )),
                }
            }
            "EnvironmentFile" => {
                if value.is_empty() {
                    env.push(EnvSetting::ResetFiles);
                    continue;
                }
                let (optional, p) = match value.strip_prefix('-') {
                    Some(rest) => (true, rest.trim()),
                    None => (false, value),
                };
                let p = unescape_specifiers(p);
                if p.starts_with('/') {
                    env.push(EnvSetting::File {
                        path: PathBuf::from(p),
                        optional,
                    });
                } else {
                    errors.push(format!(
                        "{}: EnvironmentFile {p} is not an absolute path",
                        describe(path, text, &line, lead)
                    ));
                }
            }
            _ => {}
        }
    }
}

/// `path:line` of a logical line, for messages.
fn describe(path: &Path, text: &str, line: &Logical, at: usize) -> String {
    let off = line.offsets.get(at).copied().unwrap_or(0) as usize;
    let n = text
        .get(..off)
        .map_or(0, |t| t.bytes().filter(|b| *b == b'\n').count())
        + 1;
    format!("{}:{n}", path.display())
}

fn valid_name(k: &str) -> bool {
    let mut chars = k.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `%%` is a literal `%`; other specifiers are kept as written.
fn unescape_specifiers(s: &str) -> String {
    s.replace("%%", "%")
}

fn split_command(
    path: &Path,
    line: &Logical,
    value_start: usize,
    value: &str,
) -> Result<Option<RawCommand>, String> {
    let prefix_len = value
        .find(|c: char| !matches!(c, '-' | '@' | ':' | '+' | '!'))
        .unwrap_or(value.len());
    let prefixes = value[..prefix_len].to_owned();
    let rest = &value[prefix_len..];
    let base = value_start + prefix_len;
    let words = split_words(rest)?;
    if words.is_empty() {
        return Ok(None);
    }
    let words = words
        .into_iter()
        .map(|(w, s, e)| RawWord {
            value: unescape_specifiers(&w),
            file: path.to_path_buf(),
            range: line.range(base + s, base + e),
        })
        .collect();
    Ok(Some(RawCommand { prefixes, words }))
}

/// Splits a value into words with systemd's quoting: whitespace separates
/// words, `"…"` and `'…'` quote (also in the middle of a word), and C
/// escapes (`\n`, `\t`, `\\`, `\"`, `\xNN`, `\NNN`, `\uNNNN`, …) apply
/// inside and outside quotes. Returns each word with its byte span.
fn split_words(s: &str) -> Result<Vec<(String, usize, usize)>, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        let mut word = String::new();
        let mut quote: Option<u8> = None;
        loop {
            let Some(&c) = b.get(i) else {
                if quote.is_some() {
                    return Err(format!("unterminated quote in {s}"));
                }
                break;
            };
            match (quote, c) {
                (None, c) if c.is_ascii_whitespace() => break,
                (None, b'"' | b'\'') => {
                    quote = Some(c);
                    i += 1;
                }
                (Some(q), c) if c == q => {
                    quote = None;
                    i += 1;
                }
                (_, b'\\') => {
                    let (ch, used) = c_escape(&s[i + 1..])?;
                    if let Some(ch) = ch {
                        word.push(ch);
                    }
                    i += 1 + used;
                }
                _ => {
                    let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
                    word.push(ch);
                    i += ch.len_utf8();
                }
            }
        }
        out.push((word, start, i));
    }
    Ok(out)
}

/// One C escape after a backslash: the character (if any) and the bytes used.
fn c_escape(rest: &str) -> Result<(Option<char>, usize), String> {
    let Some(c) = rest.chars().next() else {
        return Err("trailing backslash".to_owned());
    };
    let simple = match c {
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        's' => Some(' '),
        '\\' | '"' | '\'' | ' ' | '$' | ';' => Some(c),
        _ => None,
    };
    if let Some(ch) = simple {
        return Ok((Some(ch), c.len_utf8()));
    }
    let number = |digits: &str, radix: u32| -> Result<char, String> {
        u32::from_str_radix(digits, radix)
            .ok()
            .and_then(char::from_u32)
            .filter(|ch| *ch != '\0')
            .ok_or_else(|| format!("invalid escape \\{c}{digits}"))
    };
    match c {
        'x' => {
            let d = rest.get(1..3).ok_or("short \\x escape")?;
            Ok((Some(number(d, 16)?), 3))
        }
        'u' => {
            let d = rest.get(1..5).ok_or("short \\u escape")?;
            Ok((Some(number(d, 16)?), 5))
        }
        'U' => {
            let d = rest.get(1..9).ok_or("short \\U escape")?;
            Ok((Some(number(d, 16)?), 9))
        }
        '0'..='7' => {
            let d = rest.get(..3).ok_or("short octal escape")?;
            Ok((Some(number(d, 8)?), 3))
        }
        other => Err(format!("invalid escape \\{other}")),
    }
}

/// Expands `$VAR` (a whole word: split on whitespace) and `${VAR}` (inside
/// a word: one argument) with the service environment; `$$` is `$`.
fn expand(cmd: RawCommand, env: &BTreeMap<String, String>) -> Option<ExecCommand> {
    // `:` turns environment variable substitution off.
    let substitute = !cmd.prefixes.contains(':');
    let mut words: Vec<Arg> = Vec::new();
    for w in cmd.words {
        if !substitute {
            words.push(Arg {
                value: w.value,
                file: w.file,
                range: w.range,
            });
            continue;
        }
        if let Some(name) = w.value.strip_prefix('$')
            && valid_name(name)
        {
            for part in env.get(name).map_or("", String::as_str).split_whitespace() {
                words.push(Arg {
                    value: part.to_owned(),
                    file: w.file.clone(),
                    range: w.range,
                });
            }
            continue;
        }
        words.push(Arg {
            value: expand_braces(&w.value, env),
            file: w.file,
            range: w.range,
        });
    }
    let mut it = words.into_iter();
    let path = it.next()?;
    let mut argv: Vec<Arg> = it.collect();
    if !cmd.prefixes.contains('@') {
        argv.insert(0, path.clone());
    } else if argv.is_empty() {
        argv.push(path.clone());
    }
    Some(ExecCommand {
        prefixes: cmd.prefixes,
        path,
        argv,
    })
}

fn expand_braces(s: &str, env: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(r) = after.strip_prefix('{')
            && let Some(end) = r.find('}')
            && valid_name(&r[..end])
        {
            out.push_str(env.get(&r[..end]).map_or("", String::as_str));
            rest = &r[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Parses an environment file (`KEY=VALUE` lines, `#`/`;` comment lines,
/// blank lines; values unquoted, `"…"` (backslash escapes `"`, `\`, `$`,
/// `` ` `` and a newline) or `'…'`; an unquoted backslash escapes the next
/// character, and at the end of a line continues the value).
pub fn parse_env_file(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        // Start of a line: skip blanks.
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            break;
        };
        if first == '#' || first == ';' {
            for c in chars.by_ref() {
                if c == '\n' {
                    break;
                }
            }
            continue;
        }
        let mut key = String::new();
        let mut ok = false;
        for c in chars.by_ref() {
            if c == '=' {
                ok = true;
                break;
            }
            if c == '\n' {
                break;
            }
            key.push(c);
        }
        if !ok {
            continue;
        }
        while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
            chars.next();
        }
        let mut value = String::new();
        // Bytes of unquoted trailing whitespace, trimmed at the end.
        let mut trailing = 0usize;
        while let Some(c) = chars.next() {
            match c {
                '\n' => break,
                '"' => {
                    trailing = 0;
                    while let Some(q) = chars.next() {
                        match q {
                            '"' => break,
                            '\\' => match chars.next() {
                                Some('\n') => {}
                                Some(e @ ('"' | '\\' | '$' | '`')) => value.push(e),
                                Some(e) => {
                                    value.push('\\');
                                    value.push(e);
                                }
                                None => {}
                            },
                            q => value.push(q),
                        }
                    }
                }
                '\'' => {
                    trailing = 0;
                    for q in chars.by_ref() {
                        if q == '\'' {
                            break;
                        }
                        value.push(q);
                    }
                }
                '\\' => {
                    trailing = 0;
                    match chars.next() {
                        Some('\n') | None => {}
                        Some(e) => value.push(e),
                    }
                }
                c if c == ' ' || c == '\t' => {
                    value.push(c);
                    trailing += 1;
                }
                c => {
                    trailing = 0;
                    value.push(c);
                }
            }
        }
        value.truncate(value.len() - trailing);
        let key = key.trim();
        if valid_name(key) {
            out.push((key.to_owned(), value));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    struct Host {
        dir: tempfile::TempDir,
    }

    impl Host {
        fn new() -> Self {
            Host {
                dir: tempfile::tempdir().expect("tempdir"),
            }
        }
        fn write(&self, host: &str, text: &str) {
            let p = self.dir.path().join(host.trim_start_matches('/'));
            fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            fs::write(p, text).expect("write");
        }
        fn fs(&self) -> HostFs {
            HostFs::new(self.dir.path())
        }
    }

    fn values(c: &ExecCommand) -> Vec<&str> {
        c.argv.iter().map(|a| a.value.as_str()).collect()
    }

    fn slice<'a>(cfg: &'a ServiceConfig, a: &Arg) -> &'a str {
        a.range.slice(cfg.text_of(&a.file).expect("text"))
    }

    const UNIT: &str = "[Unit]\nDescription=Docker\n\n[Service]\nType=notify\n# comment\nExecStart=/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\nExecReload=/bin/kill -s HUP $MAINPID\n";

    #[test]
    fn unit_only() {
        let h = Host::new();
        h.write("/lib/systemd/system/docker.service", UNIT);
        let cfg = read_service(&h.fs(), "docker.service");
        assert!(cfg.errors.is_empty(), "{:?}", cfg.errors);
        assert_eq!(
            cfg.unit.as_deref(),
            Some(Path::new("/lib/systemd/system/docker.service"))
        );
        assert_eq!(cfg.exec_start.len(), 1);
        let c = &cfg.exec_start[0];
        assert_eq!(
            values(c),
            vec![
                "/usr/bin/dockerd",
                "-H",
                "fd://",
                "--containerd=/run/containerd/containerd.sock"
            ]
        );
        assert_eq!(slice(&cfg, &c.argv[2]), "fd://");
        assert_eq!(
            c.argv[2].file,
            Path::new("/lib/systemd/system/docker.service")
        );
        assert_eq!(cfg.files.len(), 1);
    }

    #[test]
    fn drop_in_resets_exec_start() {
        let h = Host::new();
        h.write("/lib/systemd/system/docker.service", UNIT);
        h.write(
            "/etc/systemd/system/docker.service.d/override.conf",
            "[Service]\nExecStart=\nExecStart=-/usr/bin/dockerd --icc=false\n",
        );
        let cfg = read_service(&h.fs(), "docker.service");
        assert!(cfg.errors.is_empty(), "{:?}", cfg.errors);
        assert_eq!(cfg.exec_start.len(), 1);
        let c = &cfg.exec_start[0];
        assert_eq!(c.prefixes, "-");
        assert_eq!(values(c), vec!["/usr/bin/dockerd", "--icc=false"]);
        let a = &c.args()[0];
        assert_eq!(
            a.file,
            Path::new("/etc/systemd/system/docker.service.d/override.conf")
        );
        assert_eq!(slice(&cfg, a), "--icc=false");
        assert_eq!(a.range, TextRange::new(49, 60));
        assert_eq!(cfg.files.len(), 2);
        // Without the reset, a second ExecStart is appended.
        h.write(
            "/etc/systemd/system/docker.service.d/override.conf",
            "[Service]\nExecStart=/usr/bin/true\n",
        );
        let cfg = read_service(&h.fs(), "docker.service");
        assert_eq!(cfg.exec_start.len(), 2);
    }

    #[test]
    fn drop_ins_override_by_name_across_dirs_and_apply_sorted() {
        let h = Host::new();
        h.write("/usr/lib/systemd/system/docker.service", UNIT);
        // Same name: /etc wins over /usr/lib.
        h.write(
            "/usr/lib/systemd/system/docker.service.d/10-a.conf",
            "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd --from-usr\n",
        );
        h.write(
            "/etc/systemd/system/docker.service.d/10-a.conf",
            "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd --from-etc\n",
        );
        // 20-b (in a lower-priority dir) applies after 10-a: sorted by name.
        h.write(
            "/run/systemd/system/docker.service.d/20-b.conf",
            "[Service]\nExecStart=\nExecStart=/usr/bin/dockerd --from-run $EXTRA\nEnvironment=EXTRA=--icc=false\n",
        );
        let cfg = read_service(&h.fs(), "docker.service");
        assert!(cfg.errors.is_empty(), "{:?}", cfg.errors);
        let paths: Vec<_> = cfg.files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(
            paths,
            vec![
                PathBuf::from("/usr/lib/systemd/system/docker.service"),
                PathBuf::from("/etc/systemd/system/docker.service.d/10-a.conf"),
                PathBuf::from("/run/systemd/system/docker.service.d/20-b.conf"),
            ]
        );
        assert_eq!(
            values(&cfg.exec_start[0]),
            vec!["/usr/bin/dockerd", "--from-run", "--icc=false"]
        );
        // Without 20-b, /etc's 10-a is the one that applies.
        fs::remove_file(
            h.dir
                .path()
                .join("run/systemd/system/docker.service.d/20-b.conf"),
        )
        .expect("rm");
        let cfg = read_service(&h.fs(), "docker.service");
        assert_eq!(
            values(&cfg.exec_start[0]),
            vec!["/usr/bin/dockerd", "--from-etc"]
        );
    }

    #[test]
    fn environment_file_expansion() {
        let h = Host::new();
        h.write(
            "/etc/systemd/system/docker.service",
            "[Service]\nEnvironment=\"OPTS=--icc=false --live-restore\" ONE=a\nEnvironmentFile=-/etc/default/docker\nEnvironmentFile=-/etc/sysconfig/missing\nExecStart=/usr/bin/dockerd $DOCKER_OPTS ${OPTS} --x=${ONE}$$ $UNSET\n",
        );
        h.write(
            "/etc/default/docker",
            "# comment\n; also a comment\nDOCKER_OPTS=\"--userns-remap=default  --log-level=info\"\nONE=b # not a comment\n",
        );
        let cfg = read_service(&h.fs(), "docker.service");
        assert!(cfg.errors.is_empty(), "{:?}", cfg.errors);
        let c = &cfg.exec_start[0];
        assert_eq!(
            values(c),
            vec![
                "/usr/bin/dockerd",
                "--userns-remap=default",
                "--log-level=info",
                "--icc=false --live-restore",
                "--x=b # not a comment$",
            ]
        );
        // Arguments from `$DOCKER_OPTS` point at the reference.
        assert_eq!(slice(&cfg, &c.argv[1]), "$DOCKER_OPTS");
        assert_eq!(slice(&cfg, &c.argv[2]), "$DOCKER_OPTS");
        assert_eq!(slice(&cfg, &c.argv[3]), "${OPTS}");
        assert_eq!(cfg.files.len(), 2);
        assert_eq!(cfg.files[1].kind, ReadKind::EnvironmentFile);
        // `:` turns substitution off.
        h.write(
            "/etc/systemd/system/docker.service",
            "[Service]\nEnvironment=A=x\nExecStart=:/usr/bin/dockerd $A ${A}\n",
        );
        let cfg = read_service(&h.fs(), "docker.service");
        assert_eq!(
            values(&cfg.exec_start[0]),
            vec!["/usr/bin/dockerd", "$A", "${A}"]
        );
        // A required environment file that is missing is an error.
        h.write(
            "/etc/systemd/system/docker.service",
            "[Service]\nEnvironmentFile=/etc/nope\nExecStart=/usr/bin/dockerd\n",
        );
        let cfg = read_service(&h.fs(), "docker.service");
        assert_eq!(cfg.errors.len(), 1, "{:?}", cfg.errors);
        assert!(cfg.errors[0].contains("/etc/nope"));
    }

    #[test]
    fn continuation_lines() {
        let h = Host::new();
        let text = "[Service]\nExecStart=/usr/bin/dockerd \\\n  --icc=false \\\n# a comment inside\n  --live-restore\nUser=root\n";
        h.write("/etc/systemd/system/docker.service", text);
        let cfg = read_service(&h.fs(), "docker.service");
        assert!(cfg.errors.is_empty(), "{:?}", cfg.errors);
        let c = &cfg.exec_start[0];
        assert_eq!(
            values(c),
            vec!["/usr/bin/dockerd", "--icc=false", "--live-restore"]
        );
        let lr = &c.argv[2];
        assert_eq!(slice(&cfg, lr), "--live-restore");
        // The offset is in the file, on its own (fifth) line.
        let before = &text[..lr.range.start as usize];
        assert_eq!(before.matches('\n').count(), 4);
    }

    #[test]
    fn quoting_and_escapes() {
        let h = Host::new();
        let text = "[Service]\nExecStart=@/usr/bin/dockerd dockerd \"--label=a b\" 'x\"y' --c=\\x41\\t \"q\\\"q\" %%p\n";
        h.write("/etc/systemd/system/docker.service", text);
        let cfg = read_service(&h.fs(), "docker.service");
        assert!(cfg.errors.is_empty(), "{:?}", cfg.errors);
        let c = &cfg.exec_start[0];
        assert_eq!(c.prefixes, "@");
        assert_eq!(c.path.value, "/usr/bin/dockerd");
        assert_eq!(
            values(c),
            vec!["dockerd", "--label=a b", "x\"y", "--c=A\t", "q\"q", "%p"]
        );
        assert_eq!(slice(&cfg, &c.argv[1]), "\"--label=a b\"");
        // An unterminated quote is an error, not a guess.
        h.write(
            "/etc/systemd/system/docker.service",
            "[Service]\nExecStart=/usr/bin/dockerd \"--x\n",
        );
        let cfg = read_service(&h.fs(), "docker.service");
        assert!(cfg.exec_start.is_empty());
        assert!(
            cfg.errors[0].contains("docker.service:2"),
            "{:?}",
            cfg.errors
        );
    }

    #[test]
    fn missing_masked_and_unreadable() {
        let h = Host::new();
        let cfg = read_service(&h.fs(), "docker.service");
        assert!(cfg.unit.is_none() && !cfg.masked && cfg.errors.is_empty());
        assert!(cfg.exec_start.is_empty() && cfg.files.is_empty());

        h.write("/usr/lib/systemd/system/docker.service", UNIT);
        fs::create_dir_all(h.dir.path().join("etc/systemd/system")).expect("mkdir");
        std::os::unix::fs::symlink(
            "/dev/null",
            h.dir.path().join("etc/systemd/system/docker.service"),
        )
        .expect("symlink");
        let cfg = read_service(&h.fs(), "docker.service");
        assert!(cfg.masked && cfg.unit.is_none());
        // An empty unit file masks too.
        fs::remove_file(h.dir.path().join("etc/systemd/system/docker.service")).expect("rm");
        h.write("/etc/systemd/system/docker.service", "");
        let cfg = read_service(&h.fs(), "docker.service");
        assert!(cfg.masked && cfg.unit.is_none());

        fs::remove_file(h.dir.path().join("etc/systemd/system/docker.service")).expect("rm");
        // A drop-in that is a directory is reported, not ignored.
        fs::create_dir_all(
            h.dir
                .path()
                .join("etc/systemd/system/docker.service.d/bad.conf"),
        )
        .expect("mkdir");
        let cfg = read_service(&h.fs(), "docker.service");
        assert_eq!(cfg.exec_start.len(), 1);
        assert_eq!(cfg.errors.len(), 1, "{:?}", cfg.errors);
        assert!(cfg.errors[0].contains("bad.conf"));
    }

    #[test]
    fn env_file_syntax() {
        let v = parse_env_file(
            "A=1\n  B = 'x y'  \nC=\"l1\\\nl2\" \nD=a\\ b\\\nc\n# E=no\n;F=no\nbad line\n9X=no\nG=\n",
        );
        let got: Vec<(&str, &str)> = v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            got,
            vec![
                ("A", "1"),
                ("B", "x y"),
                ("C", "l1l2"),
                ("D", "a bc"),
                ("G", "")
            ]
        );
    }

    /// Debian's docker.io unit, as shipped (`-H fd://`, `$DOCKER_OPTS` from
    /// an optional /etc/default/docker).
    const DEBIAN_UNIT: &str = "[Unit]\nDescription=Docker Application Container Engine\nRequires=docker.socket\n\n[Service]\nType=notify\n# the default is not to use systemd for cgroups because the delegate issues still\n# exists and systemd currently does not support the cgroup feature set required\n# for containers run by docker\nEnvironmentFile=-/etc/default/docker\nExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\nExecReload=/bin/kill -s HUP $MAINPID\nLimitNOFILE=1048576\n\n[Install]\nWantedBy=multi-user.target\n";

    #[test]
    fn debian_unit_with_and_without_etc_default_docker() {
        let h = Host::new();
        h.write("/lib/systemd/system/docker.service", DEBIAN_UNIT);
        let cfg = read_service(&h.fs(), "docker.service");
        assert!(cfg.errors.is_empty(), "{:?}", cfg.errors);
        assert_eq!(
            values(&cfg.exec_start[0]),
            vec![
                "/usr/sbin/dockerd",
                "-H",
                "fd://",
                "--containerd=/run/containerd/containerd.sock"
            ]
        );
        h.write(
            "/etc/default/docker",
            "# Docker Upstart and SysVinit configuration file\n#DOCKER_OPTS=\"--dns 8.8.8.8\"\nDOCKER_OPTS=\"--icc=false\"\n",
        );
        let cfg = read_service(&h.fs(), "docker.service");
        let c = &cfg.exec_start[0];
        assert_eq!(c.args().len(), 4);
        assert_eq!(c.args()[3].value, "--icc=false");
        assert_eq!(slice(&cfg, &c.args()[3]), "$DOCKER_OPTS");
        assert_eq!(
            cfg.environment.get("DOCKER_OPTS").map(String::as_str),
            Some("--icc=false")
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Any text: no panic, and every argument's range lies in its file
        /// on character boundaries.
        #[test]
        fn ranges_are_always_inside_their_file(
            body in "[ -~\n\\\\\"'$é]{0,200}",
            env in "[ -~\n\\\\\"'é]{0,80}",
        ) {
            let h = Host::new();
            h.write(
                "/etc/systemd/system/docker.service",
                &format!("[Service]\nEnvironmentFile=-/e\nExecStart=/usr/bin/dockerd {body}\n"),
            );
            h.write("/e", &env);
            let cfg = read_service(&h.fs(), "docker.service");
            for c in &cfg.exec_start {
                for a in c.argv.iter().chain([&c.path]) {
                    let text = cfg.text_of(&a.file).expect("text");
                    proptest::prop_assert!(text.get(a.range.as_usize()).is_some());
                }
            }
        }
    }
}
