//! The one-port proxy end to end: the real Envoy runs the configuration paddock generates for a
//! values case, with its clusters re-pointed at loopback backends that say who they are, and
//! real clients prove every route: a gRPC call over HTTP/2, SigV4- and SigV2-signed and
//! presigned S3 requests (the S3 backend re-checks each signature, so Host and path arrived
//! unchanged), dex, the OIDC callback, pachd's HTTP API, console over HTTP and WebSocket, each
//! direct (legacy) port; and with TLS, the redirect from the cleartext port and a TLS client
//! (certificate made here with rcgen) reaching every backend over h2 and http/1.1.
//!
//! Loopback only, ports chosen at run time, Envoy killed when a test ends, every test bounded
//! in time. Without an Envoy binary the tests skip, except under CI=true where they fail.

mod proxy_support;

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use paddock_core::envoy::routes::main_routes;
use paddock_core::envoy::{self, Backend, Layout, Upstream};
use paddock_core::platform::model::Values;
use proxy_support::{Envoy, envoy_binary, free_ports, render};
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

/// Test credentials the S3 backend knows.
const ACCESS_KEY: &str = "AKIDPADDOCKTEST";
const SECRET_KEY: &str = "paddock/Test+Secret";

type Body = BoxBody<Bytes, Infallible>;

fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

/// S3 request signing (AWS Signature V4 and V2, header and presigned forms), used by the
/// client to sign and by the S3 backend to check what arrived.
mod s3sig {
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};

    fn hmac256(key: &[u8], data: &str) -> Vec<u8> {
        let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
        m.update(data.as_bytes());
        m.finalize().into_bytes().to_vec()
    }

    /// Lower-case hex.
    pub fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Hex SHA-256.
    pub fn sha256(data: &[u8]) -> String {
        hex(&Sha256::digest(data))
    }

    /// AWS's URI encoding (unreserved characters kept, the rest %XX).
    pub fn uri_encode(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    /// Decodes %XX escapes.
    pub fn uri_decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }

    /// The SigV4 signature of a canonical request.
    pub fn v4_signature(
        secret: &str,
        amz_date: &str,
        region: &str,
        service: &str,
        canonical_request: &str,
    ) -> String {
        let day = &amz_date[..8];
        let scope = format!("{day}/{region}/{service}/aws4_request");
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
            sha256(canonical_request.as_bytes())
        );
        let k = hmac256(format!("AWS4{secret}").as_bytes(), day);
        let k = hmac256(&k, region);
        let k = hmac256(&k, service);
        let k = hmac256(&k, "aws4_request");
        hex(&hmac256(&k, &to_sign))
    }

    /// A canonical query string from already-encoded `name=value` pairs.
    pub fn canonical_query(pairs: &[(String, String)]) -> String {
        let mut sorted = pairs.to_vec();
        sorted.sort();
        sorted
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// A SigV4 canonical request.
    pub fn v4_canonical_request(
        method: &str,
        path: &str,
        query: &str,
        headers: &[(&str, &str)],
        payload_hash: &str,
    ) -> String {
        let canonical_headers: String = headers
            .iter()
            .map(|(k, v)| format!("{k}:{}\n", v.trim()))
            .collect();
        let signed: Vec<&str> = headers.iter().map(|(k, _)| *k).collect();
        format!(
            "{method}\n{path}\n{query}\n{canonical_headers}\n{}\n{payload_hash}",
            signed.join(";")
        )
    }

    /// The SigV2 signature (base64 HMAC-SHA1) of a string to sign.
    pub fn v2_signature(secret: &str, string_to_sign: &str) -> String {
        let mut m = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes()).unwrap();
        m.update(string_to_sign.as_bytes());
        paddock_core::render::base64(&m.finalize().into_bytes())
    }

    #[test]
    fn v4_matches_aws_published_example() {
        // The IAM ListUsers example of AWS's Signature V4 documentation.
        let canonical = v4_canonical_request(
            "GET",
            "/",
            "Action=ListUsers&Version=2010-05-08",
            &[
                (
                    "content-type",
                    "application/x-www-form-urlencoded; charset=utf-8",
                ),
                ("host", "iam.amazonaws.com"),
                ("x-amz-date", "20150830T123600Z"),
            ],
            &sha256(b""),
        );
        assert_eq!(
            sha256(canonical.as_bytes()),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59"
        );
        assert_eq!(
            v4_signature(
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                "20150830T123600Z",
                "us-east-1",
                "iam",
                &canonical
            ),
            "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
    }
}

