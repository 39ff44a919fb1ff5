//! Shell commands found in `RUN` (shell form, heredoc bodies, `sh -c "…"`
//! strings) and, later, in image history. A flat list of simple commands
//! with enough structure (pipelines, nesting) for rules to reason about.

use crate::origin::Origin;

/// One word of a command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    /// The word with quotes removed where it is static; where it contains
    /// expansions (`$VAR`, `$(…)`) it is the raw source text.
    pub text: String,
    /// `true` when `text` is exactly what the shell would pass (no
    /// expansion, glob or substitution inside).
    pub literal: bool,
    pub origin: Origin,
}

impl Word {
    pub fn is(&self, s: &str) -> bool {
        self.text == s
    }
}

/// Where a command sits in a pipeline `a | b | c`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PipePos {
    /// Identifies the pipeline within the script.
    pub id: u32,
    /// 0-based position in the pipeline.
    pub index: u32,
    /// Number of commands in the pipeline.
    pub len: u32,
}

/// How a command is nested inside another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// At the top level of the script (possibly inside `if`, `{ }`, `( )`,
    /// loops, or `&&`/`||`/`;` lists).
    Top,
    /// Inside `$(…)` or backticks of the parent command.
    CommandSubstitution,
    /// Inside `<(…)` or `>(…)` of the parent command.
    ProcessSubstitution,
    /// Inside the string given to `sh -c`/`bash -c` by the parent command.
    ShellString,
    /// The command run by a wrapper such as `sudo`, `env`, `nice`, `nohup`,
    /// `time`, `exec`, `xargs`, `su -c`.
    Wrapped,
}

/// A redirection on a command (`> file`, `2>&1`, `< in`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// The operator as written: `>`, `>>`, `<`, `2>`, `&>`, `>&`, …
    pub op: String,
    pub target: Word,
}

/// A simple command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShellCommand {
    /// The whole command, name through last argument and redirects.
    pub origin: Origin,
    /// The command word (`apt-get`, `/usr/bin/curl`, `$CC`).
    pub name: Word,
    pub args: Vec<Word>,
    /// `NAME=value` assignments before the command word.
    pub assignments: Vec<Word>,
    pub redirects: Vec<Redirect>,
    pub pipeline: Option<PipePos>,
    pub nesting: Nesting,
    /// Index (into [`ShellScript::commands`]) of the command this one is
    /// nested in, for every nesting but `Top`.
    pub parent: Option<u32>,
    /// In a `$(…)` that is the value of an assignment standing alone as a
    /// command (`arch="$(dpkg … | awk …)"`), whose status is the
    /// assignment's status (and so stops a `set -e` script). `parent` is
    /// `None` for these: an assignment alone is not a command here.
    pub assigned: bool,
    /// Run in the background (`cmd &`).
    pub background: bool,
    /// Index (into [`ShellScript::commands`]) of the command that runs the
    /// shell this command is read by: `bash` for the commands of
    /// `bash -c '…'` or `bash <<'EOF'`. `None` for the script's own shell
    /// (the `RUN`'s `SHELL`).
    pub shell: Option<u32>,
    /// Another command follows this one in the same sequence (`cmd; next`,
    /// or `next` on a later line) and nothing tests this one's exit status
    /// (no `&&`/`||` after it, not an `if`/`while` condition, not in the
    /// background): unless `set -e` is on, a failure goes unnoticed.
    pub status_unchecked: bool,
}

impl ShellCommand {
    /// The command word's file name: `curl` for `/usr/bin/curl`.
    pub fn program(&self) -> &str {
        self.name.text.rsplit('/').next().unwrap_or(&self.name.text)
    }

    /// Whether this command runs `program` (by file name).
    pub fn is(&self, program: &str) -> bool {
        self.program() == program
    }

    /// Arguments before a `--` end-of-options marker.
    pub fn option_args(&self) -> impl Iterator<Item = &Word> {
        self.args.iter().take_while(|w| w.text != "--")
    }

    /// Whether a short option letter is given, alone (`-y`) or combined
    /// (`-qy`). Long options (`--yes`) never match.
    pub fn has_short(&self, letter: char) -> bool {
        self.option_args().any(|w| {
            let t = w.text.as_str();
            t.len() > 1
                && t.starts_with('-')
                && !t.starts_with("--")
                && t[1..].chars().all(|c| c.is_ascii_alphanumeric())
                && t[1..].contains(letter)
        })
    }

