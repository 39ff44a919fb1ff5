//! A fault-injecting HTTP/1.1 proxy on a unix socket, in front of a real
//! daemon's socket: it forwards requests and responses as they are
//! (keep-alive, chunked and `Content-Length` bodies, connection upgrades)
//! and, for requests matching a [`Rule`] (method and path, without the
//! `/v1.xx` prefix and the query), delays the answer, rewrites a JSON
//! response body, or closes the connection without an answer.
//!
//! One thread per client connection, one upstream connection per client
//! connection. Dropping the [`Proxy`] stops it: the listener is closed and
//! every open connection is shut down.
//!
//! ```no_run
//! # use drydock_testkit::proxy::{Proxy, Rule};
//! # use std::time::Duration;
//! # fn f(d: &drydock_testkit::Daemon) -> std::io::Result<()> {
//! let p = Proxy::interpose(&d.socket, vec![
//!     Rule::path("GET", "/info").rewrite(|v| v["Driver"] = "frobfs".into()),
//!     Rule::regex("GET", r"^/containers/[0-9a-f]+/json$").delay(Duration::from_secs(3)),
//! ])?;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A JSON body rewrite.
pub type Rewrite = Arc<dyn Fn(&mut serde_json::Value) + Send + Sync>;

/// What to do with a matching request.
#[derive(Clone)]
pub enum Action {
    /// Answer this much later (the request reaches the daemon after the
    /// delay).
    Delay(Duration),
    /// Change the JSON response body (forwarded unchanged when it is not
    /// JSON).
    Rewrite(Rewrite),
    /// Close the client connection without forwarding the request.
    Close,
}

impl std::fmt::Debug for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Action::Delay(d) => write!(f, "Delay({d:?})"),
            Action::Rewrite(_) => f.write_str("Rewrite(..)"),
            Action::Close => f.write_str("Close"),
        }
    }
}

#[derive(Clone, Debug)]
enum PathMatch {
    Contains(String),
    Regex(regex::Regex),
}

/// Which requests a fault applies to, and the fault. Every matching rule
/// applies, in order (delays add up).
#[derive(Clone, Debug)]
pub struct Rule {
    method: Option<String>,
    path: PathMatch,
    actions: Vec<Action>,
}

impl Rule {
    /// Requests with `method` (`""` for any) whose path contains `needle`.
    pub fn path(method: &str, needle: &str) -> Rule {
        Rule {
            method: (!method.is_empty()).then(|| method.to_ascii_uppercase()),
            path: PathMatch::Contains(needle.to_string()),
            actions: Vec::new(),
        }
    }

    /// Requests with `method` (`""` for any) whose path matches `pattern`.
    ///
    /// # Panics
    /// When `pattern` is not a valid regular expression (a test bug).
    pub fn regex(method: &str, pattern: &str) -> Rule {
        let re = regex::Regex::new(pattern)
            .unwrap_or_else(|e| panic!("proxy rule regex {pattern:?}: {e}"));
        Rule {
            method: (!method.is_empty()).then(|| method.to_ascii_uppercase()),
            path: PathMatch::Regex(re),
            actions: Vec::new(),
        }
    }

    pub fn delay(mut self, by: Duration) -> Rule {
        self.actions.push(Action::Delay(by));
        self
    }

    pub fn rewrite(mut self, f: impl Fn(&mut serde_json::Value) + Send + Sync + 'static) -> Rule {
        self.actions.push(Action::Rewrite(Arc::new(f)));
        self
    }

    pub fn close(mut self) -> Rule {
        self.actions.push(Action::Close);
        self
    }

    /// Whether the rule applies to `method` and `path` (already without
    /// the version prefix and the query).
    pub fn matches(&self, method: &str, path: &str) -> bool {
        if self.method.as_deref().is_some_and(|m| m != method) {
            return false;
        }
        match &self.path {
            PathMatch::Contains(s) => path.contains(s.as_str()),
            PathMatch::Regex(r) => r.is_match(path),
        }
    }
}

