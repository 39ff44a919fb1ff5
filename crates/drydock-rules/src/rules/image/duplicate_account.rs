use std::collections::HashMap;

use drydock_core::spec::{BaseImage, ImageFiles, ImageSpec, ShellCommand};
use drydock_core::{Origin, RuleMeta, TextRange};

use super::accounts::{DbFile, Kind, account_op, db_entries, db_lines};
use super::files::in_text;
use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports build steps that create duplicate accounts:
    ///
    /// * a second account with UID 0 (`useradd -o -u 0 admin`,
    ///   `usermod -o -u 0 app`, `echo 'toor:x:0:0::/root:/bin/sh' >>
    ///   /etc/passwd`): root under another name, the most serious case;
    ///   likewise a second group with GID 0;
    /// * `-o`/`--non-unique` on `useradd`, `usermod`, `groupadd`,
    ///   `groupmod`, which allows a duplicate UID or GID;
    /// * two users (or groups) created with the same UID (GID), or the same
    ///   name, in a stage or in a stage and the stages it is built `FROM`.
    ///
    /// Accounts of the base image are not known statically; in a built
    /// image the rule reads `/etc/passwd` and `/etc/group` themselves
    /// (Dockle DKL-LI-0002) and reports, at the later line, with the first
    /// as a related location: a user or group name listed twice, a UID or
    /// GID given to two accounts, and a second account with UID 0 (or a
    /// second group with GID 0).
    ///
    /// ## Why is this bad?
    /// Permissions belong to numbers, not names: two accounts with one UID
    /// are one identity with two names, so files, processes and audit
    /// records of one are the other's, and what an administrator believes
    /// about `app` is also true of `backup`. A non-root name with UID 0 is
    /// a hidden root account that `grep root /etc/passwd` does not show.
    /// Without `-o`, `useradd` and `adduser` refuse a duplicate UID or
    /// name, so such a step either fails the build or hides the failure
    /// (`|| true`).
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN useradd -o -u 0 -g 0 admin
    /// RUN useradd -u 1000 app && useradd -u 1000 worker
    /// ```
    ///
    /// ## How to fix
    /// Give every account its own UID and GID and never UID 0 except
    /// `root`; drop `-o`. A process that needs root should run as `root`
    /// (or better, with the one capability it needs); files that two
    /// services share belong to a common group.
    pub struct DuplicateAccount {
        id: "IMG068",
        name: "duplicate-account",
        title: "Duplicate or second root account",
        severity: High,
        category: Privilege,
        references: ["concern:8", "dockle:DKL-LI-0002"],
        fix: None,
    }
}

/// An account a stage creates.
#[derive(Clone, Debug)]
struct Created {
    kind: Kind,
    name: Option<String>,
    id: Option<u64>,
    origin: Origin,
}

/// What one stage does to accounts.
#[derive(Default)]
struct Stage {
    /// The accounts it has at the end (created and not deleted), in order:
    /// what a stage built from it inherits.
    created: Vec<Created>,
    /// Its creations and deletions, in order.
    events: Vec<Event>,
}

enum Event {
    Create(Created),
    Delete(Kind, String),
}

/// The account `userdel`/`deluser`/`groupdel`/`delgroup` removes.
fn deleted_account(cmd: &ShellCommand) -> Option<(Kind, String)> {
    let kind = match cmd.program() {
        "userdel" | "deluser" => Kind::User,
        "groupdel" | "delgroup" => Kind::Group,
        _ => return None,
    };
    let positionals = cmd.positionals(&["-R", "--root", "-P", "--prefix", "--conf"]);
    // `deluser user group` removes a user from a group.
    match positionals.as_slice() {
        [name] if name.literal => Some((kind, name.text.clone())),
        _ => None,
    }
}

