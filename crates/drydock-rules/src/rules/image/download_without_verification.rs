use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, Nesting, ShellCommand, ShellScript};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a `RUN` that downloads a file with `curl` or `wget`
    /// (`curl -o file`, `curl -O`, `wget URL`, `wget -O file`,
    /// `curl URL > file`) and then uses it (unpacks it with `tar` or
    /// `unzip`, runs it with a shell, makes it executable, moves it into a
    /// `bin` directory, installs it with `dpkg -i`, `rpm -i`, `apk add` or
    /// `pip install`) without verifying it in the same `RUN`: no
    /// `sha256sum -c` (or `sha512sum`, `shasum`, … `-c`), no
    /// `gpg --verify`/`gpgv`, no `cosign verify`, no `minisign -V`.
    ///
    /// ## Why is this bad?
    /// The build trusts whatever the server returns. A compromised download
    /// server or release page, a hijacked domain or a man in the middle of
    /// a mirror puts its own code into the image, and nothing notices;
    /// a changed file also makes the build irreproducible.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN curl -fsSLo /tmp/helm.tgz https://get.helm.sh/helm-v3.15.0-linux-amd64.tar.gz \
    ///  && tar -xzf /tmp/helm.tgz -C /usr/local/bin --strip-components=1
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ARG HELM_SHA256=…
    /// RUN curl -fsSLo /tmp/helm.tgz https://get.helm.sh/helm-v3.15.0-linux-amd64.tar.gz \
    ///  && echo "${HELM_SHA256}  /tmp/helm.tgz" | sha256sum -c - \
    ///  && tar -xzf /tmp/helm.tgz -C /usr/local/bin --strip-components=1
    /// ```
    ///
    /// ## How to fix
    /// Check the file against a known digest (`sha256sum -c`) or a
    /// signature (`gpg --verify`, `cosign verify-blob`) before using it, in
    /// the same `RUN`; or use `ADD --checksum=sha256:…`.
    pub struct DownloadWithoutVerification {
        id: "IMG051",
        name: "download-without-verification",
        title: "Downloaded file used without integrity verification",
        severity: Medium,
        category: SupplyChain,
        references: ["concern:25", "gap:2"],
        fix: None,
    }
}

const CHECKSUM_TOOLS: &[&str] = &[
    "sha1sum",
    "sha224sum",
    "sha256sum",
    "sha384sum",
    "sha512sum",
    "shasum",
    "md5sum",
    "b2sum",
    "cksum",
    "b3sum",
];

const BIN_DIRS: &[&str] = &[
    "/usr/local/bin",
    "/usr/local/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/bin",
    "/sbin",
];

const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh", "ksh"];

fn unquote(s: &str) -> &str {
    s.trim_matches(['"', '\''])
}

fn basename(s: &str) -> &str {
    let s = unquote(s);
    let s = s.split(['?', '#']).next().unwrap_or(s);
    s.trim_end_matches('/').rsplit('/').next().unwrap_or(s)
}

/// The value of a short option (`-o x`, `-sSLo x`, `-ox`) or of a long one
/// (`--output x`, `--output=x`).
fn option_value<'a>(cmd: &'a ShellCommand, short: char, long: &str) -> Option<&'a str> {
    let args: Vec<&str> = cmd.option_args().map(|w| w.text.as_str()).collect();
    for (i, a) in args.iter().enumerate() {
        if let Some(rest) = a.strip_prefix("--") {
            if rest == long {
                return args.get(i + 1).copied();
            }
            if let Some(v) = rest.strip_prefix(long).and_then(|r| r.strip_prefix('=')) {
                return Some(v);
            }
            continue;
        }
        let Some(letters) = a.strip_prefix('-') else {
            continue;
        };
        if let Some(pos) = letters.find(short)
            && letters[..pos].chars().all(|c| c.is_ascii_alphabetic())
        {
            let rest = &letters[pos + short.len_utf8()..];
            return if rest.is_empty() {
                args.get(i + 1).copied()
            } else {
                Some(rest)
            };
        }
    }
    None
}

fn url_of(cmd: &ShellCommand) -> Option<&str> {
    cmd.args.iter().map(|w| unquote(&w.text)).find(|t| {
        let l = t.to_ascii_lowercase();
        l.starts_with("http://") || l.starts_with("https://") || l.starts_with("ftp://")
    })
}

/// The file a download command writes (`None`: it writes to standard output).
fn downloaded_file(cmd: &ShellCommand) -> Option<String> {
    let redirect = cmd
        .redirects
        .iter()
        .find(|r| r.op == ">" || r.op == ">|" || r.op == "1>")
        .map(|r| unquote(&r.target.text).to_string());
    if cmd.is("curl") {
        if let Some(out) = option_value(cmd, 'o', "output") {
            return (out != "-").then(|| unquote(out).to_string());
        }
        if cmd.has_short('O') || cmd.has_long("remote-name") {
            return url_of(cmd).map(|u| basename(u).to_string());
        }
        return redirect;
    }
    if cmd.is("wget") {
        if let Some(out) = option_value(cmd, 'O', "output-document") {
            return if out == "-" {
                redirect
            } else {
                Some(unquote(out).to_string())
            };
        }
        if cmd.has_short('i') || cmd.has_long("input-file") || cmd.has_long("spider") {
            return None;
        }
        return url_of(cmd).map(|u| basename(u).to_string());
    }
    None
}

