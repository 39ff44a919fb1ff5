//! What the package-manager rules share: recognising `apt-get install`,
//! `apk add`, `yum install`, `pip install`… (options and their values
//! skipped), listing their package operands, and the facts about a `RUN`
//! that decide whether a cache is left behind.

use drydock_core::spec::{BaseImage, ImageSpec, RunStep, ShellCommand, ShellScript, Word};

/// A package-manager call: the command, its subcommand word and the
/// positional words after it.
pub(crate) struct PmCall<'a> {
    pub cmd: &'a ShellCommand,
    /// The words the call is read from: `cmd.args`, or for `python -m pip`
    /// the words after `pip`.
    pub args: &'a [Word],
    pub sub: &'a Word,
    pub operands: Vec<&'a Word>,
}

impl<'a> PmCall<'a> {
    /// `apt-get install`, `yum -y install`: program and subcommand, for
    /// messages.
    pub fn label(&self) -> String {
        let p = self.cmd.program();
        if p.starts_with("python") {
            format!("{p} -m pip {}", self.sub.text)
        } else {
            format!("{p} {}", self.sub.text)
        }
    }

    /// The operands that are literal, non-empty, not options: the words a
    /// rule may judge as package names.
    pub fn literal_operands(&self) -> impl Iterator<Item = &'a Word> + '_ {
        self.operands
            .iter()
            .copied()
            .filter(|w| w.literal && !w.text.is_empty() && !w.text.starts_with('-'))
    }

    /// Whether one of the given options is present among the call's words
    /// (before `--`): `-y` (also in a cluster such as `-qy`) or `--yes`
    /// (also `--yes=…`).
    pub fn has_any(&self, options: &[&str]) -> bool {
        self.args
            .iter()
            .take_while(|w| w.text != "--")
            .any(|w| options.iter().any(|o| option_matches(&w.text, o)))
    }
}

fn option_matches(word: &str, option: &str) -> bool {
    if let Some(long) = option.strip_prefix("--") {
        return word.strip_prefix("--").is_some_and(|r| {
            r == long || r.strip_prefix(long).is_some_and(|r| r.starts_with('='))
        });
    }
    let Some(letter) = option.strip_prefix('-').and_then(|s| s.chars().next()) else {
        return false;
    };
    let Some(cluster) = word.strip_prefix('-') else {
        return false;
    };
    !cluster.starts_with('-')
        && !cluster.is_empty()
        && cluster.chars().all(|c| c.is_ascii_alphanumeric())
        && cluster.contains(letter)
}

pub(crate) use drydock_core::spec::positional_words as positionals;

fn call<'a>(cmd: &'a ShellCommand, args: &'a [Word], with_value: &[&str]) -> Option<PmCall<'a>> {
    let mut pos = positionals(args, with_value).into_iter();
    let sub = pos.next()?;
    Some(PmCall {
        cmd,
        args,
        sub,
        operands: pos.collect(),
    })
}

const APT_WITH_VALUE: &[&str] = &[
    "-o",
    "-c",
    "-t",
    "--option",
    "--config-file",
    "--target-release",
    "--default-release",
];

/// An `apt-get …`/`apt …` call that really acts (not `-s`/`--simulate`).
pub(crate) fn apt_call(cmd: &ShellCommand) -> Option<PmCall<'_>> {
    if !(cmd.is("apt-get") || cmd.is("apt")) {
        return None;
    }
    let c = call(cmd, &cmd.args, APT_WITH_VALUE)?;
    if c.has_any(&[
        "-s",
        "--simulate",
        "--dry-run",
        "--just-print",
        "--no-act",
        "--recon",
    ]) {
        return None;
    }
    Some(c)
}

/// `apt-get install` / `apt install` (also `reinstall`) that really installs.
pub(crate) fn apt_install(cmd: &ShellCommand) -> Option<PmCall<'_>> {
    apt_call(cmd).filter(|c| c.sub.text == "install" || c.sub.text == "reinstall")
}

const APK_WITH_VALUE: &[&str] = &[
    "-X",
    "--repository",
    "-t",
    "--virtual",
    "-p",
    "--root",
    "--repositories-file",
    "--keys-dir",
    "--arch",
    "--cache-dir",
    "--cache-max-age",
    "--progress-fd",
    "--timeout",
];