/// `/v1.41/containers/json?all=1` → `/containers/json`.
pub fn api_path(target: &str) -> &str {
    let path = target.split('?').next().unwrap_or(target);
    if let Some(rest) = path.strip_prefix("/v")
        && let Some(slash) = rest.find('/')
    {
        let v = &rest[..slash];
        if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return &rest[slash..];
        }
    }
    path
}

struct Shared {
    upstream: PathBuf,
    rules: Mutex<Vec<Rule>>,
    stop: AtomicBool,
    /// Open streams (client and upstream) by connection number, to shut
    /// down on stop.
    open: Mutex<HashMap<u64, Vec<UnixStream>>>,
    next: AtomicU64,
    log: Mutex<Vec<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running proxy; dropping it stops it.
pub struct Proxy {
    socket: PathBuf,
    shared: Arc<Shared>,
    accept: Option<std::thread::JoinHandle<()>>,
    /// With [`Proxy::interpose`]: where the daemon's socket was moved.
    moved: Option<PathBuf>,
    _dir: Option<tempfile::TempDir>,
}

impl Proxy {
    /// Listens on a new socket in a fresh temporary directory and forwards
    /// to `upstream`.
    pub fn start(upstream: &Path, rules: Vec<Rule>) -> io::Result<Proxy> {
        let dir = tempfile::Builder::new().prefix("ddp").tempdir_in("/tmp")?;
        let socket = dir.path().join("p.sock");
        let mut p = Proxy::listen(&socket, upstream.to_path_buf(), rules)?;
        p._dir = Some(dir);
        Ok(p)
    }

    /// Puts the proxy in the daemon's place: the daemon's socket is moved
    /// aside (renamed) and the proxy listens at its path, so that clients
    /// (and the dockerd command line in `/proc`, which names the path) see
    /// the proxy as the daemon. Dropping the proxy moves the socket back.
    pub fn interpose(socket: &Path, rules: Vec<Rule>) -> io::Result<Proxy> {
        let mut aside = socket.as_os_str().to_owned();
        aside.push(".upstream");
        let aside = PathBuf::from(aside);
        let meta = std::fs::metadata(socket)?;
        std::fs::rename(socket, &aside)?;
        match Proxy::listen(socket, aside.clone(), rules) {
            Ok(mut p) => {
                p.moved = Some(aside);
                // The same owner, group and mode as the daemon's socket
                // (CIS 3.15/3.16 read them).
                use std::os::unix::fs::MetadataExt;
                std::fs::set_permissions(socket, meta.permissions())?;
                std::os::unix::fs::chown(socket, Some(meta.uid()), Some(meta.gid()))?;
                Ok(p)
            }
            Err(e) => {
                let _ = std::fs::rename(&aside, socket);
                Err(e)
            }
        }
    }

    fn listen(socket: &Path, upstream: PathBuf, rules: Vec<Rule>) -> io::Result<Proxy> {
        let listener = UnixListener::bind(socket)?;
        let shared = Arc::new(Shared {
            upstream,
            rules: Mutex::new(rules),
            stop: AtomicBool::new(false),
            open: Mutex::new(HashMap::new()),
            next: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
        });
        let s = Arc::clone(&shared);
        let accept = std::thread::Builder::new()
            .name("drydock-proxy-accept".into())
            .spawn(move || accept_loop(&listener, &s))?;
        Ok(Proxy {
            socket: socket.to_path_buf(),
            shared,
            accept: Some(accept),
            moved: None,
            _dir: None,
        })
    }

    /// The socket clients connect to.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// `unix://…` of [`Proxy::socket`].
    pub fn host(&self) -> String {
        format!("unix://{}", self.socket.display())
    }

    /// Replaces the rules; requests already being handled keep theirs.
    pub fn set_rules(&self, rules: Vec<Rule>) {
        *lock(&self.shared.rules) = rules;
    }

