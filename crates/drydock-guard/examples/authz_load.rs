//! Load generator for `drydock guard plugin` (run by `bench/guard.sh`):
//! sends `AuthZPlugin.AuthZReq` messages for container creates over the
//! plugin's unix socket at a fixed rate, as the daemon would, and reports
//! the latency distribution.
//!
//! `authz_load SOCKET RATE SECONDS [--rss-pid PID]`
//! `authz_load --in-process N`: the decision alone, N times in this
//! process (the default policy, no socket, no log): its CPU cost.
//!
//! Open loop: request `i` is due at `start + i / RATE`, whatever happened
//! to earlier ones. Two latencies are reported: from sending the request to
//! its answer (the decision as dockerd waits for it), and from the due time
//! to the answer, which also counts a slow answer against the requests
//! queued behind it (no coordinated omission) but includes the timer's own
//! lateness (tokio's timer wakes to the millisecond, so up to ~1 ms).
//! Requests are spread over 16 keep-alive connections. Half the creates are compliant, half privileged (denied),
//! so both paths are measured. With `--rss-pid`, the resident memory of
//! that process is sampled every 10 seconds (the soak test).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

const CONNECTIONS: usize = 16;

fn create_body(privileged: bool) -> String {
    // The shape of the body `docker run` sends (API 1.47), trimmed of
    // empty fields.
    serde_json::json!({
        "Hostname": "", "User": "1000", "AttachStdout": true, "AttachStderr": true,
        "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "APP_MODE=prod"],
        "Cmd": ["nginx", "-g", "daemon off;"], "Image": "registry.example.com/web:1.27.3",
        "Labels": {"com.example.team": "web", "traefik.enable": "true"},
        "Healthcheck": {"Test": ["CMD", "curl", "-f", "http://localhost/"], "Interval": 30_000_000_000_i64},
        "HostConfig": {
            "Binds": ["/srv/web/static:/usr/share/nginx/html:ro"],
            "NetworkMode": "bridge", "PortBindings": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]},
            "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 5},
            "CapDrop": ["ALL"], "CapAdd": ["NET_BIND_SERVICE"],
            "Privileged": privileged, "ReadonlyRootfs": true,
            "SecurityOpt": ["no-new-privileges"], "Memory": 268_435_456_i64, "NanoCpus": 500_000_000_i64,
            "PidsLimit": 200, "LogConfig": {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "3"}}
        },
        "NetworkingConfig": {"EndpointsConfig": {}}
    })
    .to_string()
}

fn message(privileged: bool) -> Vec<u8> {
    let body = base64::engine::general_purpose::STANDARD.encode(create_body(privileged));
    let json = serde_json::json!({
        "User": "", "UserAuthNMethod": "", "RequestMethod": "POST",
        "RequestUri": "/v1.47/containers/create?name=web",
        "RequestBody": body,
        "RequestHeaders": {"Content-Type": "application/json", "User-Agent": "Docker-Client/28.2.2 (linux)"}
    })
    .to_string();
    format!(
        "POST /AuthZPlugin.AuthZReq HTTP/1.1\r\nHost: plugin\r\nContent-Length: {}\r\n\r\n{json}",
        json.len()
    )
    .into_bytes()
}

/// Reads one HTTP/1.1 response with a Content-Length; returns whether the
/// decision allowed.
async fn read_response(s: &mut UnixStream, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    buf.clear();
    let mut chunk = [0u8; 4096];
    let (head_end, len) = loop {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::other("connection closed"));
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..p]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .ok_or_else(|| std::io::Error::other("no content-length"))?;
            break (p + 4, len);
        }
    };
    while buf.len() < head_end + len {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::other("connection closed"));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body: serde_json::Value = serde_json::from_slice(&buf[head_end..head_end + len])
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(body["Allow"] == true)
}

fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// The decision alone: `Plugin::authz_request` on the same messages, one
/// call at a time, each timed.
fn in_process(n: usize) {
    let plugin = drydock_guard::Plugin {
        state: std::sync::Arc::new(drydock_guard::State::new(
            drydock_guard::Policy::default(),
            None,
            "bench",
            drydock_guard::DecisionLog::to_writer(Box::new(std::io::sink())),
        )),
    };
    let bodies: Vec<Vec<u8>> = [false, true]
        .iter()
        .map(|&p| {
            let m = message(p);
            let at = m
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map_or(0, |i| i + 4);
            m[at..].to_vec()
        })
        .collect();
    let mut lat = Vec::with_capacity(n);
    let mut allowed = 0;
    for i in 0..n {
        let t = Instant::now();
        let r = plugin.authz_request(&bodies[i % 2]);
        lat.push(t.elapsed());
        if r["Allow"] == true {
            allowed += 1;
        }
    }
    lat.sort();
    let q = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1e6;
    println!(
        "in process: {n} decisions ({allowed} allowed): p50 {:.0} µs  p99 {:.0} µs  max {:.0} µs",
        q(0.5),
        q(0.99),
        q(1.0)
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, n] = args.as_slice()
        && flag == "--in-process"
    {
        in_process(n.parse()?);
        return Ok(());
    }
    let (socket, rate, secs) = match args.as_slice() {
        [s, r, d, ..] => (PathBuf::from(s), r.parse::<f64>()?, d.parse::<f64>()?),
        _ => return Err("usage: authz_load SOCKET RATE SECONDS [--rss-pid PID]".into()),
    };
    let rss_pid: Option<u32> = args
        .iter()
        .position(|a| a == "--rss-pid")
        .and_then(|i| args.get(i + 1))
        .and_then(|p| p.parse().ok());
    let total = (rate * secs).round() as usize;
    let interval = Duration::from_secs_f64(1.0 / rate);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let start = Instant::now() + Duration::from_millis(50);
        let mut tasks = Vec::new();
        for c in 0..CONNECTIONS {
            let socket = socket.clone();
            tasks.push(tokio::spawn(async move {
                let mut s = UnixStream::connect(&socket).await?;
                let msgs = [message(false), message(true)];
                let mut buf = Vec::with_capacity(8192);
                let mut lat = Vec::new();
                let mut from_due = Vec::new();
                let (mut allowed, mut denied) = (0usize, 0usize);
                let mut i = c;
                while i < total {
                    let due = start + interval.mul_f64(i as f64);
                    tokio::time::sleep_until(due.into()).await;
                    let sent = Instant::now();
                    s.write_all(&msgs[i % 2]).await?;
                    if read_response(&mut s, &mut buf).await? {
                        allowed += 1;
                    } else {
                        denied += 1;
                    }
                    lat.push(sent.elapsed());
                    from_due.push(due.elapsed());
                    i += CONNECTIONS;
                }
                Ok::<_, std::io::Error>((lat, from_due, allowed, denied))
            }));
        }
        let sampler = rss_pid.map(|pid| {
            tokio::spawn(async move {
                let mut samples = Vec::new();
                let t0 = Instant::now();
                loop {
                    if let Some(kib) = rss_kib(pid) {
                        samples.push((t0.elapsed().as_secs(), kib));
                    }
                    if t0.elapsed().as_secs_f64() >= secs {
                        return samples;
                    }
                    tokio::time::sleep(Duration::from_secs(10)).await;
                }
            })
        });
        let mut all = Vec::with_capacity(total);
        let mut all_due = Vec::with_capacity(total);
        let (mut allowed, mut denied, mut errors) = (0, 0, 0);
        for t in tasks {
            match t.await {
                Ok(Ok((l, ld, a, d))) => {
                    all.extend(l);
                    all_due.extend(ld);
                    allowed += a;
                    denied += d;
                }
                Ok(Err(e)) => {
                    errors += 1;
                    eprintln!("connection failed: {e}");
                }
                Err(e) => {
                    errors += 1;
                    eprintln!("task failed: {e}");
                }
            }
        }
        let elapsed = start.elapsed().as_secs_f64();
        all.sort();
        all_due.sort();
        let q = |v: &[Duration], p: f64| {
            v.get(((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1)))
                .map_or(0.0, |d| d.as_secs_f64() * 1e3)
        };
        println!(
            "{} requests in {elapsed:.1} s ({:.0}/s; target {rate}/s), {allowed} allowed, {denied} denied, {errors} failed connections",
            all.len(),
            all.len() as f64 / elapsed
        );
        for (label, v) in [("sent→answer", &all), ("due→answer", &all_due)] {
            println!(
                "latency {label} ms: p50 {:.3}  p90 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
                q(v, 0.5),
                q(v, 0.9),
                q(v, 0.99),
                q(v, 0.999),
                v.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
            );
        }
        if let Some(s) = sampler
            && let Ok(samples) = s.await
        {
            let line: Vec<String> = samples
                .iter()
                .map(|(t, k)| format!("{t}s:{:.1}MiB", *k as f64 / 1024.0))
                .collect();
            println!("plugin RSS: {}", line.join(" "));
        }
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