/// Reports what the commands of one stage do wrong on their own, and
/// returns what it does to accounts.
fn scan(image: &ImageSpec, mut report: Option<&mut Checker<'_>>) -> Stage {
    let mut created: Vec<Created> = Vec::new();
    let mut events = Vec::new();
    for (script, cmd) in image.commands() {
        if let Some((kind, name)) = deleted_account(cmd) {
            created.retain(|c| !(c.kind == kind && c.name.as_deref() == Some(name.as_str())));
            events.push(Event::Delete(kind, name));
            continue;
        }
        let mut new = Vec::new();
        if let Some(op) = account_op(cmd) {
            let name = op.name.map(|w| w.text.clone());
            let second_root = op.id.is_some_and(|(id, _)| id == 0)
                && name.as_deref().is_some_and(|n| n != "root");
            if let Some(cx) = report.as_deref_mut() {
                if second_root {
                    let (_, w) = op.id.unwrap_or((0, &cmd.name));
                    cx.report(
                        &w.origin,
                        format!(
                            "`{}` gives `{}` {} 0: a second root {} under another name",
                            cmd.program(),
                            name.as_deref().unwrap_or(""),
                            op.kind.id_name(),
                            if op.kind == Kind::User {
                                "account"
                            } else {
                                "group"
                            },
                        ),
                    );
                } else if let Some(w) = op.non_unique {
                    cx.report(
                        &w.origin,
                        format!(
                            "`{} {}` allows a duplicate {}: two {}s with one number are one identity",
                            cmd.program(),
                            w.text,
                            op.kind.id_name(),
                            op.kind.as_str()
                        ),
                    );
                }
            }
            if op.creates {
                new.push(Created {
                    kind: op.kind,
                    name,
                    id: op.id.map(|(id, _)| id),
                    origin: cmd.origin.clone(),
                });
            }
        }
        for (file, line, w) in db_lines(script, cmd) {
            let fields: Vec<&str> = line.trim().split(':').collect();
            let (kind, id_field) = match file {
                DbFile::Passwd => (Kind::User, 2),
                DbFile::Group => (Kind::Group, 2),
                DbFile::Shadow => continue,
            };
            let Some(name) = fields.first().filter(|n| !n.is_empty()) else {
                continue;
            };
            let id = fields.get(id_field).and_then(|i| i.parse::<u64>().ok());
            if id == Some(0)
                && *name != "root"
                && let Some(cx) = report.as_deref_mut()
            {
                cx.report(
                    &w.origin,
                    format!(
                        "the line written to `{}` gives `{name}` {} 0: a second root {} under another name",
                        file.path(),
                        kind.id_name(),
                        if kind == Kind::User { "account" } else { "group" },
                    ),
                );
            }
            new.push(Created {
                kind,
                name: Some((*name).to_string()),
                id,
                origin: w.origin.clone(),
            });
        }
        for c in new {
            if let Some(cx) = report.as_deref_mut() {
                compare(cx, &c, &created, "");
            }
            events.push(Event::Create(c.clone()));
            created.push(c);
        }
    }
    Stage { created, events }
}

/// Reports `c` when an account in `earlier` has its name or number.
fn compare(cx: &mut Checker<'_>, c: &Created, earlier: &[Created], where_: &str) {
    let same_kind = earlier.iter().filter(|e| e.kind == c.kind);
    if let Some(name) = &c.name
        && let Some(e) = same_kind.clone().find(|e| e.name.as_ref() == Some(name))
    {
        cx.report(
            &c.origin,
            format!(
                "{} `{name}` is created again{where_}: the second creation fails or makes a duplicate",
                c.kind.as_str()
            ),
        )
        .add_related(e.origin.clone(), "first created here");
        return;
    }
    if let Some(id) = c.id
        // UID 0 under another name is reported as a second root already.
        && id != 0
        && let Some(e) = same_kind.clone().find(|e| e.id == Some(id))
    {
        cx.report(
            &c.origin,
            format!(
                "{} {id} is also given to `{}`{where_}: two {}s with one number are one identity",
                c.kind.id_name(),
                e.name.as_deref().unwrap_or("another account"),
                c.kind.as_str()
            ),
        )
        .add_related(
            e.origin.clone(),
            format!("{} {id} first given here", c.kind.id_name()),
        );
    }
}

/// Duplicates in a built image's `/etc/passwd` and `/etc/group`.
fn check_files(cx: &mut Checker<'_>, files: &ImageFiles) {
    for (path, kind) in [("/etc/passwd", Kind::User), ("/etc/group", Kind::Group)] {
        let Some(file) = files.text(path) else {
            continue;
        };
        let text = cx.file_text(file);
        let mut names: HashMap<&str, TextRange> = HashMap::new();
        let mut ids: HashMap<u64, (&str, TextRange)> = HashMap::new();
        for (range, fields) in db_entries(text) {
            let Some(name) = fields.first().copied().filter(|n| !n.is_empty()) else {
                continue;
            };
            let id = fields.get(2).and_then(|i| i.trim().parse::<u64>().ok());
            let what = kind.as_str();
            if let Some(first) = names.get(name) {
                cx.report(
                    &in_text(file, range),
                    format!("{what} `{name}` is listed twice in `{path}`"),
                )
                .add_related(in_text(file, *first), "first listed here");
                continue;
            }
            names.insert(name, range);
            let Some(id) = id else {
                continue;
            };
            if let Some((other, first)) = ids.get(&id) {
                let message = if id == 0 {
                    format!(
                        "`{name}` has {} 0 like `{other}` in `{path}`: a second root {} under another name",
                        kind.id_name(),
                        if kind == Kind::User {
                            "account"
                        } else {
                            "group"
                        }
                    )
                } else {
                    format!(
                        "{} {id} of `{name}` is also `{other}`'s in `{path}`: two {what}s with one number are one identity",
                        kind.id_name()
                    )
                };
                cx.report(&in_text(file, range), message).add_related(
                    in_text(file, *first),
                    format!("{} {id} first given here", kind.id_name()),
                );
                continue;
            }
            ids.insert(id, (name, range));
        }
    }
}

