//! The keys dockerd accepts in daemon.json on Linux, with the JSON type its
//! Go decoder expects for each, and "did you mean" suggestions.

/// The JSON type dockerd's decoder expects for a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// `true` or `false`.
    Bool,
    /// A JSON string.
    String,
    /// A JSON number without fraction or exponent that fits a 64-bit integer.
    Int,
    /// An array of strings.
    StringArray,
    /// An object (whose members have their own, key-specific shape).
    Object,
    /// An object whose values are all strings (`log-opts`).
    ObjectOfStrings,
    /// Anything: the key's shape is not a single JSON type (a size given as
    /// a string or a number, an array of objects).
    Any,
}

impl KeyType {
    /// How the type is named in messages ("a boolean").
    pub fn describe(self) -> &'static str {
        match self {
            KeyType::Bool => "a boolean",
            KeyType::String => "a string",
            KeyType::Int => "an integer",
            KeyType::StringArray => "an array of strings",
            KeyType::Object => "an object",
            KeyType::ObjectOfStrings => "an object of strings",
            KeyType::Any => "any value",
        }
    }

    /// The type's name as a word, for `--type` style lists.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Bool => "bool",
            KeyType::String => "string",
            KeyType::Int => "int",
            KeyType::StringArray => "string-array",
            KeyType::Object => "object",
            KeyType::ObjectOfStrings => "object-of-strings",
            KeyType::Any => "any",
        }
    }
}

use KeyType::{Any, Bool, Int, Object, ObjectOfStrings, String as Str, StringArray};

/// The documented daemon.json keys for Linux (from the dockerd reference and
/// the JSON tags of dockerd's configuration structs), including deprecated
/// and removed keys that older daemons still accept, with their JSON type.
pub static KNOWN_KEYS: &[(&str, KeyType)] = &[
    ("allow-direct-routing", Bool),
    ("allow-nondistributable-artifacts", StringArray),
    ("api-cors-header", Str),
    ("authorization-plugins", StringArray),
    ("bip", Str),
    ("bip6", Str),
    ("bridge", Str),
    ("bridge-accept-fwmark", Str),
    ("builder", Object),
    ("cdi-spec-dirs", StringArray),
    ("cgroup-parent", Str),
    ("cluster-advertise", Str),
    ("cluster-store", Str),
    ("cluster-store-opts", ObjectOfStrings),
    ("containerd", Str),
    ("containerd-namespace", Str),
    ("containerd-plugins-namespace", Str),
    ("cpu-rt-period", Int),
    ("cpu-rt-runtime", Int),
    ("cri-containerd", Bool),
    ("data-root", Str),
    ("debug", Bool),
    // An array of `{"base": "...", "size": n}` objects.
    ("default-address-pools", Any),
    ("default-cgroupns-mode", Str),
    ("default-gateway", Str),
    ("default-gateway-v6", Str),
    ("default-ipc-mode", Str),
    ("default-network-opts", Object),
    ("default-runtime", Str),
    // A size: "64M" or a number of bytes.
    ("default-shm-size", Any),
    ("default-ulimits", Object),
    ("dns", StringArray),
    ("dns-opts", StringArray),
    ("dns-search", StringArray),
    ("exec-opts", StringArray),
    ("exec-root", Str),
    ("experimental", Bool),
    ("features", Object),
    ("firewall-backend", Str),
    ("fixed-cidr", Str),
    ("fixed-cidr-v6", Str),
    ("group", Str),
    ("host-gateway-ip", Str),
    ("host-gateway-ips", StringArray),
    ("hosts", StringArray),
    ("icc", Bool),
    ("init", Bool),
    ("init-path", Str),
    ("insecure-registries", StringArray),
    ("ip", Str),
    ("ip-forward", Bool),
    ("ip-forward-no-drop", Bool),
    ("ip-masq", Bool),
    ("ip6tables", Bool),
    ("iptables", Bool),
    ("ipv6", Bool),
    ("labels", StringArray),
    ("live-restore", Bool),
    ("log-driver", Str),
    ("log-format", Str),
    ("log-level", Str),
    ("log-opts", ObjectOfStrings),
    ("max-concurrent-downloads", Int),
    ("max-concurrent-uploads", Int),
    ("max-download-attempts", Int),
    ("metrics-addr", Str),
    ("mtu", Int),
    ("network-control-plane-mtu", Int),
    ("network-diagnostic-port", Int),
    ("no-new-privileges", Bool),
    ("node-generic-resources", StringArray),
    ("oom-score-adjust", Int),
    ("pidfile", Str),
    ("proxies", Object),
    ("raw-logs", Bool),
    ("registry-mirrors", StringArray),
    ("rootless", Bool),
    ("runtimes", Object),
    ("seccomp-profile", Str),
    ("selinux-enabled", Bool),
    ("shutdown-timeout", Int),
    ("storage-driver", Str),
    ("storage-opts", StringArray),
    ("swarm-default-advertise-addr", Str),
    ("tls", Bool),
    ("tlscacert", Str),
    ("tlscert", Str),
    ("tlskey", Str),
    ("tlsverify", Bool),
    ("userland-proxy", Bool),
    ("userland-proxy-path", Str),
    ("userns-remap", Str),
];

