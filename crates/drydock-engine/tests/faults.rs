//! Connection faults that need no daemon: nothing at the address, a socket
//! that is not Docker's, permission denied.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::io::{Read, Write};
use std::os::unix::net::UnixListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use drydock_engine::{AddressSource, Engine, EngineAddress, EngineError, Timeouts, Transport};

fn unix(path: PathBuf) -> EngineAddress {
    EngineAddress {
        transport: Transport::Unix(path),
        source: AddressSource::Flag,
    }
}

fn short() -> Timeouts {
    Timeouts {
        connect: Duration::from_millis(500),
        call: Duration::from_millis(500),
    }
}

#[tokio::test]
async fn missing_socket_is_unreachable_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nothing.sock");
    let t0 = Instant::now();
    let err = Engine::connect(&unix(path.clone()), short())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Unreachable { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    assert!(t0.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn socket_without_listener_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dead.sock");
    drop(UnixListener::bind(&path).unwrap());
    let err = Engine::connect(&unix(path.clone()), short())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("dead.sock"), "{err}");
}

#[tokio::test]
async fn tcp_refused_is_unreachable_and_named() {
    // Port 1 on loopback: nothing listens there.
    let addr = EngineAddress::resolve(Some("tcp://127.0.0.1:1"), None, &|_| None).unwrap();
    let t0 = Instant::now();
    let err = Engine::connect(&addr, short()).await.unwrap_err();
    assert!(matches!(err, EngineError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains("tcp://127.0.0.1:1"), "{err}");
    assert!(t0.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn silent_socket_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("silent.sock");
    let listener = UnixListener::bind(&path).unwrap();
    // Accepts and holds connections without ever answering.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let t0 = Instant::now();
    let err = Engine::connect(&unix(path.clone()), short())
        .await
        .unwrap_err();
    let took = t0.elapsed();
    assert!(matches!(err, EngineError::Timeout { .. }), "{err:?}");
    assert!(err.to_string().contains("silent.sock"), "{err}");
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[tokio::test]
async fn garbage_socket_is_not_docker() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.sock");
    let listener = UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2 definitely not HTTP\r\n\r\n");
        }
    });
    let err = Engine::connect(&unix(path.clone()), short())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::NotDocker { .. }), "{err:?}");
    assert!(err.to_string().contains("garbage.sock"), "{err}");
}

#[tokio::test]
async fn http_but_not_docker_is_not_docker() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("web.sock");
    let listener = UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let body = "<html>hello</html>";
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let err = Engine::connect(&unix(path.clone()), short())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::NotDocker { .. }), "{err:?}");
    assert!(err.to_string().contains("web.sock"), "{err}");
}

/// A socket with mode 000. Root bypasses file permissions, so as root the
/// connection is not refused and this checks only that nothing hangs; as
/// another user it must be `PermissionDenied` naming the socket.
#[tokio::test]
async fn permission_denied_socket() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("locked.sock");
    let listener = UnixListener::bind(&path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let err = Engine::connect(&unix(path.clone()), short())
        .await
        .unwrap_err();
    let root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    if root {
        eprintln!("note: running as root, which bypasses socket permissions: got {err}");
        assert!(matches!(err, EngineError::Timeout { .. }), "{err:?}");
    } else {
        assert!(
            matches!(err, EngineError::PermissionDenied { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("locked.sock"), "{err}");
    }
}

#[tokio::test]
async fn silent_tcp_endpoint_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let addr =
        EngineAddress::resolve(Some(&format!("tcp://127.0.0.1:{port}")), None, &|_| None).unwrap();
    let t0 = Instant::now();
    let err = Engine::connect(&addr, short()).await.unwrap_err();
    assert!(matches!(err, EngineError::Timeout { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    assert!(t0.elapsed() < Duration::from_secs(3));
}