const AMZ_DATE: &str = "20240102T030405Z";
const REGION: &str = "us-east-1";

/// Headers of a SigV4 header-signed request for `host` (the Authorization header last).
fn sigv4_headers(method: &str, host: &str, path: &str, body: &[u8]) -> Vec<(String, String)> {
    let payload = s3sig::sha256(body);
    let canonical = s3sig::v4_canonical_request(
        method,
        path,
        "",
        &[
            ("host", host),
            ("x-amz-content-sha256", &payload),
            ("x-amz-date", AMZ_DATE),
        ],
        &payload,
    );
    let signature = s3sig::v4_signature(SECRET_KEY, AMZ_DATE, REGION, "s3", &canonical);
    vec![
        ("x-amz-content-sha256".into(), payload),
        ("x-amz-date".into(), AMZ_DATE.into()),
        (
            "authorization".into(),
            format!(
                "AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{}/{REGION}/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={signature}",
                &AMZ_DATE[..8]
            ),
        ),
    ]
}

const V2_DATE: &str = "Tue, 02 Jan 2024 03:04:05 +0000";

/// Headers of a SigV2 header-signed request.
fn sigv2_headers(method: &str, path: &str) -> Vec<(String, String)> {
    let to_sign = format!("{method}\n\n\n{V2_DATE}\n{path}");
    vec![
        ("date".into(), V2_DATE.into()),
        (
            "authorization".into(),
            format!(
                "AWS {ACCESS_KEY}:{}",
                s3sig::v2_signature(SECRET_KEY, &to_sign)
            ),
        ),
    ]
}

