//! Latency of one Engine API GET, repeated (run by `bench/guard_proxy.sh`
//! against the daemon's socket and against the proxy in front of it):
//!
//! `http_get SOCKET PATH COUNT`
//!
//! Sends COUNT requests one after the other on one keep-alive connection
//! (as the docker CLI and most clients do), reads each whole body, and
//! prints the latency distribution and the body size.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::UnixStream;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [socket, path, count] = args.as_slice() else {
        return Err("usage: http_get SOCKET PATH COUNT".into());
    };
    let socket = PathBuf::from(socket);
    let count: usize = count.parse()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let stream = UnixStream::connect(&socket).await?;
        let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        let mut lat: Vec<Duration> = Vec::with_capacity(count);
        let mut size = 0usize;
        for i in 0..count + 20 {
            let req = hyper::Request::get(path.as_str())
                .header("Host", "docker")
                .body(Empty::<Bytes>::new())?;
            let t = Instant::now();
            let resp = send.send_request(req).await?;
            let status = resp.status();
            let body = resp.into_body().collect().await?.to_bytes();
            let took = t.elapsed();
            if !status.is_success() {
                return Err(format!("{path}: HTTP {status}: {}", String::from_utf8_lossy(&body)).into());
            }
            size = body.len();
            // The first 20 warm both ends up.
            if i >= 20 {
                lat.push(took);
            }
        }
        lat.sort();
        let q = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1e3;
        println!(
            "{count} × GET {path} ({size} bytes): p50 {:.3} ms  p90 {:.3} ms  p99 {:.3} ms  max {:.3} ms",
            q(0.5),
            q(0.9),
            q(0.99),
            q(1.0)
        );
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
