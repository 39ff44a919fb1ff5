//! Syntax facts read off the tree-sitter-bash tree: bash extensions to the
//! POSIX shell language, and commands whose exit status nothing tests.

use std::collections::HashSet;
use std::ops::Range;

use drydock_core::spec::SyntaxKind;
use tree_sitter::Node;

/// Nodes whose named children run one after the other.
const SEQUENCES: &[&str] = &[
    "program",
    "subshell",
    "compound_statement",
    "do_group",
    "if_statement",
    "elif_clause",
    "else_clause",
    "case_item",
    "command_substitution",
    "process_substitution",
];

/// Nodes that are statements of a sequence.
const STATEMENTS: &[&str] = &[
    "command",
    "redirected_statement",
    "list",
    "pipeline",
    "subshell",
    "compound_statement",
    "if_statement",
    "while_statement",
    "for_statement",
    "c_style_for_statement",
    "case_statement",
    "function_definition",
    "variable_assignment",
    "variable_assignments",
    "declaration_command",
    "unset_command",
    "negated_command",
    "test_command",
];

/// Every node of the tree but the ones under an `ERROR` node (whose
/// structure is a guess), in source order.
fn walk(root: Node<'_>, mut f: impl FnMut(Node<'_>)) {
    let mut c = root.walk();
    let mut descend = true;
    loop {
        if descend {
            let n = c.node();
            f(n);
            if !n.is_error() && c.goto_first_child() {
                continue;
            }
        }
        if c.goto_next_sibling() {
            descend = true;
            continue;
        }
        if !c.goto_parent() {
            return;
        }
        descend = false;
    }
}

/// What one walk of the tree reads off it.
pub(crate) struct Facts {
    /// The bash extensions used, with their byte ranges.
    pub bashisms: Vec<(SyntaxKind, Range<usize>)>,
    /// The `id`s of the `command` nodes whose exit status goes untested
    /// before another statement of the same sequence runs (see
    /// [`drydock_core::spec::ShellCommand::status_unchecked`]).
    pub unchecked: HashSet<usize>,
}

/// The bash extensions and the unchecked commands, in one walk of the tree
/// (each walk costs about as much as a sixth of the parse).
pub(crate) fn facts(root: Node<'_>, text: &str) -> Facts {
    let mut out = Facts {
        bashisms: Vec::new(),
        unchecked: HashSet::new(),
    };
    walk(root, |n| {
        if let Some(k) = bashism(n, text) {
            out.bashisms.push((k, n.byte_range()));
        }
        unchecked_in(n, &mut out.unchecked);
    });
    out
}