/// A SigV4 presigned GET URL's path and query.
fn presigned_v4(host: &str, path: &str) -> String {
    let mut pairs: Vec<(String, String)> = [
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256".to_owned()),
        (
            "X-Amz-Credential",
            format!("{ACCESS_KEY}/{}/{REGION}/s3/aws4_request", &AMZ_DATE[..8]),
        ),
        ("X-Amz-Date", AMZ_DATE.to_owned()),
        ("X-Amz-Expires", "300".to_owned()),
        ("X-Amz-SignedHeaders", "host".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (s3sig::uri_encode(k), s3sig::uri_encode(&v)))
    .collect();
    let query = s3sig::canonical_query(&pairs);
    let canonical =
        s3sig::v4_canonical_request("GET", path, &query, &[("host", host)], "UNSIGNED-PAYLOAD");
    let signature = s3sig::v4_signature(SECRET_KEY, AMZ_DATE, REGION, "s3", &canonical);
    pairs.push(("X-Amz-Signature".into(), signature));
    let q: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{path}?{}", q.join("&"))
}

/// A SigV2 presigned GET URL's path and query.
fn presigned_v2(path: &str) -> String {
    let expires = "1893456000";
    let signature = s3sig::v2_signature(SECRET_KEY, &format!("GET\n\n\n{expires}\n{path}"));
    format!(
        "{path}?AWSAccessKeyId={ACCESS_KEY}&Expires={expires}&Signature={}",
        s3sig::uri_encode(&signature)
    )
}

/// What the S3 backend makes of a request's signature: which kind, and whether it checks out
/// against the request exactly as it arrived.
fn s3_verdict(method: &str, path_and_query: &str, headers: &HeaderMap) -> String {
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    let param = |n: &str| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let auth = header("authorization");
    let host = header("host");
    let ok = |kind: &str, good: bool| format!("{kind}-{}", if good { "ok" } else { "bad" });
    if let Some(rest) = auth.strip_prefix("AWS4-HMAC-SHA256 ") {
        let payload = header("x-amz-content-sha256");
        let canonical = s3sig::v4_canonical_request(
            method,
            path,
            &s3sig::canonical_query(&pairs),
            &[
                ("host", &host),
                ("x-amz-content-sha256", &payload),
                ("x-amz-date", &header("x-amz-date")),
            ],
            &payload,
        );
        let want = s3sig::v4_signature(SECRET_KEY, &header("x-amz-date"), REGION, "s3", &canonical);
        return ok("sigv4", rest.ends_with(&format!("Signature={want}")));
    }
    if let Some(rest) = auth.strip_prefix("AWS ") {
        let to_sign = format!("{method}\n\n\n{}\n{path}", header("date"));
        let want = s3sig::v2_signature(SECRET_KEY, &to_sign);
        return ok("sigv2", rest == format!("{ACCESS_KEY}:{want}"));
    }
    if let Some(signature) = param("X-Amz-Signature") {
        let unsigned: Vec<(String, String)> = pairs
            .iter()
            .filter(|(k, _)| k != "X-Amz-Signature")
            .cloned()
            .collect();
        let canonical = s3sig::v4_canonical_request(
            method,
            path,
            &s3sig::canonical_query(&unsigned),
            &[("host", &host)],
            "UNSIGNED-PAYLOAD",
        );
        let date = param("X-Amz-Date").unwrap_or_default();
        let want = s3sig::v4_signature(SECRET_KEY, &date, REGION, "s3", &canonical);
        return ok("presigned-v4", signature == want);
    }
    if let (Some(signature), Some(expires)) = (param("Signature"), param("Expires")) {
        let want = s3sig::v2_signature(SECRET_KEY, &format!("{method}\n\n\n{expires}\n{path}"));
        return ok("presigned-v2", s3sig::uri_decode(&signature) == want);
    }
    "unsigned".into()
}

/// The answer of an HTTP backend: who it is and what it received.
async fn echo(backend: Backend, mut req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let is_websocket = req
        .headers()
        .get("upgrade")
        .is_some_and(|u| u.as_bytes().eq_ignore_ascii_case(b"websocket"));
    if backend == Backend::Console && is_websocket {
        let accept = derive_accept_key(req.headers()["sec-websocket-key"].as_bytes());
        let upgrade = hyper::upgrade::on(&mut req);
        tokio::spawn(async move {
            let Ok(upgraded) = upgrade.await else { return };
            let mut ws = tokio_tungstenite::WebSocketStream::from_raw_socket(
                TokioIo::new(upgraded),
                Role::Server,
                None,
            )
            .await;
            while let Some(Ok(msg)) = ws.next().await {
                if msg.is_text() {
                    let reply = format!("console:{}", msg.to_text().unwrap());
                    if ws.send(Message::text(reply)).await.is_err() {
                        break;
                    }
                } else if msg.is_close() {
                    break;
                }
            }
        });
        return Ok(Response::builder()
            .status(StatusCode::SWITCHING_PROTOCOLS)
            .header("connection", "upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-accept", accept)
            .body(full(Bytes::new()))
            .unwrap());
    }
    let method = req.method().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let headers = req.headers().clone();
    let body = req.into_body().collect().await.unwrap().to_bytes();
    let mut reply = json!({
        "backend": backend.cluster(),
        "method": method,
        "path": path,
        "host": headers.get("host").and_then(|h| h.to_str().ok()),
        "content_type": headers.get("content-type").and_then(|h| h.to_str().ok()),
        "body_len": body.len(),
    });
    if backend == Backend::PachdS3 {
        reply["signature"] = json!(s3_verdict(&method, &path, &headers));
    }
    Ok(Response::new(full(reply.to_string())))
}

/// A gRPC message frame (uncompressed).
fn grpc_frame(message: &[u8]) -> Bytes {
    let mut out = vec![0u8];
    out.extend_from_slice(&u32::try_from(message.len()).unwrap().to_be_bytes());
    out.extend_from_slice(message);
    out.into()
}

/// The message in a gRPC response body.
fn grpc_message(body: &[u8]) -> &[u8] {
    assert!(
        body.len() >= 5 && body[0] == 0,
        "not a gRPC frame: {body:?}"
    );
    let len = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
    &body[5..5 + len]
}

/// The gRPC backend: answers Envoy's health check with SERVING and any other method with who it
/// is and what it received, status OK in the trailers.
async fn grpc_backend(req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let path = req.uri().path().to_owned();
    let authority = req.uri().authority().map(|a| a.to_string());
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    let body = req.into_body().collect().await.unwrap().to_bytes();
    let message = if path == "/grpc.health.v1.Health/Check" {
        // HealthCheckResponse { status: SERVING }.
        vec![0x08, 0x01]
    } else {
        json!({
            "backend": "pachd-grpc",
            "path": path,
            "authority": authority,
            "content_type": content_type,
            "request": String::from_utf8_lossy(grpc_message(&body)),
        })
        .to_string()
        .into_bytes()
    };
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", HeaderValue::from_static("0"));
    let frames = futures_util::stream::iter([
        Ok::<_, Infallible>(Frame::data(grpc_frame(&message))),
        Ok(Frame::trailers(trailers)),
    ]);
    Ok(Response::builder()
        .header("content-type", "application/grpc")
        .body(BodyExt::boxed(StreamBody::new(frames)))
        .unwrap())
}

/// Starts one loopback backend per [`Backend`]; returns their ports.
async fn start_backends() -> BTreeMap<Backend, u16> {
    let mut ports = BTreeMap::new();
    for backend in Backend::ALL {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        ports.insert(backend, listener.local_addr().unwrap().port());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let io = TokioIo::new(stream);
                    if backend == Backend::PachdGrpc {
                        let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                            .serve_connection(io, hyper::service::service_fn(grpc_backend))
                            .await;
                    } else {
                        let service = hyper::service::service_fn(move |r| echo(backend, r));
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(io, service)
                            .with_upgrades()
                            .await;
                    }
                });
            }
        });
    }
    ports
}