    /// Every request seen so far, as `METHOD /path` (without the version
    /// prefix and the query), in arrival order.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.shared.log).clone()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// Stops accepting, shuts every open connection down, and (after
    /// [`Proxy::interpose`]) moves the daemon's socket back.
    pub fn stop(&mut self) {
        if self.shared.stop.swap(true, Ordering::SeqCst) {
            return;
        }
        // Wake the accept loop.
        let _ = UnixStream::connect(&self.socket);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
        for streams in lock(&self.shared.open).values() {
            for s in streams {
                let _ = s.shutdown(std::net::Shutdown::Both);
            }
        }
        let _ = std::fs::remove_file(&self.socket);
        if let Some(aside) = self.moved.take() {
            let _ = std::fs::rename(&aside, &self.socket);
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(listener: &UnixListener, shared: &Arc<Shared>) {
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = conn else { continue };
        let s = Arc::clone(shared);
        let _ = std::thread::Builder::new()
            .name("drydock-proxy-conn".into())
            .spawn(move || {
                let id = s.next.fetch_add(1, Ordering::SeqCst);
                let _ = serve(&s, id, client);
                lock(&s.open).remove(&id);
            });
    }
}

/// An HTTP message head: the start line and the header fields.
struct Head {
    start: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    }

    fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .any(|(_, v)| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
    }

    fn chunked(&self) -> bool {
        self.has_token("Transfer-Encoding", "chunked")
    }

    fn content_length(&self) -> io::Result<Option<u64>> {
        self.header("Content-Length")
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| bad(format!("bad Content-Length {v:?}")))
            })
            .transpose()
    }

    fn write_to(&self, w: &mut impl Write) -> io::Result<()> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(self.start.as_bytes());
        out.extend_from_slice(b"\r\n");
        for (n, v) in &self.headers {
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        w.write_all(&out)
    }
}

