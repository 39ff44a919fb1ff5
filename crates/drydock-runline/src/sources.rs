//! The shell text inside Makefiles, CI YAML files and Markdown, with the
//! map of its bytes back to the file.

use drydock_compose::yaml::{ScalarStyle, YamlKind, YamlNode, parse_yaml_doc};
use drydock_core::{FileId, ParseError, TextRange};

use crate::{ShellText, SourceKind};

/// Lines of `text` with their start offsets, without the line break (a
/// `\r` before it is kept out too).
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.split_inclusive('\n').map(move |l| {
        let at = start;
        start += l.len();
        let l = l.strip_suffix('\n').unwrap_or(l);
        (at, l.strip_suffix('\r').unwrap_or(l))
    })
}

/// Appends `piece` (file bytes at `at`) with make's `$$` turned into `$`.
fn push_make(st: &mut ShellText, piece: &str, at: usize) {
    let mut last = 0;
    let mut i = 0;
    let b = piece.as_bytes();
    while i + 1 < b.len() {
        if b[i] == b'$' && b[i + 1] == b'$' {
            st.push_verbatim(&piece[last..=i], at + last);
            last = i + 2;
            i += 2;
        } else {
            i += 1;
        }
    }
    st.push_verbatim(&piece[last..], at + last);
}

/// A Makefile's recipe lines (tab-indented), each a line of shell text;
/// `\` continuations are kept for the shell, with the tab make strips from
/// the next line.
pub(crate) fn makefile(text: &str) -> ShellText {
    let mut st = ShellText::default();
    let mut continued = false;
    for (at, line) in lines(text) {
        let (body, off) = if continued {
            match line.strip_prefix('\t') {
                Some(r) => (r, 1),
                None => (line, 0),
            }
        } else if let Some(r) = line.strip_prefix('\t') {
            // `@`, `-` and `+` prefixes (in any order, with blanks).
            let trimmed = r.trim_start_matches(['@', '-', '+', ' ', '\t']);
            (trimmed, line.len() - trimmed.len())
        } else {
            continued = false;
            continue;
        };
        push_make(&mut st, body, at + off);
        st.push_synthetic("\n");
        continued = body.ends_with('\\');
    }
    st
}

/// Markdown code blocks tagged as shell.
pub(crate) fn markdown(text: &str) -> Vec<ShellText> {
    let mut out = Vec::new();
    let mut fence: Option<(char, usize, usize, bool)> = None; // (char, len, indent, console)
    let mut st = ShellText::default();
    let mut continued = false;
    for (at, line) in lines(text) {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = &line[indent..];
        match fence {
            None => {
                if indent > 3 {
                    continue;
                }
                let Some(ch) = body.chars().next().filter(|c| matches!(c, '`' | '~')) else {
                    continue;
                };
                let len = body.len() - body.trim_start_matches(ch).len();
                if len < 3 {
                    continue;
                }
                let info = body[len..].trim().to_ascii_lowercase();
                let lang = info
                    .split(|c: char| c.is_whitespace() || c == '{' || c == ',')
                    .next()
                    .unwrap_or("");
                let shell = matches!(lang, "sh" | "bash" | "shell" | "zsh" | "console");
                let console = matches!(lang, "console" | "shell-session" | "shellsession");
                // Other blocks are tracked too, so that their closing fence
                // is not taken for an opening one.
                fence = Some((ch, len, indent, console));
                st = ShellText {
                    report_errors: false,
                    ..ShellText::default()
                };
                if !(shell || console) {
                    st.fixed = Some(TextRange::EMPTY); // marks "not shell"
                }
                continued = false;
            }
            Some((ch, len, fence_indent, console)) => {
                let closing = indent <= 3
                    && body.starts_with(ch)
                    && body.len() - body.trim_start_matches(ch).len() >= len
                    && body.trim_start_matches(ch).trim().is_empty();
                if closing {
                    fence = None;
                    if st.fixed.is_none() {
                        out.push(std::mem::take(&mut st));
                    }
                    continue;
                }
                if st.fixed.is_some() {
                    continue;
                }
                let strip = indent.min(fence_indent);
                let content = &line[strip..];
                let (cmd, off) = if continued {
                    let c = content.trim_start().strip_prefix("> ").unwrap_or(content);
                    (c, content.len() - c.len())
                } else {
                    let t = content.trim_start();
                    let lead = content.len() - t.len();
                    let prompt = if t.starts_with("$ ") || console && t.starts_with("# ") {
                        Some(2)
                    } else {
                        None
                    };
                    match prompt {
                        Some(p) => (&t[p..], lead + p),
                        None if console => {
                            // Output of the previous command.
                            continue;
                        }
                        None => (content, 0),
                    }
                };
                st.push_verbatim(cmd, at + strip + off);
                st.push_synthetic("\n");
                continued = cmd.trim_end().ends_with('\\');
            }
        }
    }
    out
}

