//! HTTP front of the fake: routing, discovery, selectors, watch streams, faults.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

use super::store::{Failure, FaultAction, Key, LogEntry, RESOURCES, Res, Shared};

type Body = UnsyncBoxBody<Bytes, Infallible>;

/// Accepts connections until the task is aborted.
pub async fn serve(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| handle(shared.clone(), req));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

fn json_response(code: u16, body: &Value) -> Response<Body> {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())).boxed_unsync())
        .expect("a response")
}

fn failure(f: &Failure) -> Response<Body> {
    json_response(f.code, &f.body())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_map(query: Option<&str>) -> HashMap<String, String> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// Whether `object` matches a label selector (`k=v`, `k==v`, `k!=v`, `k`, `!k`, commas).
pub fn labels_match(object: &Value, selector: &str) -> bool {
    let labels = &object["metadata"]["labels"];
    selector
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .all(|req| {
            if let Some((k, v)) = req.split_once("!=") {
                labels[k.trim()].as_str() != Some(v.trim())
            } else if let Some((k, v)) = req.split_once("==").or_else(|| req.split_once('=')) {
                labels[k.trim()].as_str() == Some(v.trim())
            } else if let Some(k) = req.strip_prefix('!') {
                labels.get(k.trim()).is_none()
            } else {
                labels.get(req).is_some()
            }
        })
}

/// Whether `object` matches a field selector (`a.b=v`, `a.b!=v`, commas).
pub fn fields_match(object: &Value, selector: &str) -> bool {
    selector
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .all(|req| {
            let (path, want, negate) = match req.split_once("!=") {
                Some((p, v)) => (p, v, true),
                None => match req.split_once("==").or_else(|| req.split_once('=')) {
                    Some((p, v)) => (p, v, false),
                    None => return true,
                },
            };
            let got = path
                .split('.')
                .try_fold(object, |v, k| v.get(k))
                .and_then(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .or_else(|| (!v.is_null()).then(|| v.to_string()))
                })
                .unwrap_or_default();
            (got == want) != negate
        })
}

fn resource_list(group: &str, version: &str) -> Option<Value> {
    let found: Vec<&Res> = RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .collect();
    if found.is_empty() {
        return None;
    }
    let gv = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    let mut resources = Vec::new();
    for r in found {
        resources.push(json!({"name": r.plural, "singularName": r.kind.to_lowercase(), "namespaced": r.namespaced,
            "kind": r.kind, "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}));
        if r.status {
            resources.push(json!({"name": format!("{}/status", r.plural), "singularName": "", "namespaced": r.namespaced,
                "kind": r.kind, "verbs": ["get", "patch", "update"]}));
        }
    }
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}),
    )
}

fn group_list() -> Value {
    let mut groups: Vec<Value> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for r in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        if seen.contains(&r.group) {
            continue;
        }
        seen.push(r.group);
        let gv =
            json!({"groupVersion": format!("{}/{}", r.group, r.version), "version": r.version});
        groups.push(json!({"name": r.group, "versions": [gv], "preferredVersion": gv}));
    }
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

struct Target {
    res: &'static Res,
    ns: Option<String>,
    name: Option<String>,
    sub: Option<String>,
}

