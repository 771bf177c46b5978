//! Assembles the Envoy bootstrap (listeners, clusters, admin, overload manager) and the SDS
//! file from the typed values and a [`Layout`].

use std::collections::BTreeMap;

use super::layout::{Backend, Layout};
use super::routes::{self, ADMIN_CLUSTER};
use super::types::{
    Address, Admin, Bootstrap, Cluster, ClusterLoadAssignment, CodecType,
    CommonHttpProtocolOptions, CommonLbConfig, CommonTlsContext, ConfigSource, DiscoveryType,
    DnsLookupFamily, DownstreamTlsContext, Duration, Endpoint, EscapedSlashesAction,
    ExplicitHttpConfig, FileSource, FilterChain, FilterChainMatch, GrpcHealthCheck, HeaderValue,
    HeaderValueOption, HealthCheck, Http2ProtocolOptions, HttpConnectionManager, HttpHealthCheck,
    KeepaliveSettings, LbEndpoint, Listener, LocalityEndpoints, LogFormat, NamedConfig, Node,
    OverloadAction, OverloadManager, PathConfigSource, Percent, RetryPolicy, Route,
    RouteConfiguration, SdsFile, SdsSecret, SdsSecretConfig, StaticResources, TcpKeepalive,
    Threshold, TlsCertificate, TlsParameters, TrafficDirection, Trigger, TypedConfig,
    UpgradeConfig, UpstreamConnectionOptions, UpstreamHttpProtocolOptions, VirtualHost,
    WatchedDirectory,
};
use crate::platform::model::Values;
use crate::quantity::parse_quantity;

/// Name of the certificate in the SDS file.
const TLS_SECRET: &str = "tls";
/// Connections one proxy replica accepts before refusing more.
const MAX_CONNECTIONS: u64 = 50_000;
/// Buffer per connection (Envoy's edge recommendation).
const BUFFER_LIMIT: u32 = 32_768;

/// The proxy's bootstrap configuration for `values`, placed according to `layout`.
pub fn bootstrap(values: &Values, layout: &Layout) -> Bootstrap {
    let console = values.console.enabled;
    let mut listeners = vec![probe_listener(layout)];
    if values.proxy.tls.enabled {
        let https_service_port = u16::try_from(values.proxy.service.https_port).unwrap_or(443);
        let redirect = || {
            manager(
                "https-redirect",
                routes::redirect_routes(https_service_port),
            )
        };
        listeners.push(listener(
            "proxy-http",
            layout,
            layout.http_port,
            Vec::new(),
            vec![chain(None, redirect(), None)],
        ));
        let mut main = manager("proxy-https", routes::main_routes(console));
        main.route_config.response_headers_to_add = vec![HeaderValueOption {
            header: HeaderValue {
                key: "strict-transport-security".into(),
                value: "max-age=604800".into(),
            },
        }];
        main.http_filters.insert(0, grpc_stats());
        listeners.push(listener(
            "proxy-https",
            layout,
            layout.https_port,
            vec![NamedConfig::new(
                "envoy.filters.listener.tls_inspector",
                TypedConfig::TlsInspector {},
            )],
            vec![
                chain(Some("tls"), main, Some(tls_socket(layout))),
                // Plain HTTP sent to the https port is redirected too.
                chain(Some("raw_buffer"), redirect(), None),
            ],
        ));
    } else {
        let mut main = manager("proxy-http", routes::main_routes(console));
        main.http_filters.insert(0, grpc_stats());
        listeners.push(listener(
            "proxy-http",
            layout,
            layout.http_port,
            Vec::new(),
            vec![chain(None, main, None)],
        ));
        for backend in Backend::ALL {
            if backend == Backend::Console && !console {
                continue;
            }
            let name = format!("direct-{}", backend.cluster());
            let routes = routes::direct_routes(backend, console);
            listeners.push(listener(
                &name,
                layout,
                layout.direct_ports[&backend],
                Vec::new(),
                vec![chain(None, manager(&name, routes), None)],
            ));
        }
    }
    let mut clusters: Vec<Cluster> = Backend::ALL
        .iter()
        .filter(|b| console || **b != Backend::Console)
        .map(|b| backend_cluster(*b, layout))
        .collect();
    clusters.push(admin_cluster(layout));
    Bootstrap {
        node: Node {
            id: "pachyderm-proxy".into(),
            cluster: "pachyderm-proxy".into(),
        },
        admin: Admin {
            address: Address::new(layout.admin_address.clone(), layout.admin_port),
        },
        static_resources: StaticResources {
            listeners,
            clusters,
        },
        overload_manager: overload_manager(values),
    }
}

