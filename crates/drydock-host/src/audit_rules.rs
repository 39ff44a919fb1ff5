//! A parser for Linux audit rules as written in `/etc/audit/rules.d/*.rules`
//! and printed by `auditctl -l`: file watches (`-w PATH -p PERMS -k KEY`)
//! and syscall rules with a path or dir field
//! (`-a always,exit -F path=PATH -F perm=wa -F key=KEY`).
//!
//! Only rules that concern a file system object are returned; control
//! lines (`-D`, `-b 8192`, `-e 2`, …) and syscall rules without a
//! `path=`/`dir=` field are skipped. Paths are matched whole, never as
//! substrings (Docker Bench greps, so a rule for
//! `/usr/bin/containerd-shim-runc-v2` satisfies its `/usr/bin/containerd`
//! check).

/// How the rule names its object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleForm {
    /// `-w PATH`: a file watch, or a recursive directory watch.
    Watch,
    /// `-F path=PATH` on a syscall rule: that object only.
    SyscallPath,
    /// `-F dir=PATH` on a syscall rule: the whole directory tree.
    SyscallDir,
}

/// A syscall rule's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleAction {
    Always,
    Never,
}

/// One audit rule about a file system object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FsRule {
    pub form: RuleForm,
    pub path: String,
    /// `Always` for watches.
    pub action: RuleAction,
    /// The list (`exit`, `task`, …) of a syscall rule; `exit` for watches.
    pub list: String,
    /// The access types (`rwxa` letters); `None` means all.
    pub perms: Option<String>,
    pub key: Option<String>,
}

impl FsRule {
    /// Does the rule record writes and attribute changes (`w` and `a`)?
    pub fn records_changes(&self) -> bool {
        match &self.perms {
            None => true,
            Some(p) => p.contains('w') && p.contains('a'),
        }
    }

    /// Does the rule produce audit records (an `always` rule on the exit list)?
    pub fn is_effective(&self) -> bool {
        self.action == RuleAction::Always && self.list == "exit"
    }

    /// The rule in canonical `auditctl` syntax, for evidence.
    pub fn display(&self) -> String {
        let mut s = match self.form {
            RuleForm::Watch => format!("-w {}", self.path),
            RuleForm::SyscallPath | RuleForm::SyscallDir => {
                let action = match self.action {
                    RuleAction::Always => "always",
                    RuleAction::Never => "never",
                };
                let field = if self.form == RuleForm::SyscallDir {
                    "dir"
                } else {
                    "path"
                };
                format!("-a {action},{} -F {field}={}", self.list, self.path)
            }
        };
        if let Some(p) = &self.perms {
            if self.form == RuleForm::Watch {
                s.push_str(&format!(" -p {p}"));
            } else {
                s.push_str(&format!(" -F perm={p}"));
            }
        }
        if let Some(k) = &self.key {
            s.push_str(&format!(" -k {k}"));
        }
        s
    }
}

/// Split `name OP value` of a `-F` argument.
fn split_field(arg: &str) -> Option<(&str, &str, &str)> {
    let start = arg.find(['=', '!', '<', '>', '&'])?;
    let rest = &arg[start..];
    let op_len = rest
        .bytes()
        .take_while(|b| matches!(b, b'=' | b'!' | b'<' | b'>' | b'&'))
        .count();
    Some((&arg[..start], &rest[..op_len], &rest[op_len..]))
}

fn parse_action_list(value: &str) -> Option<(RuleAction, String)> {
    let mut action = None;
    let mut list = None;
    for part in value.split(',') {
        match part.trim() {
            "always" => action = Some(RuleAction::Always),
            "never" => action = Some(RuleAction::Never),
            "" => {}
            other => list = Some(other.to_owned()),
        }
    }
    Some((action?, list?))
}

