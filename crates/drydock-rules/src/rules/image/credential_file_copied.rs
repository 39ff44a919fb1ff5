use drydock_core::spec::{CopyStep, ImageFile, ImageFiles, ImageSpec, StepKind};
use drydock_core::{RuleMeta, TextRange};

use crate::declare_rule;
use crate::rule::{Checker, Rule};
use crate::rules::image::files::{at, in_text, is_library_example, lines};

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
    /// In a built image, the files themselves are reported, at their path,
    /// with the layer that added them:
    ///
    /// * SSH private keys `id_rsa`, `id_dsa`, `id_ecdsa`, `id_ed25519` (not
    ///   the `.pub` halves);
    /// * `*.pem` and `*.key` files whose text holds a private key block
    ///   (`-----BEGIN … PRIVATE KEY-----`), reported at that line; such a
    ///   file whose text was not read (too large) is not judged;
    /// * `.aws/credentials`, `.git-credentials`, `.netrc`, `credentials.json`;
    /// * `.docker/config.json` whose `auths` hold an `auth` or
    ///   `identitytoken` value, `.npmrc` with an `_authToken`, `_auth` or
    ///   `_password` setting (not one that reads `${VARIABLE}`), `.pypirc`
    ///   with a `password`: reported at that line, the value redacted;
    /// * environment files (`.env`, `.env.production`; not templates such
    ///   as `.env.example`);
    /// * shell and REPL histories that are not empty (`.bash_history`,
    ///   `.zsh_history`, `.ash_history`, `.sh_history`,
    ///   `.python_history`, `.mysql_history`, `.psql_history`).
    ///
    /// Skipped, as documentation, examples and test data of libraries and
    /// toolchains rather than the image's own secrets: everything under
    /// `/usr/share/doc/`, and paths with a `test`, `tests`, `testdata`,
    /// `__tests__`, `fixtures`, `example` or `examples` component below a
    /// library root (`node_modules/`, `site-packages/`, `dist-packages/`,
    /// `/usr/lib/python*`, `/usr/local/lib/python*`, `/usr/local/go/`,
    /// `/usr/lib/go*`, `/go/pkg/mod/`, `/usr/share/`, `/usr/lib/jvm/`, Ruby
    /// gem directories, `vendor/`): Go's `crypto/tls/testdata` keys, the
    /// keys of CPython's `test` package, a package's `.env` fixture. A key
    /// installed by the distribution in its place is the image's and is
    /// reported, for example `/etc/ssl/private/ssl-cert-snakeoil.key`
    /// (Debian's `ssl-cert` package makes one when it is installed, and
    /// every container of the image shares it).
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

/// Shell and REPL histories.
const HISTORIES: &[&str] = &[
    ".bash_history",
    ".zsh_history",
    ".ash_history",
    ".sh_history",
    ".python_history",
    ".mysql_history",
    ".psql_history",
];

/// What a built image's file is, judged by its path alone: the kind of
/// credential, or `None`.
fn credential_path(e: &ImageFile) -> Option<&'static str> {
    let name = e.name();
    let path = e.path.as_str();
    match name {
        "id_rsa" | "id_dsa" | "id_ecdsa" | "id_ed25519" => Some("an SSH private key"),
        ".git-credentials" => Some("a Git credential store"),
        ".netrc" => Some("a `.netrc` with login credentials"),
        "credentials.json" => Some("a cloud credentials file"),
        "credentials" if path.ends_with("/.aws/credentials") => Some("an AWS credentials file"),
        ".env" => Some("an environment file with secrets"),
        _ if HISTORIES.contains(&name) => (e.size > 0).then_some("a shell history"),
        _ => name
            .strip_prefix(".env.")
            .filter(|suffix| {
                !suffix.is_empty()
                    && !ENV_TEMPLATES
                        .iter()
                        .any(|t| suffix.split('.').any(|p| p.eq_ignore_ascii_case(t)))
            })
            .map(|_| "an environment file with secrets"),
    }
}

