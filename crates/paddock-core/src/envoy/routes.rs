//! The proxy's route tables: which request goes to which backend, with which timeouts.
//!
//! The main table is tried top to bottom, first match wins. Requests recognised by what they
//! carry (gRPC's content type, an S3 signature) come before requests recognised by their path,
//! so an S3 bucket named `dex` or `api` is still S3; the path rules are disjoint from each
//! other; console takes the rest. docs/proxy.md spells the argument out and the tests here
//! check it against an independent statement of the routing rules.

use super::layout::Backend;
use super::types::{
    Action, DirectResponse, Duration, Forward, GrpcMatch, HeaderMatcher, InlineString,
    MaxStreamDuration, PathMatch, QueryParameterMatcher, Redirect, Route, RouteMatch, StringMatch,
    UpgradeConfig,
};

/// Name of the cluster that reaches Envoy's own admin interface.
pub const ADMIN_CLUSTER: &str = "envoy-admin";

/// The whole-request and idle timeouts of requests to `backend`. Streams (gRPC, S3, archive
/// downloads) have no whole-request timeout: Envoy's 15 s default would cut them.
pub fn forward(backend: Backend) -> Forward {
    let (timeout, idle) = match backend {
        Backend::PachdGrpc => (Duration::DISABLED, None),
        Backend::PachdS3 | Backend::PachdHttp => (Duration::DISABLED, Some(Duration::secs(600))),
        Backend::Console => (Duration::secs(3600), Some(Duration::secs(600))),
        Backend::PachdIdentity | Backend::PachdOidc | Backend::PachdMetrics => {
            (Duration::secs(60), Some(Duration::secs(60)))
        }
    };
    Forward {
        cluster: backend.cluster().to_owned(),
        timeout,
        idle_timeout: idle,
        max_stream_duration: (backend == Backend::PachdGrpc).then_some(MaxStreamDuration {
            grpc_timeout_header_max: Duration::DISABLED,
        }),
        upgrade_configs: if backend == Backend::Console {
            vec![UpgradeConfig {
                upgrade_type: "websocket".into(),
                enabled: true,
            }]
        } else {
            Vec::new()
        },
    }
}

/// The answer to requests for console when console is disabled.
fn console_disabled() -> Action {
    Action::Respond(DirectResponse {
        status: 404,
        body: InlineString {
            inline_string:
                "console is not enabled in this Pachyderm deployment (console.enabled)\n".into(),
        },
    })
}

/// The action for `backend`: forward, or (console disabled) answer 404.
fn action(backend: Backend, console_enabled: bool) -> Action {
    if backend == Backend::Console && !console_enabled {
        console_disabled()
    } else {
        Action::Forward(forward(backend))
    }
}

fn header_prefix(name: &str, prefix: &str) -> HeaderMatcher {
    HeaderMatcher {
        name: name.into(),
        string_match: StringMatch::Prefix(prefix.into()),
        invert_match: false,
        treat_missing_header_as_empty: false,
    }
}

fn query_present(names: &[&str]) -> Vec<QueryParameterMatcher> {
    names
        .iter()
        .map(|n| QueryParameterMatcher {
            name: (*n).into(),
            present_match: true,
        })
        .collect()
}

fn route(name: &str, matcher: RouteMatch, action: Action) -> Route {
    Route {
        name: name.into(),
        matcher,
        action,
    }
}

/// How the `Authorization` header of an S3 request starts: signature V4, then V2.
pub const S3_SIGNATURES: [&str; 2] = ["AWS4-HMAC-SHA256", "AWS "];

