use drydock_core::RuleMeta;
use drydock_core::spec::{ImageFiles, ImageSpec, ShellCommand, Word};

use super::accounts::{DbFile, db_entries, db_lines, option_value, stdin_lines, value_text};
use super::files::in_text;
use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports build steps that leave an account with an empty password:
    /// `passwd -d user`, `usermod -p '' user` or `useradd -p '' user`,
    /// `chpasswd` fed `user:` (nothing after the colon), a line with an
    /// empty password field written into `/etc/shadow` or `/etc/passwd`
    /// (`echo 'app::…' >> /etc/shadow`), and `sed` on those files whose
    /// replacement empties the password field (`s/^root:[^:]*:/root::/`).
    /// A locked password (`!`, `*`) is not an empty one and is not reported.
    ///
    /// In a built image it reads `/etc/shadow` and reports every account
    /// whose password field is empty, at its line (Dockle DKL-LI-0001);
    /// when the image has no `/etc/shadow`, `/etc/passwd` is read instead
    /// (an empty second field there is an empty password). An image whose
    /// `/etc/shadow` exists but could not be read is not judged from
    /// `/etc/passwd`, whose `x` only points at the shadow file.
    ///
    /// ## Why is this bad?
    /// An empty password is no password: `su app`, `login`, or an SSH
    /// daemon configured to permit empty passwords let anyone in as that
    /// account, without a credential. In a container any process can use
    /// `su` to become the account, root included (CVE-2019-5021 was exactly
    /// this: Alpine images shipped with root's password empty). Dockle
    /// checks the built image's `/etc/shadow` for the same thing
    /// (DKL-LI-0001); this rule finds the step that did it.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN useradd -m app && passwd -d app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN useradd -m app
    /// ```
    /// (`useradd` leaves the password locked.)
    ///
    /// ## How to fix
    /// Leave the account's password locked (the default of `useradd`,
    /// `adduser --disabled-password`, `adduser -D`), or lock it explicitly
    /// with `passwd -l user` / `usermod -L user`. Grant what the account
    /// needs with group membership or `sudo` rules, not a blank password.
    pub struct EmptyPassword {
        id: "IMG067",
        name: "empty-password",
        title: "Account with an empty password",
        severity: High,
        category: Privilege,
        references: ["concern:7", "dockle:DKL-LI-0001"],
        fix: None,
    }
}

/// The account names a `passwd -d` deletes the password of, if it does.
fn passwd_delete(cmd: &ShellCommand) -> Option<String> {
    if !cmd.is("passwd") || !cmd.has_any(&["-d", "--delete"]) {
        return None;
    }
    let names: Vec<&str> = cmd
        .positionals(&["-r", "--repository", "-R", "--root", "-P", "--prefix"])
        .into_iter()
        .map(|w| w.text.as_str())
        .collect();
    Some(if names.is_empty() {
        "root".to_string()
    } else {
        names.join(" ")
    })
}

/// `usermod -p ''` / `useradd --password=` with an empty value.
fn empty_password_option(cmd: &ShellCommand) -> Option<&Word> {
    if !(cmd.is("usermod") || cmd.is("useradd")) {
        return None;
    }
    let w = option_value(cmd, "-p", "--password")?;
    (w.literal && value_text(w, "-p", "--password").is_empty()).then_some(w)
}

/// A `name:password…` line whose password field is empty.
fn empty_field(line: &str) -> Option<&str> {
    let (name, rest) = line.trim().split_once(':')?;
    let password = rest.split(':').next().unwrap_or("");
    (!name.is_empty() && password.is_empty()).then_some(name)
}

/// The replacements of `s` commands in a sed script.
fn sed_replacements(script: &str) -> Vec<(String, String)> {
    let chars: Vec<char> = script.chars().collect();
    let mut out = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        if c != 's' {
            continue;
        }
        let Some(&delim) = chars.get(i + 1) else {
            continue;
        };
        if delim.is_alphanumeric() || delim.is_whitespace() || delim == '\\' {
            continue;
        }
        let mut done: Vec<String> = Vec::new();
        let mut cur = String::new();
        let mut j = i + 2;
        while j < chars.len() && done.len() < 2 {
            match chars[j] {
                '\\' if j + 1 < chars.len() => {
                    if chars[j + 1] != delim {
                        cur.push('\\');
                    }
                    cur.push(chars[j + 1]);
                    j += 2;
                    continue;
                }
                c if c == delim => done.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
            j += 1;
        }
        if let [pattern, replacement] = done.as_slice() {
            out.push((pattern.clone(), replacement.clone()));
        }
    }
    out
}

/// Whether a sed replacement writes an account line with an empty
/// password: a name (or a back-reference) followed by `::`.
fn blanks_password(pattern: &str, replacement: &str) -> bool {
    let Some(first) = replacement.find(':') else {
        return false;
    };
    replacement[first..].starts_with("::")
        && first > 0
        && !pattern.starts_with(':')
        && !pattern.starts_with("\\:")
}

/// `sed` editing `/etc/shadow` or `/etc/passwd` so that a password field is
/// empty; the file's path.
fn sed_blanks(cmd: &ShellCommand) -> Option<&'static str> {
    if !cmd.is("sed") {
        return None;
    }
    let valued = ["-e", "--expression", "-f", "--file", "-l", "--line-length"];
    let mut scripts: Vec<&str> = Vec::new();
    let args: Vec<&Word> = cmd.option_args().collect();
    for (i, w) in args.iter().enumerate() {
        if w.text == "-e" || w.text == "--expression" {
            if let Some(s) = args.get(i + 1) {
                scripts.push(&s.text);
            }
        } else if let Some(s) = w.text.strip_prefix("--expression=") {
            scripts.push(s);
        }
    }
    let mut positionals = cmd.positionals(&valued).into_iter();
    if scripts.is_empty() {
        scripts.push(&positionals.next()?.text);
    }
    let file = positionals
        .filter_map(|w| DbFile::from_path(&w.text))
        .find(|f| matches!(f, DbFile::Shadow | DbFile::Passwd))?;
    scripts
        .iter()
        .flat_map(|s| sed_replacements(s))
        .any(|(p, r)| blanks_password(&p, &r))
        .then_some(file.path())
}

