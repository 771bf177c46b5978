//! The `-v` description of a render: what was decided, in a few lines. Credentials (access
//! keys, secrets, tokens, Google keys, TLS material) are never part of it.

use super::derive::Derived;
use super::model::{Backend, Config, ObjectStore};
use crate::manifest::ManifestSet;

/// Describes a `deploy custom` render.
pub fn describe_custom(
    config: &Config,
    derived: &Derived,
    namespace: &str,
    manifests: &ManifestSet,
) -> Vec<String> {
    let etcd = &config.etcd;
    let etcd_line = if etcd.is_static() {
        format!(
            "etcd: a Deployment on PersistentVolume etcd-volume ({}Gi), backed by {} disk {:?}",
            etcd.volume_size_gi,
            config.persistent_disk.as_str(),
            etcd.static_volume
        )
    } else {
        let class = match (etcd.storage_class.as_str(), config.persistent_disk.as_str()) {
            ("", "azure") => "the cluster's default StorageClass".to_owned(),
            ("", disk) => format!("StorageClass etcd-storage-class (rendered, {disk})"),
            (named, _) => format!("existing StorageClass {named}"),
        };
        format!(
            "etcd: a StatefulSet of {} member(s), {}Gi each on {class}",
            etcd.dynamic_nodes, etcd.volume_size_gi
        )
    };
    let qos = if config.guaranteed {
        "requests = limits (Guaranteed QoS)"
    } else {
        "requests only (--no-guaranteed)"
    };
    let images = &derived.images;
    vec![
        format!("stack pachyderm-1.9 into namespace {namespace}"),
        etcd_line,
        format!(
            "pachd: cpu {}, memory {} ({} + {} block cache); etcd: cpu {}, memory {}; {qos}",
            config.pachd.resources.cpu,
            derived.pachd_memory,
            config.pachd.resources.memory,
            config.pachd.block_cache_size,
            etcd.resources.cpu,
            etcd.resources.memory
        ),
        format!(
            "pachd: {} shards, log level {}, {} roles",
            config.pachd.shards,
            config.pachd.log_level.as_str(),
            if config.rbac.local_roles {
                "namespace"
            } else {
                "cluster"
            }
        ),
        format!(
            "images: {}, {}, {}, {}",
            images.pachd, images.etcd, images.dash, images.grpc_proxy
        ),
        describe_object_store(&config.object_store),
        format!(
            "TLS: {}",
            if config.tls.enabled {
                "pachd serves the --tls certificate (contents not shown)"
            } else {
                "off"
            }
        ),
        describe_objects(manifests),
    ]
}

/// Describes the object store, naming which credentials are set without showing them.
pub fn describe_object_store(store: &ObjectStore) -> String {
    let hidden = "credentials not shown";
    match store.backend {
        Backend::Amazon if !store.amazon.endpoint.is_empty() => format!(
            "object store: S3v4 through the AMAZON driver at endpoint {:?}, bucket {:?}, region {:?}; {hidden}",
            store.amazon.endpoint, store.amazon.bucket, store.amazon.region
        ),
        Backend::Amazon => format!(
            "object store: Amazon S3, bucket {:?}, region {:?}; {hidden}",
            store.amazon.bucket, store.amazon.region
        ),
        Backend::Google => format!(
            "object store: Google Cloud Storage, bucket {:?}; {hidden}",
            store.google.bucket
        ),
        Backend::Microsoft => format!(
            "object store: Azure Blob Storage, container {:?}; {hidden}",
            store.microsoft.container
        ),
        Backend::Minio => format!(
            "object store: the MINIO driver ({}, {}) at endpoint {:?}, bucket {:?}; {hidden}",
            if store.minio.signature == "1" {
                "S3v2 signatures"
            } else {
                "S3v4 signatures"
            },
            if store.minio.secure { "TLS" } else { "no TLS" },
            store.minio.endpoint,
            store.minio.bucket
        ),
    }
}

/// One line listing the rendered objects in output order.
pub fn describe_objects(manifests: &ManifestSet) -> String {
    let ids: Vec<String> = manifests.items.iter().map(|m| m.id()).collect();
    format!("{} objects: {}", ids.len(), ids.join(", "))
}