/// Parse one line. `None` for blank lines, comments, control lines, rules
/// about no file system object, and malformed lines.
pub fn parse_line(line: &str) -> Option<FsRule> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    // Tokens after one starting with '#' are a trailing comment.
    let tokens: Vec<&str> = line
        .split_ascii_whitespace()
        .take_while(|t| !t.starts_with('#'))
        .collect();

    let mut watch: Option<String> = None;
    let mut action_list: Option<(RuleAction, String)> = None;
    let mut path: Option<(RuleForm, String)> = None;
    let mut perms: Option<String> = None;
    let mut key: Option<String> = None;
    let mut i = 0;
    while i < tokens.len() {
        let tok = tokens[i];
        let next = tokens.get(i + 1).copied();
        match tok {
            "-w" => {
                watch = Some(next?.to_owned());
                i += 2;
            }
            // Removing a watch or a rule: not a rule that audits anything.
            "-W" | "-d" => return None,
            "-a" | "-A" => {
                action_list = Some(parse_action_list(next?)?);
                i += 2;
            }
            "-p" => {
                perms = Some(next?.to_owned());
                i += 2;
            }
            "-k" => {
                key = Some(next?.to_owned());
                i += 2;
            }
            "-F" => {
                let (name, op, value) = split_field(next?)?;
                match (name, op) {
                    ("path", "=") => path = Some((RuleForm::SyscallPath, value.to_owned())),
                    ("dir", "=") => path = Some((RuleForm::SyscallDir, value.to_owned())),
                    ("perm", "=") => perms = Some(value.to_owned()),
                    ("key", "=") => key = Some(value.to_owned()),
                    _ => {}
                }
                i += 2;
            }
            "-S" | "-C" => i += 2,
            _ => i += 1,
        }
    }

    let perms = perms.filter(|p| !p.is_empty());
    if let Some(watch_path) = watch {
        if watch_path.is_empty() {
            return None;
        }
        return Some(FsRule {
            form: RuleForm::Watch,
            path: watch_path,
            action: RuleAction::Always,
            list: "exit".to_owned(),
            perms,
            key,
        });
    }
    let (action, list) = action_list?;
    let (form, path) = path?;
    if path.is_empty() {
        return None;
    }
    Some(FsRule {
        form,
        path,
        action,
        list,
        perms,
        key,
    })
}

/// Parse every line of a rules file (or of `auditctl -l` output), with
/// 1-based line numbers.
pub fn parse_rules(text: &str) -> Vec<(u32, FsRule)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            parse_line(line).map(|r| (u32::try_from(i + 1).unwrap_or(u32::MAX), r))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_watch() {
        let r = parse_line("-w /usr/bin/dockerd -p wa -k docker").expect("rule");
        assert_eq!(r.form, RuleForm::Watch);
        assert_eq!(r.path, "/usr/bin/dockerd");
        assert_eq!(r.perms.as_deref(), Some("wa"));
        assert_eq!(r.key.as_deref(), Some("docker"));
        assert!(r.records_changes());
        assert!(r.is_effective());
    }

    #[test]
    fn parses_syscall_rule_in_both_orders() {
        let r = parse_line("-a exit,always -F path=/run/containerd -F perm=war -k docker")
            .expect("rule");
        assert_eq!(r.form, RuleForm::SyscallPath);
        assert_eq!(r.path, "/run/containerd");
        assert_eq!(r.action, RuleAction::Always);
        assert_eq!(r.list, "exit");
        let r = parse_line(
            "-a always,exit -F arch=b64 -S all -F dir=/etc/docker -F perm=wa -F key=docker",
        )
        .expect("rule");
        assert_eq!(r.form, RuleForm::SyscallDir);
        assert_eq!(r.key.as_deref(), Some("docker"));
    }

    #[test]
    fn skips_non_fs_lines() {
        assert_eq!(parse_line("# -w /usr/bin/dockerd"), None);
        assert_eq!(parse_line("-D"), None);
        assert_eq!(parse_line("-b 8192"), None);
        assert_eq!(
            parse_line("-a always,exit -F arch=b64 -S adjtimex -k time"),
            None
        );
        assert_eq!(parse_line("-W /usr/bin/dockerd"), None);
        assert_eq!(parse_line("-a always,exit -F path!=/etc/docker"), None);
        assert_eq!(parse_line("-w"), None);
        assert_eq!(parse_line("No rules"), None);
    }

    #[test]
    fn never_rule_is_not_effective() {
        let r = parse_line("-a never,exit -F dir=/var/lib/docker/overlay2").expect("rule");
        assert!(!r.is_effective());
    }

    #[test]
    fn trailing_comment_is_ignored() {
        let r = parse_line("-w /etc/docker -p r # read only").expect("rule");
        assert_eq!(r.perms.as_deref(), Some("r"));
        assert!(!r.records_changes());
    }
}
