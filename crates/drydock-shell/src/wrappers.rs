//! Command-line knowledge: wrappers that run another command (`sudo`,
//! `env`, …), shells that run a string (`sh -c`), and `set -o pipefail`.

use std::ops::Range;

/// How a wrapper's own options look.
struct WrapSpec {
    /// Short options that take a value (`-u user` or `-uuser`).
    short_with_value: &'static str,
    /// Long options that take a value as the next word (`--user user`).
    long_with_value: &'static [&'static str],
    /// `NAME=value` words before the command are environment assignments.
    assignments: bool,
    /// Positional arguments before the command (`timeout DURATION cmd`).
    positionals: usize,
    /// Options after which the wrapper does not run a command.
    no_run: &'static [&'static str],
}

const fn spec(
    short_with_value: &'static str,
    long_with_value: &'static [&'static str],
) -> WrapSpec {
    WrapSpec {
        short_with_value,
        long_with_value,
        assignments: false,
        positionals: 0,
        no_run: &[],
    }
}

fn wrap_spec(program: &str) -> Option<WrapSpec> {
    Some(match program {
        "sudo" => WrapSpec {
            assignments: true,
            no_run: &[
                "-l",
                "--list",
                "-v",
                "--validate",
                "-e",
                "--edit",
                "-V",
                "--version",
                "-h",
                "--help",
                "-K",
            ],
            ..spec(
                "CDghpRrTtUu",
                &[
                    "--close-from",
                    "--chdir",
                    "--group",
                    "--host",
                    "--prompt",
                    "--chroot",
                    "--role",
                    "--command-timeout",
                    "--type",
                    "--other-user",
                    "--user",
                ],
            )
        },
        "doas" => spec("uC", &[]),
        "env" => WrapSpec {
            assignments: true,
            ..spec(
                "uCS",
                &[
                    "--unset",
                    "--chdir",
                    "--split-string",
                    "--default-signal",
                    "--ignore-signal",
                    "--block-signal",
                ],
            )
        },
        "nice" => spec("n", &["--adjustment"]),
        "ionice" => spec("cnp", &["--class", "--classdata", "--pid"]),
        "nohup" | "busybox" => spec("", &[]),
        "time" => spec("fo", &["--format", "--output"]),
        "exec" => spec("a", &[]),
        "command" => WrapSpec {
            no_run: &["-v", "-V"],
            ..spec("", &[])
        },
        "xargs" => spec(
            "adEILnPs",
            &[
                "--arg-file",
                "--delimiter",
                "--eof",
                "--replace",
                "--max-lines",
                "--max-args",
                "--max-procs",
                "--max-chars",
                "--process-slot-var",
            ],
        ),
        "timeout" => WrapSpec {
            positionals: 1,
            ..spec("sk", &["--signal", "--kill-after"])
        },
        "stdbuf" => spec("ioe", &["--input", "--output", "--error"]),
        "chroot" => WrapSpec {
            positionals: 1,
            ..spec("", &["--userspec", "--groups"])
        },
        "gosu" | "su-exec" => WrapSpec {
            positionals: 1,
            ..spec("", &[])
        },
        "runuser" => spec(
            "ugGw",
            &[
                "--user",
                "--group",
                "--supp-group",
                "--whitelist-environment",
            ],
        ),
        "setpriv" => spec(
            "",
            &[
                "--reuid",
                "--regid",
                "--ruid",
                "--rgid",
                "--euid",
                "--egid",
                "--groups",
                "--inh-caps",
                "--ambient-caps",
                "--bounding-set",
                "--securebits",
                "--pdeathsig",
                "--selinux-label",
                "--apparmor-profile",
                "--landlock-access",
                "--landlock-rule",
            ],
        ),
        _ => return None,
    })
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            let mut chars = name.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
        None => false,
    }
}

/// The command a wrapper runs: the range of `args` holding environment
/// assignments for it, and the index in `args` of its command word.
pub(crate) fn wrapped(program: &str, args: &[&str]) -> Option<(Range<usize>, usize)> {
    let spec = wrap_spec(program)?;
    // `runuser -l user -c cmd` is su-style, handled as a shell string.
    if program == "runuser"
        && args
            .iter()
            .any(|a| *a == "-c" || a.starts_with("--command"))
    {
        return None;
    }
    let mut i = 0;
    while let Some(&a) = args.get(i) {
        if a == "--" {
            i += 1;
            break;
        }
        if spec.no_run.contains(&a) {
            return None;
        }
        if let Some(long) = a.strip_prefix("--") {
            let takes_value = !long.contains('=') && spec.long_with_value.contains(&a);
            i += if takes_value { 2 } else { 1 };
            continue;
        }
        if a.len() > 1 && a.starts_with('-') {
            i += 1;
            for (j, c) in a.char_indices().skip(1) {
                if spec.short_with_value.contains(c) {
                    if j + c.len_utf8() == a.len() {
                        i += 1; // value is the next word
                    }
                    break; // otherwise the rest of the word is the value
                }
            }
            continue;
        }
        break;
    }
    let env_start = i.min(args.len());
    if spec.assignments {
        while args.get(i).is_some_and(|a| is_assignment(a)) {
            i += 1;
        }
    }
    let env = env_start..i.min(args.len());
    i += spec.positionals;
    (i < args.len()).then_some((env, i))
}

