use super::*;

fn parse(text: &str) -> ShellScript {
    parse_script(text, FileId(0), &OffsetMap::identity(0))
}

/// `name arg…` of every command, with a nesting marker.
fn summary(script: &ShellScript) -> Vec<String> {
    script
        .commands
        .iter()
        .map(|c| {
            let mut s = match c.nesting {
                Nesting::Top => String::new(),
                Nesting::CommandSubstitution => "$:".into(),
                Nesting::ProcessSubstitution => "<:".into(),
                Nesting::ShellString => "sh:".into(),
                Nesting::Wrapped => "w:".into(),
            };
            s.push_str(&c.name.text);
            for a in &c.args {
                s.push(' ');
                s.push_str(&a.text);
            }
            s
        })
        .collect()
}

fn slice<'a>(text: &'a str, origin: &Origin) -> &'a str {
    origin.range().map_or("<none>", |r| r.slice(text))
}

#[test]
fn table() {
    let cases: &[(&str, &[&str])] = &[
        (
            "apt-get update && apt-get install -y curl",
            &["apt-get update", "apt-get install -y curl"],
        ),
        ("curl -fsSL https://x | sh", &["curl -fsSL https://x", "sh"]),
        ("wget -O- url | bash -s --", &["wget -O- url", "bash -s --"]),
        (
            "bash <(curl -s url)",
            &["bash <(curl -s url)", "<:curl -s url"],
        ),
        (
            "sh -c \"curl x | sh\"",
            &["sh -c curl x | sh", "sh:curl x", "sh:sh"],
        ),
        ("if [ -f x ]; then rm -rf /tmp/*; fi", &["rm -rf /tmp/*"]),
        ("(cd /src && make)", &["cd /src", "make"]),
        ("echo $(id -u)", &["echo $(id -u)", "$:id -u"]),
        (
            "sudo -u app pip install x",
            &["sudo -u app pip install x", "w:pip install x"],
        ),
        (
            "env DEBIAN_FRONTEND=noninteractive apt-get install -y x",
            &[
                "env DEBIAN_FRONTEND=noninteractive apt-get install -y x",
                "w:apt-get install -y x",
            ],
        ),
        ("echo 'a b' \"a\\\"b\" a\\ b", &["echo a b a\"b a b"]),
        ("FOO=bar", &[]),
        ("FOO=bar make", &["make"]),
        ("set -eux; apt-get update", &["set -eux", "apt-get update"]),
        (
            "apt-get update \\\n  && apt-get install -y \\\n    curl",
            &["apt-get update", "apt-get install -y curl"],
        ),
        ("# just a comment\necho hi # trailing", &["echo hi"]),
        ("", &[]),
        ("{ a; b; } > log", &["a", "b"]),
        (
            "for f in *.deb; do dpkg -i \"$f\"; done",
            &["dpkg -i \"$f\""],
        ),
        (
            "while read l; do echo \"$l\"; done < list",
            &["read l", "echo \"$l\""],
        ),
        ("case $x in a) one;; *) two;; esac", &["one", "two"]),
        ("f() { inner; }; f", &["inner", "f"]),
        ("! grep -q x f", &["grep -q x f"]),
        ("export A=b C; unset D", &["export A=b C", "unset D"]),
        ("X=$(curl -s u | sh)", &["$:curl -s u", "$:sh"]),
        ("echo `uname -m`", &["echo `uname -m`", "$:uname -m"]),
        (
            "sudo sh -c 'echo x > /etc/y'",
            &[
                "sudo sh -c echo x > /etc/y",
                "w:sh -c echo x > /etc/y",
                "sh:echo x",
            ],
        ),
        ("su app -c 'npm ci'", &["su app -c npm ci", "sh:npm ci"]),
        (
            "bash <<'EOF'\ncurl -s u | sh\nEOF\n",
            &["bash", "sh:curl -s u", "sh:sh"],
        ),
        (
            "cat <<EOF | sh\necho hi\nEOF\necho done",
            &["cat", "sh", "echo done"],
        ),
        (
            "bash -c 'bash -c \"id\"'",
            &["bash -c bash -c \"id\"", "sh:bash -c id", "sh:id"],
        ),
        ("timeout 10 curl u", &["timeout 10 curl u", "w:curl u"]),
        (
            "find . -name x | xargs -0 rm -f",
            &["find . -name x", "xargs -0 rm -f", "w:rm -f"],
        ),
        (
            "sudo env A=1 nice -n 5 make",
            &[
                "sudo env A=1 nice -n 5 make",
                "w:env A=1 nice -n 5 make",
                "w:nice -n 5 make",
                "w:make",
            ],
        ),
        ("echo $'a\\tb' \"$HOME\" ~/x", &["echo a\tb \"$HOME\" ~/x"]),
    ];
    for (text, want) in cases {
        let got = parse(text);
        assert_eq!(summary(&got), *want, "for {text:?}");
        assert!(!got.has_errors, "errors for {text:?}");
    }
}

