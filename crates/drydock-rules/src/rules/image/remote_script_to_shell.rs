use drydock_core::RuleMeta;
use drydock_core::spec::{ImageSpec, Nesting, ShellCommand, ShellScript};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a script downloaded and run in one step: `curl … | sh`,
    /// `wget -O- … | bash`, `bash <(curl …)`, `sh -c "$(curl …)"`, also
    /// inside heredoc bodies and `sh -c` strings.
    ///
    /// ## Why is this bad?
    /// Whatever the server sends at build time runs as the build user
    /// (often root), unreviewed and unverified: a compromised server, CDN or
    /// DNS answer owns the image. The server can even tell a piped download
    /// from a browser's and serve different content. A truncated download
    /// runs half a script.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN curl -fsSL https://get.example.com/install.sh | sh
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ADD --checksum=sha256:4f1e…  https://get.example.com/install.sh /tmp/install.sh
    /// RUN sh /tmp/install.sh && rm /tmp/install.sh
    /// ```
    ///
    /// ## How to fix
    /// Download to a file, verify its checksum or signature
    /// (`sha256sum -c`, `gpg --verify`, `ADD --checksum=`), then run it; or
    /// install the software from a package repository.
    pub struct RemoteScriptToShell {
        id: "IMG009",
        name: "remote-script-piped-to-shell",
        title: "Downloaded script piped into a shell",
        severity: High,
        category: SupplyChain,
        references: ["concern:24", "gap:1"],
        fix: None,
    }
}

const SHELLS: &[&str] = &[
    "sh", "bash", "dash", "ash", "zsh", "ksh", "fish", "python", "python3", "perl", "ruby", "node",
];

fn is_download(cmd: &ShellCommand) -> bool {
    if cmd.is("curl") {
        // `curl -o file` / `-O` writes to a file, not to stdout.
        return !cmd.has_short('o')
            && !cmd.has_short('O')
            && !cmd.has_any(&["--output", "--remote-name"]);
    }
    if cmd.is("wget") {
        return cmd
            .args
            .iter()
            .any(|a| a.text == "-O-" || a.text == "-qO-" || a.text == "--output-document=-")
            || cmd
                .args
                .windows(2)
                .any(|w| (w[0].text == "-O" || w[0].text.ends_with("O")) && w[1].text == "-");
    }
    false
}

fn is_shell(cmd: &ShellCommand) -> bool {
    let p = cmd.program();
    SHELLS.contains(&p) || p.starts_with("python3.")
}

/// `cmd` itself when it is a shell, or the shell it wraps (`sudo bash`,
/// `env X=1 sh`).
fn shell_of<'a>(script: &'a ShellScript, cmd: &'a ShellCommand) -> Option<&'a ShellCommand> {
    if is_shell(cmd) {
        return Some(cmd);
    }
    let index = script.commands.iter().position(|c| std::ptr::eq(c, cmd))?;
    children(script, index).find(|c| c.nesting == Nesting::Wrapped && is_shell(c))
}

/// Nested commands whose parent is `parent_index`.
fn children(script: &ShellScript, parent_index: usize) -> impl Iterator<Item = &ShellCommand> {
    script
        .commands
        .iter()
        .filter(move |c| c.parent == Some(parent_index as u32))
}

impl Rule for RemoteScriptToShell {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for script in image.scripts() {
            for (i, cmd) in script.commands.iter().enumerate() {
                // curl … | sh (the download may be several stages before the shell: curl | gunzip | sh)
                if is_download(cmd) {
                    let mut next = script.piped_into(cmd);
                    while let Some(n) = next {
                        if let Some(shell) = shell_of(script, n) {
                            let f = cx.report(
                                &cmd.origin,
                                format!(
                                    "output of `{}` is piped into `{}`",
                                    cmd.program(),
                                    shell.program()
                                ),
                            );
                            f.add_related(n.origin.clone(), "runs the downloaded script");
                            break;
                        }
                        next = script.piped_into(n);
                    }
                }
                // bash <(curl …), sh -c "$(curl …)", eval "$(curl …)"
                if is_shell(cmd) || cmd.is("eval") || cmd.is("source") || cmd.is(".") {
                    for child in children(script, i) {
                        if matches!(
                            child.nesting,
                            Nesting::ProcessSubstitution | Nesting::CommandSubstitution
                        ) && is_download(child)
                        {
                            let f = cx.report(
                                &child.origin,
                                format!(
                                    "`{}` runs a script downloaded by `{}`",
                                    cmd.program(),
                                    child.program()
                                ),
                            );
                            f.add_related(cmd.origin.clone(), "runs the downloaded script");
                        }
                    }
                }
            }
        }
    }
}
