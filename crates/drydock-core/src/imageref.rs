//! Image references (`[registry/]repository[:tag][@digest]`), parsed the way
//! the Docker distribution reference grammar normalises them.

/// A parsed image reference.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// The reference as written (after variable expansion).
    pub raw: String,
    /// The registry host as written, `None` for Docker Hub by default.
    pub registry: Option<String>,
    /// The repository path as written (`nginx`, `library/nginx`, `org/app`).
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:…`
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parses a reference. Returns `None` for an empty string or one that
    /// still contains unexpanded variables.
    pub fn parse(raw: &str) -> Option<ImageRef> {
        let raw = raw.trim();
        if raw.is_empty() || raw.contains('$') || raw.chars().any(char::is_whitespace) {
            return None;
        }
        let (name_tag, digest) = match raw.split_once('@') {
            Some((n, d)) => (n, Some(d.to_string())),
            None => (raw, None),
        };
        let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name_tag[last_slash..].rfind(':') {
            Some(i) => (
                &name_tag[..last_slash + i],
                Some(name_tag[last_slash + i + 1..].to_string()),
            ),
            None => (name_tag, None),
        };
        if name.is_empty() {
            return None;
        }
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first.to_string()), rest.to_string())
            }
            _ => (None, name.to_string()),
        };
        if repository.is_empty() {
            return None;
        }
        Some(ImageRef {
            raw: raw.to_string(),
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The registry host, with Docker Hub's canonical name as the default.
    pub fn registry_or_default(&self) -> &str {
        match self.registry.as_deref() {
            None | Some("index.docker.io" | "registry-1.docker.io") => "docker.io",
            Some(r) => r,
        }
    }

    /// `docker.io/library/nginx` for `nginx`.
    pub fn full_name(&self) -> String {
        let reg = self.registry_or_default();
        if reg == "docker.io" && !self.repository.contains('/') {
            format!("docker.io/library/{}", self.repository)
        } else {
            format!("{reg}/{}", self.repository)
        }
    }

    /// `true` for the special empty base image.
    pub fn is_scratch(&self) -> bool {
        self.registry.is_none() && self.repository == "scratch"
    }

    /// `true` when neither a tag nor a digest is given (Docker then uses
    /// `latest`).
    pub fn is_untagged(&self) -> bool {
        self.tag.is_none() && self.digest.is_none()
    }

    pub fn is_latest(&self) -> bool {
        self.digest.is_none() && self.tag.as_deref() == Some("latest")
    }

    /// Whether this image comes from a registry matched by `pattern`. A pattern
    /// is a registry host (`ghcr.io`), a host with a path prefix
    /// (`ghcr.io/myorg`), or a wildcard host (`*.gcr.io`). `docker.io`
    /// matches Docker Hub images written without a registry.
    pub fn matches_registry(&self, pattern: &str) -> bool {
        let pattern = pattern.trim().trim_end_matches('/');
        let full = self.full_name();
        let host = self.registry_or_default();
        if let Some(suffix) = pattern.strip_prefix("*.") {
            return host.ends_with(&format!(".{suffix}"));
        }
        if pattern.contains('/') {
            return full == pattern || full.starts_with(&format!("{pattern}/"));
        }
        host == pattern
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        let r = ImageRef::parse("nginx").unwrap();
        assert_eq!(
            (
                r.registry.as_deref(),
                r.repository.as_str(),
                r.tag.as_deref()
            ),
            (None, "nginx", None)
        );
        assert_eq!(r.full_name(), "docker.io/library/nginx");
        let r = ImageRef::parse("localhost:5000/app/web:1.2@sha256:abc").unwrap();
        assert_eq!(r.registry.as_deref(), Some("localhost:5000"));
        assert_eq!(r.repository, "app/web");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.digest.as_deref(), Some("sha256:abc"));
        let r = ImageRef::parse("ghcr.io/org/img:latest").unwrap();
        assert!(r.is_latest());
        assert!(r.matches_registry("ghcr.io"));
        assert!(r.matches_registry("ghcr.io/org"));
        assert!(!r.matches_registry("ghcr.io/other"));
        assert!(
            ImageRef::parse("eu.gcr.io/p/i")
                .unwrap()
                .matches_registry("*.gcr.io")
        );
        assert!(
            ImageRef::parse("python:3")
                .unwrap()
                .matches_registry("docker.io")
        );
        assert!(ImageRef::parse("$BASE").is_none());
        assert!(ImageRef::parse("scratch").unwrap().is_scratch());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,60}") {
            let _ = ImageRef::parse(&s);
        }
    }
}
