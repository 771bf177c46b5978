//! What a `deploy custom` release record stores as its values: the flags as a values-like map
//! (camelCase flag names, positional arguments under their usage names). Credentials sit under
//! keys that read as secret (`accessKey`, `secretKey`, `tls.key`, `tls.cert`), so the engine's
//! record redaction replaces them by hashes exactly as it does for `paddock install`'s values.

use serde_json::{Map, Value, json};

use super::flags::CustomFlags;
use super::model::Config;

/// Keys of the six positional arguments, in order (`<pv-name>` → `pvName`, ...).
pub const POSITIONAL_KEYS: [&str; 6] = [
    "pvName",
    "pvSizeGB",
    "bucket",
    "accessKey",
    "secretKey",
    "endpoint",
];

/// The flags as given (unset options and `false` switches left out), plus the TLS certificate
/// and key `--tls` read (`config` is the render's). Holds credentials in clear: only ever
/// stored through the engine's redaction.
pub fn flag_values(flags: &CustomFlags, config: &Config) -> Value {
    let mut map = Map::new();
    map.insert(
        "persistentDisk".into(),
        json!(flags.persistent_disk.as_str()),
    );
    map.insert("objectStore".into(), json!("s3"));
    for (key, value) in POSITIONAL_KEYS.iter().zip(&flags.args) {
        map.insert((*key).into(), json!(value));
    }
    let options: [(&str, Option<Value>); 13] = [
        (
            "dynamicEtcdNodes",
            flags.dynamic_etcd_nodes.map(|n| json!(n)),
        ),
        (
            "staticEtcdVolume",
            flags.static_etcd_volume.as_ref().map(|v| json!(v)),
        ),
        (
            "etcdStorageClass",
            flags.etcd_storage_class.as_ref().map(|v| json!(v)),
        ),
        (
            "etcdCpuRequest",
            flags.etcd_cpu_request.as_ref().map(|v| json!(v)),
        ),
        (
            "etcdMemoryRequest",
            flags.etcd_memory_request.as_ref().map(|v| json!(v)),
        ),
        (
            "pachdCpuRequest",
            flags.pachd_cpu_request.as_ref().map(|v| json!(v)),
        ),
        (
            "pachdMemoryRequest",
            flags.pachd_memory_request.as_ref().map(|v| json!(v)),
        ),
        ("shards", flags.shards.map(|n| json!(n))),
        ("dashImage", flags.dash_image.as_ref().map(|v| json!(v))),
        (
            "imagePullSecret",
            flags.image_pull_secret.as_ref().map(|v| json!(v)),
        ),
        ("registry", flags.registry.as_ref().map(|v| json!(v))),
        ("logLevel", flags.log_level.map(|l| json!(l.as_str()))),
        (
            "tls",
            flags
                .tls
                .as_ref()
                .map(|_| json!({"cert": config.tls.cert, "key": config.tls.key})),
        ),
    ];
    for (key, value) in options {
        if let Some(value) = value {
            map.insert(key.into(), value);
        }
    }
    let switches = [
        ("isS3V2", flags.is_s3_v2),
        ("secure", flags.secure),
        ("localRoles", flags.local_roles),
        ("noGuaranteed", flags.no_guaranteed),
        ("noDashboard", flags.no_dashboard),
        ("dashboardOnly", flags.dashboard_only),
    ];
    for (key, on) in switches {
        if on {
            map.insert(key.into(), json!(true));
        }
    }
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::custom::default_config;
    use crate::custom::flags::CUSTOM_POSITIONALS;
    use crate::values::is_secret_path;

    #[test]
    fn credentials_sit_under_secret_looking_keys() {
        let mut config = default_config().unwrap();
        config.tls.cert = "CERT-PEM".into();
        config.tls.key = "KEY-PEM".into();
        let mut flags = CustomFlags::new(
            ["disk", "10", "bucket", "AK", "SK", "minio:9000"]
                .map(String::from)
                .to_vec(),
        );
        flags.dynamic_etcd_nodes = Some(1);
        flags.no_dashboard = true;
        flags.tls = Some("c.pem,k.pem".into());
        let v = flag_values(&flags, &config);
        assert_eq!(v["bucket"], "bucket");
        assert_eq!(v["dynamicEtcdNodes"], 1);
        assert_eq!(v["noDashboard"], true);
        assert!(v.get("secure").is_none() && v.get("shards").is_none());
        assert_eq!(v["tls"]["key"], "KEY-PEM");
        for path in ["accessKey", "secretKey", "tls.key", "tls.cert"] {
            assert!(is_secret_path(path), "{path}");
        }
        for path in ["pvName", "pvSizeGB", "bucket", "endpoint", "registry"] {
            assert!(!is_secret_path(path), "{path}");
        }
        assert_eq!(POSITIONAL_KEYS.len(), CUSTOM_POSITIONALS.len());
    }
}