/// Adds the unchecked commands among the statements of `n`, if it is a
/// sequence.
fn unchecked_in(n: Node<'_>, out: &mut HashSet<usize>) {
    if !SEQUENCES.contains(&n.kind()) {
        return;
    }
    let mut statements: Vec<(Node<'_>, bool)> = Vec::new();
    let mut c = n.walk();
    if c.goto_first_child() {
        loop {
            let kid = c.node();
            if kid.is_named()
                && STATEMENTS.contains(&kid.kind())
                && c.field_name() != Some("condition")
                && c.field_name() != Some("value")
            {
                let background = kid
                    .next_sibling()
                    .is_some_and(|s| !s.is_named() && s.kind() == "&");
                statements.push((kid, background));
            }
            if !c.goto_next_sibling() {
                break;
            }
        }
    }
    let count = statements.len();
    for (stmt, background) in statements.into_iter().take(count.saturating_sub(1)) {
        if background {
            continue;
        }
        if let Some(cmd) = last_command(stmt) {
            out.insert(cmd.id());
        }
    }
}

/// The simple command whose status a statement ends with: the statement
/// itself, the body of a redirection, the last command of an `&&`/`||`
/// list.
fn last_command(stmt: Node<'_>) -> Option<Node<'_>> {
    let mut cur = stmt;
    for _ in 0..64 {
        match cur.kind() {
            "command" => return Some(cur),
            "redirected_statement" => cur = cur.child_by_field_name("body")?,
            "list" => {
                let mut c = cur.walk();
                cur = cur
                    .named_children(&mut c)
                    .filter(|k| k.kind() != "comment")
                    .last()?;
            }
            _ => return None,
        }
    }
    None
}

/// The bash extension `n` is, if any.
fn bashism(n: Node<'_>, text: &str) -> Option<SyntaxKind> {
    // Most nodes are none of these: look at the first child only for those
    // that might be.
    let first = || n.child(0).map(|k| k.kind());
    match n.kind() {
        "test_command" if first() == Some("[[") => Some(SyntaxKind::DoubleBracketTest),
        "test_command" if first() == Some("[") && has_double_equal(n) => {
            Some(SyntaxKind::DoubleEqualInTest)
        }
        "function_definition" if first() == Some("function") => Some(SyntaxKind::FunctionKeyword),
        "array" | "subscript" => Some(SyntaxKind::Array),
        "process_substitution" => Some(SyntaxKind::ProcessSubstitution),
        "brace_expression" => Some(SyntaxKind::BraceExpansion),
        "concatenation" if has_brace_list(n, text) => Some(SyntaxKind::BraceExpansion),
        "ansi_c_string" => Some(SyntaxKind::AnsiCString),
        "file_redirect" if matches!(first(), Some("&>" | "&>>")) => {
            Some(SyntaxKind::AmpersandRedirect)
        }
        "herestring_redirect" => Some(SyntaxKind::HereString),
        "compound_statement" if first() == Some("((") => Some(SyntaxKind::ArithmeticCommand),
        "pipeline" if has_token(n, "|&") => Some(SyntaxKind::PipeStderr),
        "expansion" => expansion_kind(n),
        _ => None,
    }
}

fn has_token(n: Node<'_>, token: &str) -> bool {
    let mut c = n.walk();
    n.children(&mut c)
        .any(|k| !k.is_named() && k.kind() == token)
}

/// `[ a == b ]`: a binary expression directly in the test with `==`.
fn has_double_equal(test: Node<'_>) -> bool {
    let mut c = test.walk();
    test.named_children(&mut c).any(|k| {
        k.kind() == "binary_expression"
            && k.child_by_field_name("operator")
                .is_some_and(|o| o.kind() == "==")
    })
}

/// An unquoted `{a,b}` in a word: a `{` word, then plain words holding a
/// comma, then a `}` word.
fn has_brace_list(n: Node<'_>, text: &str) -> bool {
    let mut c = n.walk();
    let kids: Vec<Node<'_>> = n.children(&mut c).collect();
    let is_word = |k: &Node<'_>, s: &str| k.kind() == "word" && text.get(k.byte_range()) == Some(s);
    for (i, open) in kids.iter().enumerate() {
        if !is_word(open, "{") {
            continue;
        }
        let Some(close) = kids[i + 1..].iter().position(|k| is_word(k, "}")) else {
            continue;
        };
        let inner = &kids[i + 1..i + 1 + close];
        let plain =
            !inner.is_empty() && inner.iter().all(|k| matches!(k.kind(), "word" | "number"));
        let comma = text
            .get(open.end_byte()..kids[i + 1 + close].start_byte())
            .is_some_and(|s| {
                s.contains(',')
                    && !s.starts_with(',')
                    && !s.ends_with(',')
                    && !s.chars().any(|ch| ch.is_whitespace() || ch == '\\')
            });
        if plain && comma {
            return true;
        }
    }
    false
}

/// `${v:1:2}`, `${v/a/b}`, `${v^^}`: the expansion's operator.
fn expansion_kind(n: Node<'_>) -> Option<SyntaxKind> {
    let mut c = n.walk();
    let op = n
        .children_by_field_name("operator", &mut c)
        .next()
        .map(|o| o.kind())?;
    match op {
        ":" => Some(SyntaxKind::Substring),
        "/" | "//" | "/#" | "/%" => Some(SyntaxKind::PatternSubstitution),
        "^" | "^^" | "," | ",," => Some(SyntaxKind::CaseModification),
        _ => None,
    }
}