/// The main listener's routes, in match order.
pub fn main_routes(console_enabled: bool) -> Vec<Route> {
    let everything = || PathMatch::Prefix("/".into());
    let s3 = || action(Backend::PachdS3, console_enabled);
    let with_headers = |headers| RouteMatch {
        headers,
        ..RouteMatch::path(everything())
    };
    let with_query = |names: &[&str]| RouteMatch {
        query_parameters: query_present(names),
        ..RouteMatch::path(everything())
    };
    let mut routes = vec![
        route(
            "grpc",
            RouteMatch {
                grpc: Some(GrpcMatch {}),
                // An S3 upload may carry any Content-Type, application/grpc included: a
                // request signed for S3 is never taken for gRPC.
                headers: S3_SIGNATURES
                    .iter()
                    .map(|prefix| HeaderMatcher {
                        invert_match: true,
                        treat_missing_header_as_empty: true,
                        ..header_prefix("authorization", prefix)
                    })
                    .collect(),
                ..RouteMatch::path(everything())
            },
            action(Backend::PachdGrpc, console_enabled),
        ),
        route(
            "s3-sigv4",
            with_headers(vec![header_prefix("authorization", S3_SIGNATURES[0])]),
            s3(),
        ),
        route(
            "s3-sigv2",
            with_headers(vec![header_prefix("authorization", S3_SIGNATURES[1])]),
            s3(),
        ),
        route(
            "s3-presigned-v4",
            with_query(&["X-Amz-Credential", "X-Amz-Signature"]),
            s3(),
        ),
        route(
            "s3-presigned-v2",
            with_query(&["AWSAccessKeyId", "Signature"]),
            s3(),
        ),
    ];
    let paths = [
        (
            "dex",
            PathMatch::SeparatedPrefix("/dex".into()),
            Backend::PachdIdentity,
        ),
        (
            "oidc-callback",
            PathMatch::SeparatedPrefix("/authorization-code/callback".into()),
            Backend::PachdOidc,
        ),
        (
            "archive",
            PathMatch::Prefix("/archive/".into()),
            Backend::PachdHttp,
        ),
        (
            "jsonschema",
            PathMatch::Prefix("/jsonschema/".into()),
            Backend::PachdHttp,
        ),
        (
            "pfs",
            PathMatch::SeparatedPrefix("/pfs".into()),
            Backend::PachdHttp,
        ),
        ("api", PathMatch::Prefix("/api/".into()), Backend::PachdHttp),
    ];
    for (name, path, backend) in paths {
        routes.push(route(
            name,
            RouteMatch::path(path),
            action(backend, console_enabled),
        ));
    }
    routes.push(route(
        "console",
        RouteMatch::path(everything()),
        action(Backend::Console, console_enabled),
    ));
    routes
}

/// The one route of a backend's direct (legacy-port) listener: everything to that backend.
pub fn direct_routes(backend: Backend, console_enabled: bool) -> Vec<Route> {
    vec![route(
        &format!("direct-{}", backend.cluster()),
        RouteMatch::path(PathMatch::Prefix("/".into())),
        action(backend, console_enabled),
    )]
}

/// Routes of the cleartext port when TLS is on: everything redirects to https.
pub fn redirect_routes(https_service_port: u16) -> Vec<Route> {
    vec![route(
        "https-redirect",
        RouteMatch::path(PathMatch::Prefix("/".into())),
        Action::Redirect(Redirect {
            https_redirect: true,
            port_redirect: (https_service_port != 443).then_some(https_service_port),
        }),
    )]
}

/// Routes of the probe listener: the two read-only admin endpoints, nothing else.
pub fn probe_routes() -> Vec<Route> {
    let to_admin = || {
        Action::Forward(Forward {
            cluster: ADMIN_CLUSTER.into(),
            timeout: Duration::secs(5),
            idle_timeout: None,
            max_stream_duration: None,
            upgrade_configs: Vec::new(),
        })
    };
    vec![
        route(
            "ready",
            RouteMatch::path(PathMatch::Exact("/ready".into())),
            to_admin(),
        ),
        route(
            "server-info",
            RouteMatch::path(PathMatch::Exact("/server_info".into())),
            to_admin(),
        ),
        route(
            "not-found",
            RouteMatch::path(PathMatch::Prefix("/".into())),
            Action::Respond(DirectResponse {
                status: 404,
                body: InlineString {
                    inline_string: "only /ready and /server_info are served here\n".into(),
                },
            }),
        ),
    ]
}