/// Where a command takes shell code from.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ShellInput {
    /// The argument at this index (`sh -c ARG`); `attached` when it is glued
    /// to its option (`su -cCMD`), so its text is not the word's text.
    Arg { index: usize, attached: bool },
    /// Standard input (`sh`, `bash -s`, `bash <<EOF`).
    Stdin,
}

/// Whether `program` is a shell, and where it reads its script from.
pub(crate) fn shell_input(program: &str, args: &[&str]) -> Option<ShellInput> {
    match program {
        "sh" | "bash" | "dash" | "ash" | "zsh" | "ksh" | "mksh" => shell_c(args),
        "su" | "runuser" => su_c(args),
        _ => None,
    }
}

fn shell_c(args: &[&str]) -> Option<ShellInput> {
    let mut seen_c = false;
    let mut i = 0;
    while let Some(&a) = args.get(i) {
        if a == "--" || a == "-" {
            i += 1;
            break;
        }
        if a.starts_with("--") {
            i += if matches!(a, "--rcfile" | "--init-file") {
                2
            } else {
                1
            };
            continue;
        }
        if a.len() > 1 && (a.starts_with('-') || a.starts_with('+')) {
            let letters = &a[1..];
            if letters.contains('c') {
                seen_c = true;
            }
            // Each `o` (or `O`) takes an option name from the next words.
            i += 1 + letters.chars().filter(|c| matches!(c, 'o' | 'O')).count();
            continue;
        }
        break;
    }
    if seen_c {
        return (i < args.len()).then_some(ShellInput::Arg {
            index: i,
            attached: false,
        });
    }
    // No `-c`: a positional is a script file, unless `-s` reads stdin.
    let reads_stdin = args
        .iter()
        .take(i)
        .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains('s'));
    (i >= args.len() || reads_stdin).then_some(ShellInput::Stdin)
}

fn su_c(args: &[&str]) -> Option<ShellInput> {
    let mut i = 0;
    while let Some(&a) = args.get(i) {
        if a == "--" {
            return None;
        }
        if matches!(a, "--command" | "--session-command") {
            return (i + 1 < args.len()).then_some(ShellInput::Arg {
                index: i + 1,
                attached: false,
            });
        }
        if a.starts_with("--command=") || a.starts_with("--session-command=") {
            return Some(ShellInput::Arg {
                index: i,
                attached: true,
            });
        }
        if a.starts_with("--") {
            i += if matches!(
                a,
                "--shell" | "--group" | "--supp-group" | "--whitelist-environment"
            ) {
                2
            } else {
                1
            };
            continue;
        }
        if a.len() > 1 && a.starts_with('-') {
            let mut step = 1;
            for (j, c) in a.char_indices().skip(1) {
                let last = j + c.len_utf8() == a.len();
                if c == 'c' {
                    return if last {
                        (i + 1 < args.len()).then_some(ShellInput::Arg {
                            index: i + 1,
                            attached: false,
                        })
                    } else {
                        Some(ShellInput::Arg {
                            index: i,
                            attached: true,
                        })
                    };
                }
                if matches!(c, 's' | 'g' | 'G' | 'w' | 'u') {
                    if last {
                        step = 2;
                    }
                    break;
                }
            }
            i += step;
            continue;
        }
        // The user name (or `-`); keep looking for `-c` after it.
        i += 1;
    }
    None
}

/// For an attached su option (`-cCMD`, `--command=CMD`), the byte length of
/// the option prefix inside the word's text.
pub(crate) fn attached_prefix(word: &str) -> usize {
    if let Some(eq) = word.find('=').filter(|_| word.starts_with("--")) {
        return eq + 1;
    }
    word.find('c').map_or(word.len(), |p| p + 1)
}