#[test]
fn literal_flags() {
    let s = parse("echo a \"b\" 'c' $X \"$Y\" /tmp/* a\\ b {a,b} $(id)");
    let lit: Vec<bool> = s.commands[0].args.iter().map(|w| w.literal).collect();
    assert_eq!(
        lit,
        [true, true, true, false, false, false, true, false, false]
    );
    assert!(s.commands[0].name.literal);
}

#[test]
fn pipelines_are_numbered() {
    let s = parse("a | b 2>/dev/null | c > f; d | e; g");
    let p: Vec<_> = s
        .commands
        .iter()
        .map(|c| c.pipeline.map(|p| (p.id, p.index, p.len)))
        .collect();
    assert_eq!(
        p,
        [
            Some((0, 0, 3)),
            Some((0, 1, 3)),
            Some((0, 2, 3)),
            Some((1, 0, 2)),
            Some((1, 1, 2)),
            None
        ]
    );
    assert_eq!(s.commands[1].redirects[0].op, "2>");
    assert_eq!(s.commands[1].redirects[0].target.text, "/dev/null");
    assert_eq!(s.commands[2].redirects[0].op, ">");
    let curl = &s.commands[0];
    assert_eq!(s.piped_into(curl).map(|c| c.name.text.as_str()), Some("b"));
}

#[test]
fn pipeline_ids_unique_across_nesting() {
    let s = parse("a | b; sh -c 'c | d'; echo $(e | f)");
    let mut ids: Vec<u32> = s
        .commands
        .iter()
        .filter_map(|c| c.pipeline.map(|p| p.id))
        .collect();
    ids.dedup();
    assert_eq!(ids, [0, 1, 2]);
}

#[test]
fn parents_are_right() {
    let s = parse("a; echo $(b $(c)) <(d); sudo e $(f)");
    let rows: Vec<_> = s
        .commands
        .iter()
        .map(|c| (c.name.text.as_str(), c.nesting, c.parent))
        .collect();
    assert_eq!(
        rows,
        [
            ("a", Nesting::Top, None),
            ("echo", Nesting::Top, None),
            ("b", Nesting::CommandSubstitution, Some(1)),
            ("c", Nesting::CommandSubstitution, Some(2)),
            ("d", Nesting::ProcessSubstitution, Some(1)),
            ("sudo", Nesting::Top, None),
            ("e", Nesting::Wrapped, Some(5)),
            ("f", Nesting::CommandSubstitution, Some(5)),
        ]
    );
}

#[test]
fn redirects_assignments_background() {
    let s = parse("A=1 B=\"x y\" cmd arg > out 2>&1 &\nnext && other &\nlast");
    let c = &s.commands[0];
    let asg: Vec<_> = c.assignments.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(asg, ["A=1", "B=x y"]);
    let red: Vec<_> = c
        .redirects
        .iter()
        .map(|r| (r.op.as_str(), r.target.text.as_str()))
        .collect();
    assert_eq!(red, [(">", "out"), ("2>&", "1")]);
    let bg: Vec<_> = s.commands.iter().map(|c| c.background).collect();
    assert_eq!(bg, [true, true, true, false]);
}