/// The keys allowed inside `proxies`. dockerd accepts them at the top level
/// too (they are command-line flags), but then ignores them.
pub(crate) const PROXY_KEYS: &[&str] = &["http-proxy", "https-proxy", "no-proxy"];

/// The type of a known key.
pub fn key_type(key: &str) -> Option<KeyType> {
    KNOWN_KEYS.iter().find(|(k, _)| *k == key).map(|(_, t)| *t)
}

/// The closest known key to an unknown one, when it is close enough to be a
/// likely typo.
pub(crate) fn suggest<'k>(
    key: &str,
    candidates: impl IntoIterator<Item = &'k str>,
) -> Option<&'k str> {
    // Keys are short; a long unknown key is no typo, and the distance is
    // quadratic.
    if key.is_empty() || key.len() > 64 {
        return None;
    }
    let norm = normalise(key);
    let mut best: Option<(usize, &'k str)> = None;
    for cand in candidates {
        let d = if normalise(cand) == norm {
            0
        } else {
            levenshtein(&norm, cand)
        };
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, cand));
        }
    }
    let limit = (key.chars().count() / 3).max(2);
    best.filter(|(d, _)| *d <= limit).map(|(_, k)| k)
}

/// Lower case, with `_` and spaces as `-`: the usual ways a key is misspelt.
fn normalise(key: &str) -> String {
    key.chars()
        .map(|c| match c {
            '_' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn known_keys_are_unique_and_sorted() {
        let mut seen = HashSet::new();
        for (k, _) in KNOWN_KEYS {
            assert!(seen.insert(*k), "duplicate key {k}");
        }
        let mut sorted: Vec<&str> = KNOWN_KEYS.iter().map(|(k, _)| *k).collect();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            KNOWN_KEYS.iter().map(|(k, _)| *k).collect::<Vec<_>>()
        );
    }

    #[test]
    fn proxy_keys_are_not_top_level_keys() {
        for k in PROXY_KEYS {
            assert!(key_type(k).is_none(), "{k}");
        }
    }

    #[test]
    fn suggestions() {
        let keys = || KNOWN_KEYS.iter().map(|(k, _)| *k);
        assert_eq!(
            suggest("insecure-registry", keys()),
            Some("insecure-registries")
        );
        assert_eq!(suggest("log_opts", keys()), Some("log-opts"));
        assert_eq!(suggest("ICC", keys()), Some("icc"));
        assert_eq!(suggest("live-restor", keys()), Some("live-restore"));
        assert_eq!(suggest("completely-unrelated-thing", keys()), None);
        assert_eq!(suggest("", keys()), None);
    }

    #[test]
    fn levenshtein_basics() {
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("é", "e"), 1);
    }
}
