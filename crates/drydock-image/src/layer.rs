//! One layer: sniff the compression, decompress under limits, hash, walk the
//! tar, call the visitor.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use ring::digest::{Context, SHA256};

use crate::path::{normalize, split};
use crate::{Compression, EntryKind, EntryMeta, Options, Problem, ProblemKind, Visitor};

const BUF: usize = 256 << 10;

/// What a layer contains, in tar order.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Entry(String, EntryMeta),
    /// `.wh.<name>`: the path (and what is under it) of lower layers is deleted.
    Whiteout(String),
    /// `.wh..wh..opq`: the directory's children of lower layers are deleted.
    Opaque(String),
}

/// The result of reading one layer blob.
pub(crate) struct LayerResult<F> {
    pub ops: Vec<Op>,
    pub facts: HashMap<String, Vec<F>>,
    pub compression: Option<Compression>,
    /// `sha256:…` of the uncompressed stream, if read to the end.
    pub diff_id: Option<String>,
    /// `sha256:…` of the blob as stored, if read to the end.
    pub digest: Option<String>,
    pub compressed_bytes: u64,
    pub uncompressed_bytes: u64,
    pub entries: u64,
    pub complete: bool,
    /// Problems with `entry` set to the blob name, `layer` not yet known.
    pub problems: Vec<Problem>,
}

impl<F> LayerResult<F> {
    /// A layer that could not be opened at all.
    pub(crate) fn failed(problem: Problem) -> LayerResult<F> {
        let mut r = LayerResult::empty();
        r.problems.push(problem);
        r
    }

    fn empty() -> LayerResult<F> {
        LayerResult {
            ops: Vec::new(),
            facts: HashMap::new(),
            compression: None,
            diff_id: None,
            digest: None,
            compressed_bytes: 0,
            uncompressed_bytes: 0,
            entries: 0,
            complete: false,
            problems: Vec::new(),
        }
    }
}

/// Shared counters of one image read.
pub(crate) struct Budget {
    pub total_bytes: AtomicU64,
    pub total_entries: AtomicU64,
}

impl Budget {
    pub(crate) fn new() -> Budget {
        Budget {
            total_bytes: AtomicU64::new(0),
            total_entries: AtomicU64::new(0),
        }
    }
}

fn hex_digest(ctx: Context) -> String {
    let d = ctx.finish();
    let mut s = String::with_capacity(71);
    s.push_str("sha256:");
    for b in d.as_ref() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Counts (and hashes) the bytes of the blob as stored.
struct Raw<R> {
    inner: R,
    count: Rc<Cell<u64>>,
    hash: Option<Context>,
    progress: Option<crate::Progress>,
}

impl<R: Read> Read for Raw<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        if let Some(p) = &self.progress {
            (p.0)(n as u64);
        }
        if let Some(h) = &mut self.hash {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

enum Decoder<R: BufRead> {
    Plain(R),
    Gzip(Box<flate2::bufread::MultiGzDecoder<R>>),
    Zstd(Box<zstd::stream::read::Decoder<'static, R>>),
}

impl<R: BufRead> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Plain(r) => r.read(buf),
            Decoder::Gzip(r) => r.read(buf),
            Decoder::Zstd(r) => r.read(buf),
        }
    }
}

impl<R: BufRead> Decoder<R> {
    fn into_inner(self) -> R {
        match self {
            Decoder::Plain(r) => r,
            Decoder::Gzip(r) => r.into_inner(),
            Decoder::Zstd(r) => r.finish(),
        }
    }
}

/// Hashes on a helper thread, so that hashing (the most expensive step:
/// sha256 runs at ~1.2 GB/s) overlaps decompression and tar parsing. Bytes
/// go over in chunks; emptied chunks come back for reuse.
struct HashPipe<'scope> {
    pending: Vec<u8>,
    tx: Option<SyncSender<Vec<u8>>>,
    spare: Option<Receiver<Vec<u8>>>,
    handle: Option<std::thread::ScopedJoinHandle<'scope, Context>>,
    /// Without a thread (`Options::parallel` false): hash in place.
    inline: Option<Context>,
}

const CHUNK: usize = 1 << 20;

