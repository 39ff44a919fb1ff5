//! Account management seen in build steps, shared by IMG067 (empty
//! passwords) and IMG068 (duplicate accounts): `useradd`/`adduser`,
//! `groupadd`/`addgroup`, `usermod`/`groupmod`, and lines written into
//! `/etc/passwd`, `/etc/shadow` and `/etc/group` with `echo`/`printf`.

use drydock_core::spec::{ShellCommand, ShellScript, Word};

/// Whether an account is a user or a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    User,
    Group,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
        }
    }

    pub(crate) fn id_name(self) -> &'static str {
        match self {
            Kind::User => "UID",
            Kind::Group => "GID",
        }
    }
}

/// One account a command creates or changes.
#[derive(Clone, Debug)]
pub(crate) struct AccountOp<'a> {
    pub kind: Kind,
    /// Creates the account (`useradd`), rather than changing an existing
    /// one (`usermod`).
    pub creates: bool,
    /// The account name when written literally.
    pub name: Option<&'a Word>,
    /// The numeric ID when given literally (`-u 1000`, `--gid=10`).
    pub id: Option<(u64, &'a Word)>,
    /// `-o`/`--non-unique`: a duplicate ID is allowed on purpose.
    pub non_unique: Option<&'a Word>,
}

/// Options of the account tools that take a value as the next word.
const USERADD_VALUED: &[&str] = &[
    "-b",
    "--base-dir",
    "-c",
    "--comment",
    "-d",
    "--home-dir",
    "--home",
    "-e",
    "--expiredate",
    "-f",
    "--inactive",
    "-g",
    "--gid",
    "-G",
    "--groups",
    "-k",
    "--skel",
    "-K",
    "--key",
    "-p",
    "--password",
    "-s",
    "--shell",
    "-u",
    "--uid",
    "-R",
    "--root",
    "-P",
    "--prefix",
    "-Z",
    "--selinux-user",
    "-h",
    "--ingroup",
    "--gecos",
    "--firstuid",
    "--lastuid",
    "--firstgid",
    "--lastgid",
    "--conf",
    "-n",
    "--new-name",
];

/// The value of an option: `-u 5`, `-u5`, `--uid 5`, `--uid=5`. `short`
/// may be empty when the tool has no short form.
pub(crate) fn option_value<'a>(cmd: &'a ShellCommand, short: &str, long: &str) -> Option<&'a Word> {
    let args: Vec<&Word> = cmd.option_args().collect();
    for (i, w) in args.iter().enumerate() {
        let t = w.text.as_str();
        if (!short.is_empty() && t == short) || t == long {
            return args.get(i + 1).copied();
        }
        if t.strip_prefix(long).is_some_and(|r| r.starts_with('='))
            || (!short.is_empty()
                && t.len() > short.len()
                && t.starts_with(short)
                && !t.starts_with("--"))
        {
            return Some(w);
        }
    }
    None
}

/// The text of an option's value (see [`option_value`]) without the option
/// itself when both are one word (`-u5`, `--uid=5`).
pub(crate) fn value_text<'a>(w: &'a Word, short: &str, long: &str) -> &'a str {
    let t = w.text.as_str();
    if let Some(v) = t.strip_prefix(long).and_then(|r| r.strip_prefix('=')) {
        return v;
    }
    if !short.is_empty() && t.starts_with(short) && !t.starts_with("--") {
        return &t[short.len()..];
    }
    t
}

fn numeric<'a>(w: Option<&'a Word>, short: &str, long: &str) -> Option<(u64, &'a Word)> {
    let w = w.filter(|w| w.literal)?;
    value_text(w, short, long)
        .parse::<u64>()
        .ok()
        .map(|n| (n, w))
}

/// What an account command does, if it is one.
pub(crate) fn account_op(cmd: &ShellCommand) -> Option<AccountOp<'_>> {
    let (kind, creates, id_short, id_long) = match cmd.program() {
        "useradd" => (Kind::User, true, "-u", "--uid"),
        "adduser" => (Kind::User, true, "-u", "--uid"),
        "usermod" => (Kind::User, false, "-u", "--uid"),
        "groupadd" | "addgroup" => (Kind::Group, true, "-g", "--gid"),
        "groupmod" => (Kind::Group, false, "-g", "--gid"),
        _ => return None,
    };
    let mut valued = USERADD_VALUED.to_vec();
    if cmd.is("usermod") {
        // `usermod -l NEW_LOGIN`; elsewhere `-l` is a flag (`--no-log-init`).
        valued.extend(["-l", "--login"]);
    }
    let positionals = cmd.positionals(&valued);
    // `adduser user group` / `addgroup user group` add an existing user to
    // a group: nothing is created.
    if matches!(cmd.program(), "adduser" | "addgroup") && positionals.len() != 1 {
        return None;
    }
    let name = positionals.last().copied().filter(|w| w.literal);
    let id = numeric(option_value(cmd, id_short, id_long), id_short, id_long);
    // busybox `adduser` has no `-o`; elsewhere it means `--non-unique`.
    let non_unique = cmd
        .option_args()
        .find(|w| w.text == "--non-unique" || (w.text == "-o" && cmd.program() != "adduser"))
        .or_else(|| {
            cmd.option_args().find(|w| {
                let t = w.text.as_str();
                cmd.program() != "adduser"
                    && t.len() > 2
                    && t.starts_with('-')
                    && !t.starts_with("--")
                    && t[1..].chars().all(|c| c.is_ascii_alphabetic())
                    && t[1..].contains('o')
            })
        });
    Some(AccountOp {
        kind,
        creates,
        name,
        id,
        non_unique,
    })
}

