//! The proxy's rendered objects and generated configuration: every values case's envoy.json
//! passes the real `envoy --mode validate` (without warnings), the ConfigMap holds exactly what
//! the builder generates, the pod template carries its checksum, the objects agree with each
//! other (ports, names, the TLS Secret), and golden copies of envoy.json catch any change.

mod proxy_support;

use std::path::Path;

use paddock_core::envoy::layout::{self, Backend};
use paddock_core::envoy::{self, Layout};
use proxy_support::{configmap_files, envoy_binary, object, render, validate};

/// A self-signed certificate and key (PEM) for localhost.
fn self_signed() -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    (cert.pem(), key.serialize_pem())
}

/// The values cases every test here renders: (name, values file).
const CASES: &[(&str, &str)] = &[
    ("default", "deployTarget: LOCAL\n"),
    (
        "loadbalancer",
        "proxy: {host: pachyderm.example.com, service: {type: LoadBalancer, loadBalancerIP: 203.0.113.7, externalTrafficPolicy: Local}}\n",
    ),
    (
        "nodeport_legacy",
        "proxy:\n  service:\n    type: NodePort\n    legacyPorts: {console: 30400, grpc: 30650, s3Gateway: 30600, oidc: 30657, identity: 30658, metrics: 30656}\n",
    ),
    (
        "legacy_ports",
        "proxy: {service: {legacyPorts: {grpc: 1650, s3Gateway: 1600}}}\n",
    ),
    (
        "tls",
        "proxy: {host: pachyderm.example.com, tls: {enabled: true, secretName: pachyderm-proxy-tls}}\n",
    ),
    (
        "tls_nodeport",
        "proxy: {tls: {enabled: true, secretName: t}, service: {type: NodePort, httpsPort: 8443}}\n",
    ),
    ("console_disabled", "console: {enabled: false}\n"),
    ("no_memory_limit", "proxy: {resources: {limits: null}}\n"),
    (
        "enterprise",
        "pachd: {enterpriseLicenseKey: key, oauthRedirectURI: http://localhost/authorization-code/callback}\nconsole: {config: {reactAppRuntimeIssuerURI: http://localhost}}\n",
    ),
];

/// Replaces the pod's mount paths in a generated file with directories under `root`.
fn relocate(text: &str, root: &Path) -> String {
    text.replace(
        &format!("\"{}", layout::CONFIG_DIR),
        &format!("\"{}/config", root.display()),
    )
    .replace(
        &format!("\"{}", layout::TLS_DIR),
        &format!("\"{}/tls", root.display()),
    )
}