impl<'scope> HashPipe<'scope> {
    fn inline() -> HashPipe<'scope> {
        HashPipe {
            pending: Vec::new(),
            tx: None,
            spare: None,
            handle: None,
            inline: Some(Context::new(&SHA256)),
        }
    }

    fn start<'env>(scope: &'scope std::thread::Scope<'scope, 'env>) -> HashPipe<'scope> {
        let (tx, rx) = sync_channel::<Vec<u8>>(4);
        let (spare_tx, spare) = sync_channel::<Vec<u8>>(4);
        let spawned = std::thread::Builder::new()
            .name("layer-sha256".into())
            .spawn_scoped(scope, move || {
                let mut ctx = Context::new(&SHA256);
                for mut chunk in rx {
                    ctx.update(&chunk);
                    chunk.clear();
                    let _ = spare_tx.try_send(chunk);
                }
                ctx
            });
        // No thread to be had (resource limits): hash in place rather than fail.
        let Ok(handle) = spawned else {
            return HashPipe::inline();
        };
        HashPipe {
            pending: Vec::with_capacity(CHUNK + BUF),
            tx: Some(tx),
            spare: Some(spare),
            handle: Some(handle),
            inline: None,
        }
    }

    fn update(&mut self, data: &[u8]) {
        if let Some(ctx) = &mut self.inline {
            ctx.update(data);
            return;
        }
        self.pending.extend_from_slice(data);
        if self.pending.len() >= CHUNK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let next = self
            .spare
            .as_ref()
            .and_then(|s| s.try_recv().ok())
            .unwrap_or_else(|| Vec::with_capacity(CHUNK + BUF));
        let full = std::mem::replace(&mut self.pending, next);
        if let Some(tx) = &self.tx
            && tx.send(full).is_err()
        {
            self.tx = None;
        }
    }

    /// The digest of everything sent; None if the hashing thread failed.
    fn finish(mut self) -> Option<String> {
        if let Some(ctx) = self.inline.take() {
            return Some(hex_digest(ctx));
        }
        self.flush();
        drop(self.tx.take());
        self.handle.take()?.join().ok().map(hex_digest)
    }
}

/// Counts, hashes and limits the uncompressed stream.
struct Limited<'a, 'scope, R> {
    inner: R,
    count: u64,
    hash: HashPipe<'scope>,
    compressed: Rc<Cell<u64>>,
    opts: &'a Options,
    budget: &'a Budget,
    violation: Option<String>,
}

impl<R: Read> Read for Limited<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(v) = &self.violation {
            return Err(io::Error::other(v.clone()));
        }
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        self.hash.update(&buf[..n]);
        let total = self
            .budget
            .total_bytes
            .fetch_add(n as u64, Ordering::Relaxed)
            + n as u64;
        let o = self.opts;
        let compressed = self.compressed.get().max(1);
        let violation = if self.count > o.max_layer_bytes {
            Some(format!(
                "layer decompresses to more than {} bytes (limit max_layer_bytes); stopped",
                o.max_layer_bytes
            ))
        } else if total > o.max_total_bytes {
            Some(format!(
                "the image decompresses to more than {} bytes (limit max_total_bytes); stopped",
                o.max_total_bytes
            ))
        } else if self.count > o.ratio_grace_bytes && self.count / compressed > o.max_ratio {
            Some(format!(
                "compression ratio above {}:1 ({} bytes out of {} compressed; limit max_ratio): a decompression bomb? stopped",
                o.max_ratio, self.count, compressed
            ))
        } else {
            None
        };
        if let Some(v) = violation {
            self.violation = Some(v.clone());
            return Err(io::Error::other(v));
        }
        Ok(n)
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

const TYPE_FILE: u32 = 0o100000;
const TYPE_DIR: u32 = 0o040000;
const TYPE_LINK: u32 = 0o120000;
const TYPE_CHAR: u32 = 0o020000;
const TYPE_BLOCK: u32 = 0o060000;
const TYPE_FIFO: u32 = 0o010000;

/// Reads one layer blob from `raw` (any compression), never failing: what
/// could not be read is in `problems`, and `complete` is false. The blob as
/// stored is hashed only if `blob_digest` (an expected digest exists: the
/// blob is compressed and the manifest names it by digest); the
/// uncompressed stream always is (for `rootfs.diff_ids`).
pub(crate) fn process_layer<V: Visitor>(
    raw: impl Read,
    name: &str,
    blob_digest: bool,
    opts: &Options,
    budget: &Budget,
    visitor: &V,
) -> LayerResult<V::Fact> {
    if !opts.parallel {
        return process_with(
            raw,
            name,
            blob_digest,
            opts,
            budget,
            visitor,
            HashPipe::inline(),
        );
    }
    std::thread::scope(|scope| {
        let pipe = HashPipe::start(scope);
        process_with(raw, name, blob_digest, opts, budget, visitor, pipe)
    })
}