    /// Whether a long option is given, as `--name` or `--name=value`.
    pub fn has_long(&self, name: &str) -> bool {
        self.long_value_word(name).is_some()
    }

    /// The word carrying a long option (`--name` or `--name=value`).
    pub fn long_value_word(&self, name: &str) -> Option<&Word> {
        let name = name.trim_start_matches('-');
        self.option_args().find(|w| {
            w.text.strip_prefix("--").is_some_and(|rest| {
                rest == name || rest.strip_prefix(name).is_some_and(|r| r.starts_with('='))
            })
        })
    }

    /// Whether any of the given options is present. Each entry is either a
    /// short option (`-y`) or a long one (`--yes`).
    pub fn has_any(&self, options: &[&str]) -> bool {
        options.iter().any(|o| match o.strip_prefix("--") {
            Some(long) => self.has_long(long),
            None => o
                .strip_prefix('-')
                .and_then(|s| s.chars().next())
                .is_some_and(|c| o.len() == 2 && self.has_short(c)),
        })
    }

    /// The arguments that are not options (do not start with `-`), after
    /// dropping the values of the listed options that take one.
    pub fn positionals<'a>(&'a self, options_with_value: &[&str]) -> Vec<&'a Word> {
        positional_words(&self.args, options_with_value)
    }

    /// The first positional argument, e.g. `install` in `apt-get -y install x`.
    pub fn subcommand(&self) -> Option<&Word> {
        self.positionals(&[]).into_iter().next()
    }
}

/// The words of `args` that are not options (do not start with `-`),
/// skipping the value of each listed option given as a separate word;
/// after `--` every word is positional.
pub fn positional_words<'a>(args: &'a [Word], options_with_value: &[&str]) -> Vec<&'a Word> {
    let mut out = Vec::new();
    let mut skip_next = false;
    let mut after_dashdash = false;
    for w in args {
        if skip_next {
            skip_next = false;
            continue;
        }
        if after_dashdash {
            out.push(w);
            continue;
        }
        if w.text == "--" {
            after_dashdash = true;
            continue;
        }
        if w.text.starts_with('-') && w.text.len() > 1 {
            skip_next = options_with_value.contains(&w.text.as_str());
            continue;
        }
        out.push(w);
    }
    out
}

/// A parsed script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShellScript {
    pub origin: Origin,
    /// Every simple command, in source order (a nested command follows its
    /// parent).
    pub commands: Vec<ShellCommand>,
    /// The parser met text it could not understand; the commands found are
    /// still listed.
    pub has_errors: bool,
    /// `set -o pipefail` (or `set -eo pipefail`, …) is in effect at the top.
    pub sets_pipefail: bool,
    /// Syntax beyond POSIX `sh` (bash extensions), in source order.
    pub syntax: Vec<SyntaxFact>,
}

/// A bash extension to the POSIX shell language, found in a script.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SyntaxKind {
    /// `[[ … ]]`
    DoubleBracketTest,
    /// `function name { … }`
    FunctionKeyword,
    /// An array: `a=(x y)`, `a[0]=x`, `${a[0]}`.
    Array,
    /// `<(…)` or `>(…)`
    ProcessSubstitution,
    /// `{a,b}` or `{1..3}` in an unquoted word.
    BraceExpansion,
    /// `$'…'`
    AnsiCString,
    /// `&> file`, `&>> file`
    AmpersandRedirect,
    /// `a |& b`
    PipeStderr,
    /// `<<< word`
    HereString,
    /// `(( … ))` as a command.
    ArithmeticCommand,
    /// `==` in `[ … ]`.
    DoubleEqualInTest,
    /// `${var:offset}`, `${var:offset:length}`
    Substring,
    /// `${var/pattern/replacement}`
    PatternSubstitution,
    /// `${var^^}`, `${var,,}`
    CaseModification,
}