/// [`CASES`] plus every values file of the chart reference that renders with the proxy on.
fn cases_with_reference() -> Vec<(String, String)> {
    let mut cases: Vec<(String, String)> = CASES
        .iter()
        .map(|(name, yaml)| ((*name).to_owned(), (*yaml).to_owned()))
        .collect();
    if let Some(chart) = proxy_support::chart_reference_dir() {
        let mut files: Vec<_> = std::fs::read_dir(chart.join("values"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("bad_") || name.starts_with("typo_") {
                continue;
            }
            let yaml = std::fs::read_to_string(&file).unwrap();
            let (_, values) = render(&yaml, &[]);
            if values.proxy.enabled {
                cases.push((format!("reference {name}"), yaml));
            }
        }
    }
    cases
}

#[test]
fn every_configmap_holds_the_builders_output_byte_for_byte() {
    for (name, yaml) in &cases_with_reference() {
        let (objects, values) = render(yaml, &[]);
        let (envoy_json, sds) = configmap_files(&objects);
        let files = envoy::proxy_files(&values, &Layout::kubernetes(&values));
        assert_eq!(
            envoy_json, files.envoy_json,
            "{name}: the ConfigMap holds the builder's output"
        );
        assert_eq!(sds, files.sds_yaml, "{name}");
    }
}

#[test]
fn every_generated_configuration_passes_envoy_validate() {
    let Some(binary) = envoy_binary() else { return };
    let (cert, key) = self_signed();
    let mut validated = 0;
    let cases = cases_with_reference();
    assert!(cases.len() > CASES.len() || proxy_support::chart_reference_dir().is_none());
    for (name, yaml) in &cases {
        let (objects, _) = render(yaml, &[]);
        let (envoy_json, sds) = configmap_files(&objects);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("envoy.json");
        match &sds {
            None => std::fs::write(&path, &envoy_json).unwrap(),
            Some(sds) => {
                // Envoy checks that the SDS file exists: the ConfigMap's files with its two
                // mount points moved into the temporary directory.
                std::fs::create_dir_all(dir.path().join("config")).unwrap();
                std::fs::create_dir_all(dir.path().join("tls")).unwrap();
                std::fs::write(dir.path().join("tls/tls.crt"), &cert).unwrap();
                std::fs::write(dir.path().join("tls/tls.key"), &key).unwrap();
                std::fs::write(
                    dir.path().join("config/sds.yaml"),
                    relocate(sds, dir.path()),
                )
                .unwrap();
                std::fs::write(&path, relocate(&envoy_json, dir.path())).unwrap();
            }
        }
        if let Err(why) = validate(&binary, &path) {
            panic!("{name}: envoy --mode validate rejected the configuration:\n{why}");
        }
        validated += 1;
    }
    eprintln!(
        "{validated} configurations validated by Envoy {}",
        proxy_support::envoy_version(&binary)
    );
}

#[test]
fn the_pod_restarts_when_the_configuration_changes() {
    let checksum = |yaml: &str| {
        let (objects, values) = render(yaml, &[]);
        let deployment = object(&objects, "Deployment", "pachyderm-proxy");
        let annotation =
            deployment["spec"]["template"]["metadata"]["annotations"]["checksum/envoy-config"]
                .as_str()
                .unwrap()
                .to_owned();
        let files = envoy::proxy_files(&values, &Layout::kubernetes(&values));
        assert_eq!(annotation, files.checksum);
        annotation
    };
    let default = checksum("{}");
    assert_eq!(default, checksum("{}"), "same values, same checksum");
    assert_ne!(default, checksum("console: {enabled: false}"));
    assert_ne!(
        default,
        checksum("proxy: {tls: {enabled: true, secretName: s}}")
    );
}

#[test]
fn objects_agree_with_the_generated_layout() {
    let (objects, values) = render("proxy: {tls: {enabled: true, secretName: s}}\n", &[]);
    let layout = Layout::kubernetes(&values);
    let deployment = object(&objects, "Deployment", "pachyderm-proxy");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    let ports: Vec<(String, u64)> = container["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_owned(),
                p["containerPort"].as_u64().unwrap(),
            )
        })
        .collect();
    let port = |name: &str| ports.iter().find(|(n, _)| n == name).unwrap().1;
    assert_eq!(port("admin-port"), u64::from(layout.probe_port));
    assert_eq!(port("http-port"), u64::from(layout.http_port));
    assert_eq!(port("https-port"), u64::from(layout.https_port));
    for backend in Backend::ALL {
        assert_eq!(
            port(backend.direct_port_name()),
            u64::from(layout.direct_ports[&backend])
        );
    }
    let mounts: Vec<&str> = container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["mountPath"].as_str().unwrap())
        .collect();
    assert_eq!(
        mounts,
        [layout.config_dir.as_str(), layout.tls_dir.as_str()]
    );
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/ready");
    // The backend Services carry the ports the clusters use.
    let backend_ports = |name: &str| -> Vec<u64> {
        object(&objects, "Service", name)["spec"]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["port"].as_u64().unwrap())
            .collect()
    };
    for backend in Backend::ALL {
        let upstream = &layout.upstreams[&backend];
        assert!(
            backend_ports(&upstream.host).contains(&u64::from(upstream.port)),
            "{backend:?}"
        );
    }
    let service = object(&objects, "Service", "pachyderm-proxy");
    let names: Vec<&str> = service["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["targetPort"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["http-port", "https-port"]);
}