#[test]
fn heredoc_redirects_attach_to_command() {
    let text = "cat <<EOF > /etc/apt/sources.list\ndeb $(echo x) main\nEOF\n";
    let s = parse(text);
    assert_eq!(summary(&s), ["cat", "$:echo x"]);
    assert_eq!(
        s.commands[0].redirects[0].target.text,
        "/etc/apt/sources.list"
    );
    assert_eq!(s.commands[1].parent, Some(0));
}

#[test]
fn wrapped_env_assignments() {
    let s = parse("sudo -E DEBIAN_FRONTEND=noninteractive apt-get -y install x | tee log");
    let w = &s.commands[1];
    assert_eq!(w.nesting, Nesting::Wrapped);
    assert_eq!(w.assignments[0].text, "DEBIAN_FRONTEND=noninteractive");
    assert_eq!(w.pipeline, s.commands[0].pipeline);
    assert!(w.has_short('y'));
}

#[test]
fn pipefail() {
    assert!(parse("set -euxo pipefail; curl x | sh").sets_pipefail);
    assert!(parse("set -eo pipefail\ncurl x | sh").sets_pipefail);
    assert!(parse("set -o pipefail").sets_pipefail);
    assert!(!parse("curl x | sh; set -o pipefail; a | b").sets_pipefail);
    assert!(!parse("set -eux; curl x | sh").sets_pipefail);
    assert!(!parse("sh -c 'set -o pipefail'; a | b").sets_pipefail);
    assert!(!parse("set -o pipefail; set +o pipefail; a | b").sets_pipefail);
}

#[test]
fn errors_still_list_commands() {
    let s = parse("echo hi >\napt-get install x; if then fi (((");
    assert!(s.has_errors);
    assert!(s.commands.iter().any(|c| c.is("echo")));
    let s = parse("\u{0}\u{1}\"unterminated 'x $(");
    assert!(s.has_errors);
}

#[test]
fn deep_nesting_does_not_overflow() {
    let deep = "(".repeat(5000) + "echo hi" + &")".repeat(5000);
    let s = parse(&deep);
    assert!(s.has_errors);
    let subs = "echo $(".repeat(3000) + &")".repeat(3000);
    let _ = parse(&subs);
    let chain = vec!["a"; 3000].join(" && ");
    let s = parse(&chain);
    assert_eq!(s.commands.len(), 3000);
    assert!(!s.has_errors);
    let mut nested = "id".to_owned();
    for _ in 0..10 {
        nested = format!("sh -c {}", shell_quote(&nested));
    }
    let s = parse(&nested);
    assert_eq!(s.commands.len(), 1 + MAX_SHELL_DEPTH as usize);
}

