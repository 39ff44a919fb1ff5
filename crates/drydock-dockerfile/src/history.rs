//! An image's build history (`docker history`, the `history` of an OCI image
//! config) read back as build steps, so that the rules written against
//! Dockerfile steps judge a built image's history unchanged.
//!
//! Each entry's `created_by` is turned into the Dockerfile instruction it
//! records, the entries are written out oldest first as a Dockerfile after
//! `FROM scratch` (a [`HistoryDocument`]), and that text is parsed by this
//! crate's own parser. The document remembers which byte range came from
//! which entry, so a finding in it can be reported as the history entry it
//! is about.
//!
//! The `created_by` formats understood:
//! - BuildKit: `RUN /bin/sh -c apt-get update # buildkit`, `RUN |2 A=1 B=2
//!   /bin/sh -c …`, `COPY src /dst # buildkit`, `ENV K=v`, `USER app`, …
//! - the classic builder: `/bin/sh -c #(nop)  ENV K=v` for instructions that
//!   run nothing, `/bin/sh -c #(nop) ADD file:<sha> in /` for copies, and the
//!   bare command line (`/bin/sh -c apt-get update`, `|1 A=1 /bin/sh -c …`)
//!   for RUN.
//!
//! `CMD`, `ENTRYPOINT`, `HEALTHCHECK`, `EXPOSE`, `VOLUME`, `SHELL` and
//! `STOPSIGNAL` entries are left out: the image configuration holds their
//! effect, and the classic builder writes them in Go's `%v` notation, not
//! in Dockerfile syntax. Entries in no known format (images made by other
//! tools, `docker import`, `docker commit`) are left out too.

use drydock_core::spec::{BuildStep, ImageSpec};
use drydock_core::{FileId, TextRange};

use crate::spec::{SpecOptions, image_specs};

/// The history of an image as Dockerfile text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HistoryDocument {
    /// `FROM scratch` and then one instruction (or a few: build args become
    /// `ARG` lines before their `RUN`) per understood entry, oldest first.
    pub text: String,
    /// Per entry, in the order given to [`HistoryDocument::new`]: the range
    /// of `text` written for it, `None` when it was left out.
    pub entries: Vec<Option<TextRange>>,
}

/// The instructions whose history entries are kept.
const KEPT: &[&str] = &[
    "RUN",
    "ADD",
    "COPY",
    "ENV",
    "ARG",
    "USER",
    "WORKDIR",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
];

impl HistoryDocument {
    /// Builds the document from the entries' `created_by`, **oldest first**
    /// (the Engine API's `/images/{id}/history` lists newest first).
    pub fn new<S: AsRef<str>>(created_by: &[S]) -> Self {
        let mut text = String::from("FROM scratch\n");
        let mut entries = Vec::with_capacity(created_by.len());
        for c in created_by {
            let lines = instruction_of(c.as_ref());
            if lines.is_empty() {
                entries.push(None);
                continue;
            }
            let start = text.len();
            for l in lines {
                text.push_str(&l);
                text.push('\n');
            }
            entries.push(Some(TextRange::new(
                u32::try_from(start).unwrap_or(u32::MAX),
                u32::try_from(text.len().saturating_sub(1)).unwrap_or(u32::MAX),
            )));
        }
        HistoryDocument { text, entries }
    }

    /// The entry (index into the list given to [`HistoryDocument::new`])
    /// that wrote the byte at `offset`.
    pub fn entry_at(&self, offset: u32) -> Option<usize> {
        self.entries
            .iter()
            .position(|r| r.is_some_and(|r| r.start <= offset && offset <= r.end))
    }

    /// The build steps of the history, with origins in `file` (which must
    /// hold [`HistoryDocument::text`]).
    pub fn steps(&self, file: FileId) -> Vec<BuildStep> {
        let df = crate::parse(&self.text, file);
        image_specs(&df, &self.text, &SpecOptions::default())
            .pop()
            .map(|s: ImageSpec| s.steps)
            .unwrap_or_default()
            .into_iter()
            .filter(|s| match &s.origin {
                drydock_core::Origin::File { range, .. } => self.entry_at(range.start).is_some(),
                _ => false,
            })
            .collect()
    }
}

/// `ADD file:<sha> in /` (classic builder) or `ADD <x> / # buildkit`: the
/// step that unpacked a root filesystem.
pub fn is_rootfs_add(created_by: &str) -> bool {
    let s = created_by.trim().trim_end_matches("# buildkit").trim_end();
    let s = s.rsplit("#(nop)").next().unwrap_or(s).trim();
    s.starts_with("ADD ") && (s.ends_with(" in /") || s.ends_with(" /"))
}

/// `#(nop)` marks an entry of the classic builder that ran nothing.
const NOP: &str = "#(nop)";