#[test]
fn legacy_ports_become_service_and_node_ports() {
    let (objects, _) = render(CASES[2].1, &[]);
    let service = object(&objects, "Service", "pachyderm-proxy");
    let ports: Vec<(String, u64, u64)> = service["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["targetPort"].as_str().unwrap().to_owned(),
                p["port"].as_u64().unwrap(),
                p["nodePort"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ports,
        [
            ("http-port".to_owned(), 80, 30080),
            ("console-direct".to_owned(), 30400, 30400),
            ("grpc-direct".to_owned(), 30650, 30650),
            ("s3-direct".to_owned(), 30600, 30600),
            ("oidc-direct".to_owned(), 30657, 30657),
            ("identity-direct".to_owned(), 30658, 30658),
            ("metrics-direct".to_owned(), 30656, 30656),
        ]
    );
}

#[test]
fn an_inline_certificate_becomes_the_tls_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed();
    let cert_path = dir.path().join("tls.crt");
    let key_path = dir.path().join("tls.key");
    std::fs::write(&cert_path, &cert).unwrap();
    std::fs::write(&key_path, &key).unwrap();
    let (objects, _) = render(
        "proxy: {tls: {enabled: true, secretName: pachyderm-proxy-tls}}\n",
        &[
            format!("proxy.tls.secret.cert={}", cert_path.display()),
            format!("proxy.tls.secret.key={}", key_path.display()),
        ],
    );
    let secret = object(&objects, "Secret", "pachyderm-proxy-tls");
    assert_eq!(secret["type"], "kubernetes.io/tls");
    assert_eq!(
        secret["data"]["tls.crt"],
        paddock_core::render::base64(cert.as_bytes())
    );
    assert_eq!(
        secret["data"]["tls.key"],
        paddock_core::render::base64(key.as_bytes())
    );
    let deployment = object(&objects, "Deployment", "pachyderm-proxy");
    let volumes = &deployment["spec"]["template"]["spec"]["volumes"];
    assert_eq!(volumes[1]["secret"]["secretName"], "pachyderm-proxy-tls");
    // Without the inline pair, the named secret is expected to exist already.
    let (objects, _) = render(CASES[4].1, &[]);
    assert!(
        !objects
            .iter()
            .any(|o| o["kind"] == "Secret" && o["metadata"]["name"] == "pachyderm-proxy-tls")
    );
}

#[test]
fn disabling_the_proxy_removes_its_objects() {
    let (objects, _) = render("proxy: {enabled: false}\n", &[]);
    let names: Vec<&str> = objects
        .iter()
        .filter_map(|o| o["metadata"]["name"].as_str())
        .filter(|n| n.contains("proxy"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn ingress_points_at_the_proxy() {
    let (objects, _) = render(
        "ingress: {enabled: true, host: pachyderm.example.com}\n",
        &[],
    );
    let ingress = object(&objects, "Ingress", "pachyderm-proxy");
    let backend = &ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"];
    assert_eq!(
        backend,
        &serde_json::json!({"name": "pachyderm-proxy", "port": {"name": "http-port"}})
    );
}

/// The ConfigMap's envoy.json for a values case, as text.
fn envoy_json(yaml: &str) -> String {
    let (objects, _) = render(yaml, &[]);
    configmap_files(&objects).0
}

#[test]
fn golden_envoy_json_cleartext() {
    insta::assert_snapshot!("envoy_default", envoy_json("deployTarget: LOCAL\n"));
}

#[test]
fn golden_envoy_json_tls() {
    insta::assert_snapshot!("envoy_tls", envoy_json(CASES[4].1));
}