fn bad(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// Reads one CRLF-terminated line (with its terminator); empty at EOF.
fn read_line(r: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut line = Vec::new();
    r.take(64 * 1024).read_until(b'\n', &mut line)?;
    Ok(line)
}

/// Reads a message head; `None` on a clean end of stream before it.
fn read_head(r: &mut impl BufRead) -> io::Result<Option<Head>> {
    let first = read_line(r)?;
    if first.is_empty() {
        return Ok(None);
    }
    let start = String::from_utf8_lossy(&first).trim_end().to_string();
    let mut headers = Vec::new();
    loop {
        let line = read_line(r)?;
        if line.is_empty() {
            return Err(bad("end of stream inside a message head".into()));
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        if text.is_empty() {
            break;
        }
        let (n, v) = text
            .split_once(':')
            .ok_or_else(|| bad(format!("bad header line {text:?}")))?;
        headers.push((n.to_string(), v.trim().to_string()));
    }
    Ok(Some(Head { start, headers }))
}

/// Copies exactly `n` bytes.
fn copy_exact(r: &mut impl Read, w: &mut impl Write, n: u64) -> io::Result<()> {
    let copied = io::copy(&mut r.take(n), w)?;
    if copied < n {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

/// Relays a chunked body as it arrives, chunk by chunk (streams such as
/// `/events` or image import progress reach the client at once).
fn relay_chunked(r: &mut impl BufRead, w: &mut impl Write) -> io::Result<()> {
    loop {
        let line = read_line(r)?;
        if line.is_empty() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        w.write_all(&line)?;
        let text = String::from_utf8_lossy(&line);
        let size = text.trim().split(';').next().unwrap_or("").trim();
        let size =
            u64::from_str_radix(size, 16).map_err(|_| bad(format!("bad chunk size {size:?}")))?;
        if size == 0 {
            // Trailers up to the empty line.
            loop {
                let t = read_line(r)?;
                if t.is_empty() {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                w.write_all(&t)?;
                if t == b"\r\n" || t == b"\n" {
                    return w.flush();
                }
            }
        }
        copy_exact(r, w, size)?;
        let crlf = read_line(r)?;
        w.write_all(&crlf)?;
        w.flush()?;
    }
}

/// Reads a whole chunked body, decoded.
fn read_chunked(r: &mut impl BufRead) -> io::Result<Vec<u8>> {
    let mut raw = Vec::new();
    relay_chunked(r, &mut raw)?;
    let mut out = Vec::new();
    let mut c = io::Cursor::new(raw);
    loop {
        let line = read_line(&mut c)?;
        let text = String::from_utf8_lossy(&line);
        let size = text.trim().split(';').next().unwrap_or("").trim();
        let size =
            u64::from_str_radix(size, 16).map_err(|_| bad(format!("bad chunk size {size:?}")))?;
        if size == 0 {
            return Ok(out);
        }
        copy_exact(&mut c, &mut out, size)?;
        read_line(&mut c)?;
    }
}

/// Relays a message body framed by `head`; `Ok(false)` when the body runs
/// to the end of the stream (the connection cannot be reused).
fn relay_body(head: &Head, r: &mut impl BufRead, w: &mut impl Write) -> io::Result<bool> {
    if head.chunked() {
        relay_chunked(r, w)?;
        return Ok(true);
    }
    if let Some(n) = head.content_length()? {
        copy_exact(r, w, n)?;
        w.flush()?;
        return Ok(true);
    }
    Ok(false)
}

/// Sleeps `d`, in slices, giving up when the proxy stops.
fn sleep(shared: &Shared, d: Duration) -> bool {
    let end = Instant::now() + d;
    while !shared.stop.load(Ordering::SeqCst) {
        let now = Instant::now();
        if now >= end {
            return true;
        }
        std::thread::sleep((end - now).min(Duration::from_millis(20)));
    }
    false
}

fn serve(shared: &Shared, id: u64, client: UnixStream) -> io::Result<()> {
    let upstream = UnixStream::connect(&shared.upstream)?;
    lock(&shared.open).insert(id, vec![client.try_clone()?, upstream.try_clone()?]);
    if shared.stop.load(Ordering::SeqCst) {
        return Ok(());
    }
    let mut client_r = BufReader::new(client.try_clone()?);
    let mut client_w = client;
    let mut up_r = BufReader::new(upstream.try_clone()?);
    let mut up_w = upstream;
    loop {
        let Some(req) = read_head(&mut client_r)? else {
            return Ok(());
        };
        let mut parts = req.start.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let path = api_path(parts.next().unwrap_or("")).to_string();
        lock(&shared.log).push(format!("{method} {path}"));
        let actions: Vec<Action> = lock(&shared.rules)
            .iter()
            .filter(|r| r.matches(&method, &path))
            .flat_map(|r| r.actions.iter().cloned())
            .collect();
        let mut rewrites = Vec::new();
        for a in actions {
            match a {
                Action::Close => {
                    let _ = client_w.shutdown(std::net::Shutdown::Both);
                    return Ok(());
                }
                Action::Delay(d) => {
                    if !sleep(shared, d) {
                        return Ok(());
                    }
                }
                Action::Rewrite(f) => rewrites.push(f),
            }
        }

        // The request, as it came.
        req.write_to(&mut up_w)?;
        if !relay_body(&req, &mut client_r, &mut up_w)? {
            up_w.flush()?;
        }
        let client_close = req.has_token("Connection", "close");

        // The response; interim 1xx answers pass through.
        let resp = loop {
            let Some(resp) = read_head(&mut up_r)? else {
                return Ok(());
            };
            let status = status_of(&resp);
            if (100..200).contains(&status) && status != 101 {
                resp.write_to(&mut client_w)?;
                client_w.flush()?;
                continue;
            }
            break resp;
        };
        let status = status_of(&resp);
        if status == 101 {
            // An upgraded connection (attach, exec): raw bytes both ways.
            resp.write_to(&mut client_w)?;
            client_w.flush()?;
            return tunnel(client_r, client_w, up_r, up_w);
        }
        let no_body = method == "HEAD" || status == 204 || status == 304;
        let reusable = if no_body {
            resp.write_to(&mut client_w)?;
            client_w.flush()?;
            true
        } else if !rewrites.is_empty() && (resp.chunked() || resp.content_length()?.is_some()) {
            let body = if resp.chunked() {
                read_chunked(&mut up_r)?
            } else {
                let mut b = Vec::new();
                copy_exact(&mut up_r, &mut b, resp.content_length()?.unwrap_or(0))?;
                b
            };
            let body = match serde_json::from_slice::<serde_json::Value>(&body) {
                Ok(mut v) => {
                    for f in &rewrites {
                        f(&mut v);
                    }
                    let mut out = serde_json::to_vec(&v).map_err(|e| bad(e.to_string()))?;
                    out.push(b'\n');
                    out
                }
                Err(_) => body,
            };
            let mut head = Head {
                start: resp.start.clone(),
                headers: resp
                    .headers
                    .iter()
                    .filter(|(n, _)| {
                        !n.eq_ignore_ascii_case("Content-Length")
                            && !n.eq_ignore_ascii_case("Transfer-Encoding")
                    })
                    .cloned()
                    .collect(),
            };
            head.headers
                .push(("Content-Length".into(), body.len().to_string()));
            head.write_to(&mut client_w)?;
            client_w.write_all(&body)?;
            client_w.flush()?;
            true
        } else {
            resp.write_to(&mut client_w)?;
            client_w.flush()?;
            if relay_body(&resp, &mut up_r, &mut client_w)? {
                true
            } else {
                // Delimited by the end of the stream.
                io::copy(&mut up_r, &mut client_w)?;
                client_w.flush()?;
                false
            }
        };
        if !reusable || client_close || resp.has_token("Connection", "close") {
            let _ = client_w.shutdown(std::net::Shutdown::Both);
            return Ok(());
        }
    }
}

fn status_of(head: &Head) -> u16 {
    head.start
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Copies bytes both ways until either side closes.
fn tunnel(
    mut client_r: BufReader<UnixStream>,
    mut client_w: UnixStream,
    mut up_r: BufReader<UnixStream>,
    mut up_w: UnixStream,
) -> io::Result<()> {
    let up_shut = up_w.try_clone()?;
    let t = std::thread::spawn(move || {
        let _ = io::copy(&mut client_r, &mut up_w);
        let _ = up_shut.shutdown(std::net::Shutdown::Write);
    });
    let _ = io::copy(&mut up_r, &mut client_w);
    let _ = client_w.shutdown(std::net::Shutdown::Both);
    let _ = t.join();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_prefix_and_query_are_dropped() {
        assert_eq!(api_path("/v1.41/containers/json?all=1"), "/containers/json");
        assert_eq!(api_path("/_ping"), "/_ping");
        assert_eq!(api_path("/version"), "/version");
        assert_eq!(api_path("/volumes/x"), "/volumes/x");
    }

    #[test]
    fn rules_match_method_and_path() {
        let r = Rule::regex("get", r"^/containers/[^/]+/json$");
        assert!(r.matches("GET", "/containers/abc/json"));
        assert!(!r.matches("GET", "/containers/json/x"));
        assert!(!r.matches("POST", "/containers/abc/json"));
        let any = Rule::path("", "/info");
        assert!(any.matches("HEAD", "/info"));
        assert!(!any.matches("GET", "/version"));
    }

    #[test]
    fn chunked_bodies_decode() {
        let raw = b"4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n".to_vec();
        let body = read_chunked(&mut io::Cursor::new(raw)).unwrap_or_default();
        assert_eq!(body, b"Wikipedia");
    }
}
