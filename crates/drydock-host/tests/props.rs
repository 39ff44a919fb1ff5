//! Property tests: the audit-rule line parser, mode comparison, mountinfo.

use std::path::Path;

use drydock_host::audit_rules::{RuleForm, parse_line};
use drydock_host::mode::{at_least_as_restrictive, excess_bits};
use drydock_host::mountinfo;
use proptest::prelude::*;

fn path_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-zA-Z0-9._:-]{1,12}", 1..5)
        .prop_map(|parts| format!("/{}", parts.join("/")))
}

fn perms_strategy() -> impl Strategy<Value = String> {
    prop::sample::subsequence(vec!['r', 'w', 'x', 'a'], 1..=4).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #[test]
    fn parser_never_panics(line in "\\PC{0,200}") {
        let _ = parse_line(&line);
    }

    #[test]
    fn parser_never_panics_on_rule_like_tokens(tokens in prop::collection::vec(
        prop_oneof![
            Just("-w".to_owned()), Just("-a".to_owned()), Just("-F".to_owned()), Just("-p".to_owned()),
            Just("-k".to_owned()), Just("-S".to_owned()), Just("always,exit".to_owned()),
            Just("path=".to_owned()), "[a-z=!<>&/,]{0,10}".prop_map(|s| s),
        ], 0..12)) {
        let _ = parse_line(&tokens.join(" "));
    }

    #[test]
    fn watch_round_trips(path in path_strategy(), perms in perms_strategy(), key in "[a-z_-]{1,10}") {
        let r = parse_line(&format!("-w {path} -p {perms} -k {key}")).expect("watch");
        prop_assert_eq!(r.form, RuleForm::Watch);
        prop_assert_eq!(&r.path, &path);
        prop_assert_eq!(r.perms.as_deref(), Some(perms.as_str()));
        prop_assert_eq!(r.key.as_deref(), Some(key.as_str()));
        prop_assert_eq!(r.records_changes(), perms.contains('w') && perms.contains('a'));
        prop_assert_eq!(parse_line(&r.display()), Some(r));
    }

    #[test]
    fn syscall_rule_round_trips(path in path_strategy(), perms in perms_strategy(), key in "[a-z_-]{1,10}",
                                dir in any::<bool>(), swap in any::<bool>(), arch in any::<bool>()) {
        let field = if dir { "dir" } else { "path" };
        let action = if swap { "exit,always" } else { "always,exit" };
        let arch = if arch { "-F arch=b64 -S all " } else { "" };
        let line = format!("-a {action} {arch}-F {field}={path} -F perm={perms} -F key={key}");
        let r = parse_line(&line).expect("rule");
        prop_assert_eq!(r.form, if dir { RuleForm::SyscallDir } else { RuleForm::SyscallPath });
        prop_assert_eq!(&r.path, &path);
        prop_assert!(r.is_effective());
        prop_assert_eq!(parse_line(&r.display()), Some(r));
    }

    #[test]
    fn commented_lines_are_never_rules(path in path_strategy(), pad in " {0,3}") {
        prop_assert_eq!(parse_line(&format!("{pad}# -w {path} -p wa -k docker")), None);
    }

    #[test]
    fn restrictive_means_subset_of_bits(mode in 0u32..0o10000, allowed in 0u32..0o10000) {
        let subset = (0..12).all(|b| mode & (1 << b) == 0 || allowed & (1 << b) != 0);
        prop_assert_eq!(at_least_as_restrictive(mode, allowed), subset);
        prop_assert_eq!(at_least_as_restrictive(mode, allowed), mode & !allowed == 0);
        // Dropping bits never makes a passing mode fail.
        if at_least_as_restrictive(mode, allowed) {
            for b in 0..12 {
                prop_assert!(at_least_as_restrictive(mode & !(1 << b), allowed));
            }
        }
        // The excess bits are exactly what must be removed.
        prop_assert!(at_least_as_restrictive(mode & !excess_bits(mode, allowed), allowed));
        // File-type bits are ignored.
        prop_assert_eq!(at_least_as_restrictive(mode | 0o100000, allowed), at_least_as_restrictive(mode, allowed));
    }

    #[test]
    fn restrictive_is_transitive(a in 0u32..0o10000, b in 0u32..0o10000, c in 0u32..0o10000) {
        if at_least_as_restrictive(a, b) && at_least_as_restrictive(b, c) {
            prop_assert!(at_least_as_restrictive(a, c));
        }
    }

    #[test]
    fn mountinfo_never_panics_and_covering_is_a_prefix(text in "\\PC{0,300}", path in path_strategy()) {
        let entries = mountinfo::parse(&text);
        if let Some(m) = mountinfo::covering_mount(&entries, Path::new(&path)) {
            prop_assert!(Path::new(&path).starts_with(&m.mount_point));
        }
    }
}

#[test]
fn decimal_comparison_counterexamples() {
    // What Docker Bench's `stat -c %a` ≤ 644 gets wrong.
    assert!(!at_least_as_restrictive(0o607, 0o644)); // 607 ≤ 644 as numbers
    assert!(!at_least_as_restrictive(0o477, 0o644));
    assert!(at_least_as_restrictive(0o600, 0o644));
    assert!(at_least_as_restrictive(0o440, 0o444));
}
