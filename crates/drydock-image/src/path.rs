//! Path normalisation for entries inside layers and inside the outer archive.

/// Normalises a tar entry name to an absolute path inside the image
/// (`./etc//passwd` → `/etc/passwd`; `/etc/passwd` stays). `..` is applied
/// lexically, as Docker's `filepath.Clean`; a path climbing above the root
/// gives `None`. The root itself is `/`.
pub(crate) fn normalize(raw: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in raw.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    let mut out = String::with_capacity(raw.len() + 1);
    if parts.is_empty() {
        out.push('/');
    }
    for p in parts {
        out.push('/');
        out.push_str(p);
    }
    Some(out)
}

/// Normalises a name inside the outer archive (`./blobs/sha256/x` →
/// `blobs/sha256/x`); `None` if empty or climbing above the archive root.
pub(crate) fn archive_name(raw: &str) -> Option<String> {
    let n = normalize(raw)?;
    let rel = n.trim_start_matches('/');
    if rel.is_empty() {
        None
    } else {
        Some(rel.to_string())
    }
}

/// Splits `/a/b/c` into (`/a/b`, `c`); the parent of `/c` is `/`.
pub(crate) fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(0) => ("/", &path[1..]),
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("/", path),
    }
}

/// Joins a normalised directory and a name.
pub(crate) fn join(dir: &str, name: &str) -> String {
    if dir == "/" {
        format!("/{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// Resolves a path relative to the directory of another archive entry
/// (`<id>/layer.tar` → `../<other>/layer.tar`) inside the archive.
pub(crate) fn archive_link(from: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return archive_name(target);
    }
    let dir = match from.rfind('/') {
        Some(i) => &from[..i],
        None => "",
    };
    archive_name(&format!("{dir}/{target}"))
}

/// `sha256:<hex>` → `blobs/sha256/<hex>`, if the digest is well formed (so
/// that it cannot name a path outside `blobs/`).
pub(crate) fn blob_name(digest: &str) -> Option<String> {
    let (alg, hex) = digest.split_once(':')?;
    // OCI: algorithm-component ([a-z0-9]+) joined by one of `+._-`; so never `..`.
    let alg_ok = alg.len() <= 64
        && alg.split(['+', '.', '_', '-']).all(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    let hex_ok = !hex.is_empty()
        && hex.len() <= 256
        && hex
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'=' || b == b'_' || b == b'-');
    if alg_ok && hex_ok {
        Some(format!("blobs/{alg}/{hex}"))
    } else {
        None
    }
}

/// `blobs/sha256/<hex>` → `sha256:<hex>` (the digest a blob name implies).
pub(crate) fn digest_of_name(name: &str) -> Option<String> {
    let rest = name.strip_prefix("blobs/")?;
    let (alg, hex) = rest.split_once('/')?;
    if hex.contains('/') || blob_name(&format!("{alg}:{hex}")).is_none() {
        return None;
    }
    Some(format!("{alg}:{hex}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_docker() {
        assert_eq!(normalize("./etc//passwd").as_deref(), Some("/etc/passwd"));
        assert_eq!(normalize("/etc/passwd").as_deref(), Some("/etc/passwd"));
        assert_eq!(normalize("a/../b").as_deref(), Some("/b"));
        assert_eq!(normalize("./").as_deref(), Some("/"));
        assert_eq!(normalize("../etc/passwd"), None);
        assert_eq!(normalize("a/../../etc"), None);
        assert_eq!(normalize("/../x"), None);
    }

    #[test]
    fn splits_and_joins() {
        assert_eq!(split("/a/b/c"), ("/a/b", "c"));
        assert_eq!(split("/c"), ("/", "c"));
        assert_eq!(join("/", "x"), "/x");
        assert_eq!(join("/a", "x"), "/a/x");
    }

    #[test]
    fn archive_names_and_links() {
        assert_eq!(
            archive_name("./blobs/sha256/ab").as_deref(),
            Some("blobs/sha256/ab")
        );
        assert_eq!(archive_name("../x"), None);
        assert_eq!(archive_name("./"), None);
        assert_eq!(
            archive_link("aaa/layer.tar", "../bbb/layer.tar").as_deref(),
            Some("bbb/layer.tar")
        );
        assert_eq!(archive_link("aaa/layer.tar", "../../etc/passwd"), None);
    }

    proptest::proptest! {
        #[test]
        fn normalized_paths_stay_inside(raw in "[a./:]{0,24}") {
            if let Some(n) = normalize(&raw) {
                proptest::prop_assert!(n.starts_with('/'));
                proptest::prop_assert!(n == "/" || !n.ends_with('/'));
                proptest::prop_assert!(!n.split('/').any(|c| c == ".." || c == "."));
                proptest::prop_assert!(!n.contains("//"));
            }
            if let Some(b) = blob_name(&raw) {
                proptest::prop_assert!(b.starts_with("blobs/") && !b.split('/').any(|c| c == ".." || c == "." || c.is_empty()));
            }
        }
    }

    #[test]
    fn blob_names_are_confined() {
        assert_eq!(blob_name("sha256:abc").as_deref(), Some("blobs/sha256/abc"));
        assert_eq!(blob_name("sha256:../../etc/passwd"), None);
        assert_eq!(blob_name("../x:abc"), None);
        assert_eq!(blob_name("..:abc"), None);
        assert_eq!(blob_name(".:abc"), None);
        assert_eq!(
            blob_name("sha256+b64u:abc").as_deref(),
            Some("blobs/sha256+b64u/abc")
        );
        assert_eq!(blob_name("nocolon"), None);
        assert_eq!(
            digest_of_name("blobs/sha256/abc").as_deref(),
            Some("sha256:abc")
        );
        assert_eq!(digest_of_name("abc/layer.tar"), None);
    }
}