/// A layout with every Envoy port on loopback (chosen now) and every cluster pointed at the
/// loopback backends; files under `dir`.
fn loopback_layout(values: &Values, backends: &BTreeMap<Backend, u16>, dir: &Path) -> Layout {
    let ports = free_ports(4 + Backend::ALL.len());
    let mut layout = Layout::kubernetes(values);
    layout.listen_address = "127.0.0.1".into();
    layout.admin_port = ports[0];
    layout.probe_port = ports[1];
    layout.http_port = ports[2];
    layout.https_port = ports[3];
    for (i, backend) in Backend::ALL.iter().enumerate() {
        layout.direct_ports.insert(*backend, ports[4 + i]);
        let upstream = Upstream {
            host: "127.0.0.1".into(),
            port: backends[backend],
        };
        layout.upstreams.insert(*backend, upstream);
    }
    layout.config_dir = dir.join("config").display().to_string();
    layout.tls_dir = dir.join("tls").display().to_string();
    std::fs::create_dir_all(&layout.config_dir).unwrap();
    std::fs::create_dir_all(&layout.tls_dir).unwrap();
    layout
}

/// A response, read to the end.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    trailers: Option<HeaderMap>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| {
            panic!(
                "not a backend's answer ({}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// HTTP/1.1 or HTTP/2 (prior knowledge or ALPN) on one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proto {
    H1,
    H2,
}

