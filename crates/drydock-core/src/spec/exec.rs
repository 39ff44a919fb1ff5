//! `ExecSpec`: a command run inside an existing container (`docker exec`),
//! from a `docker exec` line in a file, an exec create request arriving at
//! the daemon (`POST /containers/{id}/exec`), or a live exec instance
//! (`GET /exec/{id}/json`). The same rules judge all three.

use crate::origin::{Origin, Sp};
use crate::spec::container::{EngineClient, UnknownPart};
use crate::spec::image::KeyValue;

/// Where an [`ExecSpec`] comes from. Rules judge every source alike; their
/// messages name the exec and its settings the way the source writes them
/// (`--privileged`, `Privileged`, `ProcessConfig.privileged`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ExecSource {
    /// A `docker exec` (`docker container exec`) command line in a script,
    /// Makefile, CI file or Markdown block.
    #[default]
    ExecLine,
    /// The body of an exec create request (`POST /containers/{id}/exec`):
    /// settings are named by the request's fields (`Privileged`, `User`).
    Request,
    /// An exec instance the daemon still knows (`GET /exec/{id}/json`):
    /// settings are named by its fields (`ProcessConfig.privileged`).
    Instance,
}

/// The user an exec's command runs as, as far as the spec knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecUser<'a> {
    /// The exec names a user (`--user`, `User`, `ProcessConfig.user`).
    Explicit(&'a Sp<String>),
    /// The exec names none, so it runs as the container's own user
    /// (`Config.User`, itself the image's `USER` unless `--user` overrode
    /// it), which the spec knows (a live instance, resolved). The value may
    /// be empty: root.
    Container(&'a Sp<String>),
    /// The exec names none and the container's user is not known (a line,
    /// a request): root unless the container or its image names another.
    Unknown,
    /// Whether the exec names a user cannot be read (`-u "$U"`, or a word
    /// that may be options, such as `$DOCKER_OPTS`).
    Unreadable,
}

/// A command run in an existing container.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ExecSpec {
    /// The exec as a whole: `docker … exec` of a line, the request body
    /// (`Api("")`) or the instance (`Api("ID")`).
    pub origin: Origin,
    pub source: ExecSource,
    /// The exec instance's ID (live instances only).
    pub id: Option<String>,
    /// The container it runs in, as written (a line's operand, the
    /// request's `{id}` path segment), or the container's name for a live
    /// instance; `None` when it cannot be read (`docker exec "$C" …`).
    pub container: Option<Sp<String>>,
    /// `--privileged`, `Privileged`, `ProcessConfig.privileged`.
    pub privileged: Option<Sp<bool>>,
    /// `--user`/`-u`, `User`, `ProcessConfig.user`; an empty value is the
    /// same as none.
    pub user: Option<Sp<String>>,
    /// The container's own user (`Config.User`), when the source knows it
    /// (a live instance, with its container read): what an exec without a
    /// user runs as.
    pub container_user: Option<Sp<String>>,
    /// The command and its arguments (empty when unknown).
    pub command: Vec<Sp<String>>,
    /// `--env`/`-e`, `Env`.
    pub env: Vec<KeyValue>,
    /// `--env-file` (lines only).
    pub env_files: Vec<Sp<String>>,
    /// `--workdir`/`-w`, `WorkingDir`.
    pub workdir: Option<Sp<String>>,
    /// `--detach`/`-d` (lines only: the API decides it at start).
    pub detach: Option<Sp<bool>>,
    /// `--tty`/`-t`, `Tty`, `ProcessConfig.tty`.
    pub tty: Option<Sp<bool>>,
    /// `--interactive`/`-i`, `AttachStdin`, `OpenStdin`.
    pub interactive: Option<Sp<bool>>,
    /// Whether the command is still running (live instances only).
    pub running: Option<bool>,
    /// The engine a line's client talks to (`-H`, `DOCKER_HOST=`).
    pub engine: Option<EngineClient>,
    /// Parts of a line that could not be read statically; their fields are
    /// left unset rather than guessed.
    pub unknown: Vec<UnknownPart>,
}

impl ExecSpec {
    pub fn is_privileged(&self) -> bool {
        self.privileged.as_ref().is_some_and(|p| p.value)
    }

    /// Whether a part the line could not read may set `--user` unseen.
    pub fn user_unreadable(&self) -> bool {
        self.unknown.iter().any(|u| {
            (u.option.is_none() && u.hides_absence)
                || matches!(u.option.as_deref(), Some("--user" | "-u"))
        })
    }

    /// The user the command runs as, as far as it is known.
    pub fn effective_user(&self) -> ExecUser<'_> {
        match &self.user {
            Some(u) if !u.value.trim().is_empty() => ExecUser::Explicit(u),
            _ if self.user_unreadable() => ExecUser::Unreadable,
            _ => match &self.container_user {
                Some(c) => ExecUser::Container(c),
                None => ExecUser::Unknown,
            },
        }
    }

    /// The container's name for a message: as written, else `?`.
    pub fn container_name(&self) -> &str {
        self.container.as_ref().map_or("?", |c| c.value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(s: &str) -> Sp<String> {
        Sp::new(s.to_string(), Origin::api("User"))
    }

    #[test]
    fn effective_user() {
        let mut e = ExecSpec::default();
        assert_eq!(e.effective_user(), ExecUser::Unknown);
        e.user = Some(sp(""));
        assert_eq!(e.effective_user(), ExecUser::Unknown);
        let cu = sp("app");
        e.container_user = Some(cu.clone());
        assert_eq!(e.effective_user(), ExecUser::Container(&cu));
        let u = sp("root");
        e.user = Some(u.clone());
        assert_eq!(e.effective_user(), ExecUser::Explicit(&u));
        let mut line = ExecSpec::default();
        line.unknown.push(UnknownPart {
            origin: Origin::Implicit,
            option: None,
            hides_absence: true,
        });
        assert_eq!(line.effective_user(), ExecUser::Unreadable);
    }
}
