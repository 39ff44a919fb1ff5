//! TCP with TLS on loopback: a private daemon with `--tlsverify` and a test
//! CA made here with `openssl`, reached through `DOCKER_HOST`,
//! `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH`.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use drydock_testkit as support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use drydock_engine::{Engine, EngineAddress, EngineError, Timeouts};

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, in
/// the file names the Docker CLI expects in `DOCKER_CERT_PATH`.
fn make_certs(dir: &Path) {
    let days = ["-days", "2"];
    openssl(dir, &["genrsa", "-out", "ca-key.pem", "2048"]);
    let mut a = vec![
        "req",
        "-new",
        "-x509",
        "-key",
        "ca-key.pem",
        "-out",
        "ca.pem",
    ];
    a.extend(["-subj", "/CN=drydock test CA"]);
    a.extend(days);
    openssl(dir, &a);
    for (name, ext) in [
        (
            "server",
            "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
        ),
        ("client", "extendedKeyUsage=clientAuth\n"),
    ] {
        std::fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
        let key = if name == "client" {
            "key.pem".to_string()
        } else {
            format!("{name}-key.pem")
        };
        let crt = if name == "client" {
            "cert.pem".to_string()
        } else {
            format!("{name}-cert.pem")
        };
        openssl(dir, &["genrsa", "-out", &key, "2048"]);
        let csr = format!("{name}.csr");
        openssl(
            dir,
            &[
                "req",
                "-new",
                "-key",
                &key,
                "-out",
                &csr,
                "-subj",
                &format!("/CN={name}"),
            ],
        );
        let ext = format!("{name}.ext");
        let mut a = vec![
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
        ];
        a.extend(["-CAcreateserial", "-out", &crt, "-extfile", &ext]);
        a.extend(days);
        openssl(dir, &a);
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_on_loopback() {
    if let Some(reason) = support::unavailable() {
        support::skip(&reason);
        return;
    }
    if Command::new("openssl").arg("version").output().is_err() {
        support::skip("no openssl to make a test CA");
        return;
    }
    let certs = tempfile::tempdir().unwrap();
    make_certs(certs.path());
    let port = free_port();
    let p = |f: &str| certs.path().join(f).to_string_lossy().to_string();
    let extra = vec![
        "--host".to_string(),
        format!("tcp://127.0.0.1:{port}"),
        "--tlsverify".to_string(),
        format!("--tlscacert={}", p("ca.pem")),
        format!("--tlscert={}", p("server-cert.pem")),
        format!("--tlskey={}", p("server-key.pem")),
    ];
    let d = match support::Daemon::start_with(None, &extra) {
        Ok(d) => d,
        Err(e) => {
            support::skip(&format!("dockerd did not start: {e}"));
            return;
        }
    };
    let cert_path = certs.path().to_string_lossy().to_string();
    let host = format!("tcp://127.0.0.1:{port}");
    let env = |k: &str| match k {
        "DOCKER_HOST" => Some(host.clone()),
        "DOCKER_TLS_VERIFY" => Some("1".to_string()),
        "DOCKER_CERT_PATH" => Some(cert_path.clone()),
        _ => None,
    };
    let addr = EngineAddress::resolve(None, None, &env).unwrap();
    assert_eq!(addr.to_string(), format!("tcp://127.0.0.1:{port} (TLS)"));
    let e = Engine::connect(&addr, Timeouts::default())
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", d.log_tail()));
    let info = e.call("GET /info", e.docker().info()).await.unwrap();
    assert!(info.server_version.is_some());

    // The same port without TLS: an error naming the address, no hang.
    let plain = EngineAddress::resolve(Some(&host), None, &|_| None).unwrap();
    let short = Timeouts {
        connect: Duration::from_secs(2),
        call: Duration::from_secs(2),
    };
    let err = Engine::connect(&plain, short).await.unwrap_err();
    eprintln!("plain HTTP to the TLS port: {err}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
    assert!(err.is_connection_error(), "{err:?}");

    // Missing client certificates: a configuration error naming the file.
    let env2 = |k: &str| match k {
        "DOCKER_CERT_PATH" => Some("/nonexistent-certs".to_string()),
        _ => env(k),
    };
    let addr = EngineAddress::resolve(None, None, &env2).unwrap();
    let err = Engine::connect(&addr, short).await.unwrap_err();
    assert!(matches!(err, EngineError::Config { .. }), "{err:?}");
    assert!(
        err.to_string().contains("/nonexistent-certs/ca.pem"),
        "{err}"
    );
}