/// Sends one request on a fresh connection over `io`.
async fn send<S>(io: S, proto: Proto, req: Request<Full<Bytes>>) -> Reply
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let response = match proto {
        Proto::H1 => {
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(io))
                .await
                .unwrap();
            tokio::spawn(conn);
            sender.send_request(req).await.unwrap()
        }
        Proto::H2 => {
            let (mut sender, conn) =
                hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(io))
                    .await
                    .unwrap();
            tokio::spawn(conn);
            sender.send_request(req).await.unwrap()
        }
    };
    let status = response.status();
    let headers = response.headers().clone();
    let collected = response.into_body().collect().await.unwrap();
    let trailers = collected.trailers().cloned();
    Reply {
        status,
        headers,
        body: collected.to_bytes(),
        trailers,
    }
}

/// A request: HTTP/1.1 in origin form with a Host header, HTTP/2 with an absolute URI.
fn request(
    proto: Proto,
    scheme: &str,
    authority: &str,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Request<Full<Bytes>> {
    let uri = match proto {
        Proto::H1 => path.to_owned(),
        Proto::H2 => format!("{scheme}://{authority}{path}"),
    };
    let mut builder = Request::builder().method(method).uri(uri);
    if proto == Proto::H1 {
        builder = builder.header("host", authority);
    }
    for (k, v) in headers {
        builder = builder.header(HeaderName::try_from(k.as_str()).unwrap(), v.as_str());
    }
    builder
        .body(Full::new(Bytes::copy_from_slice(body)))
        .unwrap()
}

/// Where requests go and how connections are made (cleartext or TLS with an ALPN protocol).
#[derive(Clone)]
struct Client {
    addr: SocketAddr,
    authority: String,
    tls: Option<tokio_rustls::TlsConnector>,
}

impl Client {
    fn plain(port: u16) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            authority: format!("localhost:{port}"),
            tls: None,
        }
    }

    fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }

    async fn call(
        &self,
        proto: Proto,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Reply {
        let req = request(
            proto,
            self.scheme(),
            &self.authority,
            method,
            path,
            headers,
            body,
        );
        let tcp = TcpStream::connect(self.addr).await.unwrap();
        match &self.tls {
            None => send(tcp, proto, req).await,
            Some(connector) => {
                let tls = connector
                    .connect(ServerName::try_from("localhost").unwrap(), tcp)
                    .await
                    .expect("TLS handshake");
                let want: &[u8] = if proto == Proto::H2 {
                    b"h2"
                } else {
                    b"http/1.1"
                };
                assert_eq!(tls.get_ref().1.alpn_protocol(), Some(want), "ALPN");
                send(tls, proto, req).await
            }
        }
    }

    async fn get(&self, proto: Proto, path: &str) -> Reply {
        self.call(proto, "GET", path, &[], b"").await
    }

    /// A unary gRPC call; returns the backend's answer after checking grpc-status 0.
    async fn grpc(&self, path: &str) -> Value {
        let headers = [
            ("content-type".to_owned(), "application/grpc".to_owned()),
            ("te".to_owned(), "trailers".to_owned()),
        ];
        let reply = self
            .call(Proto::H2, "POST", path, &headers, &grpc_frame(b"hello"))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.headers);
        let status = reply
            .trailers
            .as_ref()
            .and_then(|t| t.get("grpc-status"))
            .or_else(|| reply.headers.get("grpc-status"));
        assert_eq!(
            status.map(|s| s.to_str().unwrap()),
            Some("0"),
            "gRPC status: {:?} {:?}",
            reply.headers,
            reply.trailers
        );
        serde_json::from_slice(grpc_message(&reply.body)).unwrap()
    }

    /// Opens a WebSocket to `path`, sends a text and returns the answer.
    async fn websocket(&self, path: &str) -> String {
        let tcp = TcpStream::connect(self.addr).await.unwrap();
        let ws_scheme = if self.tls.is_some() { "wss" } else { "ws" };
        let url = format!("{ws_scheme}://{}{path}", self.authority);
        let text = match &self.tls {
            None => {
                let (mut ws, _) = tokio_tungstenite::client_async(url, tcp).await.unwrap();
                ws.send(Message::text("ping")).await.unwrap();
                ws.next().await.unwrap().unwrap()
            }
            Some(connector) => {
                let tls = connector
                    .connect(ServerName::try_from("localhost").unwrap(), tcp)
                    .await
                    .unwrap();
                let (mut ws, _) = tokio_tungstenite::client_async(url, tls).await.unwrap();
                ws.send(Message::text("ping")).await.unwrap();
                ws.next().await.unwrap().unwrap()
            }
        };
        text.to_text().unwrap().to_owned()
    }
}

