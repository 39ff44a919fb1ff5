use drydock_core::RuleMeta;
use globset::{GlobBuilder, GlobMatcher};

use crate::declare_rule;
use crate::rule::{Checker, DockerfileCx, Rule};
use crate::rules::image::credential_file_copied::context_copies;

declare_rule! {
    /// ## What it does
    /// Reports `COPY . <dest>` and `ADD . <dest>` (also `./`, `*`, `./*`)
    /// from the build context when the context has no `.dockerignore`, or
    /// one that does not exclude the Git repository (`.git`), environment
    /// files (`.env`) and private keys (`*.pem`, `*.key`, `id_rsa*`).
    ///
    /// drydock scans the Dockerfile alone, so it takes the build context
    /// to be the Dockerfile's directory, as `docker build <dir>` with the
    /// default Dockerfile does. It reads `<Dockerfile name>.dockerignore`
    /// beside the Dockerfile (which BuildKit prefers), else `.dockerignore`
    /// there. A build whose context is elsewhere (`docker build -f
    /// docker/Dockerfile .`, a Compose `context:`) uses that directory's
    /// `.dockerignore`, which this rule does not see. A Dockerfile read
    /// from standard input is not judged.
    ///
    /// The `.dockerignore` is evaluated as Docker does: comments and blank
    /// lines are skipped, a leading `/` is ignored, `*` and `?` do not
    /// cross `/`, `**` matches any number of directories, and the last
    /// matching pattern wins, so `!` can re-include a file.
    ///
    /// ## Why is this bad?
    /// Copying the whole context copies everything in the directory:
    /// the `.git` history, `.env` files with passwords and tokens, private
    /// keys and certificates lying around, local caches. Once in a layer
    /// they stay in the image for anyone who can pull it.
    ///
    /// ## Example
    /// ```dockerfile
    /// # no .dockerignore beside this Dockerfile
    /// COPY . /app
    /// ```
    ///
    /// Use instead, with a `.dockerignore`:
    /// ```text
    /// .git
    /// **/.env
    /// *.pem
    /// *.key
    /// id_rsa*
    /// ```
    ///
    /// ## How to fix
    /// Add a `.dockerignore` that excludes at least `.git`, `.env` files and
    /// private keys (or one that excludes everything, `*`, and re-includes
    /// what the build needs with `!`), or copy only the files and
    /// directories the image needs.
    pub struct CopyContextWithoutDockerignore {
        id: "IMG065",
        name: "copy-context-without-dockerignore",
        title: "Whole build context copied without a protective .dockerignore",
        severity: Medium,
        category: Secrets,
        references: ["concern:14", "gap:4"],
        fix: None,
    }
}

/// A `.dockerignore` file: its patterns in order, with whether each
/// re-includes (`!`).
pub(crate) struct DockerIgnore {
    patterns: Vec<(bool, GlobMatcher)>,
}

impl DockerIgnore {
    pub(crate) fn parse(text: &str) -> Self {
        let mut patterns = Vec::new();
        for line in text.lines() {
            if line.starts_with('#') {
                continue;
            }
            let mut pat = line.trim();
            let negate = pat.starts_with('!');
            if negate {
                pat = pat[1..].trim();
            }
            let cleaned = clean(pat);
            if cleaned.is_empty() {
                continue;
            }
            if let Ok(g) = GlobBuilder::new(&cleaned).literal_separator(true).build() {
                patterns.push((negate, g.compile_matcher()));
            }
        }
        DockerIgnore { patterns }
    }

    /// Whether a path relative to the context root is excluded (the path
    /// itself or one of its parent directories matches; the last matching
    /// pattern wins).
    pub(crate) fn excludes(&self, path: &str) -> bool {
        let mut prefixes = Vec::new();
        let mut end = 0;
        for part in path.split('/') {
            end += part.len();
            prefixes.push(&path[..end]);
            end += 1;
        }
        let mut excluded = false;
        for (negate, m) in &self.patterns {
            if prefixes.iter().any(|p| m.is_match(p)) {
                excluded = !negate;
            }
        }
        excluded
    }
}