/// Whether `word` names the downloaded `file`.
fn names_file(word: &str, file: &str) -> bool {
    let w = unquote(word);
    if w.is_empty() || file.is_empty() {
        return false;
    }
    if w == file {
        return true;
    }
    let (wb, fb) = (basename(w), basename(file));
    !fb.is_empty() && !fb.contains('$') && wb == fb
}

/// Whether `cmd` uses the file: unpacks, runs, installs or publishes it.
fn uses(cmd: &ShellCommand, file: &str) -> bool {
    let mentions = || cmd.args.iter().any(|a| names_file(&a.text, file));
    let p = cmd.program();
    if names_file(&cmd.name.text, file) && cmd.name.text.contains('/') {
        return true; // ./installer.sh
    }
    match p {
        "tar" => {
            let extract = cmd.has_short('x')
                || cmd.has_long("extract")
                || cmd.has_long("get")
                || cmd
                    .args
                    .first()
                    .is_some_and(|a| !a.text.starts_with('-') && a.text.contains('x'));
            extract && mentions()
        }
        "unzip" | "gunzip" | "bunzip2" | "unxz" | "7z" | "7za" => mentions(),
        "dpkg" => (cmd.has_short('i') || cmd.has_long("install")) && mentions(),
        "rpm" => (cmd.has_short('i') || cmd.has_short('U')) && mentions(),
        "apk" => cmd.subcommand().is_some_and(|w| w.is("add")) && mentions(),
        "chmod" => {
            let exec = cmd.args.iter().any(|a| {
                a.text.contains("+x")
                    || (a.text.bytes().all(|b| b.is_ascii_digit())
                        && a.text.ends_with(['1', '5', '7']))
            });
            exec && mentions()
        }
        "mv" | "cp" | "install" => {
            let pos = cmd.positionals(&["-m", "-o", "-g", "-t", "--target-directory"]);
            let Some((dest, srcs)) = pos.split_last() else {
                return false;
            };
            let d = unquote(&dest.text);
            BIN_DIRS
                .iter()
                .any(|b| d == *b || d.strip_prefix(b).is_some_and(|r| r.starts_with('/')))
                && srcs.iter().any(|s| names_file(&s.text, file))
        }
        _ if SHELLS.contains(&p) => cmd
            .positionals(&["-o", "+o"])
            .first()
            .is_some_and(|w| names_file(&w.text, file)),
        _ if p == "pip" || p.starts_with("pip3") => {
            cmd.subcommand().is_some_and(|w| w.is("install")) && mentions()
        }
        _ => false,
    }
}

fn verifies(script: &ShellScript, cmd: &ShellCommand) -> bool {
    let p = cmd.program();
    if CHECKSUM_TOOLS.contains(&p) {
        // `sha256sum -c`, or a digest computed to be compared:
        // `[ "$(sha256sum f | cut -c1-64)" = "$SHA" ]`, `sha256sum f | grep …`.
        return cmd.has_short('c')
            || cmd.has_long("check")
            || cmd.nesting == Nesting::CommandSubstitution
            || script
                .piped_into(cmd)
                .is_some_and(|n| n.is("grep") || n.is("diff") || n.is("cmp"));
    }
    match p {
        "gpg" | "gpg2" => cmd.has_long("verify") || cmd.has_long("verify-files"),
        "gpgv" | "gpgv2" | "slsa-verifier" => true,
        "cosign" | "gh" => cmd.args.iter().any(|a| a.text.starts_with("verify")),
        "minisign" | "signify" => cmd.has_short('V'),
        "openssl" => {
            cmd.args.iter().any(|a| a.text == "-verify")
                || (cmd.nesting == Nesting::CommandSubstitution
                    && cmd.subcommand().is_some_and(|w| {
                        w.text == "dgst" || w.text.starts_with("sha") || w.text == "md5"
                    }))
        }
        "rpm" => cmd.has_short('K') || cmd.has_long("checksig"),
        _ => false,
    }
}

impl Rule for DownloadWithoutVerification {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for script in image.scripts() {
            if script.commands.iter().any(|c| verifies(script, c)) {
                continue;
            }
            for (i, cmd) in script.commands.iter().enumerate() {
                if !(cmd.is("curl") || cmd.is("wget")) {
                    continue;
                }
                let Some(file) = downloaded_file(cmd) else {
                    continue;
                };
                let Some(user) = script.commands.iter().skip(i + 1).find(|c| uses(c, &file)) else {
                    continue;
                };
                cx.report(
                    &cmd.origin,
                    format!(
                        "`{}` downloads `{file}`, which is used without verifying a checksum or signature",
                        cmd.program()
                    ),
                )
                .add_related(user.origin.clone(), "the downloaded file is used here");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{basename, names_file};

    #[test]
    fn file_names() {
        assert_eq!(basename("https://x.org/a/b.tgz?x=1"), "b.tgz");
        assert!(names_file("\"/tmp/b.tgz\"", "b.tgz"));
        assert!(names_file("$F", "$F"));
        assert!(!names_file("$G", "$F"));
    }
}