/// The SDS file naming the certificate files in the mounted TLS Secret.
pub fn sds_file(layout: &Layout) -> SdsFile {
    let dir = layout.tls_dir.clone();
    SdsFile {
        resources: vec![TypedConfig::Secret(Box::new(SdsSecret {
            name: TLS_SECRET.into(),
            tls_certificate: TlsCertificate {
                certificate_chain: FileSource {
                    filename: format!("{dir}/tls.crt"),
                },
                private_key: FileSource {
                    filename: format!("{dir}/tls.key"),
                },
                watched_directory: WatchedDirectory { path: dir },
            },
        }))],
    }
}

fn listener(
    name: &str,
    layout: &Layout,
    port: u16,
    listener_filters: Vec<NamedConfig>,
    filter_chains: Vec<FilterChain>,
) -> Listener {
    Listener {
        name: name.into(),
        address: Address::new(layout.listen_address.clone(), port),
        listener_filters,
        filter_chains,
        per_connection_buffer_limit_bytes: BUFFER_LIMIT,
        traffic_direction: TrafficDirection::Inbound,
    }
}

fn chain(
    transport: Option<&str>,
    manager: HttpConnectionManager,
    transport_socket: Option<NamedConfig>,
) -> FilterChain {
    FilterChain {
        filter_chain_match: transport.map(|t| FilterChainMatch {
            transport_protocol: t.into(),
        }),
        filters: vec![NamedConfig::new(
            "envoy.filters.network.http_connection_manager",
            TypedConfig::HttpConnectionManager(Box::new(manager)),
        )],
        transport_socket,
    }
}

/// An HTTP connection manager serving `routes` for every host name.
fn manager(name: &str, routes: Vec<Route>) -> HttpConnectionManager {
    HttpConnectionManager {
        stat_prefix: name.into(),
        codec_type: CodecType::Auto,
        route_config: RouteConfiguration {
            name: name.into(),
            virtual_hosts: vec![VirtualHost {
                name: "any".into(),
                domains: vec!["*".into()],
                routes,
                retry_policy: Some(RetryPolicy {
                    retry_on: "connect-failure".into(),
                    num_retries: 4,
                    retry_host_predicate: vec![NamedConfig::new(
                        "envoy.retry_host_predicates.previous_hosts",
                        TypedConfig::PreviousHostsPredicate {},
                    )],
                    host_selection_retry_max_attempts: 4,
                }),
            }],
            response_headers_to_add: Vec::new(),
        },
        http_filters: vec![NamedConfig::new(
            "envoy.filters.http.router",
            TypedConfig::Router {},
        )],
        access_log: vec![access_log(name)],
        use_remote_address: true,
        normalize_path: false,
        merge_slashes: false,
        path_with_escaped_slashes_action: EscapedSlashesAction::KeepUnchanged,
        proxy_100_continue: true,
        stream_idle_timeout: Duration::secs(86_400),
        request_headers_timeout: Duration::secs(60),
        common_http_protocol_options: CommonHttpProtocolOptions {
            idle_timeout: Duration::secs(3600),
        },
        http2_protocol_options: Http2ProtocolOptions {
            max_concurrent_streams: Some(100),
            initial_stream_window_size: Some(524_288),
            initial_connection_window_size: Some(1_048_576),
            connection_keepalive: None,
        },
        upgrade_configs: vec![UpgradeConfig {
            upgrade_type: "websocket".into(),
            enabled: false,
        }],
    }
}

fn grpc_stats() -> NamedConfig {
    NamedConfig::new(
        "envoy.filters.http.grpc_stats",
        TypedConfig::GrpcStats {
            enable_upstream_stats: true,
            stats_for_all_methods: false,
        },
    )
}

/// One JSON line per request. The path is logged without its query string: a presigned S3
/// URL's query is a credential.
fn access_log(listener: &str) -> NamedConfig {
    let fields = [
        ("time", "%START_TIME%"),
        ("listener", listener),
        ("route", "%ROUTE_NAME%"),
        ("method", "%REQ(:METHOD)%"),
        ("path", "%PATH(NQ)%"),
        ("protocol", "%PROTOCOL%"),
        ("status", "%RESPONSE_CODE%"),
        ("flags", "%RESPONSE_FLAGS%"),
        ("grpc_status", "%GRPC_STATUS%"),
        ("upstream", "%UPSTREAM_CLUSTER%"),
        ("upstream_host", "%UPSTREAM_HOST%"),
        ("duration_ms", "%DURATION%"),
        ("bytes_in", "%BYTES_RECEIVED%"),
        ("bytes_out", "%BYTES_SENT%"),
        ("client", "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"),
        ("user_agent", "%REQ(USER-AGENT)%"),
        ("request_id", "%REQ(X-REQUEST-ID)%"),
    ];
    NamedConfig::new(
        "envoy.access_loggers.stdout",
        TypedConfig::StdoutAccessLog {
            log_format: LogFormat {
                json_format: fields
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
                omit_empty_values: true,
            },
        },
    )
}

