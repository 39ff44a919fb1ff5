//! The final filesystem view: layers applied in order with whiteouts.

use std::collections::{BTreeMap, VecDeque};

use crate::layer::Op;
use crate::{EntryKind, EntryMeta, FinalEntry, Problem, ProblemKind};

/// The final filesystem of the image: normalised absolute path → entry.
/// Paths are UTF-8 (non-UTF-8 bytes replaced); the root `/` is implicit.
#[derive(Debug, Clone, Default)]
pub struct FsView {
    entries: BTreeMap<String, FinalEntry>,
    max_hops: u32,
}

/// Range of the strict descendants of `dir` in a sorted map ("/a/" .. "/a0").
fn descendants(dir: &str) -> (String, String) {
    if dir == "/" {
        ("/".to_string(), "0".to_string())
    } else {
        (format!("{dir}/"), format!("{dir}0"))
    }
}

impl FsView {
    pub(crate) fn new(max_hops: u32) -> FsView {
        FsView {
            entries: BTreeMap::new(),
            max_hops,
        }
    }

    /// Number of entries (the root not counted).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry at exactly this path (no symlink resolution).
    pub fn get(&self, path: &str) -> Option<&FinalEntry> {
        self.entries.get(path)
    }

    /// All entries in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &FinalEntry)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// All entries in path order, by value: the map is freed as it is
    /// walked, so converting the view costs no second copy of it.
    pub fn into_entries(self) -> impl Iterator<Item = (String, FinalEntry)> {
        self.entries.into_iter()
    }