impl SyntaxKind {
    /// How the construct reads, for messages: `` `[[ … ]]` ``.
    pub fn describe(self) -> &'static str {
        match self {
            SyntaxKind::DoubleBracketTest => "`[[ … ]]` test",
            SyntaxKind::FunctionKeyword => "`function` keyword",
            SyntaxKind::Array => "array",
            SyntaxKind::ProcessSubstitution => "process substitution `<(…)`",
            SyntaxKind::BraceExpansion => "brace expansion `{a,b}`",
            SyntaxKind::AnsiCString => "`$'…'` string",
            SyntaxKind::AmpersandRedirect => "`&>` redirection",
            SyntaxKind::PipeStderr => "`|&` pipe",
            SyntaxKind::HereString => "here-string `<<<`",
            SyntaxKind::ArithmeticCommand => "arithmetic command `(( … ))`",
            SyntaxKind::DoubleEqualInTest => "`==` in `[ … ]`",
            SyntaxKind::Substring => "substring expansion `${var:offset}`",
            SyntaxKind::PatternSubstitution => "pattern substitution `${var/a/b}`",
            SyntaxKind::CaseModification => "case modification `${var^^}`",
        }
    }
}

/// Where a script uses a bash extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxFact {
    pub kind: SyntaxKind,
    pub origin: Origin,
    /// The command running the shell that reads this text (see
    /// [`ShellCommand::shell`]); `None` for the script's own shell.
    pub shell: Option<u32>,
}

impl ShellScript {
    /// Commands that run `program`.
    pub fn commands_named<'a>(
        &'a self,
        program: &'a str,
    ) -> impl Iterator<Item = &'a ShellCommand> + 'a {
        self.commands.iter().filter(move |c| c.is(program))
    }

    pub fn runs(&self, program: &str) -> bool {
        self.commands_named(program).next().is_some()
    }

    /// The commands of the pipeline `id`, in order.
    pub fn pipeline(&self, id: u32) -> impl Iterator<Item = &ShellCommand> {
        self.commands
            .iter()
            .filter(move |c| c.pipeline.is_some_and(|p| p.id == id))
    }

    /// The command `cmd`'s output flows into: the next one in its pipeline.
    pub fn piped_into(&self, cmd: &ShellCommand) -> Option<&ShellCommand> {
        let p = cmd.pipeline?;
        self.pipeline(p.id)
            .find(|c| c.pipeline.is_some_and(|q| q.index == p.index + 1))
    }

    pub fn parent_of(&self, cmd: &ShellCommand) -> Option<&ShellCommand> {
        cmd.parent.and_then(|i| self.commands.get(i as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Word {
        Word {
            text: s.into(),
            literal: true,
            origin: Origin::Implicit,
        }
    }

    fn cmd(name: &str, args: &[&str]) -> ShellCommand {
        ShellCommand {
            origin: Origin::Implicit,
            name: w(name),
            args: args.iter().map(|a| w(a)).collect(),
            assignments: vec![],
            redirects: vec![],
            pipeline: None,
            nesting: Nesting::Top,
            parent: None,
            assigned: false,
            background: false,
            shell: None,
            status_unchecked: false,
        }
    }

    #[test]
    fn flags() {
        let c = cmd(
            "/usr/bin/apt-get",
            &[
                "-qy",
                "install",
                "--no-install-recommends",
                "curl",
                "--",
                "-x",
            ],
        );
        assert!(c.is("apt-get"));
        assert!(c.has_short('y') && c.has_short('q') && !c.has_short('x'));
        assert!(c.has_long("no-install-recommends") && !c.has_long("no-install"));
        assert!(c.has_any(&["--yes", "-y"]));
        let pos: Vec<_> = c.positionals(&[]).iter().map(|w| w.text.as_str()).collect();
        assert_eq!(pos, ["install", "curl", "-x"]);
        assert_eq!(c.subcommand().map(|w| w.text.as_str()), Some("install"));
        let c = cmd("pip", &["install", "--index-url=x", "-r", "req.txt"]);
        assert_eq!(
            c.long_value_word("index-url").map(|w| w.text.as_str()),
            Some("--index-url=x")
        );
        let pos: Vec<_> = c
            .positionals(&["-r"])
            .iter()
            .map(|w| w.text.as_str())
            .collect();
        assert_eq!(pos, ["install"]);
    }
}