fn process_with<V: Visitor>(
    raw: impl Read,
    name: &str,
    blob_digest: bool,
    opts: &Options,
    budget: &Budget,
    visitor: &V,
    pipe: HashPipe<'_>,
) -> LayerResult<V::Fact> {
    let compressed = Rc::new(Cell::new(0u64));
    let mut res = LayerResult::empty();
    let raw = Raw {
        inner: raw,
        count: compressed.clone(),
        hash: blob_digest.then(|| Context::new(&SHA256)),
        progress: opts.progress.clone(),
    };
    let mut buffered = BufReader::with_capacity(BUF, raw);
    let head = match buffered.fill_buf() {
        Ok(h) => h,
        Err(e) => {
            res.problems.push(
                Problem::new(ProblemKind::Corrupt, format!("cannot read the layer: {e}"))
                    .entry(name),
            );
            return res;
        }
    };
    let (compression, decoder) = if head.starts_with(&[0x1f, 0x8b]) {
        (
            Compression::Gzip,
            Decoder::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(buffered))),
        )
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        match zstd::stream::read::Decoder::with_buffer(buffered) {
            Ok(d) => (Compression::Zstd, Decoder::Zstd(Box::new(d))),
            Err(e) => {
                res.problems.push(
                    Problem::new(
                        ProblemKind::Corrupt,
                        format!("cannot start zstd decoding: {e}"),
                    )
                    .entry(name),
                );
                return res;
            }
        }
    } else {
        (Compression::None, Decoder::Plain(buffered))
    };
    res.compression = Some(compression);
    let limited = Limited {
        inner: decoder,
        count: 0,
        hash: pipe,
        compressed: compressed.clone(),
        opts,
        budget,
        violation: None,
    };
    let mut archive = tar::Archive::new(BufReader::with_capacity(BUF, limited));
    let mut failure: Option<Problem> = None;
    match archive.entries() {
        Ok(entries) => {
            for item in entries {
                let mut entry = match item {
                    Ok(e) => e,
                    Err(e) => {
                        failure = Some(
                            Problem::new(
                                ProblemKind::Corrupt,
                                format!("layer tar is corrupt or truncated: {}", error_chain(&e)),
                            )
                            .entry(name),
                        );
                        break;
                    }
                };
                res.entries += 1;
                let total = budget.total_entries.fetch_add(1, Ordering::Relaxed) + 1;
                if total > opts.max_entries {
                    failure = Some(
                        Problem::new(
                            ProblemKind::Limit,
                            format!(
                                "more than {} entries in the image (limit max_entries); stopped",
                                opts.max_entries
                            ),
                        )
                        .entry(name),
                    );
                    break;
                }
                if let Err(p) = handle_entry(&mut entry, name, opts, visitor, &mut res) {
                    failure = Some(p);
                    break;
                }
            }
        }
        Err(e) => {
            failure = Some(
                Problem::new(
                    ProblemKind::Corrupt,
                    format!("cannot read the layer tar: {e}"),
                )
                .entry(name),
            );
        }
    }
    // Drain what follows the tar's end (padding) so the hashes cover the whole stream.
    let mut buffered_out = archive.into_inner();
    if failure.is_none()
        && let Err(e) = io::copy(&mut buffered_out, &mut io::sink())
    {
        failure = Some(
            Problem::new(
                ProblemKind::Corrupt,
                format!("layer stream is corrupt or truncated: {e}"),
            )
            .entry(name),
        );
    }
    let limited = buffered_out.into_inner();
    res.uncompressed_bytes = limited.count;
    if let Some(v) = limited.violation {
        // The precise reason wins over the tar crate's wrapped message.
        failure = Some(Problem::new(ProblemKind::Limit, v).entry(name));
    }
    if let Some(p) = failure {
        res.compressed_bytes = compressed.get();
        res.problems.push(p);
        return res;
    }
    let Some(diff_id) = limited.hash.finish() else {
        res.problems
            .push(Problem::new(ProblemKind::Corrupt, "the layer could not be hashed").entry(name));
        res.compressed_bytes = compressed.get();
        return res;
    };
    let mut rest = limited.inner.into_inner();
    if let Err(e) = io::copy(&mut rest, &mut io::sink()) {
        res.problems.push(
            Problem::new(
                ProblemKind::Corrupt,
                format!("cannot read the end of the layer blob: {e}"),
            )
            .entry(name),
        );
        res.compressed_bytes = compressed.get();
        return res;
    }
    let raw = rest.into_inner();
    res.compressed_bytes = compressed.get();
    res.digest = if compression == Compression::None {
        Some(diff_id.clone())
    } else {
        raw.hash.map(hex_digest)
    };
    res.diff_id = Some(diff_id);
    res.complete = true;
    res
}