/// The Dockerfile line(s) a `created_by` stands for; empty when unknown or
/// not kept.
fn instruction_of(created_by: &str) -> Vec<String> {
    let s = created_by.trim();
    let s = s.strip_suffix("# buildkit").map_or(s, str::trim_end);
    if s.is_empty() {
        return Vec::new();
    }
    // Classic builder, an instruction that ran nothing.
    if let Some(i) = s.find(NOP)
        && shell_prefix(&s[..i]).is_some_and(|rest| rest.is_empty())
    {
        return keep(&legacy_copy(s[i + NOP.len()..].trim()));
    }
    let keyword = s
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    if keyword == "RUN" {
        return run(s[3..].trim_start());
    }
    if s.starts_with('|') || shell_prefix(s).is_some() {
        // Classic builder RUN: the bare command line.
        return run(s);
    }
    if s.split_whitespace()
        .next()
        .is_some_and(|k| k.chars().all(|c| c.is_ascii_uppercase()))
    {
        return keep(s);
    }
    Vec::new()
}

/// `ADD file:<sha> in /dst` (classic builder) → `ADD file:<sha> /dst`.
fn legacy_copy(s: &str) -> String {
    let kw = s.split_whitespace().next().unwrap_or_default();
    if (kw == "ADD" || kw == "COPY")
        && let Some(i) = s.rfind(" in ")
    {
        return format!("{} {}", &s[..i], s[i + 4..].trim());
    }
    s.to_string()
}

fn keep(s: &str) -> Vec<String> {
    let kw = s
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_uppercase();
    if !KEPT.contains(&kw.as_str()) {
        return Vec::new();
    }
    if s.contains('\n') && !s[kw.len()..].trim_start().starts_with("<<") {
        return vec![s.replace(['\r', '\n'], " ")];
    }
    vec![s.to_string()]
}

/// The text after a leading `/bin/sh -c ` (any shell path, with options
/// before `-c`), if `s` starts with one.
fn shell_prefix(s: &str) -> Option<&str> {
    let mut s = s.trim_start();
    let mut first = s.split_whitespace().next()?;
    let mut base = first.rsplit('/').next().unwrap_or(first);
    // `SHELL ["/bin/busybox", "sh", "-c"]`
    if base == "busybox" {
        s = s[first.len()..].trim_start();
        first = s.split_whitespace().next()?;
        base = first;
    }
    if !matches!(base, "sh" | "bash" | "ash" | "dash" | "zsh" | "ksh") {
        return None;
    }
    let mut rest = &s[first.len()..];
    loop {
        let t = rest.trim_start();
        let word = t.split_whitespace().next()?;
        rest = &t[word.len()..];
        if word == "-c" {
            return Some(rest.strip_prefix(' ').unwrap_or(rest));
        }
        if !word.starts_with('-') && !word.starts_with('+') {
            return None;
        }
        // `-o pipefail`
        if word == "-o" || word == "+o" {
            let t = rest.trim_start();
            let opt = t.split_whitespace().next()?;
            rest = &t[opt.len()..];
        }
    }
}

