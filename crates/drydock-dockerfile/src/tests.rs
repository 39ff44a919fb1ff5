//! Parser and conversion tests with exact spans.

use drydock_core::spec::{BaseImage, ImageSpec, StepKind};
use drydock_core::{FileId, Origin, TextRange};

use crate::*;

fn p(text: &str) -> Dockerfile {
    parse(text, FileId(7))
}

fn sl(text: &str, r: TextRange) -> &str {
    r.slice(text)
}

fn or(text: &str, o: &Origin) -> String {
    o.range()
        .map(|r| r.slice(text).to_string())
        .unwrap_or_default()
}

fn specs(text: &str) -> Vec<ImageSpec> {
    image_specs(&p(text), text, &SpecOptions::default())
}

fn clean(df: &Dockerfile) {
    assert!(df.errors.is_empty(), "{:?}", df.errors);
}

#[test]
fn basic_instruction_spans() {
    let t = "FROM alpine:3.19 AS Build\nrun  echo hi\n";
    let df = p(t);
    clean(&df);
    assert_eq!(df.instructions.len(), 2);
    let from = &df.instructions[0];
    assert_eq!(from.keyword, "FROM");
    assert_eq!(sl(t, from.range), "FROM alpine:3.19 AS Build");
    let words: Vec<_> = from
        .words()
        .into_iter()
        .map(|(w, r)| (w, sl(t, r).to_string()))
        .collect();
    assert_eq!(
        words[0],
        ("alpine:3.19".to_string(), "alpine:3.19".to_string())
    );
    assert_eq!(
        df.stages[0]
            .name
            .as_ref()
            .map(|(n, r)| (n.as_str(), sl(t, *r))),
        Some(("build", "Build"))
    );
    let run = &df.instructions[1];
    assert_eq!(run.keyword, "RUN");
    assert_eq!(sl(t, run.keyword_range), "run");
    match &run.args {
        Args::Shell { text, range, map } => {
            assert_eq!(text, "echo hi");
            assert_eq!(sl(t, *range), "echo hi");
            assert_eq!(map.map(0) as usize, t.find("echo").unwrap());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(run.stage, Some(0));
    assert_eq!(df.stages[0].instructions, 0..2);
}

#[test]
fn directives_and_backtick_escape() {
    let t = "# syntax=docker/dockerfile:1\n#ESCAPE = `\n# check=skip=JSONArgsRecommended;error=true\n# a comment\n# escape=\\\nFROM mcr.microsoft.com/windows/servercore\nRUN dir c:\\ `\n    && echo `\n    done\nCOPY a\\b c:\\dst\\\n";
    let df = p(t);
    clean(&df);
    assert_eq!(df.escape, '`');
    let names: Vec<_> = df
        .directives
        .iter()
        .map(|d| (d.name.as_str(), d.value.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("syntax", "docker/dockerfile:1"),
            ("escape", "`"),
            ("check", "skip=JSONArgsRecommended;error=true")
        ]
    );
    assert_eq!(sl(t, df.directives[1].value_range), "`");
    assert_eq!(
        sl(t, df.directives[0].range),
        "# syntax=docker/dockerfile:1"
    );
    // The directive-looking line after a comment is a comment.
    assert_eq!(
        df.comments
            .iter()
            .map(|c| c.text.as_str())
            .collect::<Vec<_>>(),
        ["a comment", "escape=\\"]
    );
    let run = &df.instructions[1];
    assert_eq!(run.shell_text(), Some("dir c:\\     && echo     done"));
    assert_eq!(sl(t, run.range), "RUN dir c:\\ `\n    && echo `\n    done");
    // A backslash at the end of a line does not continue it.
    assert_eq!(df.instructions.len(), 3);
    let copy = &df.instructions[2];
    assert_eq!(
        copy.words().into_iter().map(|w| w.0).collect::<Vec<_>>(),
        ["a\\b", "c:\\dst\\"]
    );
    let s = specs(t);
    match &s[0].steps[2].kind {
        StepKind::Copy(c) => {
            assert_eq!(c.sources[0].value, "a\\b");
            assert_eq!(c.dest.as_ref().unwrap().value, "c:\\dst\\");
        }
        k => panic!("{k:?}"),
    }
}

#[test]
fn continuation_skips_comments_and_blank_lines() {
    let t = "FROM a\nRUN apt-get update \\\n    # a comment inside\n\n   \n    && apt-get install -y x \\  \n  # last\n    && true\nUSER app\n";
    let df = p(t);
    clean(&df);
    let run = &df.instructions[1];
    assert_eq!(
        run.shell_text(),
        Some("apt-get update     && apt-get install -y x     && true")
    );
    assert!(
        sl(t, run.range).starts_with("RUN apt-get update \\")
            && sl(t, run.range).ends_with("&& true")
    );
    assert_eq!(df.comments.len(), 2);
    assert_eq!(sl(t, df.comments[0].range), "# a comment inside");
    assert_eq!(df.comments[1].text, "last");
    // Word ranges map across the removed lines.
    let words = run.words();
    let install = words.iter().find(|w| w.0 == "install").unwrap();
    assert_eq!(sl(t, install.1), "install");
    let tru = words.last().unwrap();
    assert_eq!(sl(t, tru.1), "true");
    // The script maps back into the file.
    let s = specs(t);
    let (_, r) = s[0].runs().next().unwrap();
    let script = r.script.as_ref().unwrap();
    let names: Vec<_> = script
        .commands
        .iter()
        .map(|c| c.name.text.as_str())
        .collect();
    assert_eq!(names, ["apt-get", "apt-get", "true"]);
    assert_eq!(or(t, &script.commands[1].name.origin), "apt-get");
    assert_eq!(or(t, &script.commands[2].origin), "true");
    assert_eq!(df.instructions[2].keyword, "USER");
}

#[test]
fn word_split_across_continuation() {
    let t = "FROM a\nENV A=x\\\ny B=2\n";
    let df = p(t);
    clean(&df);
    let s = specs(t);
    assert_eq!(s[0].env[0].value.value, "xy");
    assert_eq!(or(t, &s[0].env[0].value.origin), "x\\\ny");
    assert_eq!(or(t, &s[0].env[1].key.origin), "B");
}

#[test]
fn heredoc_strip_tabs() {
    let t = "FROM a\nRUN <<-EOF\n\techo one\n\t\techo two\n\tEOF\nUSER x\n";
    let df = p(t);
    clean(&df);
    let run = &df.instructions[1];
    let h = &run.heredocs[0];
    assert!(h.strip_tabs && !h.quoted);
    assert_eq!(h.delimiter, "EOF");
    assert_eq!(h.body, "\techo one\n\t\techo two\n");
    assert_eq!(h.content(), "echo one\necho two\n");
    assert_eq!(sl(t, h.body_range), h.body);
    assert_eq!(sl(t, h.marker_range), "<<-EOF");
    assert_eq!(sl(t, h.range), "<<-EOF\n\techo one\n\t\techo two\n\tEOF");
    assert_eq!(
        sl(t, run.range),
        "RUN <<-EOF\n\techo one\n\t\techo two\n\tEOF"
    );
    assert_eq!(df.instructions[2].keyword, "USER");
    let s = specs(t);
    let (_, r) = s[0].runs().next().unwrap();
    assert!(r.heredoc);
    let sc = r.script.as_ref().unwrap();
    assert_eq!(sc.commands.len(), 2);
    assert_eq!(or(t, &sc.commands[1].origin), "echo two");
}

#[test]
fn two_heredocs_in_one_run() {
    let t = "FROM a\nRUN <<A <<B\nfirst\nA\nsecond\nB\nCMD x\n";
    let df = p(t);
    clean(&df);
    let run = &df.instructions[1];
    assert_eq!(run.heredocs.len(), 2);
    assert_eq!(run.heredocs[0].body, "first\n");
    assert_eq!(run.heredocs[1].body, "second\n");
    // From the marker (on the instruction line) to the terminator.
    assert_eq!(sl(t, run.heredocs[1].range), "<<B\nfirst\nA\nsecond\nB");
    assert_eq!(sl(t, run.heredocs[0].body_range), "first\n");
    assert_eq!(sl(t, run.heredocs[1].body_range), "second\n");
    assert_eq!(sl(t, run.heredocs[1].marker_range), "<<B");
    assert_eq!(sl(t, run.range), "RUN <<A <<B\nfirst\nA\nsecond\nB");
    assert_eq!(df.instructions[2].keyword, "CMD");
}

#[test]
fn quoted_delimiter_and_comment_after_terminator() {
    let t = "FROM a\nCOPY <<'EOF' /etc/x.conf\nkey=$VALUE\nEOF\n# a normal comment\nRUN <<\"END\" bash\nset -e\nEND\n#after\n";
    let df = p(t);
    clean(&df);
    let copy = &df.instructions[1];
    assert!(copy.heredocs[0].quoted);
    assert_eq!(copy.heredocs[0].body, "key=$VALUE\n");
    assert_eq!(
        df.comments
            .iter()
            .map(|c| c.text.as_str())
            .collect::<Vec<_>>(),
        ["a normal comment", "after"]
    );
    assert_eq!(df.instructions.len(), 3);
    let s = specs(t);
    match &s[0].steps[1].kind {
        StepKind::Copy(c) => {
            assert!(c.heredoc);
            assert_eq!(c.sources[0].value, "<<'EOF'");
            assert_eq!(c.dest.as_ref().unwrap().value, "/etc/x.conf");
        }
        k => panic!("{k:?}"),
    }
    let (_, r) = s[0].runs().next().unwrap();
    let sc = r.script.as_ref().unwrap();
    assert_eq!(sc.commands[0].name.text, "set");
    assert_eq!(or(t, &sc.commands[0].origin), "set -e");
}

#[test]
fn heredoc_with_non_shell_program_is_data() {
    let t = "FROM a\nRUN python3 <<EOF\nimport os\nEOF\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\nRUN cat <<EOF > /x\nhello\nEOF\n";
    let s = specs(t);
    let runs: Vec<_> = s[0].runs().map(|(_, r)| r).collect();
    let names = |i: usize| -> Vec<String> {
        runs[i]
            .script
            .as_ref()
            .map(|s| s.commands.iter().map(|c| c.name.text.clone()).collect())
            .unwrap_or_default()
    };
    assert_eq!(names(0), ["python3"]);
    assert!(runs[1].script.is_none());
    assert_eq!(names(2), ["cat"]);
    assert_eq!(
        or(t, &runs[2].script.as_ref().unwrap().commands[0].name.origin),
        "cat"
    );
}

#[test]
fn unterminated_heredoc() {
    let t = "FROM a\nRUN <<EOF\necho hi\n";
    let df = p(t);
    assert_eq!(df.errors.len(), 1);
    assert_eq!(sl(t, df.errors[0].range), "<<EOF");
    assert!(!df.errors[0].fatal);
    assert_eq!(df.instructions[1].heredocs[0].body, "echo hi\n");
    assert_eq!(sl(t, df.instructions[1].range), "RUN <<EOF\necho hi");
}

#[test]
fn exec_and_shell_form() {
    let t = "FROM a\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\nENTRYPOINT /bin/run --x\nRUN [\"sh\", \"-c\", \"apt-get update && echo \\\"x\\\"\"]\n";
    let df = p(t);
    clean(&df);
    match &df.instructions[1].args {
        Args::Exec(v) => {
            assert_eq!(
                v.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
                ["nginx", "-g", "daemon off;"]
            );
            assert_eq!(sl(t, v[2].1), "\"daemon off;\"");
        }
        a => panic!("{a:?}"),
    }
    assert!(!df.instructions[2].is_exec_form());
    let s = specs(t);
    let cmd = s[0].cmd.as_ref().unwrap();
    assert!(cmd.exec_form);
    assert_eq!(cmd.args, ["nginx", "-g", "daemon off;"]);
    let ep = s[0].entrypoint.as_ref().unwrap();
    assert!(!ep.exec_form);
    assert_eq!(ep.args, ["/bin/run --x"]);
    let (_, r) = s[0].runs().next().unwrap();
    assert!(r.exec_form);
    assert_eq!(r.exec_args.len(), 3);
    let sc = r.script.as_ref().unwrap();
    assert_eq!(
        sc.commands
            .iter()
            .map(|c| c.name.text.as_str())
            .collect::<Vec<_>>(),
        ["apt-get", "echo"]
    );
    assert_eq!(or(t, &sc.commands[0].origin), "apt-get update");
    assert_eq!(or(t, &sc.commands[1].name.origin), "echo");
}

#[test]
fn invalid_json_falls_back_to_shell_form() {
    let t = "FROM a\nCMD [\"a\", 'b']\nENTRYPOINT [\"x\"\nRUN [\"a\", 1]\n";
    let df = p(t);
    assert_eq!(df.instructions[1].shell_text(), Some("[\"a\", 'b']"));
    assert_eq!(df.instructions[2].shell_text(), Some("[\"x\""));
    // Valid JSON that is not all strings is an error (BuildKit rejects it).
    assert_eq!(df.errors.len(), 1);
    assert_eq!(sl(t, df.errors[0].range), "[\"a\", 1]");
}

#[test]
fn every_flag() {
    let t = "FROM --platform=linux/amd64 a AS b\n\
RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=tok --network=none --security=insecure make\n\
COPY --from=b --chown=app:app --chmod=755 --link --parents --exclude=*.md src/ /dst/\n\
ADD --checksum=sha256:abc --keep-git-dir=true --link=false https://x/y.tgz /y\n\
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --start-interval=1s --retries=3 CMD curl -f http://localhost/\n\
COPY --unknown-flag=\"q v\" a b\n";
    let df = p(t);
    clean(&df);
    let f = |i: usize, n: &str| df.instructions[i].flag(n).cloned().unwrap();
    let pl = f(0, "platform");
    assert_eq!(sl(t, pl.range), "--platform=linux/amd64");
    assert_eq!(sl(t, pl.name_range), "platform");
    assert_eq!(sl(t, pl.value_range.unwrap()), "linux/amd64");
    assert_eq!(df.instructions[1].flags_named("mount").count(), 2);
    for (i, n) in [
        (1, "network"),
        (1, "security"),
        (2, "from"),
        (2, "chown"),
        (2, "chmod"),
        (2, "exclude"),
    ] {
        let fl = f(i, n);
        assert_eq!(sl(t, fl.value_range.unwrap()), fl.value.as_deref().unwrap());
    }
    assert_eq!(f(2, "link").value, None);
    assert_eq!(f(2, "parents").value, None);
    for n in ["checksum", "keep-git-dir", "link"] {
        assert!(df.instructions[3].flag(n).is_some());
    }
    for n in [
        "interval",
        "timeout",
        "start-period",
        "start-interval",
        "retries",
    ] {
        assert!(df.instructions[4].flag(n).is_some(), "{n}");
    }
    let unk = f(5, "unknown-flag");
    assert_eq!(unk.value.as_deref(), Some("q v"));
    assert_eq!(sl(t, unk.value_range.unwrap()), "\"q v\"");
    assert_eq!(df.instructions[5].words().len(), 2);

    let s = specs(t);
    let sp = &s[0];
    assert_eq!(sp.platform.as_ref().unwrap().value, "linux/amd64");
    let (_, r) = sp.runs().next().unwrap();
    assert_eq!(r.mounts.len(), 2);
    assert_eq!(r.mounts_of_type("secret").count(), 1);
    assert_eq!(r.network.as_ref().unwrap().value, "none");
    assert_eq!(r.security.as_ref().unwrap().value, "insecure");
    match &sp.steps[2].kind {
        StepKind::Copy(c) => {
            assert_eq!(c.from.as_ref().unwrap().value, "b");
            assert_eq!(c.chown.as_ref().unwrap().value, "app:app");
            assert_eq!(c.chmod.as_ref().unwrap().value, "755");
            assert!(c.link);
            assert_eq!(c.sources.len(), 1);
        }
        k => panic!("{k:?}"),
    }
    match &sp.steps[3].kind {
        StepKind::Add(c) => {
            assert_eq!(c.checksum.as_ref().unwrap().value, "sha256:abc");
            assert!(!c.link);
        }
        k => panic!("{k:?}"),
    }
    let h = sp.healthcheck.as_ref().unwrap();
    assert_eq!(h.test, ["CMD-SHELL", "curl -f http://localhost/"]);
    assert_eq!(h.interval.as_deref(), Some("30s"));
    assert_eq!(h.retries.as_deref(), Some("3"));
}

#[test]
fn global_args_in_from_with_build_arg_override() {
    let t = "ARG BASE=alpine:3.19\nARG TAG\nFROM ${BASE}\nFROM alpine:${TAG:-latest} AS two\nFROM $NOPE\n";
    let df = p(t);
    clean(&df);
    assert_eq!(df.instructions[0].stage, None);
    let s = image_specs(&df, t, &SpecOptions::default());
    assert_eq!(s[0].base_ref().unwrap().raw, "alpine:3.19");
    assert_eq!(or(t, &s[0].base.origin), "${BASE}");
    assert_eq!(s[1].base_ref().unwrap().raw, "alpine:latest");
    assert_eq!(s[2].base.value, BaseImage::Unresolved("$NOPE".into()));
    let mut opts = SpecOptions::default();
    opts.build_args.insert("BASE".into(), "debian".into());
    opts.build_args.insert("TAG".into(), "12".into());
    let s = image_specs(&df, t, &opts);
    assert_eq!(s[0].base_ref().unwrap().raw, "debian");
    assert_eq!(s[1].base_ref().unwrap().raw, "alpine:12");
    assert!(s[2].is_final);
    opts.target = Some("TWO".into());
    let s = image_specs(&df, t, &opts);
    assert!(s[1].is_final && !s[2].is_final);
}

#[test]
fn expansion_forms_in_specs() {
    let t = "ARG V=global\nFROM a\nARG V\nARG E=\nENV X=${V:-d} Y=${U:-d} Z=${V:+a} W=${U-d} Q=${E-d} R=${E:-d}\nENV PATH=/opt/bin:$PATH \\\n    S='single $V' D=\"double $V\"\nENV legacy value with  spaces\nLABEL \"com.x\"=\"a b\" k=v\nUSER ${V}\nWORKDIR /app\nWORKDIR sub\nEXPOSE 80/tcp ${PORT:-443}\nVOLUME [\"/data\", \"/$V\"]\nSTOPSIGNAL SIGTERM\n";
    let df = p(t);
    clean(&df);
    let s = image_specs(&df, t, &SpecOptions::default());
    let sp = &s[0];
    let env = |k: &str| sp.env_value(k).map(|kv| kv.value.value.clone()).unwrap();
    assert_eq!(env("X"), "global");
    assert_eq!(env("Y"), "d");
    assert_eq!(env("Z"), "a");
    assert_eq!(env("W"), "d");
    assert_eq!(env("Q"), "");
    assert_eq!(env("R"), "d");
    assert_eq!(env("PATH"), "/opt/bin:$PATH");
    assert_eq!(env("S"), "single $V");
    assert_eq!(env("D"), "double global");
    assert_eq!(env("legacy"), "value with  spaces");
    let kv = sp.env_value("X").unwrap();
    assert_eq!(or(t, &kv.key.origin), "X");
    assert_eq!(or(t, &kv.value.origin), "${V:-d}");
    assert_eq!(or(t, &kv.origin), "X=${V:-d}");
    let leg = sp.env_value("legacy").unwrap();
    assert_eq!(or(t, &leg.value.origin), "value with  spaces");
    assert_eq!(sp.labels[0].key.value, "com.x");
    assert_eq!(sp.labels[0].value.value, "a b");
    assert_eq!(or(t, &sp.labels[0].origin), "\"com.x\"=\"a b\"");
    assert_eq!(sp.user.as_ref().unwrap().value, "global");
    assert_eq!(or(t, &sp.user.as_ref().unwrap().origin), "${V}");
    assert_eq!(sp.workdir.as_ref().unwrap().value, "/app/sub");
    let ports: Vec<_> = sp
        .exposed_ports
        .iter()
        .map(|p| (p.value.as_str(), or(t, &p.origin)))
        .collect();
    assert_eq!(
        ports,
        [
            ("80/tcp", "80/tcp".to_string()),
            ("443", "${PORT:-443}".to_string())
        ]
    );
    assert_eq!(
        sp.volumes
            .iter()
            .map(|v| v.value.as_str())
            .collect::<Vec<_>>(),
        ["/data", "/global"]
    );
    assert_eq!(sp.args.len(), 2);
    assert_eq!(or(t, &sp.args[0].name.origin), "V");
    assert!(sp.args[0].default.is_none());
    assert!(
        matches!(&sp.steps.last().unwrap().kind, StepKind::StopSignal(s) if s.value == "SIGTERM")
    );
}

#[test]
fn arg_without_redeclaration_is_not_visible_in_stage() {
    let t = "ARG V=global\nFROM a\nENV X=$V\n";
    let s = specs(t);
    assert_eq!(s[0].env_value("X").unwrap().value.value, "$V");
    let t = "FROM a\nARG V=one\nENV V=two\nUSER $V\n";
    assert_eq!(specs(t)[0].user.as_ref().unwrap().value, "two");
    // Same-instruction ENV references see the previous values.
    let t = "FROM a\nENV abc=hello\nENV abc=bye def=$abc\n";
    assert_eq!(specs(t)[0].env_value("def").unwrap().value.value, "hello");
}

#[test]
fn onbuild_run() {
    let t = "FROM a\nONBUILD RUN --mount=type=cache,target=/c make install\nONBUILD COPY <<EOF /x\nbody\nEOF\n";
    let df = p(t);
    clean(&df);
    let ob = df.instructions[1].onbuild.as_ref().unwrap();
    assert_eq!(ob.keyword, "RUN");
    assert_eq!(sl(t, ob.keyword_range), "RUN");
    assert_eq!(
        sl(t, ob.range),
        "RUN --mount=type=cache,target=/c make install"
    );
    assert_eq!(
        sl(t, ob.flags[0].value_range.unwrap()),
        "type=cache,target=/c"
    );
    assert_eq!(ob.shell_text(), Some("make install"));
    let ob2 = df.instructions[2].onbuild.as_ref().unwrap();
    assert_eq!(ob2.heredocs[0].body, "body\n");
    assert_eq!(
        sl(t, df.instructions[2].range),
        "ONBUILD COPY <<EOF /x\nbody\nEOF"
    );
    let s = specs(t);
    match &s[0].steps[1].kind {
        StepKind::Onbuild(b) => {
            assert_eq!(b.instruction.value, "RUN");
            assert_eq!(or(t, &b.instruction.origin), "RUN");
            match &b.kind {
                StepKind::Run(r) => {
                    assert_eq!(r.mounts.len(), 1);
                    assert_eq!(r.script.as_ref().unwrap().commands[0].name.text, "make");
                }
                k => panic!("{k:?}"),
            }
        }
        k => panic!("{k:?}"),
    }
    assert_eq!(s[0].runs().count(), 1);
    let bad = p("FROM a\nONBUILD FROM b\nONBUILD ONBUILD RUN x\n");
    assert_eq!(bad.errors.len(), 2);
}

#[test]
fn stage_inheritance() {
    let t = "FROM alpine AS Builder\nUSER build\nENV A=1\nWORKDIR /src\nCMD [\"x\"]\nFROM builder\nRUN make\nFROM builder AS second\nUSER root\nENTRYPOINT [\"e\"]\nFROM scratch\n";
    let df = p(t);
    clean(&df);
    let s = image_specs(&df, t, &SpecOptions::default());
    assert_eq!(s.len(), 4);
    assert_eq!(
        s[1].base.value,
        BaseImage::Stage {
            index: 0,
            name: "builder".into()
        }
    );
    assert_eq!(or(t, &s[1].base.origin), "builder");
    let u = s[1].user.as_ref().unwrap();
    assert_eq!(u.value, "build");
    assert_eq!(or(t, &u.origin), "build");
    assert_eq!(
        u.origin.range().unwrap().start as usize,
        t.find("build\n").unwrap()
    );
    assert_eq!(s[1].env_value("A").unwrap().value.value, "1");
    assert_eq!(s[1].workdir.as_ref().unwrap().value, "/src");
    assert_eq!(s[1].cmd.as_ref().unwrap().args, ["x"]);
    assert_eq!(s[2].user.as_ref().unwrap().value, "root");
    // ENTRYPOINT resets an inherited CMD.
    assert!(s[2].cmd.is_none());
    assert_eq!(s[3].base.value, BaseImage::Scratch);
    assert!(s[3].user.is_none());
    assert_eq!(s[0].stage_name.as_ref().unwrap().value, "builder");
    assert_eq!(or(t, &s[0].origin), "FROM alpine AS Builder");
    assert_eq!(s[1].steps.len(), 2);
    assert_eq!(s[1].steps[0].instruction.value, "FROM");
    assert!(s[3].is_final && !s[0].is_final);
    assert_eq!(df.stage_by_name_or_index("BUILDER").unwrap().index, 0);
    assert_eq!(df.stage_by_name_or_index("3").unwrap().index, 3);
}

#[test]
fn empty_and_comment_only_files() {
    for t in [
        "",
        "\n\n",
        "# just a comment\n# another\n",
        "\u{feff}",
        "   \n\t\n",
    ] {
        let df = p(t);
        assert!(df.errors.is_empty(), "{t:?}: {:?}", df.errors);
        assert!(df.instructions.is_empty() && df.stages.is_empty());
        assert!(specs(t).is_empty());
    }
    let df = p("# c\n");
    assert_eq!(df.comments.len(), 1);
}

#[test]
fn not_a_dockerfile() {
    let t = "{\"json\": true}\n\u{1}\u{2}binary\\\n";
    let df = p(t);
    assert!(df.errors.iter().any(|e| e.fatal));
    assert_eq!(df.errors.iter().filter(|e| e.fatal).count(), 1);
    assert!(specs(t).is_empty());
}

#[test]
fn crlf_line_endings() {
    let t = "# escape=\\\r\nFROM alpine AS b\r\nRUN apk add \\\r\n    curl\r\nRUN <<EOF\r\necho a\r\nEOF\r\n# note\r\nENV A=1 \\\r\n  B=2\r\nCMD [\"a\"]\r\n";
    let df = p(t);
    clean(&df);
    assert_eq!(df.directives[0].value, "\\");
    assert_eq!(df.instructions.len(), 5);
    assert_eq!(sl(t, df.instructions[0].range), "FROM alpine AS b");
    assert_eq!(df.stages[0].name.as_ref().unwrap().0, "b");
    assert_eq!(df.instructions[1].shell_text(), Some("apk add     curl"));
    assert_eq!(
        sl(t, df.instructions[1].range),
        "RUN apk add \\\r\n    curl"
    );
    let h = &df.instructions[2].heredocs[0];
    assert_eq!(h.body, "echo a\r\n");
    assert_eq!(sl(t, h.range), "<<EOF\r\necho a\r\nEOF");
    assert_eq!(df.comments[0].text, "note");
    assert_eq!(sl(t, df.comments[0].range), "# note");
    let s = specs(t);
    assert_eq!(s[0].env.len(), 2);
    assert_eq!(s[0].env[1].value.value, "2");
    assert!(s[0].cmd.as_ref().unwrap().exec_form);
    let (_, r) = s[0].runs().next().unwrap();
    assert_eq!(
        or(t, &r.script.as_ref().unwrap().commands[0].args[1].origin),
        "curl"
    );
}

#[test]
fn utf8_bom() {
    let t = "\u{feff}# syntax=docker/dockerfile:1\nFROM alpine\n";
    let df = p(t);
    clean(&df);
    assert_eq!(df.directives.len(), 1);
    assert_eq!(df.directives[0].range.start, 3);
    assert_eq!(sl(t, df.instructions[0].range), "FROM alpine");
    let t = "\u{feff}FROM alpine\n";
    let df = p(t);
    clean(&df);
    assert_eq!(sl(t, df.instructions[0].keyword_range), "FROM");
}

#[test]
fn recoverable_errors() {
    let t = "RUN early\nARG X\nFROM a AS 1bad\nFROBNICATE x\nENV\nCOPY onlyone\nSHELL /bin/sh -c\nHEALTHCHECK BOGUS x\nENV a=b c\nUSER ok\n";
    let df = p(t);
    let msgs: Vec<_> = df
        .errors
        .iter()
        .map(|e| (e.message.clone(), sl(t, e.range).to_string()))
        .collect();
    assert!(df.errors.iter().all(|e| !e.fatal), "{msgs:?}");
    let has = |m: &str, s: &str| msgs.iter().any(|(a, b)| a.contains(m) && b == s);
    assert!(has("before the first FROM", "RUN"), "{msgs:?}");
    assert!(has("invalid name for build stage", "1bad"), "{msgs:?}");
    assert!(
        has("unknown instruction: FROBNICATE", "FROBNICATE"),
        "{msgs:?}"
    );
    assert!(has("ENV requires at least one argument", "ENV"), "{msgs:?}");
    assert!(
        has("COPY requires at least two arguments", "onlyone"),
        "{msgs:?}"
    );
    assert!(
        has(
            "SHELL requires the arguments to be in JSON form",
            "/bin/sh -c"
        ),
        "{msgs:?}"
    );
    assert!(has("Unknown type", "BOGUS"), "{msgs:?}");
    assert!(has("can't find =", "c"), "{msgs:?}");
    assert_eq!(msgs.len(), 8, "{msgs:?}");
    assert_eq!(df.instructions.last().unwrap().keyword, "USER");
    assert_eq!(specs(t).len(), 1);
}

#[test]
fn shell_instruction_governs_run() {
    let t = "FROM a\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl x | sh\nSHELL [\"powershell\", \"-Command\"]\nRUN Get-Thing | Out-Null\n";
    let s = specs(t);
    let runs: Vec<_> = s[0].runs().map(|(_, r)| r).collect();
    assert!(runs[0].script.as_ref().unwrap().sets_pipefail);
    assert!(runs[1].script.is_none());
    assert_eq!(
        s[0].shell.as_ref().unwrap().value,
        ["powershell", "-Command"]
    );
}

#[test]
fn healthcheck_forms() {
    let s = specs("FROM a\nHEALTHCHECK NONE\n");
    assert!(s[0].healthcheck.as_ref().unwrap().disabled);
    let s = specs("FROM a\nHEALTHCHECK CMD [\"curl\", \"-f\", \"x\"]\n");
    assert_eq!(
        s[0].healthcheck.as_ref().unwrap().test,
        ["CMD", "curl", "-f", "x"]
    );
}

#[test]
fn expand_function() {
    let lk = |n: &str| match n {
        "V" => Some("v".to_string()),
        "E" => Some(String::new()),
        _ => None,
    };
    assert_eq!(
        expand("${V:-d}|${U:-d}|${E:-d}|${E-d}|${U-d}", '\\', &lk),
        "v|d|d||d"
    );
    assert_eq!(
        expand("${V:+a}|${U:+a}|${E+a}|${V:?e}|${U:?e}", '\\', &lk),
        "a||a|v|"
    );
    assert_eq!(expand("$U${U}", '\\', &lk), "");
    assert_eq!(expand_keep_unset("$U${U}", '\\', &lk), "$U${U}");
}

mod props {
    use super::*;
    use proptest::prelude::*;

    const SAMPLE: &str = "# syntax=docker/dockerfile:1\n# escape=\\\nARG BASE=alpine:3.19\nFROM --platform=$BUILDPLATFORM ${BASE} AS build\nRUN --mount=type=cache,target=/c apk add \\\n    # comment\n    curl && \\\n    echo \"x\" | sh\nRUN <<-EOF bash\n\techo hi\n\tEOF\nCOPY <<'A' <<B /dst/\na\nA\nb\nB\nENV A=1 B=\"two words\" \\\n  C='x'\nLABEL k=v\nONBUILD RUN make\nHEALTHCHECK --interval=5s CMD [\"curl\", \"x\"]\nCMD [\"a\", \"b\"]\nFROM build\nUSER nobody\r\nEXPOSE 80 ${P:-1}\r\n";

    fn check(text: &str) {
        let df = parse(text, FileId(0));
        let len = u32::try_from(text.len()).unwrap();
        let mut prev_end = 0;
        for inst in &df.instructions {
            assert!(inst.range.start <= inst.range.end && inst.range.end <= len);
            assert!(inst.range.start >= prev_end, "instructions overlap");
            prev_end = inst.range.end;
            assert!(inst.range.contains_range(inst.keyword_range));
            for f in &inst.flags {
                assert!(f.range.end <= len);
            }
            for (_, r) in inst.words() {
                assert!(r.end <= len);
            }
            for h in &inst.heredocs {
                assert!(h.body_range.end <= len);
                assert_eq!(h.body_range.slice(text), h.body);
            }
        }
        for c in &df.comments {
            assert!(c.range.end <= len);
        }
        for e in &df.errors {
            assert!(e.range.end <= len);
        }
        let _ = image_specs(&df, text, &SpecOptions::default());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,300}") {
            check(&s);
        }

        #[test]
        fn dockerfile_alphabet_never_panics(s in "[A-Za-z \\\\`\\n\\r\\t#=\"'\\[\\],$<>{}:-]{0,300}") {
            check(&s);
        }

        #[test]
        fn truncations_never_panic(cut in 0usize..SAMPLE.len(), start in 0usize..40) {
            let mut end = cut;
            while !SAMPLE.is_char_boundary(end) { end -= 1; }
            let mut st = start.min(end);
            while !SAMPLE.is_char_boundary(st) { st -= 1; }
            check(&SAMPLE[..end]);
            check(&SAMPLE[st..end]);
        }
    }

    /// A few real Dockerfiles from the shared corpus, when it is present.
    fn corpus_texts() -> &'static [String] {
        static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        TEXTS.get_or_init(|| {
            let Ok(dir) = std::fs::read_dir("/work/shared/corpus/dockerfiles") else {
                return Vec::new();
            };
            let mut paths: Vec<_> = dir.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            paths
                .iter()
                .step_by(7)
                .filter_map(|p| std::fs::read_to_string(p).ok())
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        #[test]
        fn corpus_truncations_never_panic(pick in 0usize..1000, cut in 0.0f64..1.0, skip in 0.0f64..1.0) {
            let texts = corpus_texts();
            if let Some(t) = texts.get(pick % texts.len().max(1)) {
                let mut end = (t.len() as f64 * cut) as usize;
                while !t.is_char_boundary(end) { end -= 1; }
                let mut start = (end as f64 * skip * 0.2) as usize;
                while !t.is_char_boundary(start) { start -= 1; }
                check(&t[..end]);
                check(&t[start..end]);
            }
        }
    }

    #[test]
    fn sample_is_clean() {
        let df = parse(SAMPLE, FileId(0));
        assert!(df.errors.is_empty(), "{:?}", df.errors);
        assert_eq!(df.stages.len(), 2);
    }

    #[test]
    fn pathological_inputs() {
        let big = "RUN x \\\n".repeat(20_000) + "\nFROM a\n";
        check(&big);
        let deep = format!("FROM a\nENV A={}\n", "${a:-".repeat(5000));
        check(&deep);
        let many = "FROM a\nRUN <<EOF\n".repeat(2000);
        check(&many);
        check(&"\\".repeat(10_000));
        check(&"[".repeat(10_000));
        check(&format!("FROM a\nCMD {}\n", "[".repeat(5000)));
        // Exponential growth of values is capped.
        let t = std::time::Instant::now();
        let doubling = format!("FROM a\nENV A=xxxxxxxx\n{}", "ENV A=$A$A$A$A\n".repeat(200));
        check(&doubling);
        // Long chains of stages and many variables stay fast.
        let mut chain = String::from("FROM a AS s0\n");
        chain.push_str(&"ENV K=v L=$K\nLABEL x=y\n".repeat(3000));
        for i in 1..3000 {
            chain.push_str(&format!("FROM s{} AS s{i}\n", i - 1));
        }
        check(&chain);
        let subs = format!(
            "FROM a\nENV A={}\n{}",
            "ab".repeat(5000),
            "ENV B=${A//*a*b*c/x}\n".repeat(500)
        );
        check(&subs);
        assert!(
            t.elapsed() < std::time::Duration::from_secs(20),
            "{:?}",
            t.elapsed()
        );
    }
}
