//! A recorded request, for `drydock guard explain POLICY --request FILE`:
//!
//! * the authorization plugin's message as dockerd sends it
//!   (`{"RequestMethod": "POST", "RequestUri": "/v1.41/containers/create",
//!   "RequestBody": "<base64>", …}`);
//! * a plain description: `{"method": "POST", "uri": "/containers/create?name=web",
//!   "body": {…}}` (`body` a JSON value, or a string taken as it is;
//!   `path` accepted for `uri`);
//! * a raw HTTP/1.x request as it went over the socket (`socat -v`, `curl
//!   --trace`): request line, headers, blank line, body; a chunked body is
//!   decoded.

use base64::Engine as _;
use serde_json::Value;

/// What the guard decides on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    pub uri: String,
    pub body: Vec<u8>,
}

/// Reads a recorded request in any of the three forms.
pub fn parse(bytes: &[u8]) -> Result<Recorded, String> {
    let trimmed = bytes.trim_ascii_start();
    if trimmed.first() == Some(&b'{') {
        let v: Value = serde_json::from_slice(bytes)
            .map_err(|e| format!("the request is not valid JSON: {e}"))?;
        return from_json(&v);
    }
    from_http(trimmed)
}

fn str_field<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| v.get(*k).and_then(Value::as_str))
}

fn from_json(v: &Value) -> Result<Recorded, String> {
    if let Some(method) = str_field(v, &["RequestMethod"]) {
        let uri = str_field(v, &["RequestUri", "RequestURI"])
            .ok_or("the authorization message has no `RequestUri`")?;
        let body = match v.get("RequestBody") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(b)) => base64::engine::general_purpose::STANDARD
                .decode(b)
                .map_err(|e| format!("`RequestBody` is not valid base64: {e}"))?,
            Some(_) => return Err("`RequestBody` is not a base64 string".into()),
        };
        return Ok(Recorded {
            method: method.to_string(),
            uri: uri.to_string(),
            body,
        });
    }
    let method = str_field(v, &["method"]).ok_or(
        "the request names no method: expected `method` and `uri` (or the daemon's `RequestMethod` and `RequestUri`)",
    )?;
    let uri = str_field(v, &["uri", "path"]).ok_or("the request has no `uri`")?;
    let body = match v.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        Some(other) => serde_json::to_vec(other).map_err(|e| e.to_string())?,
    };
    Ok(Recorded {
        method: method.to_string(),
        uri: uri.to_string(),
        body,
    })
}