/// An account database file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DbFile {
    Passwd,
    Shadow,
    Group,
}

impl DbFile {
    pub(crate) fn from_path(path: &str) -> Option<DbFile> {
        match path {
            "/etc/passwd" => Some(DbFile::Passwd),
            "/etc/shadow" => Some(DbFile::Shadow),
            "/etc/group" => Some(DbFile::Group),
            _ => None,
        }
    }

    pub(crate) fn path(self) -> &'static str {
        match self {
            DbFile::Passwd => "/etc/passwd",
            DbFile::Shadow => "/etc/shadow",
            DbFile::Group => "/etc/group",
        }
    }
}

/// Lines written into an account database: `echo 'x:…' >> /etc/passwd`,
/// `printf 'x:…\n' > /etc/shadow`, `echo 'x:…' | tee -a /etc/group`. The
/// words that carry the text come with the lines (the first one where
/// several are joined).
pub(crate) fn db_lines<'a>(
    script: &'a ShellScript,
    cmd: &'a ShellCommand,
) -> Vec<(DbFile, String, &'a Word)> {
    let Some((text, word)) = printed_text(cmd) else {
        return Vec::new();
    };
    let mut files: Vec<DbFile> = cmd
        .redirects
        .iter()
        .filter(|r| r.op.ends_with('>') && !r.op.starts_with('<'))
        .filter_map(|r| DbFile::from_path(&r.target.text))
        .collect();
    if let Some(next) = script.piped_into(cmd)
        && next.is("tee")
    {
        files.extend(
            next.positionals(&[])
                .into_iter()
                .filter_map(|w| DbFile::from_path(&w.text)),
        );
    }
    let mut out = Vec::new();
    for file in files {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            out.push((file, line.to_string(), word));
        }
    }
    out
}

/// The text an `echo`/`printf` prints, when its words are literal (escape
/// sequences `\n` and `\t` are interpreted, as `printf`, `echo -e` and
/// dash's `echo` do).
pub(crate) fn printed_text(cmd: &ShellCommand) -> Option<(String, &Word)> {
    let words: Vec<&Word> = if cmd.is("echo") {
        cmd.args
            .iter()
            .skip_while(|w| matches!(w.text.as_str(), "-e" | "-n" | "-E" | "-ne" | "-en"))
            .collect()
    } else if cmd.is("printf") {
        // The format only (arguments for `%s` are rare in these lines).
        cmd.args.first().into_iter().collect()
    } else {
        return None;
    };
    let first = *words.first()?;
    if !words.iter().all(|w| w.literal) {
        return None;
    }
    let joined = words
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    Some((joined.replace("\\n", "\n").replace("\\t", "\t"), first))
}

/// The lines `cmd`'s standard input receives from a literal `echo`/`printf`
/// piped into it, or a literal here-string (`<<< 'x'`).
pub(crate) fn stdin_lines<'a>(
    script: &'a ShellScript,
    cmd: &'a ShellCommand,
) -> Vec<(String, &'a Word)> {
    let mut out = Vec::new();
    if let Some(p) = cmd.pipeline
        && p.index > 0
        && let Some(prev) = script
            .pipeline(p.id)
            .find(|c| c.pipeline.is_some_and(|q| q.index + 1 == p.index))
        && let Some((text, w)) = printed_text(prev)
    {
        out.extend(text.lines().map(|l| (l.to_string(), w)));
    }
    for r in cmd.redirects.iter().filter(|r| r.op == "<<<") {
        if r.target.literal {
            out.extend(
                r.target
                    .text
                    .replace("\\n", "\n")
                    .lines()
                    .map(|l| (l.to_string(), &r.target)),
            );
        }
    }
    out
}

/// One account line of a built image's `/etc/passwd`, `/etc/shadow` or
/// `/etc/group`: its range in the file's text and its `:`-separated fields.
/// Blank lines, comments and NIS compat lines (`+…`, `-…`) are skipped.
pub(crate) fn db_entries(text: &str) -> impl Iterator<Item = (drydock_core::TextRange, Vec<&str>)> {
    super::files::lines(text).filter_map(|(range, line)| {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with('+') || t.starts_with('-') {
            return None;
        }
        Some((range, line.split(':').collect()))
    })
}
