//! The typed values of the built-in `pachyderm-1.9` stack: what `deploy custom` and
//! `deploy storage` flags become. Defaults live in `stacks/pachyderm-1.9/values.yaml`; every
//! struct rejects keys it does not know.

use serde::{Deserialize, Serialize};

/// The cloud that provides etcd's disk (`--persistent-disk`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PersistentDisk {
    /// Amazon EBS.
    Aws,
    /// Google Persistent Disk.
    Google,
    /// Azure Disk.
    Azure,
}

impl PersistentDisk {
    /// The flag value (`aws`).
    pub fn as_str(self) -> &'static str {
        match self {
            PersistentDisk::Aws => "aws",
            PersistentDisk::Google => "google",
            PersistentDisk::Azure => "azure",
        }
    }
}

/// pachd's log level (`--log-level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Everything.
    Debug,
    /// The default.
    Info,
    /// Errors only.
    Error,
}

impl LogLevel {
    /// The flag value (`info`).
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Error => "error",
        }
    }
}

/// The object-store driver pachd uses (`STORAGE_BACKEND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Backend {
    /// S3 with v4 signatures, at AWS or a custom endpoint.
    Amazon,
    /// Google Cloud Storage.
    Google,
    /// Azure Blob Storage.
    Microsoft,
    /// The MinIO driver (S3 with v2 or v4 signatures).
    Minio,
}

/// `images`: where images come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Images {
    /// Registry put in front of every image (`--registry`).
    pub registry: String,
    /// Existing docker-registry Secret the pods pull with (`--image-pull-secret`).
    pub pull_secret: String,
    /// Pull policy of every container.
    pub pull_policy: String,
}

/// `rbac`: how pachd's permissions are granted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Rbac {
    /// Role + RoleBinding instead of the cluster-wide kinds (`--local-roles`).
    pub local_roles: bool,
}

/// CPU and memory of one container.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// CPU request (a Kubernetes quantity).
    pub cpu: String,
    /// Memory request (a Kubernetes quantity).
    pub memory: String,
}

/// `etcd`: pachd's metadata store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Etcd {
    /// etcd's image.
    pub image: String,
    /// Members of the StatefulSet (`--dynamic-etcd-nodes`); unused with a static volume.
    pub dynamic_nodes: u32,
    /// Existing disk backing a PersistentVolume (`--static-etcd-volume`); "" for dynamic volumes.
    pub static_volume: String,
    /// Existing StorageClass for dynamic volumes (`--etcd-storage-class`); "" creates one.
    pub storage_class: String,
    /// Volume size in GiB (the second positional argument).
    pub volume_size_gi: u32,
    /// Requests (and limits when guaranteed).
    pub resources: Resources,
}

impl Etcd {
    /// Whether etcd runs on a static PersistentVolume (a Deployment) rather than a StatefulSet.
    pub fn is_static(&self) -> bool {
        !self.static_volume.is_empty()
    }
}

/// `pachd`: the API server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Pachd {
    /// pachd's image (also the workers' sidecar).
    pub image: String,
    /// The pipeline workers' image.
    pub worker_image: String,
    /// `PACHD_VERSION`.
    pub version: String,
    /// Upper bound on pachd nodes (`--shards`).
    pub shards: u32,
    /// `--log-level`.
    pub log_level: LogLevel,
    /// Anonymous usage metrics.
    pub metrics: bool,
    /// In-memory block cache; added to the memory request.
    pub block_cache_size: String,
    /// `STORAGE_UPLOAD_CONCURRENCY_LIMIT`.
    pub upload_concurrency_limit: u32,
    /// Requests (and limits when guaranteed); memory without the block cache.
    pub resources: Resources,
}

/// `dash`: the Enterprise Edition UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Dash {
    /// dash's image (`--dash-image`).
    pub image: String,
    /// The gRPC-web proxy's image.
    pub grpc_proxy_image: String,
}

/// `tls`: pachd's certificate (`--tls`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    /// Whether pachd serves TLS.
    pub enabled: bool,
    /// The certificate chain, PEM.
    pub cert: String,
    /// The private key, PEM.
    pub key: String,
}

/// `objectStore.amazon`: S3 (v4 signatures) at AWS or a custom endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Amazon {
    /// AWS region.
    pub region: String,
    /// Bucket name.
    pub bucket: String,
    /// Access key id.
    pub id: String,
    /// Secret access key.
    pub secret: String,
    /// Session token.
    pub token: String,
    /// S3-compatible endpoint (`host:port`); "" for AWS.
    pub endpoint: String,
    /// CloudFront distribution.
    pub distribution: String,
    /// Retries per request.
    pub retries: u32,
    /// Request timeout (a Go duration).
    pub timeout: String,
    /// Canned ACL of uploads.
    #[serde(rename = "uploadACL")]
    pub upload_acl: String,
    /// Reverse object key prefixes.
    pub reverse: bool,
    /// Multipart upload part size, bytes.
    pub part_size: u64,
    /// Most parts of one multipart upload.
    pub max_upload_parts: u32,
    /// Plain HTTP to the endpoint.
    #[serde(rename = "disableSSL")]
    pub disable_ssl: bool,
    /// Skip certificate verification.
    #[serde(rename = "noVerifySSL")]
    pub no_verify_ssl: bool,
}

/// `objectStore.google`: Cloud Storage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Google {
    /// Bucket name.
    pub bucket: String,
    /// Service account JSON key.
    pub cred: String,
}

/// `objectStore.microsoft`: Blob Storage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Microsoft {
    /// Container name.
    pub container: String,
    /// Storage account name.
    pub id: String,
    /// Storage account key.
    pub secret: String,
}

/// `objectStore.minio`: the MinIO driver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Minio {
    /// Bucket name.
    pub bucket: String,
    /// Endpoint (`host:port`).
    pub endpoint: String,
    /// Access key id.
    pub id: String,
    /// Secret key.
    pub secret: String,
    /// TLS to the endpoint.
    pub secure: bool,
    /// `"1"` for S3v2 signatures, `""` for S3v4.
    pub signature: String,
}

/// `objectStore`: the backend and the settings of each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectStore {
    /// Which backend pachd uses.
    pub backend: Backend,
    /// S3 settings.
    pub amazon: Amazon,
    /// Cloud Storage settings.
    pub google: Google,
    /// Blob Storage settings.
    pub microsoft: Microsoft,
    /// MinIO settings.
    pub minio: Minio,
}

/// All values of the `pachyderm-1.9` stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Config {
    /// `--persistent-disk`.
    pub persistent_disk: PersistentDisk,
    /// Requests equal limits (off with `--no-guaranteed`).
    pub guaranteed: bool,
    /// Image sources.
    pub images: Images,
    /// RBAC kinds.
    pub rbac: Rbac,
    /// etcd.
    pub etcd: Etcd,
    /// pachd.
    pub pachd: Pachd,
    /// dash.
    pub dash: Dash,
    /// pachd's TLS certificate.
    pub tls: Tls,
    /// The object store.
    pub object_store: ObjectStore,
}