/// Lexical clean of a pattern as `filepath.Clean` does, without the
/// leading `/`.
fn clean(pat: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in pat.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// The groups a `.dockerignore` should exclude, with sample paths.
const GROUPS: &[(&str, &[&str])] = &[
    ("`.git`", &[".git"]),
    ("`.env`", &[".env"]),
    ("private keys", &["id_rsa", "server.pem", "server.key"]),
];

fn is_whole_context(src: &str) -> bool {
    matches!(
        src.trim().trim_matches(['"', '\'']),
        "." | "./" | "*" | "./*"
    )
}

impl Rule for CopyContextWithoutDockerignore {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_dockerfile(&self, cx: &mut Checker<'_>, df: &DockerfileCx<'_>) {
        if !df.context_known {
            return;
        }
        let message = match df.dockerignore {
            None => None,
            Some(text) => {
                let ignore = DockerIgnore::parse(text);
                let missing: Vec<&str> = GROUPS
                    .iter()
                    .filter(|(_, samples)| !samples.iter().all(|p| ignore.excludes(p)))
                    .map(|(name, _)| *name)
                    .collect();
                if missing.is_empty() {
                    return;
                }
                Some(missing.join(", "))
            }
        };
        for image in df.images {
            for (kw, copy) in context_copies(image) {
                let Some(src) = copy.sources.iter().find(|s| is_whole_context(&s.value)) else {
                    continue;
                };
                let text = match &message {
                    None => format!(
                        "`{kw} {}` copies the whole build context, which has no `.dockerignore`",
                        src.value
                    ),
                    Some(missing) => format!(
                        "`{kw} {}` copies the whole build context, and its `.dockerignore` does not exclude {missing}",
                        src.value
                    ),
                };
                cx.report(&src.origin, text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::path::Path;

    use drydock_core::FileKind;
    use drydock_core::fs::MemoryFs;

    use super::DockerIgnore;
    use crate::{Input, LintEnv, Settings, lint};

    #[test]
    fn dockerignore_matching() {
        let d = DockerIgnore::parse("# c\n\n/.git\n**/.env\n*.pem\n*.key\nid_rsa*\n");
        for p in [".git", ".git/HEAD", ".env", "a.pem", "id_rsa", "x.key"] {
            assert!(d.excludes(p), "{p}");
        }
        assert!(!d.excludes("src/a.go"));
        let d = DockerIgnore::parse("*\n!src\n!.env\n");
        assert!(d.excludes(".git"));
        assert!(!d.excludes(".env"));
        assert!(!d.excludes("src/main.rs"));
    }

    fn findings(fs: &MemoryFs, path: &str) -> Vec<String> {
        let mut settings = Settings::default();
        settings.selection.select = vec!["IMG065".into()];
        settings.selection.ignore.clear();
        let no_env = |_: &str| None;
        let env = LintEnv { fs, env: &no_env };
        let text = fs.files.get(Path::new(path)).unwrap().clone();
        let input = Input {
            path: Path::new(path),
            display: path.into(),
            kind: FileKind::Dockerfile,
            text: text.as_str().into(),
        };
        lint(&input, &settings, &env)
            .findings
            .iter()
            .map(|f| f.message.clone())
            .collect()
    }

    const DF: &str = "FROM alpine:3.20\nCOPY . /app\n";

    #[test]
    fn good_dockerignore_is_quiet() {
        let fs = MemoryFs::new().with("ctx/Dockerfile", DF).with(
            "ctx/.dockerignore",
            ".git\n**/.env\n*.pem\n*.key\nid_rsa*\n",
        );
        assert!(findings(&fs, "ctx/Dockerfile").is_empty());
        let fs = MemoryFs::new()
            .with("ctx/Dockerfile", DF)
            .with("ctx/.dockerignore", "*\n!src\n");
        assert!(findings(&fs, "ctx/Dockerfile").is_empty());
    }

    #[test]
    fn per_dockerfile_ignore_file_wins() {
        let fs = MemoryFs::new()
            .with("ctx/app.Dockerfile", DF)
            .with("ctx/app.Dockerfile.dockerignore", "*\n")
            .with("ctx/.dockerignore", "");
        assert!(findings(&fs, "ctx/app.Dockerfile").is_empty());
    }

    #[test]
    fn incomplete_dockerignore_names_what_is_missing() {
        let fs = MemoryFs::new()
            .with("ctx/Dockerfile", DF)
            .with("ctx/.dockerignore", ".git\nnode_modules\n");
        let f = findings(&fs, "ctx/Dockerfile");
        assert_eq!(f.len(), 1);
        assert!(f[0].contains("`.env`, private keys"), "{}", f[0]);
    }

    #[test]
    fn missing_dockerignore_and_stdin() {
        let fs = MemoryFs::new().with("ctx/Dockerfile", DF);
        let f = findings(&fs, "ctx/Dockerfile");
        assert_eq!(f.len(), 1);
        assert!(f[0].contains("has no `.dockerignore`"));
        let fs = MemoryFs::new().with("-", DF);
        assert!(findings(&fs, "-").is_empty());
    }
}