    /// The entries strictly under a directory, in path order.
    pub fn children_of<'a>(
        &'a self,
        dir: &str,
    ) -> impl Iterator<Item = (&'a str, &'a FinalEntry)> + 'a {
        let (lo, hi) = descendants(dir);
        self.entries.range(lo..hi).map(|(k, v)| (k.as_str(), v))
    }

    fn remove_tree(&mut self, path: &str, include_self: bool) {
        if include_self {
            self.entries.remove(path);
        }
        let (lo, hi) = descendants(path);
        let doomed: Vec<String> = self.entries.range(lo..hi).map(|(k, _)| k.clone()).collect();
        for k in doomed {
            self.entries.remove(&k);
        }
    }

    pub(crate) fn insert_plain(&mut self, path: String, entry: FinalEntry) {
        self.entries.insert(path, entry);
    }

    /// Applies one layer: its whiteouts and opaque markers delete from the
    /// lower layers only (OCI image spec), then its entries are added in tar
    /// order (a later duplicate wins; a non-directory replaces a directory
    /// and everything under it).
    pub(crate) fn apply(
        &mut self,
        layer: usize,
        ops: Vec<Op>,
        problems: &mut Vec<Problem>,
        source: &str,
    ) {
        for op in &ops {
            match op {
                Op::Whiteout(p) => self.remove_tree(p, true),
                Op::Opaque(d) => self.remove_tree(d, false),
                Op::Entry(..) => {}
            }
        }
        for op in ops {
            let Op::Entry(path, meta) = op else { continue };
            self.ensure_parent_dirs(&path, layer, problems, source);
            let replaces_dir =
                matches!(self.entries.get(&path), Some(e) if e.meta.kind == EntryKind::Dir);
            if replaces_dir && meta.kind != EntryKind::Dir {
                self.remove_tree(&path, false);
            }
            self.entries.insert(path, FinalEntry { meta, layer });
        }
    }

    /// An entry below a path that a lower layer (or this one) made a
    /// non-directory: the non-directory is replaced by a directory, noted.
    fn ensure_parent_dirs(
        &mut self,
        path: &str,
        layer: usize,
        problems: &mut Vec<Problem>,
        source: &str,
    ) {
        let mut idx = 1;
        while let Some(pos) = path[idx..].find('/') {
            let ancestor = &path[..idx + pos];
            if let Some(e) = self.entries.get(ancestor)
                && e.meta.kind != EntryKind::Dir
            {
                let mut p = Problem::new(
                    ProblemKind::Note,
                    format!("{ancestor} is not a directory but {path} is under it; treated as a directory"),
                )
                .entry(source)
                .path(path);
                p.layer = Some(layer);
                problems.push(p);
                let meta = EntryMeta {
                    kind: EntryKind::Dir,
                    mode: 0o040755,
                    uid: 0,
                    gid: 0,
                    size: 0,
                    mtime: e.meta.mtime,
                };
                self.entries
                    .insert(ancestor.to_string(), FinalEntry { meta, layer });
            }
            idx += pos + 1;
        }
    }

    /// Resolves symlinks (in every component, relative or absolute, always
    /// inside the image: `..` at the root stays at the root) with at most
    /// `max_symlink_hops` hops, and hard links to their target. Returns the
    /// resolved path, or None on a loop or too many hops.
    pub fn resolve_path(&self, path: &str) -> Option<String> {
        let mut hops = 0u32;
        let mut pending: VecDeque<String> = path.split('/').map(str::to_string).collect();
        let mut cur: Vec<String> = Vec::new();
        while let Some(c) = pending.pop_front() {
            match c.as_str() {
                "" | "." => continue,
                ".." => {
                    cur.pop();
                    continue;
                }
                _ => {}
            }
            cur.push(c);
            let joined = format!("/{}", cur.join("/"));
            if let Some(FinalEntry {
                meta:
                    EntryMeta {
                        kind: EntryKind::Symlink(target),
                        ..
                    },
                ..
            }) = self.entries.get(&joined)
            {
                hops += 1;
                if hops > self.max_hops {
                    return None;
                }
                cur.pop();
                if target.starts_with('/') {
                    cur.clear();
                }
                for part in target.split('/').rev() {
                    pending.push_front(part.to_string());
                }
            }
        }
        Some(format!("/{}", cur.join("/")))
    }

    /// The entry a path designates after following symlinks and hard links
    /// inside the image (see [`FsView::resolve_path`]); None if missing, a
    /// loop, or too many hops.
    pub fn resolve(&self, path: &str) -> Option<&FinalEntry> {
        let mut p = self.resolve_path(path)?;
        for _ in 0..=self.max_hops {
            let e = self.entries.get(&p)?;
            match &e.meta.kind {
                EntryKind::Hardlink(t) => p = t.clone(),
                _ => return Some(e),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(kind: EntryKind) -> EntryMeta {
        EntryMeta {
            kind,
            mode: 0,
            uid: 0,
            gid: 0,
            size: 0,
            mtime: 0,
        }
    }

    fn view(entries: &[(&str, EntryKind)]) -> FsView {
        let mut v = FsView::new(40);
        let ops: Vec<Op> = entries
            .iter()
            .map(|(p, k)| Op::Entry(p.to_string(), meta(k.clone())))
            .collect();
        v.apply(0, ops, &mut Vec::new(), "layer");
        v
    }

    #[test]
    fn resolves_relative_and_absolute_links_in_the_middle() {
        let v = view(&[
            ("/usr", EntryKind::Dir),
            ("/usr/lib", EntryKind::Dir),
            ("/usr/lib/os-release", EntryKind::File),
            ("/etc", EntryKind::Dir),
            (
                "/etc/os-release",
                EntryKind::Symlink("../usr/lib/os-release".into()),
            ),
            ("/lib", EntryKind::Symlink("usr/lib".into())),
            ("/abs", EntryKind::Symlink("/lib/".into())),
        ]);
        assert_eq!(
            v.resolve_path("/etc/os-release").as_deref(),
            Some("/usr/lib/os-release")
        );
        assert_eq!(
            v.resolve_path("/lib/os-release").as_deref(),
            Some("/usr/lib/os-release")
        );
        assert_eq!(v.resolve_path("/abs/../etc").as_deref(), Some("/usr/etc"));
        assert_eq!(
            v.resolve_path("/../../lib/./os-release").as_deref(),
            Some("/usr/lib/os-release")
        );
        assert_eq!(
            v.resolve("/abs/os-release").map(|e| &e.meta.kind),
            Some(&EntryKind::File)
        );
        assert!(v.resolve("/lib/missing").is_none());
        assert_eq!(v.resolve_path("/").as_deref(), Some("/"));
    }

    #[test]
    fn hardlink_chains_and_loops_end() {
        let v = view(&[
            ("/a", EntryKind::File),
            ("/b", EntryKind::Hardlink("/a".into())),
            ("/x", EntryKind::Hardlink("/y".into())),
            ("/y", EntryKind::Hardlink("/x".into())),
        ]);
        assert_eq!(
            v.resolve("/b").map(|e| &e.meta.kind),
            Some(&EntryKind::File)
        );
        assert!(v.resolve("/x").is_none());
    }

    #[test]
    fn whiteouts_apply_to_lower_layers_only() {
        let mut v = view(&[
            ("/d", EntryKind::Dir),
            ("/d/a", EntryKind::File),
            ("/d0", EntryKind::File),
        ]);
        let ops = vec![
            Op::Entry("/d/new".into(), meta(EntryKind::File)),
            Op::Opaque("/d".into()),
            Op::Whiteout("/d0".into()),
        ];
        v.apply(1, ops, &mut Vec::new(), "layer");
        let names: Vec<&str> = v.iter().map(|(p, _)| p).collect();
        assert_eq!(names, vec!["/d", "/d/new"]);
        // An opaque root clears everything below.
        v.apply(
            2,
            vec![
                Op::Opaque("/".into()),
                Op::Entry("/z".into(), meta(EntryKind::File)),
            ],
            &mut Vec::new(),
            "l",
        );
        assert_eq!(v.iter().map(|(p, _)| p).collect::<Vec<_>>(), vec!["/z"]);
        assert_eq!(v.children_of("/").count(), 1);
    }
}