impl Rule for DuplicateAccount {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        scan(image, Some(cx));
        if let Some(files) = &image.files {
            check_files(cx, files);
        }
    }

    /// Accounts a stage creates that a stage it is built `FROM` (directly
    /// or further up) already created; duplicates within one stage are
    /// `check_image`'s.
    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        let stages: Vec<Stage> = df.images.iter().map(|i| scan(i, None)).collect();
        for (idx, image) in df.images.iter().enumerate() {
            let mut inherited = Vec::new();
            let mut parent = &image.base.value;
            let mut guard = 0;
            while let BaseImage::Stage { index, .. } = parent
                && guard < df.images.len()
            {
                let Some(p) = df.images.iter().position(|i| i.stage_index == *index) else {
                    break;
                };
                inherited.splice(0..0, stages[p].created.iter().cloned());
                parent = &df.images[p].base.value;
                guard += 1;
            }
            // An inherited account this stage deletes may be created again.
            for event in &stages[idx].events {
                match event {
                    Event::Delete(kind, name) => {
                        inherited.retain(|c| !(c.kind == *kind && c.name.as_ref() == Some(name)))
                    }
                    Event::Create(c) => compare(
                        cx,
                        c,
                        &inherited,
                        " (an earlier stage this one is built from has it)",
                    ),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::image::files::testkit::Img;

    #[test]
    fn image_databases() {
        let img = Img::new()
            .text(
                "/etc/passwd",
                "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nworker:x:1000:1000::/:/bin/sh\ntoor:x:0:0::/root:/bin/sh\napp:x:1001:1001::/:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n",
            )
            .text("/etc/group", "root:x:0:\nwheel:x:10:\nadm:x:10:\nroot2:x:0:\n");
        let found = img.check(&DuplicateAccount);
        let got: Vec<(String, &str, String)> = found
            .iter()
            .map(|f| {
                let related = f
                    .related
                    .iter()
                    .map(|r| {
                        let (file, range) = r.origin.file_range().unwrap();
                        let src = img.sources.get(file).unwrap();
                        format!("{}: {}", src.line_col(range.start).line, r.message)
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                (img.place(f), f.message.as_str(), related)
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "fixture.tar!/etc/passwd:3".to_string(),
                    "UID 1000 of `worker` is also `app`'s in `/etc/passwd`: two users with one number are one identity",
                    "2: UID 1000 first given here".to_string()
                ),
                (
                    "fixture.tar!/etc/passwd:4".to_string(),
                    "`toor` has UID 0 like `root` in `/etc/passwd`: a second root account under another name",
                    "1: UID 0 first given here".to_string()
                ),
                (
                    "fixture.tar!/etc/passwd:5".to_string(),
                    "user `app` is listed twice in `/etc/passwd`",
                    "2: first listed here".to_string()
                ),
                (
                    "fixture.tar!/etc/group:3".to_string(),
                    "GID 10 of `adm` is also `wheel`'s in `/etc/group`: two groups with one number are one identity",
                    "2: GID 10 first given here".to_string()
                ),
                (
                    "fixture.tar!/etc/group:4".to_string(),
                    "`root2` has GID 0 like `root` in `/etc/group`: a second root group under another name",
                    "1: GID 0 first given here".to_string()
                ),
            ]
        );
    }

    #[test]
    fn clean_databases() {
        let img = Img::new()
            .text(
                "/etc/passwd",
                "root:x:0:0:root:/root:/bin/sh\n+::::::\n# c\napp:x:1000:1000::/:/bin/sh\n",
            )
            .text("/etc/group", "root:x:0:\napp:x:1000:\n");
        assert!(img.check(&DuplicateAccount).is_empty());
    }
}