/// The `run:` steps of a GitHub Actions workflow, or the `script:` entries
/// of a GitLab CI file.
pub(crate) fn ci_yaml(
    text: &str,
    file: FileId,
    kind: SourceKind,
    errors: &mut Vec<ParseError>,
) -> Vec<ShellText> {
    let doc = parse_yaml_doc(text, file);
    if let Some(e) = doc.errors.iter().find(|e| e.fatal) {
        errors.push(ParseError::fatal(
            file,
            e.range,
            format!("not valid YAML: {}", e.message),
        ));
        return Vec::new();
    }
    let Some(root) = doc.root else {
        return Vec::new();
    };
    let mut nodes: Vec<&YamlNode> = Vec::new();
    if kind == SourceKind::GithubWorkflow {
        let jobs = root.get("jobs").and_then(YamlNode::as_map).unwrap_or(&[]);
        for job in jobs {
            let steps = job
                .value
                .get("steps")
                .and_then(YamlNode::as_seq)
                .unwrap_or(&[]);
            for step in steps {
                if let Some(run) = step.get("run") {
                    nodes.push(run);
                }
            }
        }
    } else {
        const KEYS: [&str; 3] = ["before_script", "script", "after_script"];
        for e in root.as_map().unwrap_or(&[]) {
            if e.key.as_str().is_some_and(|k| KEYS.contains(&k)) {
                script_nodes(&e.value, &mut nodes, 0);
            } else if e.value.as_map().is_some() {
                for k in KEYS {
                    if let Some(v) = e.value.get(k) {
                        script_nodes(v, &mut nodes, 0);
                    }
                }
            }
        }
    }
    nodes
        .into_iter()
        .filter(|n| n.alias.is_none())
        .filter_map(|n| scalar_text(n, text))
        .collect()
}

/// A GitLab `script` value: a string or a (nested) list of strings.
fn script_nodes<'a>(n: &'a YamlNode, out: &mut Vec<&'a YamlNode>, depth: u32) {
    match &n.kind {
        YamlKind::Scalar(_) => out.push(n),
        YamlKind::Seq(items) if depth < 4 => {
            for it in items {
                script_nodes(it, out, depth + 1);
            }
        }
        _ => {}
    }
}

/// The start of the line holding `offset`.
fn line_start(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |p| p + 1)
}