/// TLS on the https port: h2 and http/1.1, TLS 1.2 or newer, AEAD ciphers, the certificate
/// from the SDS file (reloaded when the Secret changes).
fn tls_socket(layout: &Layout) -> NamedConfig {
    NamedConfig::new(
        "envoy.transport_sockets.tls",
        TypedConfig::DownstreamTlsContext(Box::new(DownstreamTlsContext {
            common_tls_context: CommonTlsContext {
                alpn_protocols: vec!["h2".into(), "http/1.1".into()],
                tls_params: TlsParameters {
                    tls_minimum_protocol_version: "TLSv1_2".into(),
                    cipher_suites: [
                        "[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]",
                        "[ECDHE-RSA-AES128-GCM-SHA256|ECDHE-RSA-CHACHA20-POLY1305]",
                        "ECDHE-ECDSA-AES256-GCM-SHA384",
                        "ECDHE-RSA-AES256-GCM-SHA384",
                    ]
                    .map(String::from)
                    .to_vec(),
                },
                tls_certificate_sds_secret_configs: vec![SdsSecretConfig {
                    name: TLS_SECRET.into(),
                    sds_config: ConfigSource {
                        path_config_source: PathConfigSource {
                            path: layout.sds_path(),
                            watched_directory: WatchedDirectory {
                                path: layout.config_dir.clone(),
                            },
                        },
                        resource_api_version: "V3".into(),
                    },
                }],
            },
        })),
    )
}

/// The listener kubelet probes: only `/ready` and `/server_info` reach the admin interface.
fn probe_listener(layout: &Layout) -> Listener {
    let mut probes = manager("admin-probes", routes::probe_routes());
    probes.access_log.clear();
    probes.route_config.virtual_hosts[0].retry_policy = None;
    listener(
        "admin-probes",
        layout,
        layout.probe_port,
        Vec::new(),
        vec![chain(None, probes, None)],
    )
}

fn load_assignment(name: &str, host: &str, port: u16) -> ClusterLoadAssignment {
    ClusterLoadAssignment {
        cluster_name: name.into(),
        endpoints: vec![LocalityEndpoints {
            lb_endpoints: vec![LbEndpoint {
                endpoint: Endpoint {
                    address: Address::new(host, port),
                },
            }],
        }],
    }
}

/// How Envoy checks a backend's pods itself: the backend Services publish pods that are not
/// ready yet, so the proxy only sends traffic to pods that answer.
fn health_check(backend: Backend) -> Option<HealthCheck> {
    let http = |path: &str| HealthCheck {
        timeout: Duration::secs(10),
        interval: Duration::secs(30),
        no_traffic_interval: Duration::secs(10),
        unhealthy_threshold: 2,
        healthy_threshold: 1,
        http_health_check: Some(HttpHealthCheck { path: path.into() }),
        grpc_health_check: None,
    };
    match backend {
        Backend::Console => Some(http("/health")),
        Backend::PachdHttp => Some(http("/healthz")),
        Backend::PachdIdentity => Some(http("/dex/.well-known/openid-configuration")),
        Backend::PachdOidc => Some(http("/")),
        Backend::PachdGrpc => Some(HealthCheck {
            interval: Duration::secs(10),
            no_traffic_interval: Duration::secs(1),
            http_health_check: None,
            grpc_health_check: Some(GrpcHealthCheck {}),
            ..http("")
        }),
        Backend::PachdS3 | Backend::PachdMetrics => None,
    }
}