/// An `apk …` call (not `-s`/`--simulate`).
pub(crate) fn apk_call(cmd: &ShellCommand) -> Option<PmCall<'_>> {
    if !cmd.is("apk") {
        return None;
    }
    call(cmd, &cmd.args, APK_WITH_VALUE).filter(|c| !c.has_any(&["-s", "--simulate"]))
}

/// The RPM-world package managers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rpm {
    Yum,
    Dnf,
    Microdnf,
    Tdnf,
    Zypper,
}

const YUM_WITH_VALUE: &[&str] = &[
    "-c",
    "--config",
    "-d",
    "--debuglevel",
    "-e",
    "--errorlevel",
    "-x",
    "--exclude",
    "--enablerepo",
    "--disablerepo",
    "--repo",
    "--repoid",
    "--releasever",
    "--installroot",
    "--setopt",
    "--downloaddir",
    "--destdir",
    "--color",
    "-R",
    "--randomwait",
    "--rpmverbosity",
    "--forcearch",
    "--disableplugin",
    "--enableplugin",
    "--repofrompath",
    "--advisory",
    "--cve",
    "--bz",
    "--comment",
];

const ZYPPER_WITH_VALUE: &[&str] = &[
    "-c",
    "--config",
    "-R",
    "--root",
    "-D",
    "--reposd-dir",
    "-C",
    "--cache-dir",
    "--raw-cache-dir",
    "--solv-cache-dir",
    "--pkg-cache-dir",
    "-r",
    "--repo",
    "--from",
    "-t",
    "--type",
    "--download",
    "--userdata",
];

/// A yum/dnf/microdnf/tdnf/zypper call and which tool it is.
pub(crate) fn rpm_call(cmd: &ShellCommand) -> Option<(Rpm, PmCall<'_>)> {
    let tool = match cmd.program() {
        "yum" => Rpm::Yum,
        "dnf" | "dnf5" | "dnf-3" => Rpm::Dnf,
        "microdnf" => Rpm::Microdnf,
        "tdnf" => Rpm::Tdnf,
        "zypper" => Rpm::Zypper,
        _ => return None,
    };
    let with_value = if tool == Rpm::Zypper {
        ZYPPER_WITH_VALUE
    } else {
        YUM_WITH_VALUE
    };
    let c = call(cmd, &cmd.args, with_value)?;
    Some((tool, c))
}

/// Whether an RPM-world subcommand installs packages.
pub(crate) fn rpm_installs(tool: Rpm, sub: &str) -> bool {
    match tool {
        Rpm::Zypper => matches!(sub, "install" | "in"),
        _ => matches!(
            sub,
            "install" | "localinstall" | "groupinstall" | "reinstall"
        ),
    }
}

const PIP_WITH_VALUE: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-t",
    "--target",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--prefix",
    "--root",
    "--src",
    "--upgrade-strategy",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--trusted-host",
    "--cache-dir",
    "--global-option",
    "--install-option",
    "--progress-bar",
    "--no-binary",
    "--only-binary",
    "--log",
    "--proxy",
    "--retries",
    "--timeout",
    "--exists-action",
    "--cert",
    "--client-cert",
    "-C",
    "--config-settings",
    "--report",
    "--python",
    "--root-user-action",
];

/// A `pip …` call: `pip`, `pip3`, `pip3.12`, or `python -m pip`.
pub(crate) fn pip_call(cmd: &ShellCommand) -> Option<PmCall<'_>> {
    let p = cmd.program();
    let args: &[Word] = if p == "pip" || p.starts_with("pip2") || p.starts_with("pip3") {
        &cmd.args
    } else if p == "python" || p.starts_with("python2") || p.starts_with("python3") {
        // python [opts] -m pip …
        let i = cmd
            .args
            .windows(2)
            .position(|w| w[0].text == "-m" && w[1].text == "pip")?;
        cmd.args.get(i + 2..)?
    } else {
        return None;
    };
    call(cmd, args, PIP_WITH_VALUE)
}

/// `pip install` (not `pip install --dry-run`).
pub(crate) fn pip_install(cmd: &ShellCommand) -> Option<PmCall<'_>> {
    pip_call(cmd).filter(|c| c.sub.text == "install" && !c.has_any(&["--dry-run"]))
}

/// The `target=` paths of a RUN's `--mount=type=cache` entries.
pub(crate) fn cache_mount_targets(run: &RunStep) -> Vec<&str> {
    run.mounts_of_type("cache")
        .filter_map(|m| {
            m.value.split(',').find_map(|kv| {
                let (k, v) = kv.trim().split_once('=')?;
                matches!(k, "target" | "dst" | "destination").then_some(v.trim())
            })
        })
        .collect()
}