/// One tar entry. `Err`: the layer cannot be read further.
fn handle_entry<R: Read, V: Visitor>(
    entry: &mut tar::Entry<'_, R>,
    name: &str,
    opts: &Options,
    visitor: &V,
    res: &mut LayerResult<V::Fact>,
) -> Result<(), Problem> {
    let raw_path = entry.path_bytes();
    let raw_path = String::from_utf8_lossy(&raw_path).into_owned();
    if raw_path.len() > opts.max_path_len {
        let shown: String = raw_path.chars().take(200).collect();
        res.problems.push(
            Problem::new(
                ProblemKind::PathTooLong,
                format!(
                    "entry path of {} bytes (limit max_path_len {}) skipped",
                    raw_path.len(),
                    opts.max_path_len
                ),
            )
            .entry(name)
            .path(&format!("{shown}…")),
        );
        return Ok(());
    }
    let Some(path) = normalize(&raw_path) else {
        res.problems.push(
            Problem::new(
                ProblemKind::PathEscapes,
                "entry path climbs above the image root; skipped",
            )
            .entry(name)
            .path(&raw_path),
        );
        return Ok(());
    };
    let header = entry.header();
    let et = header.entry_type();
    if path == "/" {
        return Ok(());
    }
    let (parent, base) = split(&path);
    // AUFS metadata (`/.wh..wh.plnk/…`, `.wh..wh.aufs`): skipped, as Docker does.
    if path.starts_with("/.wh..wh.") {
        return Ok(());
    }
    if let Some(hidden) = base.strip_prefix(".wh.") {
        if hidden == ".wh..opq" {
            res.ops.push(Op::Opaque(parent.to_string()));
        } else if hidden.starts_with(".wh.") {
            // Other `.wh..wh.` metadata: not a whiteout.
        } else if hidden.is_empty() || hidden == "." || hidden == ".." {
            res.problems.push(
                Problem::new(
                    ProblemKind::Corrupt,
                    "whiteout without a valid name; ignored",
                )
                .entry(name)
                .path(&path),
            );
        } else {
            res.ops
                .push(Op::Whiteout(crate::path::join(parent, hidden)));
        }
        return Ok(());
    }
    let perm = header.mode().unwrap_or(0) & 0o7777;
    let uid = header.uid().unwrap_or(0);
    let gid = header.gid().unwrap_or(0);
    let mtime = header.mtime().unwrap_or(0);
    let size = entry.size();
    let link = || {
        entry
            .link_name_bytes()
            .map(|l| String::from_utf8_lossy(&l).into_owned())
            .unwrap_or_default()
    };
    let (kind, type_bits) = match et {
        tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
            (EntryKind::File, TYPE_FILE)
        }
        tar::EntryType::Directory => (EntryKind::Dir, TYPE_DIR),
        tar::EntryType::Symlink => (EntryKind::Symlink(link()), TYPE_LINK),
        tar::EntryType::Link => {
            let target = link();
            match normalize(&target) {
                Some(t) if t != "/" => (EntryKind::Hardlink(t), TYPE_FILE),
                _ => {
                    res.problems.push(
                        Problem::new(
                            ProblemKind::LinkEscapes,
                            format!("hard link to {target:?} points outside the image; skipped"),
                        )
                        .entry(name)
                        .path(&path),
                    );
                    return Ok(());
                }
            }
        }
        tar::EntryType::Char => (EntryKind::Char, TYPE_CHAR),
        tar::EntryType::Block => (EntryKind::Block, TYPE_BLOCK),
        tar::EntryType::Fifo => (EntryKind::Fifo, TYPE_FIFO),
        tar::EntryType::XGlobalHeader
        | tar::EntryType::XHeader
        | tar::EntryType::GNULongName
        | tar::EntryType::GNULongLink => {
            return Ok(());
        }
        other => {
            res.problems.push(
                Problem::new(
                    ProblemKind::Unsupported,
                    format!(
                        "tar entry type {:?} not supported; skipped",
                        other.as_byte() as char
                    ),
                )
                .entry(name)
                .path(&path),
            );
            return Ok(());
        }
    };
    let meta = EntryMeta {
        kind,
        mode: type_bits | perm,
        uid,
        gid,
        size: if type_bits == TYPE_FILE && matches!(et, tar::EntryType::Link) {
            0
        } else {
            size
        },
        mtime,
    };
    // A later entry of the same path replaces the earlier one (last wins, as Docker).
    res.facts.remove(&path);
    if meta.kind == EntryKind::File
        && let Some(cap) = visitor.wants(&path, &meta)
    {
        let cap = cap.min(opts.max_file_bytes);
        if size > cap {
            res.problems.push(
                Problem::new(
                    ProblemKind::FileTooLarge,
                    format!("file of {size} bytes is larger than the {cap} bytes asked for; not examined"),
                )
                .entry(name)
                .path(&path),
            );
        } else {
            // The header may lie about the size: grow as bytes really arrive.
            let mut data = Vec::with_capacity(usize::try_from(size.min(1 << 20)).unwrap_or(0));
            if let Err(e) = entry.by_ref().take(size).read_to_end(&mut data) {
                return Err(Problem::new(
                    ProblemKind::Corrupt,
                    format!("cannot read file content: {e}"),
                )
                .entry(name)
                .path(&path));
            }
            if data.len() as u64 != size {
                return Err(Problem::new(
                    ProblemKind::Corrupt,
                    format!("file content truncated: {} of {size} bytes", data.len()),
                )
                .entry(name)
                .path(&path));
            }
            let facts = visitor.visit(&path, &meta, &data);
            if !facts.is_empty() {
                res.facts.insert(path.clone(), facts);
            }
        }
    }
    res.ops.push(Op::Entry(path.clone(), meta));
    // Drain what was not read here (the tar crate's own skip zeroes a 32 KiB
    // buffer per entry). The entry stays: its header was read.
    if let Err(e) = io::copy(entry, &mut io::sink()) {
        return Err(Problem::new(
            ProblemKind::Corrupt,
            format!("cannot read file content: {e}"),
        )
        .entry(name)
        .path(&path));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::NoVisitor;

    fn tar_with(entries: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, data) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            // append_data writes GNU long-name entries for long paths.
            b.append_data(&mut h, std::str::from_utf8(path).unwrap(), *data)
                .unwrap();
        }
        b.into_inner().unwrap()
    }

    fn read(blob: &[u8]) -> LayerResult<()> {
        process_layer(
            blob,
            "blob",
            true,
            &Options::default(),
            &Budget::new(),
            &NoVisitor,
        )
    }

    #[test]
    fn same_diff_id_whatever_the_compression() {
        let long = "d/".repeat(120) + "file";
        let tar = tar_with(&[(b"a", b"1"), (long.as_bytes(), b"2")]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar).unwrap();
        let gz = gz.finish().unwrap();
        let zst = zstd::encode_all(tar.as_slice(), 1).unwrap();
        let plain = read(&tar);
        assert!(plain.complete && plain.problems.is_empty());
        assert_eq!(plain.digest, plain.diff_id);
        for (blob, c) in [(gz, Compression::Gzip), (zst, Compression::Zstd)] {
            let r = read(&blob);
            assert!(r.complete, "{:?}", r.problems);
            assert_eq!(r.compression, Some(c));
            assert_eq!(r.diff_id, plain.diff_id);
            assert_ne!(r.digest, r.diff_id);
            assert_eq!(r.compressed_bytes, blob.len() as u64);
            assert_eq!(r.uncompressed_bytes, tar.len() as u64);
            let paths: Vec<&str> = r
                .ops
                .iter()
                .filter_map(|o| match o {
                    Op::Entry(p, _) => Some(p.as_str()),
                    _ => None,
                })
                .collect();
            assert_eq!(paths, vec!["/a".to_string(), format!("/{long}")]);
        }
    }

    #[test]
    fn blob_digest_only_when_asked() {
        let tar = tar_with(&[(b"a", b"1")]);
        let zst = zstd::encode_all(tar.as_slice(), 1).unwrap();
        let r = process_layer(
            zst.as_slice(),
            "b",
            false,
            &Options::default(),
            &Budget::new(),
            &NoVisitor,
        );
        assert!(r.complete && r.digest.is_none() && r.diff_id.is_some());
    }

    #[test]
    fn empty_and_garbage_layers() {
        let empty = read(&[]);
        assert!(empty.complete && empty.ops.is_empty());
        let garbage =
            read(b"this is not a tar archive at all, but it is long enough to hold a header? no.");
        assert!(!garbage.complete || garbage.ops.is_empty());
        let bad_gz = read(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
        assert!(!bad_gz.complete);
        assert_eq!(bad_gz.problems[0].kind, ProblemKind::Corrupt);
    }
}