fn backend_cluster(backend: Backend, layout: &Layout) -> Cluster {
    let name = backend.cluster();
    let upstream = &layout.upstreams[&backend];
    let mut protocol = BTreeMap::new();
    if backend == Backend::PachdGrpc {
        protocol.insert(
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions".to_owned(),
            TypedConfig::HttpProtocolOptions(UpstreamHttpProtocolOptions {
                explicit_http_config: ExplicitHttpConfig {
                    http2_protocol_options: Http2ProtocolOptions {
                        connection_keepalive: Some(KeepaliveSettings {
                            interval: Duration::secs(30),
                            timeout: Duration::secs(10),
                        }),
                        ..Http2ProtocolOptions::default()
                    },
                },
            }),
        );
    }
    Cluster {
        name: name.into(),
        discovery: DiscoveryType::StrictDns,
        connect_timeout: Duration::secs(10),
        dns_lookup_family: Some(DnsLookupFamily::V4Preferred),
        load_assignment: load_assignment(name, &upstream.host, upstream.port),
        health_checks: health_check(backend).into_iter().collect(),
        common_lb_config: Some(CommonLbConfig {
            healthy_panic_threshold: Percent { value: 0.0 },
        }),
        typed_extension_protocol_options: protocol,
        per_connection_buffer_limit_bytes: BUFFER_LIMIT,
        upstream_connection_options: UpstreamConnectionOptions {
            tcp_keepalive: TcpKeepalive {},
        },
    }
}

fn admin_cluster(layout: &Layout) -> Cluster {
    Cluster {
        name: ADMIN_CLUSTER.into(),
        discovery: DiscoveryType::Static,
        connect_timeout: Duration::secs(1),
        dns_lookup_family: None,
        load_assignment: load_assignment(ADMIN_CLUSTER, &layout.admin_address, layout.admin_port),
        health_checks: Vec::new(),
        common_lb_config: None,
        typed_extension_protocol_options: BTreeMap::new(),
        per_connection_buffer_limit_bytes: BUFFER_LIMIT,
        upstream_connection_options: UpstreamConnectionOptions {
            tcp_keepalive: TcpKeepalive {},
        },
    }
}

/// Refuses connections past [`MAX_CONNECTIONS`]; with a memory limit, sheds load before the
/// heap reaches it (at 95 % and 98 % of nine tenths of the limit).
fn overload_manager(values: &Values) -> OverloadManager {
    let connections = "envoy.resource_monitors.global_downstream_max_connections";
    let mut monitors = vec![NamedConfig::new(
        connections,
        TypedConfig::DownstreamConnections {
            max_active_downstream_connections: MAX_CONNECTIONS,
        },
    )];
    let mut actions = Vec::new();
    if let Some(limit) = memory_limit(values) {
        let heap = "envoy.resource_monitors.fixed_heap";
        monitors.push(NamedConfig::new(
            heap,
            TypedConfig::FixedHeap {
                max_heap_size_bytes: limit / 10 * 9,
            },
        ));
        for (name, value) in [
            ("envoy.overload_actions.shrink_heap", 0.95),
            ("envoy.overload_actions.stop_accepting_requests", 0.98),
        ] {
            actions.push(OverloadAction {
                name: name.into(),
                triggers: vec![Trigger {
                    name: heap.into(),
                    threshold: Threshold { value },
                }],
            });
        }
    }
    OverloadManager {
        refresh_interval: Duration::millis(250),
        resource_monitors: monitors,
        actions,
    }
}

