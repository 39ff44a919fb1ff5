//! A root filesystem directory read as one layer (index 0), walked without
//! following symlinks.

use std::fs;
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::fsview::FsView;
use crate::path::join;
use crate::{
    EntryKind, EntryMeta, FinalEntry, Format, ImageError, ImageScan, LayerInfo, ManifestInfo,
    Options, Problem, ProblemKind, Visitor,
};

/// A visited file: its path and its facts, or why it was not examined.
type Visited<F> = (String, Result<Vec<F>, Problem>);

pub(crate) fn read_rootfs<V: Visitor>(
    dir: &Path,
    opts: &Options,
    visitor: &V,
) -> Result<ImageScan<V::Fact>, ImageError> {
    let shown = dir.display().to_string();
    let meta = fs::symlink_metadata(dir).map_err(|e| ImageError::Io {
        path: shown.clone(),
        source: e,
    })?;
    if !meta.is_dir() {
        return Err(ImageError::NotAnImage(shown));
    }
    let mut view = FsView::new(opts.max_symlink_hops);
    let mut problems = Vec::new();
    let mut to_visit: Vec<(String, PathBuf, EntryMeta, u64)> = Vec::new();
    let mut stack: Vec<(String, PathBuf)> = vec![("/".to_string(), dir.to_path_buf())];
    let mut count = 0u64;
    'walk: while let Some((vdir, pdir)) = stack.pop() {
        let rd = match fs::read_dir(&pdir) {
            Ok(rd) => rd,
            Err(e) => {
                problems.push(
                    Problem::new(ProblemKind::Corrupt, format!("cannot list directory: {e}"))
                        .path(&vdir),
                );
                continue;
            }
        };
        for item in rd {
            let item = match item {
                Ok(i) => i,
                Err(e) => {
                    problems.push(
                        Problem::new(ProblemKind::Corrupt, format!("cannot list directory: {e}"))
                            .path(&vdir),
                    );
                    break;
                }
            };
            count += 1;
            if count > opts.max_entries {
                problems.push(Problem::new(
                    ProblemKind::Limit,
                    format!(
                        "more than {} entries (limit max_entries); stopped",
                        opts.max_entries
                    ),
                ));
                break 'walk;
            }
            let name = item.file_name().to_string_lossy().into_owned();
            let vpath = join(&vdir, &name);
            if vpath.len() > opts.max_path_len {
                problems.push(
                    Problem::new(
                        ProblemKind::PathTooLong,
                        format!(
                            "path longer than {} bytes (limit max_path_len); skipped",
                            opts.max_path_len
                        ),
                    )
                    .path(&vpath),
                );
                continue;
            }
            let ppath = item.path();
            let m = match fs::symlink_metadata(&ppath) {
                Ok(m) => m,
                Err(e) => {
                    problems.push(
                        Problem::new(ProblemKind::Corrupt, format!("cannot stat: {e}"))
                            .path(&vpath),
                    );
                    continue;
                }
            };
            let ft = m.file_type();
            let kind = if ft.is_file() {
                EntryKind::File
            } else if ft.is_dir() {
                EntryKind::Dir
            } else if ft.is_symlink() {
                match fs::read_link(&ppath) {
                    Ok(t) => EntryKind::Symlink(t.to_string_lossy().into_owned()),
                    Err(e) => {
                        problems.push(
                            Problem::new(ProblemKind::Corrupt, format!("cannot read link: {e}"))
                                .path(&vpath),
                        );
                        continue;
                    }
                }
            } else if ft.is_char_device() {
                EntryKind::Char
            } else if ft.is_block_device() {
                EntryKind::Block
            } else if ft.is_fifo() {
                EntryKind::Fifo
            } else {
                continue; // sockets: not part of an image
            };
            let meta = EntryMeta {
                kind,
                mode: m.mode(),
                uid: u64::from(m.uid()),
                gid: u64::from(m.gid()),
                size: if ft.is_file() { m.len() } else { 0 },
                mtime: u64::try_from(m.mtime()).unwrap_or(0),
            };
            if ft.is_dir() {
                stack.push((vpath.clone(), ppath));
            } else if ft.is_file()
                && let Some(cap) = visitor.wants(&vpath, &meta)
            {
                to_visit.push((
                    vpath.clone(),
                    ppath,
                    meta.clone(),
                    cap.min(opts.max_file_bytes),
                ));
            }
            view.insert_plain(vpath, FinalEntry { meta, layer: 0 });
        }
    }
    let visited: Vec<Visited<V::Fact>> = to_visit
        .into_par_iter()
        .map(|(vpath, ppath, meta, cap)| {
            let r = visit_file(&vpath, &ppath, &meta, cap, visitor);
            (vpath, r)
        })
        .collect();
    let mut facts = Vec::new();
    for (vpath, r) in visited {
        match r {
            Ok(fs) => facts.extend(fs.into_iter().map(|f| (vpath.clone(), 0, f))),
            Err(p) => problems.push(p),
        }
    }
    facts.sort_by(|a, b| a.0.cmp(&b.0));
    let layer = LayerInfo {
        source: shown,
        media_type: None,
        digest: None,
        size: None,
        diff_id: None,
        computed_diff_id: None,
        computed_digest: None,
        compression: None,
        compressed_bytes: 0,
        uncompressed_bytes: 0,
        entries: count,
        complete: true,
    };
    Ok(ImageScan {
        format: Format::RootFs,
        manifest: ManifestInfo::default(),
        config: None,
        config_raw: None,
        layers: vec![layer],
        fs: view,
        facts,
        problems,
    })
}

fn visit_file<V: Visitor>(
    vpath: &str,
    ppath: &Path,
    meta: &EntryMeta,
    cap: u64,
    visitor: &V,
) -> Result<Vec<V::Fact>, Problem> {
    if meta.size > cap {
        return Err(Problem::new(
            ProblemKind::FileTooLarge,
            format!(
                "file of {} bytes is larger than the {cap} bytes asked for; not examined",
                meta.size
            ),
        )
        .path(vpath));
    }
    let f = fs::File::open(ppath)
        .map_err(|e| Problem::new(ProblemKind::Corrupt, format!("cannot open: {e}")).path(vpath))?;
    // The file may have grown since lstat: never read more than the cap.
    let mut data = Vec::with_capacity(usize::try_from(meta.size).unwrap_or(0));
    f.take(cap)
        .read_to_end(&mut data)
        .map_err(|e| Problem::new(ProblemKind::Corrupt, format!("cannot read: {e}")).path(vpath))?;
    Ok(visitor.visit(vpath, meta, &data))
}
