//! Where `drydock image` and `drydock sbom` read an image from: a path (a
//! `docker save` archive, an OCI layout directory or tar, a root filesystem
//! directory) or, when no such path exists, the local daemon's image export
//! streamed through the Engine API (never written to disk). Both read the
//! image once with [`drydock_imagespec::ImageVisitor`] and assemble it.

use std::io::Read;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use drydock_engine::{Engine, EngineAddress, Timeouts};
use drydock_image::{ImageScan, Options, Visitor};
use drydock_imagespec::{Built, ImageVisitor};
use futures_util::StreamExt;

/// A `Read` over the chunks a task sends (the Engine API's image export).
struct ChannelReader {
    rx: mpsc::Receiver<Result<Vec<u8>, String>>,
    buf: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.buf.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.buf = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(std::io::Error::other(e)),
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Streams `image` from the daemon's export endpoint into the reader.
fn read_from_daemon<V: Visitor>(
    host: Option<&str>,
    image: &str,
    opts: &Options,
    visitor: &V,
) -> anyhow::Result<ImageScan<V::Fact>> {
    let env = |k: &str| std::env::var(k).ok();
    let address = EngineAddress::resolve(host, None, &env)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let engine = rt.block_on(Engine::connect(
        &address,
        Timeouts {
            connect: Duration::from_secs(5),
            call: Duration::from_secs(60),
        },
    ))?;
    // A few chunks in flight: the reader's pace bounds the memory.
    let (tx, rx) = mpsc::sync_channel::<Result<Vec<u8>, String>>(8);
    let name = image.to_string();
    let pump = std::thread::spawn(move || {
        rt.block_on(async {
            let mut stream = engine.docker().export_image(&name);
            while let Some(item) = stream.next().await {
                let msg = item
                    .map(|b| b.to_vec())
                    .map_err(|e| format!("exporting `{name}` from the daemon: {e}"));
                let stop = msg.is_err();
                if tx.send(msg).is_err() || stop {
                    break;
                }
            }
        });
    });
    let reader = ChannelReader {
        rx,
        buf: Vec::new(),
        pos: 0,
    };
    let scan = drydock_image::read_stream(reader, opts, visitor);
    let _ = pump.join();
    Ok(scan?)
}

/// The size of what will be read when `target` is a path (a file's size, a
/// directory's is unknown): the progress bar's length.
pub fn target_bytes(target: &str) -> Option<u64> {
    std::fs::metadata(target)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
}

/// Reads `target` (a path, else an image of the daemon at `host`) and
/// assembles it; the image is called by its first tag, else `target`.
pub fn read(
    target: &str,
    host: Option<&str>,
    opts: &Options,
    visitor: &ImageVisitor<'_>,
) -> anyhow::Result<Built> {
    let path = PathBuf::from(target);
    let scan = if path.exists() {
        drydock_image::read_path(&path, opts, visitor).map_err(|e| anyhow::anyhow!("{e}"))?
    } else {
        read_from_daemon(host, target, opts, visitor).map_err(|e| {
            anyhow::anyhow!("{target}: no such file, and the daemon could not export it: {e:#}")
        })?
    };
    let name = scan
        .manifest
        .repo_tags
        .iter()
        .find(|t| t.as_str() != "<none>:<none>")
        .cloned()
        .unwrap_or_else(|| target.to_string());
    Ok(drydock_imagespec::assemble(scan, &name))
}
