//! Permission-bit arithmetic. Modes are compared as bits, never as the
//! decimal value of their octal string (Docker Bench's `stat -c %a` ≤ 644
//! lets 0607 pass and fails every setuid/sticky mode).

/// The permission bits of a `st_mode` (setuid, setgid, sticky, rwx×3).
pub const PERM_MASK: u32 = 0o7777;

/// True when `mode` grants nothing beyond `allowed`: `mode & !allowed == 0`.
/// 0600 is at least as restrictive as 0644; 0607 and 04644 are not.
pub fn at_least_as_restrictive(mode: u32, allowed: u32) -> bool {
    excess_bits(mode, allowed) == 0
}

/// The permission bits of `mode` that `allowed` does not grant.
pub fn excess_bits(mode: u32, allowed: u32) -> u32 {
    mode & PERM_MASK & !allowed
}

/// `0644`, `04755`: the permission bits in octal, at least four digits.
pub fn format_mode(mode: u32) -> String {
    format!("{:04o}", mode & PERM_MASK)
}

/// Human words for a set of permission bits, e.g. "group write, other read".
pub fn describe_bits(bits: u32) -> String {
    const NAMES: [(u32, &str); 12] = [
        (0o4000, "setuid"),
        (0o2000, "setgid"),
        (0o1000, "sticky"),
        (0o400, "owner read"),
        (0o200, "owner write"),
        (0o100, "owner execute"),
        (0o040, "group read"),
        (0o020, "group write"),
        (0o010, "group execute"),
        (0o004, "other read"),
        (0o002, "other write"),
        (0o001, "other execute"),
    ];
    let words: Vec<&str> = NAMES
        .iter()
        .filter(|(bit, _)| bits & bit != 0)
        .map(|(_, name)| *name)
        .collect();
    if words.is_empty() {
        "none".to_owned()
    } else {
        words.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stricter_modes_pass() {
        assert!(at_least_as_restrictive(0o600, 0o644));
        assert!(at_least_as_restrictive(0o644, 0o644));
        assert!(at_least_as_restrictive(0o400, 0o444));
        assert!(at_least_as_restrictive(0o000, 0o400));
    }

    #[test]
    fn looser_or_odd_modes_fail() {
        // 607 < 644 as decimal numbers, but grants other write + execute.
        assert!(!at_least_as_restrictive(0o607, 0o644));
        assert_eq!(excess_bits(0o607, 0o644), 0o003);
        assert!(!at_least_as_restrictive(0o664, 0o644));
        assert!(!at_least_as_restrictive(0o755, 0o644));
        assert!(!at_least_as_restrictive(0o4644, 0o644));
        assert!(!at_least_as_restrictive(0o440, 0o400));
    }

    #[test]
    fn file_type_bits_are_ignored() {
        // S_IFREG | 0644
        assert!(at_least_as_restrictive(0o100644, 0o644));
        assert_eq!(format_mode(0o100644), "0644");
        assert_eq!(format_mode(0o104755), "4755");
    }

    #[test]
    fn describes_bits() {
        assert_eq!(describe_bits(0o022), "group write, other write");
        assert_eq!(describe_bits(0), "none");
    }
}