/// Envoy's matching rules for the subset of [`RouteMatch`] paddock writes, so tests can ask
/// "which route takes this request" without a running Envoy (the end-to-end test asks the
/// real one).
#[cfg(test)]
pub(crate) mod simulate {
    use super::super::types::{HeaderMatcher, PathMatch, Route, RouteMatch, StringMatch};

    /// A request as far as routing is concerned.
    #[derive(Debug, Clone, Default)]
    pub struct Request {
        /// Path with query string.
        pub path: String,
        /// Lower-case header names and values.
        pub headers: Vec<(String, String)>,
    }

    impl Request {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        }

        fn path_only(&self) -> &str {
            self.path.split(['?', '#']).next().unwrap_or("")
        }

        fn query_names(&self) -> Vec<&str> {
            let Some((_, query)) = self.path.split_once('?') else {
                return Vec::new();
            };
            query
                .split('#')
                .next()
                .unwrap_or("")
                .split('&')
                .map(|kv| kv.split('=').next().unwrap_or(""))
                .collect()
        }
    }

    fn path_matches(rule: &PathMatch, req: &Request) -> bool {
        match rule {
            PathMatch::Prefix(p) => req.path.starts_with(p.as_str()),
            PathMatch::Exact(p) => req.path_only() == p,
            PathMatch::SeparatedPrefix(p) => {
                req.path.starts_with(p.as_str())
                    && matches!(
                        req.path.as_bytes().get(p.len()),
                        None | Some(b'/' | b'?' | b'#')
                    )
            }
        }
    }

    fn header_matches(rule: &HeaderMatcher, req: &Request) -> bool {
        let value = match req.header(&rule.name) {
            Some(v) => v,
            None if rule.treat_missing_header_as_empty => "",
            None => return false,
        };
        let hit = match &rule.string_match {
            StringMatch::Prefix(p) => value.starts_with(p.as_str()),
            StringMatch::Exact(e) => value == e,
        };
        hit != rule.invert_match
    }

    /// Whether `m` takes `req`.
    pub fn matches(m: &RouteMatch, req: &Request) -> bool {
        let grpc_ok = m.grpc.is_none()
            || req
                .header("content-type")
                .is_some_and(|c| c.starts_with("application/grpc"));
        let names = req.query_names();
        path_matches(&m.path, req)
            && grpc_ok
            && m.headers.iter().all(|h| header_matches(h, req))
            && m.query_parameters
                .iter()
                .all(|q| names.contains(&q.name.as_str()) == q.present_match)
    }

    /// The name of the first route that takes `req`.
    pub fn first_match<'a>(routes: &'a [Route], req: &Request) -> Option<&'a str> {
        routes
            .iter()
            .find(|r| matches(&r.matcher, req))
            .map(|r| r.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::simulate::{Request, first_match};
    use super::*;
    use proptest::prelude::*;

    fn req(path: &str, headers: &[(&str, &str)]) -> Request {
        Request {
            path: path.into(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    fn cluster_of(routes: &[Route], r: &Request) -> String {
        let name = first_match(routes, r).expect("the console route takes everything");
        match &routes.iter().find(|x| x.name == name).unwrap().action {
            Action::Forward(f) => f.cluster.clone(),
            Action::Redirect(_) => "redirect".into(),
            Action::Respond(d) => format!("respond {}", d.status),
        }
    }

    /// The routing rules of issue 4 stated on their own, independently of the table.
    fn intended(r: &Request) -> &'static str {
        let header = |n: &str| {
            r.headers
                .iter()
                .find(|(k, _)| k == n)
                .map(|(_, v)| v.as_str())
        };
        let auth = header("authorization").unwrap_or("");
        let signed = auth.starts_with("AWS4-HMAC-SHA256") || auth.starts_with("AWS ");
        let query: Vec<&str> = r
            .path
            .split_once('?')
            .map(|(_, q)| {
                q.split('&')
                    .map(|kv| kv.split('=').next().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        let has = |n: &str| query.contains(&n);
        let path = r.path.split('?').next().unwrap();
        let under = |p: &str| path == p || path.starts_with(&format!("{p}/"));
        if header("content-type").is_some_and(|c| c.starts_with("application/grpc")) && !signed {
            "pachd-grpc"
        } else if signed
            || (has("X-Amz-Credential") && has("X-Amz-Signature"))
            || (has("AWSAccessKeyId") && has("Signature"))
        {
            "pachd-s3"
        } else if under("/dex") {
            "pachd-identity"
        } else if under("/authorization-code/callback") {
            "pachd-oidc"
        } else if path.starts_with("/archive/")
            || path.starts_with("/jsonschema/")
            || under("/pfs")
            || path.starts_with("/api/")
        {
            "pachd-http"
        } else {
            "console"
        }
    }

    #[test]
    fn characteristic_requests_reach_their_backend() {
        let routes = main_routes(true);
        let sigv4 = "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        let cases: &[(Request, &str)] = &[
            (
                req(
                    "/pfs_v2.API/InspectRepo",
                    &[("content-type", "application/grpc")],
                ),
                "pachd-grpc",
            ),
            (
                req("/dex/x", &[("content-type", "application/grpc+proto")]),
                "pachd-grpc",
            ),
            (req("/bucket/key", &[("authorization", sigv4)]), "pachd-s3"),
            // A bucket called dex, an object under api/: still S3.
            (req("/dex/key", &[("authorization", sigv4)]), "pachd-s3"),
            (
                req("/api/x", &[("authorization", "AWS AKID:c2ln")]),
                "pachd-s3",
            ),
            // An S3 upload whose object is declared application/grpc.
            (
                req(
                    "/bucket/obj",
                    &[
                        ("authorization", sigv4),
                        ("content-type", "application/grpc"),
                    ],
                ),
                "pachd-s3",
            ),
            (
                req(
                    "/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a&X-Amz-Signature=s",
                    &[],
                ),
                "pachd-s3",
            ),
            (
                req("/b/k?AWSAccessKeyId=a&Expires=1&Signature=s", &[]),
                "pachd-s3",
            ),
            (req("/dex", &[]), "pachd-identity"),
            (
                req("/dex/.well-known/openid-configuration", &[]),
                "pachd-identity",
            ),
            (req("/dexter", &[]), "console"),
            (
                req("/authorization-code/callback?code=x&state=y", &[]),
                "pachd-oidc",
            ),
            (req("/archive/a.zip", &[]), "pachd-http"),
            (req("/jsonschema/pps_v2/Pipeline.json", &[]), "pachd-http"),
            (req("/pfs/default/images/master/x.png", &[]), "pachd-http"),
            (req("/pfs_v2.API/ListRepo", &[]), "console"),
            (req("/api/pfs_v2.API/ListRepo", &[]), "pachd-http"),
            (req("/", &[]), "console"),
            (
                req("/lineage/default", &[("upgrade", "websocket")]),
                "console",
            ),
            // Half a presigned URL is not one.
            (req("/x?X-Amz-Signature=s", &[]), "console"),
        ];
        for (r, want) in cases {
            assert_eq!(cluster_of(&routes, r), *want, "{r:?}");
            assert_eq!(
                intended(r),
                *want,
                "the statement of the rules disagrees: {r:?}"
            );
        }
    }

    #[test]
    fn every_route_is_reachable() {
        // No route is shadowed by the ones above it: each has a request it takes first.
        let routes = main_routes(true);
        let examples = [
            req("/a.API/B", &[("content-type", "application/grpc")]),
            req("/b", &[("authorization", "AWS4-HMAC-SHA256 x")]),
            req("/b", &[("authorization", "AWS a:b")]),
            req("/b?X-Amz-Credential=a&X-Amz-Signature=b", &[]),
            req("/b?AWSAccessKeyId=a&Signature=b", &[]),
            req("/dex/auth", &[]),
            req("/authorization-code/callback", &[]),
            req("/archive/x", &[]),
            req("/jsonschema/x", &[]),
            req("/pfs/x", &[]),
            req("/api/x", &[]),
            req("/", &[]),
        ];
        assert_eq!(examples.len(), routes.len());
        for (route, example) in routes.iter().zip(&examples) {
            assert_eq!(first_match(&routes, example), Some(route.name.as_str()));
        }
    }

    fn arb_request() -> impl Strategy<Value = Request> {
        let first = prop::sample::select(vec![
            "",
            "dex",
            "dexter",
            "authorization-code",
            "archive",
            "jsonschema",
            "pfs",
            "pfs_v2.API",
            "api",
            "apis",
            "bucket",
            "lineage",
        ]);
        let rest = prop::sample::select(vec![
            "",
            "/",
            "/callback",
            "/callbackx",
            "/x/y",
            ".json",
            "/.well-known/openid-configuration",
        ]);
        let query = prop::collection::vec(
            prop::sample::select(vec![
                "X-Amz-Credential=a",
                "X-Amz-Signature=b",
                "X-Amz-Date=c",
                "AWSAccessKeyId=d",
                "Signature=e",
                "Expires=1",
                "code=x",
                "x-amz-signature=f",
            ]),
            0..4,
        );
        let content_type = prop::option::of(prop::sample::select(vec![
            "application/grpc",
            "application/grpc+proto",
            "application/json",
            "text/html",
            "application/grpc-web",
        ]));
        let auth = prop::option::of(prop::sample::select(vec![
            "AWS4-HMAC-SHA256 Credential=x",
            "AWS a:b",
            "AWS4 x",
            "Bearer t",
            "aws a:b",
            "AWS",
        ]));
        (first, rest, query, content_type, auth).prop_map(|(first, rest, query, ct, auth)| {
            let mut path = format!("/{first}{rest}");
            if !query.is_empty() {
                path = format!("{path}?{}", query.join("&"));
            }
            let mut headers = Vec::new();
            if let Some(ct) = ct {
                headers.push(("content-type".to_owned(), ct.to_owned()));
            }
            if let Some(a) = auth {
                headers.push(("authorization".to_owned(), a.to_owned()));
            }
            Request { path, headers }
        })
    }

    proptest! {
        #[test]
        fn the_table_routes_like_the_stated_rules(r in arb_request()) {
            prop_assert_eq!(cluster_of(&main_routes(true), &r), intended(&r));
        }
    }

    #[test]
    fn streaming_routes_have_no_whole_request_timeout() {
        for backend in [Backend::PachdGrpc, Backend::PachdS3, Backend::PachdHttp] {
            assert_eq!(forward(backend).timeout, Duration::DISABLED, "{backend:?}");
        }
        let grpc = forward(Backend::PachdGrpc);
        assert_eq!(
            grpc.idle_timeout, None,
            "gRPC streams use the manager's idle timeout"
        );
        assert_eq!(
            grpc.max_stream_duration.unwrap().grpc_timeout_header_max,
            Duration::DISABLED
        );
        for backend in [Backend::PachdIdentity, Backend::PachdOidc, Backend::Console] {
            assert!(forward(backend).timeout > Duration::DISABLED, "{backend:?}");
        }
    }

    #[test]
    fn only_console_upgrades_to_websocket() {
        for backend in Backend::ALL {
            let f = forward(backend);
            assert_eq!(
                !f.upgrade_configs.is_empty(),
                backend == Backend::Console,
                "{backend:?}"
            );
        }
    }

    #[test]
    fn without_console_the_fallback_answers_404() {
        let routes = main_routes(false);
        assert_eq!(cluster_of(&routes, &req("/", &[])), "respond 404");
        assert_eq!(cluster_of(&routes, &req("/dex", &[])), "pachd-identity");
    }

    #[test]
    fn redirect_names_the_https_port_only_when_not_443() {
        let port = |routes: Vec<Route>| match &routes[0].action {
            Action::Redirect(r) => r.port_redirect,
            _ => panic!("not a redirect"),
        };
        assert_eq!(port(redirect_routes(443)), None);
        assert_eq!(port(redirect_routes(8443)), Some(8443));
    }
}
