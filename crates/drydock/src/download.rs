//! Downloads for `drydock db update`: HTTP(S) with resume, `file://` and
//! local mirror paths, written to `<dest>.part` and renamed into place only
//! when complete, so an interrupted download never looks finished.
//!
//! The HTTP client is the hyper/rustls stack the Engine API client already
//! brings (no new crate in the build); certificates come from the system's
//! store.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use http_body_util::{BodyExt as _, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// What a fetch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub bytes: u64,
    /// Bytes that were already there from an interrupted download.
    pub resumed_from: u64,
}

/// Most redirects followed for one download.
const MAX_REDIRECTS: usize = 5;

/// Fetches `source` (an `http://`/`https://` URL, a `file://` URL or a
/// local path) to `dest`. HTTP downloads resume from `<dest>.part` with a
/// `Range` request; the result is renamed to `dest` only when its length
/// matches what the server announced. `progress(done, total)` is called as
/// bytes arrive.
pub fn fetch(
    source: &str,
    dest: &Path,
    timeout: Duration,
    progress: &(dyn Fn(u64, Option<u64>) + Sync),
) -> anyhow::Result<Fetched> {
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let local = source
        .strip_prefix("file://")
        .map(PathBuf::from)
        .or_else(|| (!source.contains("://")).then(|| PathBuf::from(source)));
    if let Some(path) = local {
        let part = part_path(dest);
        let n =
            std::fs::copy(&path, &part).with_context(|| format!("reading {}", path.display()))?;
        progress(n, Some(n));
        std::fs::rename(&part, dest).with_context(|| format!("writing {}", dest.display()))?;
        return Ok(Fetched {
            bytes: n,
            resumed_from: 0,
        });
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(fetch_http(source, dest, timeout, progress))
}

fn part_path(dest: &Path) -> PathBuf {
    let mut s = dest.as_os_str().to_owned();
    s.push(".part");
    PathBuf::from(s)
}

fn tls_config() -> anyhow::Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for cert in native.certs {
        // A certificate the store cannot parse is skipped, as browsers do.
        let _ = roots.add(cert);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

async fn fetch_http(
    url: &str,
    dest: &Path,
    timeout: Duration,
    progress: &(dyn Fn(u64, Option<u64>) + Sync),
) -> anyhow::Result<Fetched> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls_config()?)
        .https_or_http()
        .enable_http1()
        .build();
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build(https);
    let part = part_path(dest);
    let mut have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    let mut url = url.to_string();
    let mut redirects = 0;
    let response = loop {
        let mut req = hyper::Request::get(url.as_str()).header("user-agent", "drydock");
        if have > 0 {
            req = req.header("range", format!("bytes={have}-"));
        }
        let req = req.body(Empty::new()).map_err(|e| anyhow!("{url}: {e}"))?;
        let res = tokio::time::timeout(timeout, client.request(req))
            .await
            .map_err(|_| anyhow!("{url}: no response within {}s", timeout.as_secs()))?
            .map_err(|e| anyhow!("{url}: {e}"))?;
        let status = res.status();
        if status.is_redirection() {
            redirects += 1;
            let Some(loc) = res.headers().get("location").and_then(|l| l.to_str().ok()) else {
                bail!("{url}: redirect without a location");
            };
            if redirects > MAX_REDIRECTS {
                bail!("{url}: more than {MAX_REDIRECTS} redirects");
            }
            url = if loc.contains("://") {
                loc.to_string()
            } else {
                let base = url.find("://").map_or(0, |i| i + 3);
                let host_end = url[base..].find('/').map_or(url.len(), |i| base + i);
                format!("{}{}", &url[..host_end], loc)
            };
            continue;
        }
        if status == hyper::StatusCode::RANGE_NOT_SATISFIABLE && have > 0 {
            // The partial file is not a prefix the server can continue.
            have = 0;
            let _ = std::fs::remove_file(&part);
            continue;
        }
        if !status.is_success() {
            bail!("{url}: HTTP {status}");
        }
        break res;
    };
    let resumed = response.status() == hyper::StatusCode::PARTIAL_CONTENT;
    if !resumed {
        have = 0;
    }
    let length = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let total = length.map(|l| l + have);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(resumed)
        .truncate(!resumed)
        .open(&part)
        .with_context(|| format!("writing {}", part.display()))?;
    let mut done = have;
    progress(done, total);
    let mut body = response.into_body();
    loop {
        let frame = match tokio::time::timeout(timeout, body.frame()).await {
            Err(_) => bail!(
                "{url}: stalled for {}s after {done} bytes (run again to resume)",
                timeout.as_secs()
            ),
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                bail!("{url}: interrupted after {done} bytes: {e} (run again to resume)")
            }
            Ok(Some(Ok(f))) => f,
        };
        if let Ok(data) = frame.into_data() {
            file.write_all(&data)
                .with_context(|| format!("writing {}", part.display()))?;
            done += data.len() as u64;
            progress(done, total);
        }
    }
    file.sync_all().ok();
    drop(file);
    if let Some(t) = total
        && t != done
    {
        bail!("{url}: got {done} of {t} bytes (run again to resume)");
    }
    std::fs::rename(&part, dest).with_context(|| format!("writing {}", dest.display()))?;
    Ok(Fetched {
        bytes: done,
        resumed_from: if resumed { have } else { 0 },
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

    use std::collections::BTreeMap;

    use drydock_testkit::http::{HttpServer, Routes};

    use super::*;

    fn body(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 % 251) as u8).collect()
    }

    const T: Duration = Duration::from_secs(10);

    #[test]
    fn fetches_follows_redirects_and_resumes() {
        let data = body(300_000);
        let server = HttpServer::start(Routes {
            files: BTreeMap::from([("/eco/all.zip".to_string(), data.clone())]),
            redirects: BTreeMap::from([("/moved".to_string(), "/eco/all.zip".to_string())]),
            cut_first_after: Some(100_000),
        });
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("all.zip");
        // The first response is cut short: an error, the part file kept,
        // the destination not created.
        let err = fetch(&server.url("/eco/all.zip"), &dest, T, &|_, _| {}).unwrap_err();
        assert!(err.to_string().contains("run again to resume"), "{err:#}");
        assert!(!dest.exists());
        assert_eq!(std::fs::metadata(part_path(&dest)).unwrap().len(), 100_000);
        // Run again: a range request continues where it stopped.
        let got = fetch(&server.url("/moved"), &dest, T, &|_, _| {}).unwrap();
        assert_eq!(got.resumed_from, 100_000);
        assert_eq!(got.bytes, 300_000);
        assert_eq!(std::fs::read(&dest).unwrap(), data);
        assert!(!part_path(&dest).exists());
        let log = server.log.lock().unwrap().clone();
        assert_eq!(
            log,
            [
                "GET /eco/all.zip -",
                "GET /moved bytes=100000-",
                "GET /eco/all.zip bytes=100000-"
            ]
        );
    }

    #[test]
    fn errors_name_the_url() {
        let server = HttpServer::start(Routes::default());
        let dir = tempfile::tempdir().unwrap();
        let url = server.url("/missing.zip");
        let err = fetch(&url, &dir.path().join("x"), T, &|_, _| {}).unwrap_err();
        assert!(err.to_string().contains(&url), "{err:#}");
        assert!(err.to_string().contains("404"), "{err:#}");
    }

    #[test]
    fn local_paths_and_file_urls_are_copied() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("mirror.zip");
        std::fs::write(&src, b"zipdata").unwrap();
        let dest = dir.path().join("out/all.zip");
        let got = fetch(src.to_str().unwrap(), &dest, T, &|_, _| {}).unwrap();
        assert_eq!(got.bytes, 7);
        let dest2 = dir.path().join("out/all2.zip");
        fetch(&format!("file://{}", src.display()), &dest2, T, &|_, _| {}).unwrap();
        assert_eq!(std::fs::read(dest2).unwrap(), b"zipdata");
    }
}