/// A RUN entry: `[|N K=V…] [shell -c] command`. Build args become `ARG`
/// lines (their values are recorded in the history, which is the point of
/// reporting them).
fn run(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut s = s.trim_start();
    if let Some(rest) = s.strip_prefix('|') {
        let n_text: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let n: usize = n_text.parse().unwrap_or(0);
        let mut rest = rest[n_text.len()..].trim_start();
        for _ in 0..n {
            let Some(word) = rest.split_whitespace().next() else {
                break;
            };
            if word.contains('=') {
                out.push(format!("ARG {word}"));
            }
            rest = rest[word.len()..].trim_start();
        }
        s = rest;
    }
    let cmd = shell_prefix(s).unwrap_or(s).trim();
    if cmd.is_empty() {
        return out;
    }
    if cmd.starts_with("<<") {
        out.push(format!("RUN {cmd}"));
    } else if cmd.contains('\n') || cmd.ends_with('\\') {
        // A multi-line script: a heredoc keeps its lines as the shell saw
        // them (a Dockerfile line continuation would join them).
        let mut marker = String::from("DRYDOCK_HISTORY_EOF");
        while cmd.lines().any(|l| l.trim() == marker) {
            marker.push('_');
        }
        out.push(format!("RUN <<'{marker}'\n{cmd}\n{marker}"));
    } else {
        out.push(format!("RUN {cmd}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use drydock_core::spec::StepKind;

    use super::*;

    fn doc(entries: &[&str]) -> HistoryDocument {
        HistoryDocument::new(entries)
    }

    #[test]
    fn classic_builder_entries() {
        let d = doc(&[
            "/bin/sh -c #(nop) ADD file:4b03b5f551e3fbdf47ec609712007327828f7530cc3455c43bbcdcaf449a75a9 in / ",
            "/bin/sh -c #(nop)  CMD [\"bash\"]",
            "/bin/sh -c #(nop)  ENV API_TOKEN=abc",
            "/bin/sh -c apt-get update",
            "|2 A=1 PASSWORD=hunter2 /bin/sh -c make",
            "/bin/sh -c #(nop) COPY dir:abc in /app ",
            "/bin/busybox sh -c #(nop)  USER 1000",
            "|1 T=x /bin/busybox sh -c echo hi",
        ]);
        assert_eq!(
            d.text,
            "FROM scratch\n\
             ADD file:4b03b5f551e3fbdf47ec609712007327828f7530cc3455c43bbcdcaf449a75a9 /\n\
             ENV API_TOKEN=abc\n\
             RUN apt-get update\n\
             ARG A=1\nARG PASSWORD=hunter2\nRUN make\n\
             COPY dir:abc /app\n\
             USER 1000\n\
             ARG T=x\nRUN echo hi\n"
        );
        assert_eq!(d.entries[1], None);
        let run = d.text.find("RUN make").unwrap() as u32;
        assert_eq!(d.entry_at(run), Some(4));
        let arg = d.text.find("ARG A=1").unwrap() as u32;
        assert_eq!(d.entry_at(arg), Some(4));
        assert_eq!(d.entry_at(0), None, "FROM scratch is no entry");
    }

    #[test]
    fn buildkit_entries() {
        let d = doc(&[
            "RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit",
            "RUN |1 TOKEN=x /bin/sh -c echo $TOKEN # buildkit",
            "ADD https://example.com/a.tgz /opt/ # buildkit",
            "COPY . /app # buildkit",
            "USER 1000",
            "WORKDIR /app",
            "EXPOSE map[80/tcp:{}]",
            "HEALTHCHECK &{[\"CMD-SHELL\" \"true\"] \"30s\" \"0s\" \"0s\" \"0s\" '\\x00'}",
            "RUN /bin/bash -o pipefail -c curl x | sh # buildkit",
            "",
        ]);
        assert_eq!(
            d.text,
            "FROM scratch\n\
             RUN apt-get update && apt-get install -y curl\n\
             ARG TOKEN=x\nRUN echo $TOKEN\n\
             ADD https://example.com/a.tgz /opt/\n\
             COPY . /app\n\
             USER 1000\n\
             WORKDIR /app\n\
             RUN curl x | sh\n"
        );
        assert_eq!(d.entries.iter().filter(|e| e.is_none()).count(), 3);
    }

    #[test]
    fn multi_line_scripts_become_heredocs() {
        let d = doc(&["RUN /bin/sh -c set -e\napt-get update\necho done # buildkit"]);
        assert!(d.text.contains(
            "RUN <<'DRYDOCK_HISTORY_EOF'\nset -e\napt-get update\necho done\nDRYDOCK_HISTORY_EOF\n"
        ));
        let steps = d.steps(FileId(0));
        let [step] = steps.as_slice() else {
            panic!("{steps:?}")
        };
        let StepKind::Run(run) = &step.kind else {
            panic!("{step:?}")
        };
        let script = run.script.as_ref().unwrap();
        let names: Vec<_> = script
            .commands
            .iter()
            .map(|c| c.name.text.clone())
            .collect();
        assert_eq!(names, ["set", "apt-get", "echo"]);
    }

    #[test]
    fn steps_are_parsed_from_the_document() {
        let d = doc(&[
            "/bin/sh -c #(nop) ADD file:abc in /",
            "/bin/sh -c apt-get update",
            "/bin/sh -c #(nop)  USER nobody",
        ]);
        let steps = d.steps(FileId(3));
        let kinds: Vec<&str> = steps.iter().map(|s| s.instruction.value.as_str()).collect();
        assert_eq!(kinds, ["ADD", "RUN", "USER"]);
        for s in &steps {
            let drydock_core::Origin::File { file, range } = &s.origin else {
                panic!("{s:?}")
            };
            assert_eq!(*file, FileId(3));
            assert!(d.entry_at(range.start).is_some());
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_history_never_panics(entries in proptest::collection::vec(
            "(\\|[0-9] )?(/bin/sh -c |RUN |#\\(nop\\) )?(ADD|COPY|RUN|ENV|ARG|USER)? ?[ -~\n\\\\é<]{0,40}",
            0..6,
        )) {
            let d = HistoryDocument::new(&entries);
            for s in d.steps(FileId(0)) {
                let drydock_core::Origin::File { range, .. } = s.origin else { continue };
                proptest::prop_assert!(d.entry_at(range.start).is_some());
            }
        }
    }

    #[test]
    fn odd_input_never_panics() {
        for s in [
            "|",
            "|9",
            "|2 A",
            "#(nop)",
            "/bin/sh -c",
            "/bin/sh -c #(nop)",
            "RUN",
            "RUN |1",
            "/bin/sh -o",
            "\u{0}\u{1}",
            "ADD in ",
            "/bin/sh -c #(nop) ADD  in ",
            "RUN /bin/sh -c \\",
            "é/bin/sh -c x",
        ] {
            let d = doc(&[s]);
            let _ = d.steps(FileId(0));
        }
    }
}