/// Asserts `reply` came from `backend`; returns the backend's answer.
fn from(reply: &Reply, backend: Backend) -> Value {
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let answer = reply.json();
    assert_eq!(answer["backend"], backend.cluster(), "{answer}");
    answer
}

/// Proves every route of the main table through `client` with `proto`; returns how many
/// requests were proven.
async fn prove_main_routes(client: &Client, proto: Proto) -> usize {
    let host = client.authority.clone();
    let mut proven = 0;
    let mut check = |reply: &Reply, backend: Backend| {
        proven += 1;
        from(reply, backend)
    };

    // S3, SigV4-signed, an upload whose object is declared application/grpc: still S3, with
    // Host, path and signature intact.
    let path = "/bucket/dir/object.bin";
    let body = b"object bytes";
    let mut headers = sigv4_headers("PUT", &host, path, body);
    headers.push(("content-type".into(), "application/grpc".into()));
    let a = check(
        &client.call(proto, "PUT", path, &headers, body).await,
        Backend::PachdS3,
    );
    assert_eq!(
        (a["host"].as_str(), a["path"].as_str()),
        (Some(host.as_str()), Some(path))
    );
    assert_eq!(a["signature"], "sigv4-ok", "{a}");
    assert_eq!(a["body_len"], body.len());
    // A bucket named dex is S3, not dex.
    let headers = sigv4_headers("GET", &host, "/dex/key", b"");
    let a = check(
        &client.call(proto, "GET", "/dex/key", &headers, b"").await,
        Backend::PachdS3,
    );
    assert_eq!(a["signature"], "sigv4-ok", "{a}");
    // SigV2.
    let headers = sigv2_headers("GET", "/bucket/key");
    let a = check(
        &client
            .call(proto, "GET", "/bucket/key", &headers, b"")
            .await,
        Backend::PachdS3,
    );
    assert_eq!(a["signature"], "sigv2-ok", "{a}");
    // Presigned, V4 and V2.
    let url = presigned_v4(&host, "/bucket/report.csv");
    let a = check(&client.get(proto, &url).await, Backend::PachdS3);
    assert_eq!(
        (a["path"].as_str(), a["signature"].as_str()),
        (Some(url.as_str()), Some("presigned-v4-ok"))
    );
    let url = presigned_v2("/bucket/report.csv");
    let a = check(&client.get(proto, &url).await, Backend::PachdS3);
    assert_eq!(a["signature"], "presigned-v2-ok", "{a}");

    // Paths.
    for (path, backend) in [
        (
            "/dex/.well-known/openid-configuration",
            Backend::PachdIdentity,
        ),
        (
            "/authorization-code/callback?code=abc&state=xyz",
            Backend::PachdOidc,
        ),
        ("/archive/ASi1L_0gdQIAVQY.zip", Backend::PachdHttp),
        (
            "/jsonschema/pps_v2/CreatePipelineRequest.schema.json",
            Backend::PachdHttp,
        ),
        ("/pfs/default/images/master/liberty.png", Backend::PachdHttp),
        ("/api/pfs_v2.API/ListRepo", Backend::PachdHttp),
        ("/", Backend::Console),
        ("/dexter/lineage", Backend::Console),
    ] {
        let a = check(&client.get(proto, path).await, backend);
        assert_eq!(a["path"], path, "path unchanged");
        assert_eq!(a["host"], host, "host unchanged");
    }
    proven
}

