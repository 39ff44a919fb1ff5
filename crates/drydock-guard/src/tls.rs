//! The proxy's TCP listener with TLS (`--tls-cert`, `--tls-key`,
//! `--tls-ca`): like dockerd's `--tlsverify`, a CA makes client
//! certificates required and verified. A verified client certificate's
//! subject common name and subjectAltName DNS names are the names
//! `[[proxy.clients]] cert = "…"` entries match.

use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ServerConfig, WebPkiClientVerifier};

/// The names a client certificate presents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertNames {
    /// The subject's common name (`CN=`), if it has one.
    pub common_name: Option<String>,
    /// The subjectAltName DNS names.
    pub dns: Vec<String>,
}

impl CertNames {
    /// Whether a `cert = "…"` entry names this certificate: its common name
    /// or one of its DNS names, exactly (DNS names without regard to case).
    pub fn matches(&self, name: &str) -> bool {
        self.common_name.as_deref() == Some(name)
            || self.dns.iter().any(|d| d.eq_ignore_ascii_case(name))
    }

    /// `CN=ci-runner` or, without a common name, `DNS=runner.example.com`.
    pub fn describe(&self) -> String {
        match (&self.common_name, self.dns.first()) {
            (Some(cn), _) => format!("CN={cn}"),
            (None, Some(d)) => format!("DNS={d}"),
            (None, None) => "a certificate without a name".to_string(),
        }
    }
}