/// Whether a RUN has a cache mount on (or above) one of these directories.
pub(crate) fn has_cache_mount(run: &RunStep, dirs: &[&str]) -> bool {
    cache_mount_targets(run).iter().any(|t| {
        let t = t.trim_end_matches('/');
        dirs.iter().any(|d| {
            let d = d.trim_end_matches('/');
            d == t || d.strip_prefix(t).is_some_and(|r| r.starts_with('/'))
        })
    })
}

/// Whether a command after index `after` in `script` removes one of
/// `dirs`, something above it, or something in it: `rm -rf
/// /var/lib/apt/lists/*`, `rm -rf /var/cache/*`, `find /var/cache/apk
/// -delete`.
pub(crate) fn removed_later(script: &ShellScript, after: usize, dirs: &[&str]) -> bool {
    script.commands.iter().skip(after + 1).any(|c| {
        let removes = c.is("rm")
            || (c.is("find") && c.args.iter().any(|a| a.text == "-delete" || a.text == "rm"));
        removes
            && c.args
                .iter()
                .any(|a| dirs.iter().any(|d| path_covers(&a.text, d)))
    })
}

/// Whether removing `target` removes (part of) `dir`.
fn path_covers(target: &str, dir: &str) -> bool {
    let t = target.trim_matches(|ch| ch == '"' || ch == '\'');
    let t = t.trim_end_matches('*').trim_end_matches('/');
    if t.is_empty() || !t.starts_with('/') {
        return false;
    }
    let dir = dir.trim_end_matches('/');
    t == dir
        || dir.strip_prefix(t).is_some_and(|r| r.starts_with('/'))
        || t.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

/// For each stage, whether its layers end up in the image `docker build`
/// produces: the final stage and every stage it is built `FROM`, directly
/// or not. Caches left in other stages never ship.
pub(crate) fn shipped_stages(images: &[ImageSpec]) -> Vec<bool> {
    let mut ship = vec![false; images.len()];
    for (i, image) in images.iter().enumerate() {
        if !image.is_final {
            continue;
        }
        let mut cur = Some(i);
        let mut steps = 0;
        while let Some(c) = cur {
            if steps > images.len() || ship.get(c).copied().unwrap_or(true) {
                break;
            }
            ship[c] = true;
            steps += 1;
            cur = match images.get(c).map(|im| &im.base.value) {
                Some(BaseImage::Stage { index, .. }) => {
                    images.iter().position(|im| im.stage_index == *index)
                }
                _ => None,
            };
        }
    }
    ship
}

/// The RUN steps, with their scripts, of the stages that ship (see
/// [`shipped_stages`]).
pub(crate) fn shipped_runs(images: &[ImageSpec]) -> impl Iterator<Item = (&RunStep, &ShellScript)> {
    images
        .iter()
        .zip(shipped_stages(images))
        .filter(|(_, ships)| *ships)
        .flat_map(|(image, _)| image.runs())
        .filter_map(|(_, run)| Some((run, run.script.as_ref()?)))
}

/// Reports the unpinned packages of one install command, at the first of
/// them: "`apt-get install` without a version for `a`, `b` (pin with …)".
pub(crate) fn report_unpinned(
    cx: &mut crate::rule::Checker<'_>,
    call: &PmCall<'_>,
    unpinned: &[&Word],
    how: &str,
) {
    if let Some(first) = unpinned.first() {
        cx.report(
            &first.origin,
            format!(
                "`{}` without a version for {} (pin with {how})",
                call.label(),
                list_words(unpinned)
            ),
        );
    }
}

/// `` `a`, `b`, `c` and 4 more ``.
pub(crate) fn list_words(words: &[&Word]) -> String {
    const MAX: usize = 5;
    let mut s = words
        .iter()
        .take(MAX)
        .map(|w| format!("`{}`", w.text))
        .collect::<Vec<_>>()
        .join(", ");
    if words.len() > MAX {
        s.push_str(&format!(" and {} more", words.len() - MAX));
    }
    s
}

/// A local file, directory or URL rather than a package name from an index.
pub(crate) fn is_path_or_url(t: &str) -> bool {
    t.starts_with('/')
        || t.starts_with("./")
        || t.starts_with("../")
        || t.starts_with("~/")
        || t == "."
        || t == ".."
        || t.contains("://")
}