/// Waits until Envoy's access log names every route in `names`.
async fn assert_routes_logged(envoy: &Envoy, names: &BTreeSet<String>) {
    let mut seen = BTreeSet::new();
    for _ in 0..60 {
        seen = envoy
            .log()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter_map(|l| l["route"].as_str().map(str::to_owned))
            .collect();
        if names.is_subset(&seen) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let missing: Vec<_> = names.difference(&seen).collect();
    let log = envoy.log();
    let tail: Vec<&str> = log.lines().rev().take(5).collect();
    panic!(
        "routes never taken according to Envoy's access log: {missing:?}\nlog ends with: {tail:#?}"
    );
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn cleartext_port_routes_every_request_to_its_backend() {
    let Some(binary) = envoy_binary() else { return };
    runtime().block_on(async {
        tokio::time::timeout(Duration::from_secs(120), async {
            let (_, values) = render("deployTarget: LOCAL\n", &[]);
            let backends = start_backends().await;
            let dir = tempfile::tempdir().unwrap();
            let layout = loopback_layout(&values, &backends, dir.path());
            let files = envoy::proxy_files(&values, &layout);
            let admin = SocketAddr::from(([127, 0, 0, 1], layout.admin_port));
            let envoy = tokio::task::block_in_place(|| {
                Envoy::start(&binary, dir, &files.envoy_json, admin)
            });
            let client = Client::plain(layout.http_port);

            // gRPC over HTTP/2 without TLS (prior knowledge), as pachctl with grpc://.
            let answer = client.grpc("/pfs_v2.API/InspectRepo").await;
            assert_eq!(answer["backend"], "pachd-grpc");
            assert_eq!(answer["path"], "/pfs_v2.API/InspectRepo");
            assert_eq!(answer["request"], "hello");
            let mut proven = 1;
            proven += prove_main_routes(&client, Proto::H1).await;
            proven += prove_main_routes(&client, Proto::H2).await;
            assert_eq!(client.websocket("/graphql").await, "console:ping");
            proven += 1;

            // Each direct (legacy) port reaches its backend, whatever the path.
            for backend in Backend::ALL {
                let direct = Client::plain(layout.direct_ports[&backend]);
                if backend == Backend::PachdGrpc {
                    assert_eq!(
                        direct.grpc("/pps_v2.API/ListPipeline").await["backend"],
                        "pachd-grpc"
                    );
                } else {
                    from(&direct.get(Proto::H1, "/any/path?x=1").await, backend);
                }
                proven += 1;
            }
            let s3 = Client::plain(layout.direct_ports[&Backend::PachdS3]);
            let a = from(
                &s3.get(Proto::H1, "/bucket/anonymous").await,
                Backend::PachdS3,
            );
            assert_eq!(
                a["signature"], "unsigned",
                "the S3 port takes unsigned requests too"
            );

            // The probe port serves /ready and nothing else of the admin interface.
            let probes = Client::plain(layout.probe_port);
            let ready = probes.get(Proto::H1, "/ready").await;
            assert_eq!(ready.status, StatusCode::OK);
            assert_eq!(ready.body.as_ref(), b"LIVE\n");
            let quit = probes
                .call(Proto::H1, "POST", "/quitquitquit", &[], b"")
                .await;
            assert_eq!(quit.status, StatusCode::NOT_FOUND);
            assert_eq!(
                client.get(Proto::H1, "/").await.status,
                StatusCode::OK,
                "still up"
            );

            let mut names: BTreeSet<String> =
                main_routes(true).into_iter().map(|r| r.name).collect();
            names.extend(
                Backend::ALL
                    .iter()
                    .map(|b| format!("direct-{}", b.cluster())),
            );
            assert_routes_logged(&envoy, &names).await;
            eprintln!(
                "proven: {proven} requests over {} named routes with Envoy {}",
                names.len(),
                proxy_support::envoy_version(&binary)
            );
        })
        .await
        .expect("the cleartext proxy test took longer than 120 s");
    });
}

/// A CA and a certificate for localhost signed by it: (CA certificate DER, chain PEM, key PEM).
fn certificates() -> (CertificateDer<'static>, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    (ca.der().clone(), leaf.pem(), key.serialize_pem())
}

/// A TLS client trusting `ca`, offering `alpn`, speaking only `versions`.
fn tls_connector(
    ca: &CertificateDer<'static>,
    alpn: &[u8],
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![alpn.to_vec()];
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

#[test]
fn tls_port_serves_h2_and_http1_and_the_http_port_redirects() {
    let Some(binary) = envoy_binary() else { return };
    runtime().block_on(async {
        tokio::time::timeout(Duration::from_secs(120), async {
            let backends = start_backends().await;
            let dir = tempfile::tempdir().unwrap();
            // The https Service port is where this Envoy's TLS listener is, so redirects
            // point at it.
            let (_, probe_values) = render("deployTarget: LOCAL\n", &[]);
            let layout = loopback_layout(&probe_values, &backends, dir.path());
            let yaml = format!(
                "proxy:\n  tls: {{enabled: true, secretName: pachyderm-proxy-tls}}\n  service: {{httpsPort: {}}}\n",
                layout.https_port
            );
            let (_, values) = render(&yaml, &[]);
            let files = envoy::proxy_files(&values, &layout);
            let (ca, chain, key) = certificates();
            std::fs::write(Path::new(&layout.tls_dir).join("tls.crt"), chain).unwrap();
            std::fs::write(Path::new(&layout.tls_dir).join("tls.key"), key).unwrap();
            std::fs::write(layout.sds_path(), files.sds_yaml.as_deref().unwrap()).unwrap();
            let admin = SocketAddr::from(([127, 0, 0, 1], layout.admin_port));
            let envoy = tokio::task::block_in_place(|| {
                Envoy::start(&binary, dir, &files.envoy_json, admin)
            });

            // Cleartext on the http port, and on the https port, answers a redirect to https.
            let https = layout.https_port;
            for port in [layout.http_port, layout.https_port] {
                let reply = Client::plain(port).get(Proto::H1, "/lineage?x=1").await;
                assert_eq!(reply.status, StatusCode::MOVED_PERMANENTLY);
                assert_eq!(
                    reply.headers["location"],
                    format!("https://localhost:{https}/lineage?x=1").as_str()
                );
            }

            let versions = [&rustls::version::TLS13, &rustls::version::TLS12];
            let h2 = Client {
                tls: Some(tls_connector(&ca, b"h2", &versions)),
                ..Client::plain(https)
            };
            let h1 = Client {
                tls: Some(tls_connector(&ca, b"http/1.1", &versions)),
                ..Client::plain(https)
            };
            let answer = h2.grpc("/pfs_v2.API/InspectRepo").await;
            assert_eq!(answer["backend"], "pachd-grpc");
            let mut proven = 1;
            proven += prove_main_routes(&h2, Proto::H2).await;
            proven += prove_main_routes(&h1, Proto::H1).await;
            assert_eq!(h1.websocket("/graphql").await, "console:ping");
            proven += 1;
            let reply = h2.get(Proto::H2, "/").await;
            assert_eq!(
                reply.headers["strict-transport-security"],
                "max-age=604800",
                "HSTS on TLS responses"
            );
            // TLS 1.2 alone is enough.
            let tls12 = Client {
                tls: Some(tls_connector(&ca, b"h2", &[&rustls::version::TLS12])),
                ..Client::plain(https)
            };
            assert_eq!(tls12.grpc("/pfs_v2.API/ListRepo").await["backend"], "pachd-grpc");
            proven += 1;

            let mut names: BTreeSet<String> =
                main_routes(true).into_iter().map(|r| r.name).collect();
            names.insert("https-redirect".into());
            assert_routes_logged(&envoy, &names).await;
            eprintln!(
                "proven over TLS: {proven} requests over {} named routes with Envoy {}",
                names.len(),
                proxy_support::envoy_version(&binary)
            );
        })
        .await
        .expect("the TLS proxy test took longer than 120 s");
    });
}