#[test]
fn brace_scanner_crash_is_avoided() {
    // tree-sitter-bash#337: `{` then a non-ASCII character crashed the scanner.
    for text in [
        "{\u{31860}",
        "echo {\u{31860}",
        "x {12..3\u{10FFFF}",
        "{1\u{e9}} a",
    ] {
        let _ = parse(text);
    }
    let s = parse("echo {\u{31860}x \u{e9}");
    assert_eq!(s.commands[0].args[0].text, "{\u{31860}x");
    assert_eq!(guard_brace_scanner("a{1..\u{e9}"), "a{1..__");
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[test]
fn spans_through_segments() {
    // The file has continuations the Dockerfile parser removed.
    let file = "RUN apt-get update \\\n && sh -c 'curl -s \\\n u | sh' \\\n && echo \"a b\"";
    let mut text = String::new();
    let mut segments = Vec::new();
    let body_start = 4;
    let body = &file[body_start..];
    let mut pos = 0;
    for (i, part) in body.split("\\\n").enumerate() {
        if i > 0 {
            pos += 2;
        }
        segments.push((index_of(text.len()), index_of(body_start + pos)));
        text.push_str(part);
        pos += part.len();
    }
    let map = OffsetMap::from_segments(segments);
    let s = parse_script(&text, FileId(3), &map);
    assert_eq!(
        summary(&s),
        [
            "apt-get update",
            "sh -c curl -s  u | sh",
            "sh:curl -s u",
            "sh:sh",
            "echo a b"
        ]
    );
    let words: Vec<&str> = s
        .commands
        .iter()
        .flat_map(|c| std::iter::once(&c.name).chain(&c.args))
        .map(|w| slice(file, &w.origin))
        .collect();
    assert_eq!(
        words,
        [
            "apt-get",
            "update",
            "sh",
            "-c",
            "'curl -s \\\n u | sh'",
            "curl",
            "-s",
            "u",
            "sh",
            "echo",
            "\"a b\""
        ]
    );
    assert_eq!(slice(file, &s.commands[0].origin), "apt-get update");
    assert_eq!(s.origin.file_range().map(|(f, _)| f), Some(FileId(3)));
    assert_eq!(slice(file, &s.origin), body);
}

#[test]
fn escaped_shell_string_points_at_whole_word() {
    let text = "sh -c \"echo \\\"hi\\\" && id\"";
    let s = parse(text);
    assert_eq!(
        summary(&s),
        ["sh -c echo \"hi\" && id", "sh:echo hi", "sh:id"]
    );
    for c in &s.commands[1..] {
        assert_eq!(slice(text, &c.origin), "\"echo \\\"hi\\\" && id\"");
        assert_eq!(c.parent, Some(0));
    }
}

#[test]
fn word_spans() {
    let text = "  curl -fsSL 'https://x' | bash -s -- --flag";
    let s = parse_script(text, FileId(0), &OffsetMap::identity(100));
    let r = s.commands[0].args[1].origin.range().unwrap_or_default();
    assert_eq!(r, TextRange::new(113, 124));
    assert_eq!(s.commands[0].args[1].text, "https://x");
}

#[test]
fn thread_local_parser_is_reused() {
    for _ in 0..100 {
        assert_eq!(parse("a && b").commands.len(), 2);
    }
    let h = std::thread::spawn(|| parse("x | y").commands.len());
    assert_eq!(h.join().ok(), Some(2));
}

/// The bash extensions found, as `kind: text`, with the program running
/// the shell that reads them (`-` for the script's own shell).
fn bashisms(text: &str) -> Vec<String> {
    let s = parse(text);
    s.syntax
        .iter()
        .map(|f| {
            let shell = f
                .shell
                .and_then(|i| s.commands.get(i as usize))
                .map_or("-", |c| c.program());
            format!("{:?}@{shell}: {}", f.kind, slice(text, &f.origin))
        })
        .collect()
}

#[test]
fn syntax_facts() {
    let cases: &[(&str, &[&str])] = &[
        ("[[ -f a ]] && echo y", &["DoubleBracketTest@-: [[ -f a ]]"]),
        ("[ -f a ] && [ a = b ] && test a == b", &[]),
        ("[ \"$a\" == b ]", &["DoubleEqualInTest@-: [ \"$a\" == b ]"]),
        (
            "function f { a; }; g() { b; }",
            &["FunctionKeyword@-: function f { a; }"],
        ),
        (
            "a=(1 2); b[0]=x; echo \"${c[@]}\"",
            &["Array@-: (1 2)", "Array@-: b[0]", "Array@-: c[@]"],
        ),
        (
            "diff <(ls a) >(cat)",
            &[
                "ProcessSubstitution@-: <(ls a)",
                "ProcessSubstitution@-: >(cat)",
            ],
        ),
        (
            "mkdir -p /a/{b,c} x{1..3} \"{a,b}\" '{a,b}' {} {a} find -exec rm {} + {a, b}",
            &["BraceExpansion@-: /a/{b,c}", "BraceExpansion@-: {1..3}"],
        ),
        (
            "echo $'a\\n' &> f; a &>> g; a >& h; a 2>&1",
            &[
                "AnsiCString@-: $'a\\n'",
                "AmpersandRedirect@-: &> f",
                "AmpersandRedirect@-: &>> g",
            ],
        ),
        (
            "a |& b; c <<< x; ((i++)); echo $((i+1))",
            &[
                "PipeStderr@-: a |& b",
                "HereString@-: <<< x",
                "ArithmeticCommand@-: ((i++))",
            ],
        ),
        (
            "echo ${x:1:2} ${x:-a} ${x/a/b} ${x//a} ${x^^} ${x,,} ${x#a} ${x%%b} ${#x} \"${y: -1}\"",
            &[
                "Substring@-: ${x:1:2}",
                "PatternSubstitution@-: ${x/a/b}",
                "PatternSubstitution@-: ${x//a}",
                "CaseModification@-: ${x^^}",
                "CaseModification@-: ${x,,}",
                "Substring@-: ${y: -1}",
            ],
        ),
        // Strings given to a shell are read by that shell.
        (
            "bash -c '[[ -f a ]]' && sh -c 'a=(1)'",
            &["DoubleBracketTest@bash: [[ -f a ]]", "Array@sh: (1)"],
        ),
        (
            "bash <<'EOF'\n[[ x ]]\nEOF\n",
            &["DoubleBracketTest@bash: [[ x ]]"],
        ),
        // Quoted text and comments are not code.
        ("echo '[[ x ]] <(a)' # a=(1)", &[]),
    ];
    for (text, want) in cases {
        assert_eq!(bashisms(text), *want, "{text}");
    }
}

/// The commands whose status goes untested before the next one runs.
fn unchecked(text: &str) -> Vec<String> {
    let s = parse(text);
    s.commands
        .iter()
        .filter(|c| c.status_unchecked)
        .map(|c| slice(text, &c.origin).to_owned())
        .collect()
}

#[test]
fn unchecked_status() {
    let cases: &[(&str, &[&str])] = &[
        ("cd x; make", &["cd x"]),
        ("cd x\nmake\n", &["cd x"]),
        ("cd x && make; y", &["make"]),
        ("a && cd x; make", &["cd x"]),
        ("cd x || exit 1; make", &["exit 1"]),
        ("cd x > /dev/null; make", &["cd x > /dev/null"]),
        ("cd x", &[]),
        ("cd x &\nmake", &[]),
        ("if cd x; then make; fi", &[]),
        ("if a; then cd x; make; fi", &["cd x"]),
        ("while cd x; do a; b; done", &["a"]),
        ("(cd x; make) && y", &["cd x"]),
        ("y=$(cd x; pwd)", &["cd x"]),
        ("case $a in x) cd x; make;; esac", &["cd x"]),
        ("sh -c 'cd x; make'", &["cd x"]),
    ];
    for (text, want) in cases {
        assert_eq!(unchecked(text), *want, "{text}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]
    #[test]
    fn never_panics(text in "(?s).{0,200}") {
        let s = parse(&text);
        for (i, c) in s.commands.iter().enumerate() {
            if let Some(p) = c.parent {
                proptest::prop_assert!((p as usize) < i);
            }
        }
    }

    #[test]
    fn never_panics_shellish(text in r#"([a-z]{1,4}|[ \n;&|<>()'"$`\\{}=*#-]|sh -c |sudo |<<EOF\n|EOF\n){0,40}"#) {
        let map = OffsetMap::from_segments(vec![(0, 5), (3, 20), (7, 40)]);
        let s = parse_script(&text, FileId(1), &map);
        for (i, c) in s.commands.iter().enumerate() {
            if let Some(p) = c.parent {
                proptest::prop_assert!((p as usize) < i);
            }
        }
    }
}

#[test]
fn substitutions_in_a_standalone_assignment_are_marked() {
    let t = "set -e; arch=\"$(dpkg --print-architecture | awk -F- '{ print $NF }')\"; echo \"$(uname -m | cut -c1)\"; export V=$(a | b); X=1 make $(c)";
    let s = parse(t);
    let assigned: Vec<&str> = s
        .commands
        .iter()
        .filter(|c| c.assigned)
        .map(|c| c.name.text.as_str())
        .collect();
    // Not `uname`/`cut` (an argument), not `a`/`b` (`export` reports its
    // own status), not `c` (an argument of `make`).
    assert_eq!(assigned, ["dpkg", "awk"]);
}
