//! `docker exec` (`docker container exec`) command lines parsed into an
//! [`ExecSpec`]: `docker [global options] exec [options] CONTAINER COMMAND
//! [ARG…]`.
//!
//! As for run lines, every field keeps the origin of the bytes that set it
//! (the flag word for `--privileged`, the value for `--user root`), and
//! nothing is guessed: a value holding `$VAR` leaves its field unset and is
//! listed in [`ExecSpec::unknown`]; a word that may itself be options
//! (`$DOCKER_EXEC_OPTS`, `"$@"`) is listed with `hides_absence`, so that
//! the exec's user counts as unreadable.

use drydock_core::spec::{ExecSource, ExecSpec, KeyValue, UnknownPart};
use drydock_core::{FileId, Origin, Sp, TextRange};

use crate::argv::{
    ArgWord, Opt, b, certainly_operand, client_prefix, find_long, find_short, parse_bool, v,
};

/// A `docker exec` invocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecLine {
    /// The whole command, program through last argument.
    pub origin: Origin,
    /// The exec. `spec.origin` covers `docker … exec`.
    pub spec: ExecSpec,
}

/// `docker exec`'s options (Docker 27).
const EXEC_OPTS: &[Opt] = &[
    b("detach", Some('d')),
    v("detach-keys", None),
    v("env", Some('e')),
    v("env-file", None),
    b("help", None),
    b("interactive", Some('i')),
    b("privileged", None),
    b("tty", Some('t')),
    v("user", Some('u')),
    v("workdir", Some('w')),
];

struct Builder {
    file: FileId,
    spec: ExecSpec,
}

impl Builder {
    fn unknown(&mut self, origin: Origin, option: Option<&str>, hides_absence: bool) {
        self.spec.unknown.push(UnknownPart {
            origin,
            option: option.map(str::to_string),
            hides_absence,
        });
    }

    /// A boolean option, with its `=value` when written (`--privileged=false`).
    fn flag(&mut self, long: &str, word: &ArgWord, value: Option<(&str, usize)>) {
        let file = self.file;
        let on = match value {
            None => true,
            Some((t, off)) => match parse_bool(t) {
                Some(x) => x,
                None => {
                    let origin = word.sub(file, off, off + t.len());
                    self.unknown(origin, Some(&format!("--{long}")), long == "privileged");
                    return;
                }
            },
        };
        let sp = Some(Sp::new(on, word.origin(file)));
        match long {
            "privileged" => self.spec.privileged = sp,
            "detach" => self.spec.detach = sp,
            "tty" => self.spec.tty = sp,
            "interactive" => self.spec.interactive = sp,
            _ => {}
        }
    }

    /// An option with a value: `text` is `word.text[off..]`.
    fn value(&mut self, long: &str, word: &ArgWord, off: usize) {
        let file = self.file;
        let text = word.text.get(off..).unwrap_or("");
        let sp = Sp::new(text.to_string(), word.sub(file, off, word.text.len()));
        match long {
            "user" => self.spec.user = Some(sp),
            "workdir" => self.spec.workdir = Some(sp),
            "env-file" => self.spec.env_files.push(sp),
            "env" => {
                let origin = sp.origin.clone();
                let kv = match text.find('=') {
                    Some(p) => KeyValue {
                        origin,
                        key: Sp::new(text[..p].to_string(), word.sub(file, off, off + p)),
                        value: Sp::new(
                            text[p + 1..].to_string(),
                            word.sub(file, off + p + 1, word.text.len()),
                        ),
                    },
                    None => {
                        // `-e NAME`: the value comes from the client's environment.
                        self.unknown(origin.clone(), Some("--env"), false);
                        KeyValue {
                            origin: origin.clone(),
                            key: sp.clone(),
                            value: Sp::new(String::new(), origin),
                        }
                    }
                };
                self.spec.env.push(kv);
            }
            _ => {}
        }
    }

    /// An option whose value holds an expansion: the field stays unset.
    fn dynamic_value(&mut self, long: &str, word: &ArgWord, off: usize) {
        let origin = word.sub(self.file, off, word.text.len());
        // An unknown `--user` may be root; an unknown `--env` or
        // `--workdir` hides nothing the rules look at.
        let hides = matches!(long, "user" | "privileged");
        self.unknown(origin, Some(&format!("--{long}")), hides);
    }
}