/// A secret found in a line: the kind, the line, the value (to redact).
type SecretLine = (&'static str, TextRange, Option<TextRange>);

/// The first line of `text` for which `pred` finds a value (byte offsets
/// in the line), with the value's range in `text`.
fn find_value(
    text: &str,
    pred: impl Fn(&str) -> Option<(usize, usize)>,
) -> Option<(TextRange, Option<TextRange>)> {
    lines(text).find_map(|(range, line)| {
        pred(line).map(|(s, end)| {
            let value = TextRange::from_usize(range.start as usize + s, range.start as usize + end);
            (range, Some(value).filter(|v| !v.is_empty()))
        })
    })
}

/// A line of a credential file whose text says it holds a secret.
fn credential_line(e: &ImageFile, text: &str) -> Option<SecretLine> {
    let lower = e.name().to_ascii_lowercase();
    if lower.ends_with(".pem") || lower.ends_with(".key") {
        return lines(text)
            .find(|(_, l)| l.contains("-----BEGIN") && l.contains("PRIVATE KEY-----"))
            .map(|(range, _)| ("a private key", range, None));
    }
    match e.name() {
        ".npmrc" => find_value(text, |line| {
            setting_value(line, &["_authToken", "_auth", "_password"], '=')
        })
        .map(|(r, v)| ("an npm registry token", r, v)),
        ".pypirc" => find_value(text, |line| {
            setting_value(line, &["password"], '=')
                .or_else(|| setting_value(line, &["password"], ':'))
        })
        .map(|(r, v)| ("a PyPI password", r, v)),
        "config.json" if e.path.ends_with("/.docker/config.json") => {
            find_value(text, docker_auth).map(|(r, v)| ("Docker registry credentials", r, v))
        }
        _ => None,
    }
}

/// The value range (byte offsets in `line`) of `key = value`, where the
/// key is one of `keys` or ends with `:<key>` (`//registry/:_authToken`),
/// unless the value is empty or an environment reference (`${NPM_TOKEN}`).
fn setting_value(line: &str, keys: &[&str], sep: char) -> Option<(usize, usize)> {
    let t = line.trim_start();
    if t.starts_with('#') || t.starts_with(';') {
        return None;
    }
    let (key, rest) = line.split_once(sep)?;
    let key = key.trim();
    let hit = keys
        .iter()
        .any(|k| key == *k || key.ends_with(&format!(":{k}")));
    if !hit {
        return None;
    }
    let after = line.len() - rest.len();
    let value = rest.trim().trim_matches(['"', '\'']);
    if value.is_empty() || value.starts_with("${") || value.starts_with("%(") {
        return None;
    }
    let start = rest.find(value).map(|i| i + after)?;
    Some((start, start + value.len()))
}

/// An `"auth"` or `"identitytoken"` member with a non-empty string value.
fn docker_auth(line: &str) -> Option<(usize, usize)> {
    for key in ["\"auth\"", "\"identitytoken\""] {
        let Some(k) = line.find(key) else { continue };
        let rest = &line[k + key.len()..];
        let Some(colon) = rest.find(':') else {
            continue;
        };
        if !rest[..colon].trim().is_empty() {
            continue;
        }
        let after = &rest[colon + 1..];
        let Some(q) = after.find('"') else { continue };
        if !after[..q].trim().is_empty() {
            continue;
        }
        let inner = &after[q + 1..];
        let Some(end) = inner.find('"') else { continue };
        if end == 0 {
            continue;
        }
        let start = k + key.len() + colon + 1 + q + 1;
        return Some((start, start + end));
    }
    None
}

fn check_files(cx: &mut Checker<'_>, files: &ImageFiles) {
    for e in files.entries.iter().filter(|e| e.is_file()) {
        if is_library_example(&e.path) {
            continue;
        }
        if let Some(kind) = credential_path(e) {
            let origin = files.origin(e);
            cx.report(
                &origin,
                format!(
                    "{}: {kind}, there for anyone who can pull the image",
                    at(files, e)
                ),
            );
            continue;
        }
        let Some(file) = files.text(&e.path) else {
            continue;
        };
        let text = cx.file_text(file);
        if let Some((kind, line, value)) = credential_line(e, text) {
            cx.report(
                &in_text(file, line),
                format!(
                    "{} holds {kind}, there for anyone who can pull the image",
                    at(files, e)
                ),
            )
            .redact = value;
        }
    }
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
        if let Some(files) = &image.files {
            check_files(cx, files);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::image::files::testkit::Img;

    #[test]
    fn image_files() {
        let img = Img::new()
            .file("/root/.ssh/id_rsa", 0o600, 1600)
            .file("/root/.ssh/id_rsa.pub", 0o644, 400)
            .file("/root/.bash_history", 0o600, 30)
            .file("/home/app/.bash_history", 0o600, 0)
            .file("/app/.env", 0o644, 30)
            .file("/app/.env.example", 0o644, 30)
            .file("/app/.env.production", 0o644, 30)
            .file("/root/.aws/credentials", 0o600, 30)
            .file("/app/node_modules/pkg/test/.env", 0o644, 30)
            .file("/usr/lib/python3.12/test/certdata/id_rsa", 0o644, 30)
            .text("/etc/ssl/private/ssl-cert-snakeoil.key", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n")
            .text("/etc/ssl/certs/ca.pem", "-----BEGIN CERTIFICATE-----\nMIIE\n")
            .text("/root/.npmrc", "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=npm_abcdefghijklmnop\n")
            .text("/home/app/.npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n")
            .text("/root/.pypirc", "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc\n")
            .text("/root/.docker/config.json", "{\n  \"auths\": {\n    \"https://index.docker.io/v1/\": {\n      \"auth\": \"dXNlcjpwYXNz\"\n    }\n  }\n}\n")
            .text("/home/app/.docker/config.json", "{\"auths\": {\"ghcr.io\": {}}, \"credsStore\": \"desktop\"}\n");
        let found = img.check(&CredentialFileCopied);
        let got: Vec<(String, &str)> = found
            .iter()
            .map(|f| (img.place(f), f.message.as_str()))
            .collect();
        let places: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            places,
            [
                "api:/app/.env",
                "api:/app/.env.production",
                "fixture.tar!/etc/ssl/private/ssl-cert-snakeoil.key:1",
                "api:/root/.aws/credentials",
                "api:/root/.bash_history",
                "fixture.tar!/root/.docker/config.json:4",
                "fixture.tar!/root/.npmrc:2",
                "fixture.tar!/root/.pypirc:3",
                "api:/root/.ssh/id_rsa",
            ]
        );
        assert_eq!(
            got[8].1,
            "`/root/.ssh/id_rsa` in layer 0 (sha256:abababababab): an SSH private key, there for anyone who can pull the image"
        );
        assert_eq!(
            got[6].1,
            "`/root/.npmrc` in layer 0 (sha256:abababababab) holds an npm registry token, there for anyone who can pull the image"
        );
        // Values are redacted.
        let redacted = |i: usize| {
            let f = &found[i];
            let (file, _) = f.origin.file_range().unwrap();
            f.redact
                .unwrap()
                .slice(&img.sources.get(file).unwrap().text)
                .to_string()
        };
        assert_eq!(redacted(5), "dXNlcjpwYXNz");
        assert_eq!(redacted(6), "npm_abcdefghijklmnop");
        assert_eq!(redacted(7), "pypi-AgEIcHlwaS5vcmc");
    }

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