fn parse_target(path: &str) -> Option<Target> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, rest) = match segs.as_slice() {
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return None,
    };
    let (ns, plural, name, sub) = match rest {
        ["namespaces", ns, plural, tail @ ..] => {
            (Some((*ns).to_owned()), *plural, tail.first(), tail.get(1))
        }
        [plural, tail @ ..] => (None, *plural, tail.first(), tail.get(1)),
        [] => return None,
    };
    let res = RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)?;
    Some(Target {
        res,
        ns,
        name: name.map(|s| (*s).to_owned()),
        sub: sub.map(|s| (*s).to_owned()),
    })
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Body>, std::io::Error> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let query = query_map(req.uri().query());
    let full = match req.uri().query() {
        Some(q) => format!("{path}?{q}"),
        None => path.clone(),
    };
    let (fault, latency) = {
        let mut st = shared.lock();
        let at = st.started.elapsed();
        st.log.push(LogEntry {
            at,
            method: method.to_string(),
            path: full.clone(),
            wrote: None,
        });
        let fault = st
            .faults
            .iter_mut()
            .find(|f| {
                f.times > 0
                    && f.method.as_deref().is_none_or(|m| m == method.as_str())
                    && full.contains(&f.path_contains)
            })
            .map(|f| {
                f.times -= 1;
                f.action.clone()
            });
        if fault.is_some() {
            st.faults_triggered += 1;
        }
        (fault, st.latency)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Some(FaultAction::Drop) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "fault: dropped",
            ));
        }
        Some(FaultAction::Status(code)) => {
            let reason = match code {
                409 => "Conflict",
                429 => "TooManyRequests",
                503 => "ServiceUnavailable",
                _ => "InternalError",
            };
            return Ok(failure(&Failure::new(
                code,
                reason,
                format!("fault injected: {code}"),
            )));
        }
        Some(FaultAction::Delay(d)) => tokio::time::sleep(d).await,
        None => {}
    }
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    match path.as_str() {
        "/version" => {
            return Ok(json_response(
                200,
                &json!({"major": "1", "minor": "33", "gitVersion": "v1.33.0-fake", "platform": "linux/amd64"}),
            ));
        }
        "/api" => {
            return Ok(json_response(
                200,
                &json!({"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}),
            ));
        }
        "/apis" => return Ok(json_response(200, &group_list())),
        _ => {}
    }
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["api", v] => {
            return Ok(resource_list("", v).map_or_else(not_found, |l| json_response(200, &l)));
        }
        ["apis", g, v] => {
            return Ok(resource_list(g, v).map_or_else(not_found, |l| json_response(200, &l)));
        }
        _ => {}
    }
    let Some(target) = parse_target(&path) else {
        return Ok(not_found());
    };
    let dry_run = query.get("dryRun").is_some_and(|v| v == "All");
    let manager = query
        .get("fieldManager")
        .cloned()
        .unwrap_or_else(|| "unknown".into());
    let parse_body = || -> Result<Value, Failure> {
        serde_json::from_slice(&body)
            .or_else(|_| serde_saphyr::from_str(&String::from_utf8_lossy(&body)))
            .map_err(|e| Failure::new(400, "BadRequest", format!("cannot parse the body: {e}")))
    };
    let kind = target.res.kind;
    let ns = if target.res.namespaced {
        target.ns.clone().unwrap_or_default()
    } else {
        String::new()
    };
    let key_for = |name: &str| Key {
        kind: kind.into(),
        ns: ns.clone(),
        name: name.into(),
    };
    let result: Result<Value, Failure> = match (&method, &target.name) {
        (&Method::GET, Some(name)) => shared
            .lock()
            .objects
            .get(&key_for(name))
            .cloned()
            .ok_or_else(|| {
                Failure::new(
                    404,
                    "NotFound",
                    format!("{} \"{name}\" not found", target.res.plural),
                )
            }),
        (&Method::GET, None) => {
            let labels = query.get("labelSelector").cloned().unwrap_or_default();
            let fields = query.get("fieldSelector").cloned().unwrap_or_default();
            if query.get("watch").is_some_and(|w| w == "true" || w == "1") {
                return Ok(watch(shared, target, &query, labels, fields));
            }
            let st = shared.lock();
            let items: Vec<Value> = st
                .objects
                .iter()
                .filter(|(k, _)| k.kind == kind && (target.ns.is_none() || k.ns == ns))
                .map(|(_, v)| v)
                .filter(|v| labels_match(v, &labels) && fields_match(v, &fields))
                .cloned()
                .collect();
            let gv = if target.res.group.is_empty() {
                target.res.version.to_owned()
            } else {
                format!("{}/{}", target.res.group, target.res.version)
            };
            Ok(
                json!({"apiVersion": gv, "kind": format!("{kind}List"), "metadata": {"resourceVersion": st.rv.to_string()}, "items": items}),
            )
        }
        (&Method::POST, None) => parse_body().and_then(|object| {
            let name = object["metadata"]["name"].as_str().unwrap_or("").to_owned();
            let mut st = shared.lock();
            let r = st.create(&key_for(&name), object, &manager, dry_run);
            wrote(&mut st, &r, dry_run, kind, &name);
            shared.flush(&mut st);
            r
        }),
        (&Method::PUT, Some(name)) => parse_body().and_then(|object| {
            let mut st = shared.lock();
            let status_only = target.sub.as_deref() == Some("status");
            let r = st.update(&key_for(name), object, &manager, status_only, dry_run);
            wrote(&mut st, &r, dry_run, kind, name);
            shared.flush(&mut st);
            r
        }),
        (&Method::PATCH, Some(name)) => parse_body().and_then(|patch| {
            let mut st = shared.lock();
            let key = key_for(name);
            let r = if content_type.starts_with("application/apply-patch") {
                let force = query.get("force").is_some_and(|f| f == "true");
                st.apply(&key, patch, &manager, force, dry_run)
            } else {
                match st.objects.get(&key).cloned() {
                    None => Err(Failure::new(
                        404,
                        "NotFound",
                        format!("{} \"{name}\" not found", target.res.plural),
                    )),
                    Some(mut live) => {
                        merge_patch(&mut live, &patch);
                        if let Some(m) = live["metadata"].as_object_mut() {
                            m.remove("resourceVersion");
                        }
                        st.update(
                            &key,
                            live,
                            &manager,
                            target.sub.as_deref() == Some("status"),
                            dry_run,
                        )
                    }
                }
            };
            wrote(&mut st, &r, dry_run, kind, name);
            shared.flush(&mut st);
            r
        }),
        (&Method::DELETE, Some(name)) => {
            let mut st = shared.lock();
            let r = st.delete(&key_for(name), dry_run);
            wrote(&mut st, &r, dry_run, kind, name);
            shared.flush(&mut st);
            r
        }
        _ => Err(Failure::new(
            405,
            "MethodNotAllowed",
            format!("{method} {path} is not supported"),
        )),
    };
    Ok(match result {
        Ok(v) => json_response(if method == Method::POST { 201 } else { 200 }, &v),
        Err(f) => failure(&f),
    })
}