fn from_http(b: &[u8]) -> Result<Recorded, String> {
    let (head, rest) = match find(b, b"\r\n\r\n") {
        Some(i) => (&b[..i], &b[i + 4..]),
        None => match find(b, b"\n\n") {
            Some(i) => (&b[..i], &b[i + 2..]),
            None => (b, &b[b.len()..]),
        },
    };
    let head = std::str::from_utf8(head)
        .map_err(|_| "the request's head is not text (expected JSON or an HTTP request)")?;
    let mut lines = head.lines();
    let first = lines.next().unwrap_or("").trim();
    let mut parts = first.split_whitespace();
    let (Some(method), Some(uri)) = (parts.next(), parts.next()) else {
        return Err(format!(
            "`{}` is not an HTTP request line (expected `METHOD /path HTTP/1.1`, or JSON)",
            first.chars().take(80).collect::<String>()
        ));
    };
    if !method.bytes().all(|c| c.is_ascii_uppercase())
        || !parts.next().is_some_and(|v| v.starts_with("HTTP/"))
    {
        return Err(format!(
            "`{}` is not an HTTP request line (expected `METHOD /path HTTP/1.1`, or JSON)",
            first.chars().take(80).collect::<String>()
        ));
    }
    let mut chunked = false;
    let mut length: Option<usize> = None;
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            return Err(format!("`{l}` is not a header line"));
        };
        let (k, v) = (k.trim(), v.trim());
        if k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked") {
            chunked = true;
        } else if k.eq_ignore_ascii_case("content-length") {
            length = Some(
                v.parse()
                    .map_err(|_| format!("Content-Length `{v}` is not a number"))?,
            );
        }
    }
    let body = if chunked {
        dechunk(rest)?
    } else {
        match length {
            Some(n) if n <= rest.len() => rest[..n].to_vec(),
            Some(n) => {
                return Err(format!(
                    "Content-Length is {n} but the body has {} bytes",
                    rest.len()
                ));
            }
            None => rest.to_vec(),
        }
    };
    Ok(Recorded {
        method: method.to_string(),
        uri: uri.to_string(),
        body,
    })
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let i = find(b, b"\r\n").ok_or("a chunk size line has no end")?;
        let line = std::str::from_utf8(&b[..i]).map_err(|_| "a chunk size is not text")?;
        let size = line.split(';').next().unwrap_or("").trim();
        let n =
            usize::from_str_radix(size, 16).map_err(|_| format!("`{size}` is not a chunk size"))?;
        b = &b[i + 2..];
        if n == 0 {
            return Ok(out);
        }
        if b.len() < n {
            return Err("the chunked body is cut short".into());
        }
        out.extend_from_slice(&b[..n]);
        b = b[n..].strip_prefix(b"\r\n").unwrap_or(&b[n..]);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_daemons_message() {
        let r = parse(br#"{"User":"","RequestMethod":"POST","RequestUri":"/v1.41/containers/create?name=w","RequestBody":"eyJJbWFnZSI6ImEifQ==","RequestHeaders":{}}"#).unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.uri, "/v1.41/containers/create?name=w");
        assert_eq!(r.body, br#"{"Image":"a"}"#);
        assert!(
            parse(br#"{"RequestMethod":"POST","RequestUri":"/x","RequestBody":"%%"}"#).is_err()
        );
    }

    #[test]
    fn a_plain_description() {
        let r =
            parse(br#"{"method":"POST","uri":"/containers/create","body":{"Image":"a"}}"#).unwrap();
        assert_eq!(r.body, br#"{"Image":"a"}"#);
        let r = parse(br#"{"method":"GET","path":"/info"}"#).unwrap();
        assert_eq!((r.uri.as_str(), r.body.len()), ("/info", 0));
        let e = parse(br#"{"uri":"/info"}"#).unwrap_err();
        assert!(e.contains("no method"), "{e}");
    }

    #[test]
    fn raw_http() {
        let r = parse(b"POST /v1.43/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Length: 13\r\n\r\n{\"Image\":\"a\"}trailing").unwrap();
        assert_eq!(r.body, br#"{"Image":"a"}"#);
        let r = parse(b"POST /containers/c/exec HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"Use\r\n7;x=y\r\nr\":\"0\"}\r\n0\r\n\r\n").unwrap();
        assert_eq!(r.body, br#"{"User":"0"}"#);
        let r = parse(b"GET /_ping HTTP/1.1\nHost: x\n\n").unwrap();
        assert_eq!((r.method.as_str(), r.uri.as_str()), ("GET", "/_ping"));
        for bad in [
            &b"hello"[..],
            b"get / HTTP/1.1\r\n\r\n",
            b"POST /x HTTP/1.1\r\nContent-Length: 9\r\n\r\nab",
            b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"POST /x HTTP/1.1\r\nbroken header\r\n\r\n",
        ] {
            assert!(parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    proptest! {
        #[test]
        fn never_panics(raw in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse(&raw);
        }

        #[test]
        fn never_panics_on_http_like(s in "(GET|POST) /[a-z/]{0,10} HTTP/1.1\r\n([A-Za-z-]{1,12}: [0-9a-z]{0,5}\r\n){0,3}\r\n[0-9a-f\r\n;]{0,30}") {
            let _ = parse(s.as_bytes());
        }
    }
}