/// A built image's accounts with an empty password field.
fn check_files(cx: &mut Checker<'_>, files: &ImageFiles) {
    let path = if files.get("/etc/shadow").is_some() {
        "/etc/shadow"
    } else {
        "/etc/passwd"
    };
    let Some(file) = files.text(path) else {
        return;
    };
    let layer = files
        .get(path)
        .map(|e| files.layer_label(e.layer))
        .unwrap_or_default();
    let text = cx.file_text(file);
    for (range, fields) in db_entries(text) {
        let (Some(name), Some(password)) = (fields.first(), fields.get(1)) else {
            continue;
        };
        if name.is_empty() || !password.is_empty() {
            continue;
        }
        cx.report(
            &in_text(file, range),
            format!(
                "account `{name}` has an empty password in `{path}` (in {layer}): anyone can log in or `su` to it without one"
            ),
        );
    }
}

impl Rule for EmptyPassword {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (script, cmd) in image.commands() {
            if let Some(names) = passwd_delete(cmd) {
                cx.report(
                    &cmd.origin,
                    format!("`passwd -d` deletes the password of `{names}`: anyone can log in or `su` to it without one"),
                );
            } else if let Some(w) = empty_password_option(cmd) {
                cx.report(
                    &w.origin,
                    format!(
                        "`{} -p ''` gives the account an empty password: anyone can log in or `su` to it without one",
                        cmd.program()
                    ),
                );
            } else if cmd.is("chpasswd") {
                for (line, w) in stdin_lines(script, cmd) {
                    if let Some(name) = empty_field(&line) {
                        cx.report(
                            &w.origin,
                            format!("`chpasswd` sets an empty password for `{name}`: anyone can log in or `su` to it without one"),
                        );
                    }
                }
            } else if let Some(path) = sed_blanks(cmd) {
                cx.report(
                    &cmd.origin,
                    format!(
                        "`sed` empties a password field in `{path}`: that account needs no password"
                    ),
                );
            } else {
                for (file, line, w) in db_lines(script, cmd) {
                    if file == DbFile::Group {
                        continue;
                    }
                    if let Some(name) = empty_field(&line) {
                        cx.report(
                            &w.origin,
                            format!(
                                "the line written to `{}` gives `{name}` an empty password field: that account needs no password",
                                file.path()
                            ),
                        );
                    }
                }
            }
        }
        if let Some(files) = &image.files {
            check_files(cx, files);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::image::files::testkit::Img;

    #[test]
    fn image_shadow() {
        let img = Img::new()
            .text(
                "/etc/shadow",
                "root:*:19000:0:99999:7:::\nbob::19000:0:99999:7:::\ndaemon:!:19000::::::\n\nalice:!!:1::::::\neve:\n",
            )
            .text("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nmallory::1:1::/:/bin/sh\n");
        let found = img.check(&EmptyPassword);
        let got: Vec<(String, &str)> = found
            .iter()
            .map(|f| (img.place(f), img.covered(f)))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "fixture.tar!/etc/shadow:2".to_string(),
                    "bob::19000:0:99999:7:::"
                ),
                ("fixture.tar!/etc/shadow:6".to_string(), "eve:"),
            ]
        );
        assert_eq!(
            found[0].message,
            "account `bob` has an empty password in `/etc/shadow` (in layer 0 (sha256:abababababab)): anyone can log in or `su` to it without one"
        );
    }

    #[test]
    fn image_passwd_without_shadow() {
        let img = Img::new().text(
            "/etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nmallory::1:1::/:/bin/sh\n",
        );
        let found = img.check(&EmptyPassword);
        assert_eq!(found.len(), 1);
        assert_eq!(img.place(&found[0]), "fixture.tar!/etc/passwd:2");
        // A shadow file that could not be read: nothing judged.
        let img = Img::new()
            .file("/etc/shadow", 0o640, 100)
            .text("/etc/passwd", "mallory::1:1::/:/bin/sh\n");
        assert!(img.check(&EmptyPassword).is_empty());
    }

    #[test]
    fn sed_scripts() {
        let blank = |s: &str| {
            sed_replacements(s)
                .iter()
                .any(|(p, r)| blanks_password(p, r))
        };
        assert!(blank("s/^root:[^:]*:/root::/"));
        assert!(blank(r"s/^\(root\):[^:]*:/\1::/"));
        assert!(blank("/^app/s|^app:!:|app::|"));
        assert!(!blank("s/^root::/root:!:/"));
        assert!(!blank(r"s/^\(app:[^:]*\):[0-9]*:/\1:0:/"));
        assert!(!blank("s/:0:99999:7:::/:0:99999:7:30::/"));
    }

    #[test]
    fn fields() {
        assert_eq!(empty_field("app::19000:0:99999:7:::"), Some("app"));
        assert_eq!(empty_field("app:"), Some("app"));
        assert_eq!(empty_field("app:!:19000::::::"), None);
        assert_eq!(empty_field("app:x:1000:1000::/home/app:/bin/sh"), None);
        assert_eq!(empty_field(":x"), None);
    }
}