/// What a `set` command does to `pipefail`: `Some(true)` enables it,
/// `Some(false)` disables it.
pub(crate) fn set_pipefail(args: &[&str]) -> Option<bool> {
    let mut result = None;
    let mut i = 0;
    while let Some(&a) = args.get(i) {
        if a == "--" || a == "-" || a.len() < 2 {
            break;
        }
        let enable = match a.as_bytes()[0] {
            b'-' => true,
            b'+' => false,
            _ => break,
        };
        if a.starts_with("--") {
            break;
        }
        let mut names = 0;
        for c in a[1..].chars() {
            if c == 'o' {
                names += 1;
            }
        }
        for k in 0..names {
            if args.get(i + 1 + k).is_some_and(|n| *n == "pipefail") {
                result = Some(enable);
            }
        }
        i += 1 + names;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrappers() {
        assert_eq!(
            wrapped("sudo", &["-u", "app", "pip", "install"]),
            Some((2..2, 2))
        );
        assert_eq!(
            wrapped("sudo", &["-E", "-uapp", "A=1", "pip"]),
            Some((2..3, 3))
        );
        assert_eq!(
            wrapped("sudo", &["--user=app", "--", "pip"]),
            Some((2..2, 2))
        );
        assert_eq!(wrapped("sudo", &["-l"]), None);
        assert_eq!(wrapped("sudo", &["-i"]), None);
        assert_eq!(
            wrapped("env", &["-i", "A=1", "B=2", "apt-get"]),
            Some((1..3, 3))
        );
        assert_eq!(wrapped("env", &["A=1"]), None);
        assert_eq!(wrapped("nice", &["-n", "10", "make"]), Some((2..2, 2)));
        assert_eq!(wrapped("nice", &["-10", "make"]), Some((1..1, 1)));
        assert_eq!(
            wrapped("timeout", &["-s", "KILL", "10s", "curl"]),
            Some((2..2, 3))
        );
        assert_eq!(
            wrapped("xargs", &["-0", "-n", "1", "rm", "-f"]),
            Some((3..3, 3))
        );
        assert_eq!(wrapped("gosu", &["app", "node"]), Some((0..0, 1)));
        assert_eq!(wrapped("chroot", &["/mnt"]), None);
        assert_eq!(wrapped("command", &["-v", "curl"]), None);
        assert_eq!(
            wrapped(
                "setpriv",
                &["--reuid=1", "--regid", "1", "--init-groups", "id"]
            ),
            Some((4..4, 4))
        );
        assert_eq!(wrapped("ls", &["x"]), None);
    }

    #[test]
    fn shells() {
        assert_eq!(
            shell_input("sh", &["-c", "x"]),
            Some(ShellInput::Arg {
                index: 1,
                attached: false
            })
        );
        assert_eq!(
            shell_input("bash", &["-euxo", "pipefail", "-c", "x"]),
            Some(ShellInput::Arg {
                index: 3,
                attached: false
            })
        );
        assert_eq!(
            shell_input("bash", &["-ec", "x", "arg0"]),
            Some(ShellInput::Arg {
                index: 1,
                attached: false
            })
        );
        assert_eq!(shell_input("bash", &["-c"]), None);
        assert_eq!(shell_input("bash", &["script.sh"]), None);
        assert_eq!(shell_input("bash", &[]), Some(ShellInput::Stdin));
        assert_eq!(
            shell_input("bash", &["-s", "--", "x"]),
            Some(ShellInput::Stdin)
        );
        assert_eq!(
            shell_input("su", &["-c", "x"]),
            Some(ShellInput::Arg {
                index: 1,
                attached: false
            })
        );
        assert_eq!(
            shell_input("su", &["app", "-c", "x"]),
            Some(ShellInput::Arg {
                index: 2,
                attached: false
            })
        );
        assert_eq!(
            shell_input("su", &["-", "app", "-s", "/bin/sh", "-c", "x"]),
            Some(ShellInput::Arg {
                index: 5,
                attached: false
            })
        );
        assert_eq!(
            shell_input("su", &["--command=x"]),
            Some(ShellInput::Arg {
                index: 0,
                attached: true
            })
        );
        assert_eq!(shell_input("su", &["app"]), None);
        assert_eq!(attached_prefix("--command=x"), 10);
        assert_eq!(attached_prefix("-cx"), 2);
    }

    #[test]
    fn pipefail() {
        assert_eq!(set_pipefail(&["-o", "pipefail"]), Some(true));
        assert_eq!(set_pipefail(&["-euxo", "pipefail"]), Some(true));
        assert_eq!(set_pipefail(&["-eux"]), None);
        assert_eq!(set_pipefail(&["+o", "pipefail"]), Some(false));
        assert_eq!(
            set_pipefail(&["-e", "-o", "nounset", "-o", "pipefail"]),
            Some(true)
        );
        assert_eq!(set_pipefail(&["--", "-o", "pipefail"]), None);
    }
}
