//! Read-only access to a host tree below a root path. Host paths are
//! absolute (`/etc/docker`); they are resolved inside the root, following
//! symlinks the way the kernel would if the root were `/` (an absolute
//! link target restarts at the root, `..` never leaves it).

use std::ffi::OsString;
use std::fs::{self, Metadata};
use std::io;
use std::path::{Component, Path, PathBuf};

/// Maximum number of symlinks followed while resolving one path (Linux: 40).
const MAX_SYMLINKS: u32 = 40;

#[derive(Debug, Clone)]
pub struct HostFs {
    root: PathBuf,
}

/// A path resolved inside the root.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The canonical host path (absolute, symlinks resolved, no root prefix).
    pub host: PathBuf,
    /// The metadata of the final object (not a symlink).
    pub metadata: Metadata,
    /// Whether a symlink was followed on the way.
    pub via_symlink: bool,
}

/// Is this error "the object does not exist" (rather than "cannot tell")?
pub fn is_not_found(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
    )
}

impl HostFs {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        HostFs { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Is the root the real `/`?
    pub fn is_real_root(&self) -> bool {
        self.root == Path::new("/")
    }

    /// The real path of a canonical host path (root prefix added).
    pub fn real(&self, host: &Path) -> PathBuf {
        let rel = host.strip_prefix("/").unwrap_or(host);
        if rel.as_os_str().is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        }
    }

    /// Resolve a host path inside the root, following every symlink.
    pub fn resolve(&self, host: &Path) -> io::Result<Resolved> {
        self.resolve_inner(host, true)
    }

    /// Resolve the directories of a host path but not its last component
    /// (`lstat` semantics; how the kernel looks up an audit watch).
    pub fn resolve_parent(&self, host: &Path) -> io::Result<Resolved> {
        self.resolve_inner(host, false)
    }

    fn resolve_inner(&self, host: &Path, follow_last: bool) -> io::Result<Resolved> {
        let mut pending: Vec<OsString> = Vec::new();
        push_components(&mut pending, host);
        let mut current = PathBuf::from("/");
        let mut hops = 0;
        let mut via_symlink = false;
        loop {
            let Some(name) = pending.pop() else {
                let metadata = fs::symlink_metadata(self.real(&current))?;
                return Ok(Resolved {
                    host: current,
                    metadata,
                    via_symlink,
                });
            };
            if name == ".." {
                current.pop();
                continue;
            }
            let candidate = current.join(&name);
            let meta = fs::symlink_metadata(self.real(&candidate))?;
            if meta.file_type().is_symlink() && (follow_last || !pending.is_empty()) {
                hops += 1;
                if hops > MAX_SYMLINKS {
                    return Err(io::Error::other(format!(
                        "too many levels of symbolic links resolving {}",
                        host.display()
                    )));
                }
                via_symlink = true;
                let target = fs::read_link(self.real(&candidate))?;
                if target.is_absolute() {
                    current = PathBuf::from("/");
                }
                push_components(&mut pending, &target);
            } else {
                current = candidate;
            }
        }
    }

    /// Read a whole file given by host path.
    pub fn read_to_string(&self, host: &Path) -> io::Result<String> {
        let resolved = self.resolve(host)?;
        fs::read_to_string(self.real(&resolved.host))
    }

    /// The entries of a directory (host paths), sorted by name.
    pub fn read_dir(&self, host: &Path) -> io::Result<Vec<PathBuf>> {
        let resolved = self.resolve(host)?;
        let mut out = Vec::new();
        for entry in fs::read_dir(self.real(&resolved.host))? {
            out.push(resolved.host.join(entry?.file_name()));
        }
        out.sort();
        Ok(out)
    }
}

/// Push the components of `path` onto a stack so that popping yields them
/// in order (the stack's top is the next component).
fn push_components(stack: &mut Vec<OsString>, path: &Path) {
    let comps: Vec<OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => None,
        })
        .collect();
    stack.extend(comps.into_iter().rev());
}

/// A group from `/etc/group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
    pub line: u32,
}

/// A user from `/etc/passwd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

/// Parse `/etc/group`. Malformed lines and NIS `+`/`-` entries are skipped.
pub fn parse_group(text: &str) -> Vec<Group> {
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            if line.starts_with('#') || line.starts_with('+') || line.starts_with('-') {
                return None;
            }
            let mut f = line.split(':');
            let name = f.next()?.trim();
            let _password = f.next()?;
            let gid = f.next()?.trim().parse().ok()?;
            let members = f
                .next()
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_owned)
                .collect();
            if name.is_empty() {
                return None;
            }
            Some(Group {
                name: name.to_owned(),
                gid,
                members,
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
            })
        })
        .collect()
}

/// Parse `/etc/passwd`. Malformed lines and NIS entries are skipped.
pub fn parse_passwd(text: &str) -> Vec<User> {
    text.lines()
        .filter_map(|line| {
            if line.starts_with('#') || line.starts_with('+') || line.starts_with('-') {
                return None;
            }
            let mut f = line.split(':');
            let name = f.next()?.trim();
            let _password = f.next()?;
            let uid = f.next()?.trim().parse().ok()?;
            let gid = f.next()?.trim().parse().ok()?;
            if name.is_empty() {
                return None;
            }
            Some(User {
                name: name.to_owned(),
                uid,
                gid,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_and_passwd() {
        let g = parse_group("root:x:0:\n# c\ndocker:x:999:alice, bob\nbad\n");
        assert_eq!(g.len(), 2);
        assert_eq!(g[1].members, vec!["alice", "bob"]);
        assert_eq!(g[1].line, 3);
        let u = parse_passwd(
            "root:x:0:0:root:/root:/bin/bash\ncarol:x:1001:999::/home/carol:/bin/sh\n",
        );
        assert_eq!(u[1].gid, 999);
    }

    #[test]
    fn resolves_symlinks_inside_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        fs::create_dir_all(root.join("run")).expect("mkdir");
        fs::create_dir_all(root.join("var")).expect("mkdir");
        std::os::unix::fs::symlink("/run", root.join("var/run")).expect("symlink");
        fs::write(root.join("run/x.sock"), "").expect("write");
        let fs_ = HostFs::new(root);
        let r = fs_.resolve(Path::new("/var/run/x.sock")).expect("resolve");
        assert_eq!(r.host, PathBuf::from("/run/x.sock"));
        assert!(r.via_symlink);
        // `..` cannot escape the root.
        std::os::unix::fs::symlink("../../../../run", root.join("var/up")).expect("symlink");
        let r = fs_.resolve(Path::new("/var/up/x.sock")).expect("resolve");
        assert_eq!(r.host, PathBuf::from("/run/x.sock"));
        // Loops end with an error.
        std::os::unix::fs::symlink("/loop", root.join("loop")).expect("symlink");
        assert!(fs_.resolve(Path::new("/loop")).is_err());
        assert!(is_not_found(
            &fs_.resolve(Path::new("/nope/x")).expect_err("missing")
        ));
    }
}