/// A YAML string scalar as shell text mapped to the file. Plain, simple
/// quoted and block scalars are mapped byte for byte (a block scalar's
/// indentation is not part of its value: each line is mapped on its own);
/// a string with escapes maps as a whole to the scalar.
fn scalar_text(n: &YamlNode, text: &str) -> Option<ShellText> {
    let s = n.as_scalar()?;
    let (start, end) = (n.range.start as usize, n.range.end as usize);
    let raw = text.get(start..end)?;
    let mut st = ShellText::default();
    match s.style {
        ScalarStyle::Plain => {
            let mut first = true;
            for (at, l) in lines(raw) {
                let t = l.trim();
                if !first {
                    st.push_synthetic(if t.is_empty() { "\n" } else { " " });
                }
                let lead = l.len() - l.trim_start().len();
                st.push_verbatim(t, start + at + lead);
                first = false;
            }
        }
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
            st.push_verbatim(inner, start + 1);
        }
        ScalarStyle::Literal | ScalarStyle::Folded => {
            let from = line_start(text, start);
            let block = text.get(from..end)?;
            let indent = lines(block)
                .map(|(_, l)| l)
                .find(|l| !l.trim().is_empty())
                .map_or(0, |l| l.len() - l.trim_start_matches(' ').len());
            let folded = s.style == ScalarStyle::Folded;
            // The previous line: (empty, normal: not more indented).
            let mut prev: Option<(bool, bool)> = None;
            for (at, l) in lines(block) {
                let lead = l.len() - l.trim_start_matches(' ').len();
                let content = if l.trim().is_empty() {
                    ""
                } else {
                    &l[indent.min(lead)..]
                };
                let empty = content.is_empty();
                let normal = !empty && !content.starts_with([' ', '\t']);
                if let Some((p_empty, p_normal)) = prev {
                    let sep = match (folded, empty, p_empty) {
                        (false, _, _) | (true, true, _) => "\n",
                        (true, false, true) => "",
                        (true, false, false) if p_normal && normal => " ",
                        _ => "\n",
                    };
                    st.push_synthetic(sep);
                }
                st.push_verbatim(content, from + at + (l.len() - content.len()));
                prev = Some((empty, normal));
            }
        }
    }
    // Trust the byte-for-byte text only when it is the scalar's value.
    if st.text.trim_end() != s.value.trim_end() {
        return Some(ShellText {
            text: s.value.clone(),
            segments: vec![(0, n.range.start)],
            fixed: Some(n.range),
            report_errors: false,
        });
    }
    if st.segments.is_empty() {
        st.segments.push((0, n.range.start));
    }
    Some(st)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every verbatim segment of `st` is the file's text at its offset.
    fn check_segments(st: &ShellText, file: &str) {
        let mut segs = st.segments.clone();
        segs.push((st.text.len() as u32, 0));
        for w in segs.windows(2) {
            let (t0, f0) = (w[0].0 as usize, w[0].1 as usize);
            let t1 = w[1].0 as usize;
            // A segment may end with one synthetic separator byte.
            let piece = &st.text[t0..t1];
            let piece = piece.trim_end_matches(['\n', ' ']);
            assert_eq!(&file[f0..f0 + piece.len()], piece, "segment at {t0}");
        }
    }

    #[test]
    fn makefile_recipes() {
        let mk = "IMAGE ?= app\nrun:\n\t@-docker run --rm \\\n\t  -v $$PWD:/src $(IMAGE)\n\necho:\n\techo hi\n";
        let st = makefile(mk);
        assert_eq!(
            st.text,
            "docker run --rm \\\n  -v $PWD:/src $(IMAGE)\necho hi\n"
        );
        check_segments(&st, mk);
    }

    #[test]
    fn markdown_blocks() {
        let md = "# T\n```console\n$ docker run --privileged x\noutput line\n# docker run \\\n> --rm y\n```\n\n```python\nx = 1\n```\n  ```bash\n  docker ps\n  ```\n";
        let blocks = markdown(md);
        assert_eq!(blocks.len(), 2);
        assert_eq!(
            blocks[0].text,
            "docker run --privileged x\ndocker run \\\n--rm y\n"
        );
        check_segments(&blocks[0], md);
        assert_eq!(blocks[1].text, "docker ps\n");
        check_segments(&blocks[1], md);
    }

    #[test]
    fn yaml_block_scalars_map_back() {
        let y = "jobs:\n  a:\n    steps:\n      - run: |\n          echo 1\n          docker run \\\n            --privileged x\n      - run: docker run -p 80:80 y\n      - run: >\n          docker run\n          --rm z\n      - run: \"docker run --pid=host w\"\n      - run: \"a\\tb\"\n";
        let mut errs = Vec::new();
        let sts = ci_yaml(y, FileId(0), SourceKind::GithubWorkflow, &mut errs);
        assert!(errs.is_empty());
        assert_eq!(sts.len(), 5);
        assert_eq!(sts[0].text, "echo 1\ndocker run \\\n  --privileged x");
        for st in &sts[..4] {
            assert!(st.fixed.is_none(), "{:?}", st.text);
            check_segments(st, y);
        }
        assert_eq!(sts[2].text, "docker run --rm z");
        assert!(sts[4].fixed.is_some());
    }

    #[test]
    fn gitlab_scripts() {
        let y = "stages: [t]\nbefore_script:\n  - docker info\njob:\n  script:\n    - docker run --privileged x\n    - [docker ps]\n";
        let mut errs = Vec::new();
        let sts = ci_yaml(y, FileId(0), SourceKind::GitlabCi, &mut errs);
        let texts: Vec<&str> = sts.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            ["docker info", "docker run --privileged x", "docker ps"]
        );
        let bad = ci_yaml("a: [", FileId(0), SourceKind::GitlabCi, &mut errs);
        assert!(bad.is_empty() && errs.len() == 1);
    }
}