/// `proxy.resources.limits.memory` in bytes, when set.
fn memory_limit(values: &Values) -> Option<u64> {
    let limit = values.proxy.resources.get("limits")?.get("memory")?;
    let text = match limit {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let bytes = parse_quantity(&text).ok()?;
    // Quantities are bounded by what Kubernetes accepts; the cast saturates anyway.
    (bytes >= 1.0).then_some(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;
    use crate::platform::{STACK, typed_values};
    use crate::values::parse_values;
    use serde_json::{Value, json};

    fn values(yaml: &str) -> Values {
        let stack = catalog::builtin_stack(STACK).unwrap();
        typed_values(&stack, &parse_values(yaml, "v.yaml").unwrap()).unwrap()
    }

    fn config(yaml: &str) -> Value {
        let v = values(yaml);
        json!(bootstrap(&v, &Layout::kubernetes(&v)))
    }

    fn listener_names(c: &Value) -> Vec<String> {
        c["static_resources"]["listeners"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap().to_owned())
            .collect()
    }

    fn cluster<'a>(c: &'a Value, name: &str) -> &'a Value {
        c["static_resources"]["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == name)
            .unwrap()
    }

    #[test]
    fn cleartext_serves_routes_and_direct_ports() {
        let c = config("{}");
        assert_eq!(
            listener_names(&c),
            [
                "admin-probes",
                "proxy-http",
                "direct-console",
                "direct-pachd-grpc",
                "direct-pachd-s3",
                "direct-pachd-identity",
                "direct-pachd-oidc",
                "direct-pachd-http",
                "direct-pachd-metrics"
            ]
        );
        assert_eq!(
            c["admin"]["address"]["socket_address"]["address"],
            "127.0.0.1"
        );
        let main = &c["static_resources"]["listeners"][1];
        assert_eq!(main["address"]["socket_address"]["port_value"], 8080);
        let hcm = &main["filter_chains"][0]["filters"][0]["typed_config"];
        assert_eq!(hcm["normalize_path"], false);
        assert_eq!(hcm["merge_slashes"], false);
        assert_eq!(hcm["path_with_escaped_slashes_action"], "KEEP_UNCHANGED");
        assert_eq!(
            hcm["http_filters"][0]["name"],
            "envoy.filters.http.grpc_stats"
        );
    }

    #[test]
    fn tls_redirects_cleartext_and_has_no_direct_ports() {
        let c = config("proxy: {tls: {enabled: true, secretName: s}, service: {httpsPort: 8443}}");
        assert_eq!(
            listener_names(&c),
            ["admin-probes", "proxy-http", "proxy-https"]
        );
        let http = &c["static_resources"]["listeners"][1]["filter_chains"][0]["filters"][0];
        let redirect = &http["typed_config"]["route_config"]["virtual_hosts"][0]["routes"][0];
        assert_eq!(
            redirect["redirect"],
            json!({"https_redirect": true, "port_redirect": 8443})
        );
        let https = &c["static_resources"]["listeners"][2];
        assert_eq!(
            https["filter_chains"][0]["filter_chain_match"]["transport_protocol"],
            "tls"
        );
        let tls = &https["filter_chains"][0]["transport_socket"]["typed_config"];
        assert_eq!(
            tls["common_tls_context"]["alpn_protocols"],
            json!(["h2", "http/1.1"])
        );
        assert_eq!(
            tls["common_tls_context"]["tls_params"]["tls_minimum_protocol_version"],
            "TLSv1_2"
        );
        assert_eq!(
            https["filter_chains"][1]["filter_chain_match"]["transport_protocol"],
            "raw_buffer"
        );
    }

    #[test]
    fn grpc_cluster_speaks_http2_and_others_do_not() {
        let c = config("{}");
        let h2 = &cluster(&c, "pachd-grpc")["typed_extension_protocol_options"]["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
        assert!(h2["explicit_http_config"]["http2_protocol_options"].is_object());
        for name in ["console", "pachd-s3", "pachd-http", "pachd-identity"] {
            assert!(
                cluster(&c, name)
                    .get("typed_extension_protocol_options")
                    .is_none(),
                "{name}"
            );
        }
        assert_eq!(
            cluster(&c, "pachd-s3")["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]
                ["address"]["socket_address"],
            json!({"address": "pachd-proxy-backend", "port_value": 1600})
        );
    }

    #[test]
    fn no_route_rewrites_host_or_path() {
        let text = config("{}").to_string();
        for field in [
            "host_rewrite",
            "auto_host_rewrite",
            "prefix_rewrite",
            "regex_rewrite",
            "path_rewrite",
        ] {
            assert!(!text.contains(field), "{field}");
        }
    }

    #[test]
    fn console_disabled_drops_its_cluster() {
        let c = config("console: {enabled: false}");
        assert!(
            c["static_resources"]["clusters"]
                .as_array()
                .unwrap()
                .iter()
                .all(|x| x["name"] != "console")
        );
        assert!(!listener_names(&c).contains(&"direct-console".to_owned()));
    }

    #[test]
    fn heap_limit_follows_the_memory_limit() {
        let c = config("{}");
        let monitors = &c["overload_manager"]["resource_monitors"];
        assert_eq!(
            monitors[1]["typed_config"]["max_heap_size_bytes"],
            483_183_819u64
        );
        let c = config("proxy: {resources: {limits: null}}");
        assert_eq!(
            c["overload_manager"]["resource_monitors"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert!(c["overload_manager"].get("actions").is_none());
    }

    #[test]
    fn sds_points_at_the_secret_mount() {
        let v = values("{}");
        let sds = json!(sds_file(&Layout::kubernetes(&v)));
        let secret = &sds["resources"][0];
        assert_eq!(secret["name"], "tls");
        assert_eq!(
            secret["tls_certificate"]["certificate_chain"]["filename"],
            "/tls/tls.crt"
        );
        assert_eq!(
            secret["tls_certificate"]["watched_directory"]["path"],
            "/tls"
        );
    }
}