fn wrote(
    st: &mut super::store::State,
    r: &Result<Value, Failure>,
    dry_run: bool,
    kind: &str,
    name: &str,
) {
    if r.is_ok()
        && !dry_run
        && let Some(last) = st.log.iter_mut().rev().find(|e| e.wrote.is_none())
    {
        last.wrote = Some((kind.to_owned(), name.to_owned()));
    }
}

fn not_found() -> Response<Body> {
    failure(&Failure::new(
        404,
        "NotFound",
        "the server could not find the requested resource",
    ))
}

fn merge_patch(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(t), Some(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

fn watch(
    shared: Arc<Shared>,
    target: Target,
    query: &HashMap<String, String>,
    labels: String,
    fields: String,
) -> Response<Body> {
    let mut rx = shared.watch.subscribe();
    let since: u64 = query
        .get("resourceVersion")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let timeout = Duration::from_secs(
        query
            .get("timeoutSeconds")
            .and_then(|v| v.parse().ok())
            .unwrap_or(290)
            .min(290),
    );
    let kind = target.res.kind;
    let ns = target.ns.clone();
    let matches = move |k: &Key, v: &Value| {
        k.kind == kind
            && ns.as_ref().is_none_or(|n| *n == k.ns)
            && labels_match(v, &labels)
            && fields_match(v, &fields)
    };
    let initial: Vec<Value> = if since == 0 {
        shared
            .lock()
            .objects
            .iter()
            .filter(|(k, v)| matches(k, v))
            .map(|(_, v)| v.clone())
            .collect()
    } else {
        Vec::new()
    };
    let (tx, out) = tokio::sync::mpsc::unbounded_channel::<Bytes>();
    tokio::spawn(async move {
        for o in initial {
            let _ = tx.send(Bytes::from(format!(
                "{}\n",
                json!({"type": "ADDED", "object": o})
            )));
        }
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Ok(change)) => {
                    let rv: u64 = change.object["metadata"]["resourceVersion"]
                        .as_str()
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(u64::MAX);
                    if rv > since && matches(&change.key, &change.object) {
                        let line = format!(
                            "{}\n",
                            json!({"type": change.kind, "object": change.object})
                        );
                        if tx.send(Bytes::from(line)).is_err() {
                            return;
                        }
                    }
                }
                Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => continue,
                _ => return,
            }
        }
    });
    let stream = futures::stream::unfold(out, |mut out| async move {
        out.recv()
            .await
            .map(|b| (Ok::<_, Infallible>(Frame::data(b)), out))
    });
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(BodyExt::boxed_unsync(StreamBody::new(stream)))
        .expect("a response")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors() {
        let o = json!({"metadata": {"name": "a", "labels": {"app": "x", "tier": "db"}}, "involvedObject": {"name": "p"}});
        assert!(labels_match(&o, "app=x,tier"));
        assert!(labels_match(&o, "app==x,!missing"));
        assert!(!labels_match(&o, "app!=x"));
        assert!(fields_match(&o, "metadata.name=a,involvedObject.name=p"));
        assert!(!fields_match(&o, "metadata.name!=a"));
        assert_eq!(percent_decode("a%3Db%2Cc+d"), "a=b,c d");
    }

    #[test]
    fn paths() {
        let t = parse_target("/apis/apps/v1/namespaces/n/deployments/d/status").unwrap();
        assert_eq!(
            (
                t.res.kind,
                t.ns.as_deref(),
                t.name.as_deref(),
                t.sub.as_deref()
            ),
            ("Deployment", Some("n"), Some("d"), Some("status"))
        );
        let t = parse_target("/api/v1/namespaces/n").unwrap();
        assert_eq!((t.res.kind, t.name.as_deref()), ("Namespace", Some("n")));
        assert!(parse_target("/apis/nope/v1/things").is_none());
    }
}