/// What to do after a word.
enum Step {
    Next(usize),
    /// The options are over: the container is at this index.
    Container(usize),
    /// Nothing more can be read.
    Stop,
}

fn long_option(bld: &mut Builder, args: &[ArgWord], i: usize, long: &str) -> Step {
    let Some(w) = args.get(i) else {
        return Step::Stop;
    };
    let (name, inline) = match long.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (long, None),
    };
    let Some(opt) = find_long(EXEC_OPTS, name) else {
        // A newer Docker's option: it may take the next word.
        let hides = inline.is_none();
        bld.unknown(w.origin(bld.file), Some(&format!("--{name}")), hides);
        return if hides { Step::Stop } else { Step::Next(i + 1) };
    };
    let val_off = 2 + name.len() + 1;
    if !opt.takes_value {
        bld.flag(opt.long, w, inline.map(|t| (t, val_off)));
        return Step::Next(i + 1);
    }
    match inline {
        Some(_) => {
            bld.value(opt.long, w, val_off);
            Step::Next(i + 1)
        }
        None => separate_value(bld, args, i, opt.long),
    }
}

fn separate_value(bld: &mut Builder, args: &[ArgWord], i: usize, long: &str) -> Step {
    let Some(next) = args.get(i + 1) else {
        return Step::Stop;
    };
    if next.literal {
        bld.value(long, next, 0);
    } else {
        bld.dynamic_value(long, next, 0);
    }
    Step::Next(i + 2)
}

/// `-it`, `-u0`, `-itu root`, `-e=X=1`.
fn short_options(bld: &mut Builder, args: &[ArgWord], i: usize) -> Step {
    let Some(w) = args.get(i) else {
        return Step::Stop;
    };
    let text = w.text.as_str();
    for (pos, c) in text.char_indices().skip(1) {
        let Some(opt) = find_short(EXEC_OPTS, c) else {
            bld.unknown(w.origin(bld.file), Some(&format!("-{c}")), true);
            return Step::Stop;
        };
        if !opt.takes_value {
            bld.flag(opt.long, w, None);
            continue;
        }
        let mut start = pos + c.len_utf8();
        if text[start..].starts_with('=') {
            start += 1;
        }
        if start < text.len() {
            bld.value(opt.long, w, start);
            return Step::Next(i + 1);
        }
        return separate_value(bld, args, i, opt.long);
    }
    Step::Next(i + 1)
}

/// A word holding an expansion where an option or the container is
/// expected.
fn dynamic_word(bld: &mut Builder, args: &[ArgWord], i: usize) -> Step {
    let file = bld.file;
    let Some(w) = args.get(i) else {
        return Step::Stop;
    };
    let raw = w.text.as_str();
    let q = usize::from(raw.starts_with(['"', '\'']));
    let body = &raw[q..];
    if let Some(long) = body.strip_prefix("--") {
        let name_len = long
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(long.len());
        let name = &long[..name_len];
        if !name.is_empty() && long[name_len..].starts_with('=') {
            let off = q + 2 + name_len + 1;
            match find_long(EXEC_OPTS, name) {
                Some(o) => bld.dynamic_value(o.long, w, off),
                None => bld.unknown(w.origin(file), Some(&format!("--{name}")), false),
            }
            return Step::Next(i + 1);
        }
    } else if let Some(short) = body.strip_prefix('-')
        && let Some(c) = short.chars().next().filter(char::is_ascii_alphabetic)
        && let Some(o) = find_short(EXEC_OPTS, c).filter(|o| o.takes_value)
    {
        bld.dynamic_value(o.long, w, q + 2);
        return Step::Next(i + 1);
    }
    let next_is_operand = args
        .get(i + 1)
        .is_some_and(|n| n.literal && !n.text.starts_with('-'));
    if certainly_operand(raw) || (single_quoted_variable(raw) && next_is_operand) {
        // `app-$ENV`, or `"$CONTAINER"` before the command: the container,
        // not known statically. (A quoted variable is one word; followed
        // by an operand, it is the container, not options.)
        bld.unknown(w.origin(file), Some("container"), false);
        return Step::Container(i);
    }
    // `$DOCKER_EXEC_OPTS`, `"$@"`: options or the container.
    bld.unknown(w.origin(file), None, true);
    match args.get(i + 1) {
        Some(n) if !n.literal || n.text.starts_with('-') => Step::Next(i + 1),
        _ => Step::Stop,
    }
}