/// The server side: its certificate chain and key, and with a CA the
/// client certificates it requires.
pub fn server_config(
    cert: &Path,
    key: &Path,
    ca: Option<&Path>,
) -> Result<Arc<ServerConfig>, String> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("--tls-cert {}: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("--tls-cert {}: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!(
            "--tls-cert {}: no PEM certificate in the file",
            cert.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
        format!(
            "--tls-key {}: no usable PEM private key: {e}",
            key.display()
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let builder = match ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            let certs = CertificateDer::pem_file_iter(ca)
                .map_err(|e| format!("--tls-ca {}: {e}", ca.display()))?;
            for c in certs {
                let c = c.map_err(|e| format!("--tls-ca {}: {e}", ca.display()))?;
                roots
                    .add(c)
                    .map_err(|e| format!("--tls-ca {}: {e}", ca.display()))?;
            }
            if roots.is_empty() {
                return Err(format!(
                    "--tls-ca {}: no PEM certificate in the file",
                    ca.display()
                ));
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| format!("--tls-ca {}: {e}", ca.display()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = builder
        .with_single_cert(chain, key)
        .map_err(|e| format!("--tls-cert/--tls-key: {e}"))?;
    Ok(Arc::new(config))
}

/// One DER element: its tag, its contents and what follows it.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The elements of a constructed value.
fn elements(mut input: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    std::iter::from_fn(move || {
        let (tag, body, rest) = tlv(input)?;
        input = rest;
        Some((tag, body))
    })
}

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const OCTET_STRING: u8 = 0x04;
/// id-at-commonName, 2.5.4.3.
const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
/// id-ce-subjectAltName, 2.5.29.17.
const OID_SAN: &[u8] = &[0x55, 0x1d, 0x11];

/// The subject common name and subjectAltName DNS names of a DER
/// certificate (one the TLS handshake has verified). `None` when it is not
/// a certificate's shape.
pub fn cert_names(der: &[u8]) -> Option<CertNames> {
    let (SEQUENCE, cert, _) = tlv(der)? else {
        return None;
    };
    let (SEQUENCE, tbs, _) = tlv(cert)? else {
        return None;
    };
    let mut fields = elements(tbs).peekable();
    // [0] version, optional.
    if fields.peek().is_some_and(|(t, _)| *t == 0xa0) {
        fields.next();
    }
    // serial, signature, issuer, validity, subject.
    let (_, subject) = fields.nth(4)?;
    let mut out = CertNames::default();
    for (tag, rdn) in elements(subject) {
        if tag != SET {
            return None;
        }
        for (tag, atv) in elements(rdn) {
            if tag != SEQUENCE {
                return None;
            }
            let mut parts = elements(atv);
            if let (Some((OID, oid)), Some((_, value))) = (parts.next(), parts.next())
                && oid == OID_CN
                && out.common_name.is_none()
            {
                out.common_name = std::str::from_utf8(value).ok().map(str::to_string);
            }
        }
    }
    // subjectPublicKeyInfo, then [1], [2] and [3] extensions.
    for (tag, body) in fields.skip(1) {
        if tag != 0xa3 {
            continue;
        }
        let (SEQUENCE, exts, _) = tlv(body)? else {
            return None;
        };
        for (tag, ext) in elements(exts) {
            if tag != SEQUENCE {
                continue;
            }
            let mut parts = elements(ext);
            let Some((OID, oid)) = parts.next() else {
                continue;
            };
            if oid != OID_SAN {
                continue;
            }
            // critical BOOLEAN is optional: the value is the OCTET STRING.
            let Some((_, value)) = parts.find(|(t, _)| *t == OCTET_STRING) else {
                continue;
            };
            let Some((SEQUENCE, names, _)) = tlv(value) else {
                continue;
            };
            for (tag, name) in elements(names) {
                // [2] IMPLICIT IA5String: dNSName.
                if tag == 0x82
                    && let Ok(s) = std::str::from_utf8(name)
                {
                    out.dns.push(s.to_string());
                }
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// DER of one element.
    fn der(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let n = body.len();
        if n < 0x80 {
            out.push(u8::try_from(n).unwrap());
        } else if n < 0x100 {
            out.extend([0x81, u8::try_from(n).unwrap()]);
        } else {
            out.extend([0x82, u8::try_from(n >> 8).unwrap(), (n & 0xff) as u8]);
        }
        out.extend_from_slice(body);
        out
    }

    fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }

    /// A certificate's shape: version, serial, algorithm, issuer, validity,
    /// subject (with the given CN), key, and a SAN extension.
    fn cert(cn: Option<&str>, dns: &[&str], with_version: bool) -> Vec<u8> {
        let name = |cn: Option<&str>| {
            let mut rdns = vec![der(
                SET,
                &der(
                    SEQUENCE,
                    &cat(&[der(OID, &[0x55, 0x04, 0x0a]), der(0x0c, b"Acme")]),
                ),
            )];
            if let Some(cn) = cn {
                rdns.push(der(
                    SET,
                    &der(
                        SEQUENCE,
                        &cat(&[der(OID, OID_CN), der(0x0c, cn.as_bytes())]),
                    ),
                ));
            }
            der(SEQUENCE, &cat(&rdns))
        };
        let san = der(
            SEQUENCE,
            &cat(&dns
                .iter()
                .map(|d| der(0x82, d.as_bytes()))
                .collect::<Vec<_>>()),
        );
        let exts = der(
            0xa3,
            &der(
                SEQUENCE,
                &cat(&[
                    der(
                        SEQUENCE,
                        &cat(&[der(OID, &[0x55, 0x1d, 0x13]), der(OCTET_STRING, &[0x30, 0])]),
                    ),
                    der(
                        SEQUENCE,
                        &cat(&[
                            der(OID, OID_SAN),
                            der(0x01, &[0xff]),
                            der(OCTET_STRING, &san),
                        ]),
                    ),
                ]),
            ),
        );
        let mut tbs = Vec::new();
        if with_version {
            tbs.push(der(0xa0, &der(0x02, &[2])));
        }
        tbs.extend([
            der(0x02, &[1, 2, 3]),
            der(SEQUENCE, &der(OID, &[1, 2])),
            name(Some("Test CA")),
            der(SEQUENCE, &cat(&[der(0x17, b"x"), der(0x17, b"y")])),
            name(cn),
            der(SEQUENCE, &der(0x03, &[0; 200])),
            exts,
        ]);
        der(
            SEQUENCE,
            &cat(&[
                der(SEQUENCE, &cat(&tbs)),
                der(SEQUENCE, &der(OID, &[1, 2])),
                der(0x03, &[0; 64]),
            ]),
        )
    }

    #[test]
    fn names_of_a_certificate() {
        let n = cert_names(&cert(
            Some("ci-runner"),
            &["ci.example.com", "x.test"],
            true,
        ))
        .unwrap();
        assert_eq!(n.common_name.as_deref(), Some("ci-runner"));
        assert_eq!(n.dns, ["ci.example.com", "x.test"]);
        assert!(n.matches("ci-runner"));
        assert!(n.matches("CI.example.com"));
        assert!(!n.matches("Test CA"), "the issuer's CN is not the client's");
        assert!(!n.matches("ci"));
        assert_eq!(n.describe(), "CN=ci-runner");
        let n = cert_names(&cert(None, &["only.dns"], false)).unwrap();
        assert_eq!(n.common_name, None);
        assert_eq!(n.describe(), "DNS=only.dns");
        assert!(cert_names(b"").is_none());
        assert!(cert_names(&[0x30, 0x03, 0x30, 0x01]).is_none());
    }

    proptest::proptest! {
        #[test]
        fn der_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let _ = cert_names(&bytes);
            let mut c = cert(Some("a"), &["b"], true);
            let n = bytes.len().min(c.len());
            c[..n].copy_from_slice(&bytes[..n]);
            let _ = cert_names(&c);
        }
    }

    #[test]
    fn server_config_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let e = server_config(&empty, &empty, None).unwrap_err();
        assert!(
            e.contains("--tls-cert") && e.contains("no PEM certificate"),
            "{e}"
        );
        let missing = dir.path().join("missing.pem");
        let e = server_config(&missing, &empty, None).unwrap_err();
        assert!(e.contains("missing.pem"), "{e}");
    }
}
