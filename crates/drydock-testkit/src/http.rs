//! A small HTTP/1.1 file server for tests (`drydock db update`): serves
//! fixed paths with `Content-Length`, honours `Range: bytes=N-` with `206`,
//! and can cut the connection of the first request after some bytes so
//! that resuming is exercised. Runs on a thread until dropped; nothing in
//! the tests needs the internet.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What the server answers.
#[derive(Clone, Default)]
pub struct Routes {
    /// Path (`/Debian/all.zip`) → body.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Path → location of a `302` redirect.
    pub redirects: BTreeMap<String, String>,
    /// Cut the first full (non-range) response after this many body bytes.
    pub cut_first_after: Option<usize>,
}

pub struct HttpServer {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    /// Requests served so far, as `METHOD PATH range`.
    pub log: Arc<Mutex<Vec<String>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HttpServer {
    pub fn start(routes: Routes) -> HttpServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let stop = Arc::new(AtomicBool::new(false));
        let log = Arc::new(Mutex::new(Vec::new()));
        let cut_done = Arc::new(AtomicUsize::new(0));
        let (s, l) = (stop.clone(), log.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        serve(stream, &routes, &l, &cut_done);
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(5)),
                }
            }
        });
        HttpServer {
            addr,
            stop,
            log,
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(stream: TcpStream, routes: &Routes, log: &Mutex<Vec<String>>, cut_done: &AtomicUsize) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    let mut range_from: Option<usize> = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("range: bytes=") {
            range_from = v.trim().trim_end_matches('-').parse().ok();
        }
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
    if let Ok(mut l) = log.lock() {
        l.push(format!(
            "GET {path} {}",
            range_from.map_or("-".to_string(), |r| format!("bytes={r}-"))
        ));
    }
    let mut out = stream;
    if let Some(loc) = routes.redirects.get(&path) {
        let _ = write!(
            out,
            "HTTP/1.1 302 Found\r\nLocation: {loc}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        return;
    }
    let Some(body) = routes.files.get(&path) else {
        let _ = write!(
            out,
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        return;
    };
    match range_from {
        Some(from) if from < body.len() => {
            let rest = &body[from..];
            let _ = write!(
                out,
                "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {from}-{}/{}\r\nConnection: close\r\n\r\n",
                rest.len(),
                body.len() - 1,
                body.len()
            );
            let _ = out.write_all(rest);
        }
        Some(_) => {
            let _ = write!(
                out,
                "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
        None => {
            let _ = write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            match routes.cut_first_after {
                Some(n) if cut_done.fetch_add(1, Ordering::Relaxed) == 0 => {
                    let _ = out.write_all(&body[..n.min(body.len())]);
                    let _ = out.flush();
                    // Dropping the stream here cuts the response short.
                }
                _ => {
                    let _ = out.write_all(body);
                }
            }
        }
    }
    let _ = out.flush();
}