/// `"$NAME"` or `"${NAME}"`: one word, whatever its value.
fn single_quoted_variable(raw: &str) -> bool {
    let Some(inner) = raw.strip_prefix("\"$").and_then(|r| r.strip_suffix('"')) else {
        return false;
    };
    let name = inner
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .unwrap_or(inner);
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses the words after the program (`docker`, `podman`). Returns `None`
/// when they are not an exec.
pub fn parse_exec_invocation(
    file: FileId,
    program: &ArgWord,
    args: &[ArgWord],
    assignments: &[ArgWord],
) -> Option<ExecLine> {
    let prefix = client_prefix(file, args, assignments, &["exec"])?;
    let start = program.range.start;
    let sub_end = prefix.sub_end.max(start);
    let end = args
        .last()
        .map_or(program.range.end, |a| a.range.end)
        .max(sub_end);
    let mut bld = Builder {
        file,
        spec: ExecSpec {
            origin: Origin::file(file, TextRange::new(start, sub_end)),
            source: ExecSource::ExecLine,
            engine: prefix.engine(),
            ..ExecSpec::default()
        },
    };
    let rest = args.get(prefix.next..).unwrap_or(&[]);
    let mut i = 0;
    let container_at = loop {
        let Some(w) = rest.get(i) else {
            break None;
        };
        let step = if !w.literal {
            dynamic_word(&mut bld, rest, i)
        } else if w.text == "--" {
            Step::Container(i + 1)
        } else if let Some(long) = w.text.strip_prefix("--").filter(|l| !l.is_empty()) {
            long_option(&mut bld, rest, i, long)
        } else if w.text.len() > 1 && w.text.starts_with('-') {
            short_options(&mut bld, rest, i)
        } else {
            Step::Container(i)
        };
        match step {
            Step::Next(n) => i = n,
            Step::Container(n) => break Some(n),
            Step::Stop => break None,
        }
    };
    if let Some(n) = container_at {
        if let Some(c) = rest.get(n).filter(|c| c.literal) {
            bld.spec.container = Some(Sp::new(c.text.clone(), c.sub(file, 0, c.text.len())));
        } else if let Some(c) = rest.get(n)
            && !bld.spec.unknown.iter().any(|u| u.origin == c.origin(file))
        {
            bld.unknown(c.origin(file), Some("container"), false);
        }
        for w in rest.get(n + 1..).unwrap_or(&[]) {
            // The command as written; a dynamic word keeps its source text.
            bld.spec
                .command
                .push(Sp::new(w.text.clone(), w.sub(file, 0, w.text.len())));
        }
    }
    Some(ExecLine {
        origin: Origin::file(file, TextRange::new(start, end)),
        spec: bld.spec,
    })
}

#[cfg(test)]
mod tests {
    use drydock_core::spec::ExecUser;
    use drydock_core::{FileId, Origin};
    use proptest::prelude::*;

    use crate::{SourceKind, extract};

    fn execs(text: &str) -> Vec<super::ExecLine> {
        extract(text, FileId(0), SourceKind::Script).execs
    }

    fn at<'a>(text: &'a str, o: &Origin) -> &'a str {
        let r = o.range().expect("file origin");
        &text[r.start as usize..r.end as usize]
    }

    #[test]
    fn every_exec_flag() {
        let t = "sudo docker exec -it --privileged -u root -e A=1 --env=B=2 -w /srv --env-file x.env web sh -c 'id'\n";
        let l = execs(t);
        assert_eq!(l.len(), 1);
        let e = &l[0].spec;
        assert_eq!(at(t, &e.origin), "docker exec");
        assert_eq!(
            at(t, &l[0].origin),
            t.trim_start_matches("sudo ").trim_end()
        );
        assert!(e.is_privileged());
        assert_eq!(
            at(t, &e.privileged.as_ref().unwrap().origin),
            "--privileged"
        );
        let u = e.user.as_ref().unwrap();
        assert_eq!((u.value.as_str(), at(t, &u.origin)), ("root", "root"));
        assert!(e.tty.as_ref().unwrap().value && e.interactive.as_ref().unwrap().value);
        assert_eq!(e.env.len(), 2);
        assert_eq!(at(t, &e.env[1].value.origin), "2");
        assert_eq!(e.workdir.as_ref().unwrap().value, "/srv");
        assert_eq!(e.env_files[0].value, "x.env");
        let c = e.container.as_ref().unwrap();
        assert_eq!(at(t, &c.origin), "web");
        let cmd: Vec<&str> = e.command.iter().map(|w| w.value.as_str()).collect();
        assert_eq!(cmd, ["sh", "-c", "id"]);
        assert!(matches!(e.effective_user(), ExecUser::Explicit(_)));
    }

    #[test]
    fn container_exec_and_attached_forms() {
        let t = "docker container exec -d -u0:0 --privileged=false db psql\n";
        let e = &execs(t)[0].spec;
        assert!(!e.is_privileged());
        assert_eq!(at(t, &e.user.as_ref().unwrap().origin), "0:0");
        assert!(e.detach.as_ref().unwrap().value);
        assert_eq!(e.container.as_ref().unwrap().value, "db");
        let t = "docker --host tcp://h:2376 --tlsverify exec --user=1000 app ls\n";
        let e = &execs(t)[0].spec;
        assert_eq!(at(t, &e.user.as_ref().unwrap().origin), "1000");
        let engine = e.engine.as_ref().unwrap();
        assert_eq!(engine.host.value, "tcp://h:2376");
        assert_eq!(engine.tls, Some(true));
    }

    #[test]
    fn run_lines_are_not_execs() {
        let t = "docker run --privileged nginx:1.27\ndocker exec web true\ndocker ps\n";
        let ex = extract(t, FileId(0), SourceKind::Script);
        assert_eq!(ex.lines.len(), 1);
        assert_eq!(ex.execs.len(), 1);
        // An option after the container is the command's.
        let t = "docker exec web ls --privileged\n";
        assert!(!execs(t)[0].spec.is_privileged());
    }

    #[test]
    fn unknown_words_are_not_guessed() {
        let t = "docker exec -u \"$RUN_AS\" web id\n";
        let e = &execs(t)[0].spec;
        assert!(e.user.is_none());
        assert_eq!(e.effective_user(), ExecUser::Unreadable);
        let t = "docker exec $EXEC_OPTS web id\n";
        let e = &execs(t)[0].spec;
        assert_eq!(e.effective_user(), ExecUser::Unreadable);
        assert!(e.container.is_none());
        let t = "docker exec --privileged \"$C\" id\n";
        let e = &execs(t)[0].spec;
        assert!(e.is_privileged());
        assert!(e.container.is_none());
        assert_eq!(e.effective_user(), ExecUser::Unknown);
        // `"$@"` may be several words: options or the container.
        let t = "docker exec \"$@\" web id\n";
        assert_eq!(execs(t)[0].spec.effective_user(), ExecUser::Unreadable);
        let t = "docker exec --privileged=$P web id\n";
        let e = &execs(t)[0].spec;
        assert!(e.privileged.is_none());
    }

    #[test]
    fn makefile_and_workflow_execs() {
        let mk = "shell:\n\t@docker exec -it -u root $(CONTAINER) bash\n";
        let ex = extract(mk, FileId(0), SourceKind::Makefile);
        assert_eq!(ex.execs.len(), 1);
        assert_eq!(
            at(mk, &ex.execs[0].spec.user.as_ref().unwrap().origin),
            "root"
        );
        let wf = "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          docker exec --privileged ci make test\n";
        let ex = extract(wf, FileId(0), SourceKind::GithubWorkflow);
        assert_eq!(ex.execs.len(), 1);
        assert_eq!(
            at(wf, &ex.execs[0].spec.privileged.as_ref().unwrap().origin),
            "--privileged"
        );
    }

    proptest! {
        #[test]
        fn never_panics_and_origins_in_bounds(words in proptest::collection::vec("[-a-z0-9=:$\"' ]{0,12}", 0..8)) {
            let t = format!("docker exec {}\n", words.join(" "));
            let ex = extract(&t, FileId(0), SourceKind::Script);
            for l in &ex.execs {
                for o in [&l.origin, &l.spec.origin] {
                    let r = o.range().expect("file origin");
                    prop_assert!(r.end as usize <= t.len() && r.start <= r.end);
                }
                if let Some(u) = &l.spec.user {
                    let r = u.origin.range().expect("file origin");
                    prop_assert!(r.end as usize <= t.len());
                }
            }
        }
    }
}
