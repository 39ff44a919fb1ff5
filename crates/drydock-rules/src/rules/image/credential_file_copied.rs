use drydock_core::RuleMeta;
use drydock_core::spec::{CopyStep, ImageSpec, StepKind};

use crate::declare_rule;
use crate::rule::{Checker, Rule};

declare_rule! {
    /// ## What it does
    /// Reports `COPY` or `ADD` from the build context whose source names a
    /// credential file: SSH private keys (`id_rsa`, `id_ed25519`,
    /// `id_ecdsa`, `id_dsa`), private keys and key stores (`*.key`, `*.pem`,
    /// `*.p12`, `*.pfx`, `*.kdbx`), environment files (`.env`,
    /// `.env.production`), package manager and tool credentials (`.npmrc`,
    /// `.pypirc`, `.netrc`, `.git-credentials`, `.docker/config.json`,
    /// `.aws/credentials`, `kubeconfig`), and cloud service-account keys
    /// (`credentials.json`, `*-sa.json`, `*service-account*.json`).
    ///
    /// Only the file name written in the instruction is judged (its last
    /// path component, or the last two for `.docker/config.json` and
    /// `.aws/credentials`); what a directory or wildcard copy brings along
    /// is not known. `COPY --from` copies from another stage are not
    /// reported. `.pem` files whose name says they are certificates
    /// (`ca.pem`, `cert.pem`, `fullchain.pem`, …) are public and not
    /// reported; `.env.example` and similar templates neither.
    ///
    /// ## Why is this bad?
    /// A file copied into a layer stays in the image for good, even if a
    /// later step deletes it: anyone who can pull the image can extract it
    /// with `docker save`. Images are pushed to registries, cached on CI
    /// runners and shared far more widely than the secrets in them should
    /// be.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY id_rsa /root/.ssh/id_rsa
    /// RUN git clone git@github.com:example/private.git
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN --mount=type=ssh git clone git@github.com:example/private.git
    /// ```
    ///
    /// ## How to fix
    /// Pass secrets to the build with BuildKit secret or SSH mounts
    /// (`RUN --mount=type=secret,id=npmrc,target=/root/.npmrc`,
    /// `RUN --mount=type=ssh`), and give them to the running container at
    /// run time (Docker or Compose secrets, a mounted file, the
    /// orchestrator's secret store), never in a layer. List such files in
    /// `.dockerignore` so that `COPY . .` does not bring them along either.
    pub struct CredentialFileCopied {
        id: "IMG063",
        name: "credential-file-copied",
        title: "Credential file copied into the image",
        severity: High,
        category: Secrets,
        references: ["concern:13", "dockle:CIS-DI-0010"],
        fix: None,
    }
}

/// The last path component of a COPY source, lower-case, with trailing
/// slashes and quotes removed.
pub(crate) fn source_path(src: &str) -> String {
    src.trim()
        .trim_matches(['"', '\''])
        .trim_end_matches('/')
        .to_ascii_lowercase()
}

pub(crate) fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The copy steps of a stage that read the build context (not another
/// stage or image, not heredocs).
pub(crate) fn context_copies(image: &ImageSpec) -> impl Iterator<Item = (&str, &CopyStep)> {
    image.steps.iter().filter_map(|s| {
        let (kw, c) = match &s.kind {
            StepKind::Copy(c) => ("COPY", c),
            StepKind::Add(c) => ("ADD", c),
            _ => return None,
        };
        (c.from.is_none() && !c.heredoc).then_some((kw, c))
    })
}

const EXACT: &[&str] = &[
    "id_rsa",
    "id_ed25519",
    "id_ecdsa",
    "id_dsa",
    ".env",
    ".npmrc",
    ".pypirc",
    ".netrc",
    ".git-credentials",
    "credentials.json",
    "kubeconfig",
];

const EXTENSIONS: &[&str] = &[".pem", ".key", ".p12", ".pfx", ".kdbx"];

/// Parts of a `.pem` file name that say it holds certificates, not a key.
const CERT_HINTS: &[&str] = &[
    "cert", "chain", "ca.", "ca-", "ca_", "root", "public", "pub.",
];

const ENV_TEMPLATES: &[&str] = &[
    "example", "sample", "template", "dist", "default", "defaults", "test", "tpl",
];

/// What kind of credential file `src` names, if any.
fn credential_kind(src: &str) -> Option<&'static str> {
    let path = source_path(src);
    if path.contains('$') {
        return None;
    }
    let name = basename(&path);
    if path == ".docker/config.json" || path.ends_with("/.docker/config.json") {
        return Some("Docker registry credentials");
    }
    if path == ".aws/credentials" || path.ends_with("/.aws/credentials") {
        return Some("AWS credentials");
    }
    if let Some(exact) = EXACT.iter().find(|e| **e == name) {
        return Some(match *exact {
            "id_rsa" | "id_ed25519" | "id_ecdsa" | "id_dsa" => "an SSH private key",
            ".env" => "an environment file with secrets",
            "credentials.json" => "cloud credentials",
            "kubeconfig" => "Kubernetes credentials",
            _ => "tool credentials",
        });
    }
    if let Some(suffix) = name.strip_prefix(".env.")
        && !suffix.is_empty()
        && !suffix.contains('*')
        && !ENV_TEMPLATES
            .iter()
            .any(|t| suffix.split('.').any(|p| p == *t))
    {
        return Some("an environment file with secrets");
    }
    if name.ends_with(".kubeconfig") {
        return Some("Kubernetes credentials");
    }
    if let Some(ext) = EXTENSIONS
        .iter()
        .find(|e| name.ends_with(**e) && name.len() > e.len())
    {
        if *ext == ".pem" && CERT_HINTS.iter().any(|h| name.contains(h)) {
            return None;
        }
        return Some(match *ext {
            ".kdbx" => "a password database",
            ".p12" | ".pfx" => "a key store",
            _ => "a private key",
        });
    }
    if name.ends_with(".json") && (name.ends_with("-sa.json") || name.contains("service-account")) {
        return Some("a service-account key");
    }
    None
}

impl Rule for CredentialFileCopied {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check_image(&self, cx: &mut Checker<'_>, image: &ImageSpec) {
        for (kw, copy) in context_copies(image) {
            for src in &copy.sources {
                if let Some(kind) = credential_kind(&src.value) {
                    cx.report(
                        &src.origin,
                        format!(
                            "`{kw}` puts `{}` ({kind}) into an image layer; pass it as a build secret instead",
                            src.value
                        ),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::credential_kind;

    #[test]
    fn kinds() {
        for hit in [
            "id_rsa",
            "./keys/id_ed25519",
            "server.key",
            "tls/private.pem",
            ".env",
            ".env.production",
            ".npmrc",
            "creds/.docker/config.json",
            ".aws/credentials",
            "deploy-sa.json",
            "my-service-account-key.json",
            "vault.kdbx",
            "cert.p12",
        ] {
            assert!(credential_kind(hit).is_some(), "{hit}");
        }
        for miss in [
            "id_rsa.pub",
            "ca.pem",
            "fullchain.pem",
            ".env.example",
            "config.json",
            "package.json",
            "src/",
            ".key",
            "keys.go",
        ] {
            assert!(credential_kind(miss).is_none(), "{miss}");
        }
    }
}
