//! The typed values of the built-in `pachyderm` stack. Key names, nesting and defaults are the
//! Pachyderm Helm chart's (2.11.6); the defaults live in `stacks/pachyderm/values.yaml` and
//! every struct rejects keys it does not know.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// A free-form mapping passed through to Kubernetes as-is (resources, affinity, ...).
pub type JsonMap = serde_json::Map<String, serde_json::Value>;

/// Where the cluster runs; picks the object store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DeployTarget {
    /// A single machine; data on a host path.
    Local,
    /// EKS with S3.
    Amazon,
    /// GKE with Cloud Storage.
    Google,
    /// AKS with Blob Storage.
    Microsoft,
    /// Any S3-compatible store such as MinIO.
    Minio,
    /// S3 API at a custom endpoint through the amazon.* keys.
    Custom,
}

/// `pachd.storage.backend`: an explicit object-store backend, or empty to follow deployTarget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum StorageBackend {
    /// Follow deployTarget.
    #[serde(rename = "")]
    FromTarget,
    /// Host path.
    #[serde(rename = "LOCAL")]
    Local,
    /// S3.
    #[serde(rename = "AMAZON")]
    Amazon,
    /// Cloud Storage.
    #[serde(rename = "GOOGLE")]
    Google,
    /// Blob Storage.
    #[serde(rename = "MICROSOFT")]
    Microsoft,
    /// S3-compatible through the minio.* keys.
    #[serde(rename = "MINIO")]
    Minio,
}

/// A Kubernetes Service type paddock can render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServiceType {
    /// Reachable inside the cluster only.
    ClusterIP,
    /// Also on a port of every node.
    NodePort,
    /// Also through a cloud load balancer.
    LoadBalancer,
}

/// pachd's log level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Everything.
    Debug,
    /// The default.
    Info,
    /// Warnings and errors.
    Warn,
    /// Errors only.
    Error,
}

/// A container probe's timings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Probe {
    /// Seconds before the first probe.
    pub initial_delay_seconds: i64,
    /// Seconds before a probe times out.
    pub timeout_seconds: i64,
    /// Seconds between probes.
    pub period_seconds: i64,
    /// Successes needed after a failure.
    pub success_threshold: i64,
    /// Failures tolerated.
    pub failure_threshold: i64,
}

/// `proxy.tls.secret`: an inline certificate and key (PEM) to create the TLS secret from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyTlsSecret {
    /// The certificate chain, PEM.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cert: String,
    /// The private key, PEM.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
}

/// Values under `global.postgresql`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalPostgresql {
    /// `global.postgresql.postgresqlUsername`
    #[serde(rename = "postgresqlUsername")]
    pub postgresql_username: String,
    /// `global.postgresql.postgresqlPassword`
    #[serde(rename = "postgresqlPassword")]
    pub postgresql_password: String,
    /// `global.postgresql.postgresqlPostgresPassword`
    #[serde(rename = "postgresqlPostgresPassword")]
    pub postgresql_postgres_password: String,
    /// `global.postgresql.postgresqlAuthType`
    #[serde(rename = "postgresqlAuthType")]
    pub postgresql_auth_type: String,
    /// `global.postgresql.postgresqlExistingSecretName`
    #[serde(rename = "postgresqlExistingSecretName")]
    pub postgresql_existing_secret_name: String,
    /// `global.postgresql.postgresqlExistingSecretKey`
    #[serde(rename = "postgresqlExistingSecretKey")]
    pub postgresql_existing_secret_key: String,
    /// `global.postgresql.postgresqlDatabase`
    #[serde(rename = "postgresqlDatabase")]
    pub postgresql_database: String,
    /// `global.postgresql.postgresqlHost`
    #[serde(rename = "postgresqlHost")]
    pub postgresql_host: String,
    /// `global.postgresql.postgresqlPort`
    #[serde(rename = "postgresqlPort")]
    pub postgresql_port: String,
    /// `global.postgresql.postgresqlSSL`
    #[serde(rename = "postgresqlSSL")]
    pub postgresql_ssl: String,
    /// `global.postgresql.postgresqlSSLCACert`
    #[serde(rename = "postgresqlSSLCACert")]
    pub postgresql_sslca_cert: String,
    /// `global.postgresql.postgresqlSSLSecret`
    #[serde(rename = "postgresqlSSLSecret")]
    pub postgresql_ssl_secret: String,
    /// `global.postgresql.identityDatabaseFullNameOverride`
    #[serde(rename = "identityDatabaseFullNameOverride")]
    pub identity_database_full_name_override: String,
}

/// Values under `global.securityContexts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalSecurityContexts {
    /// `global.securityContexts.enabled`
    pub enabled: bool,
}

/// Values under `global.image`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlobalImage {
    /// `global.image.registry`
    pub registry: String,
}

/// Values under `global`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Global {
    /// `global.postgresql`
    pub postgresql: GlobalPostgresql,
    /// `global.imagePullSecrets`
    #[serde(rename = "imagePullSecrets")]
    pub image_pull_secrets: Vec<serde_json::Value>,
    /// `global.customCaCerts`
    #[serde(rename = "customCaCerts")]
    pub custom_ca_certs: bool,
    /// `global.proxy`
    pub proxy: String,
    /// `global.noProxy`
    #[serde(rename = "noProxy")]
    pub no_proxy: String,
    /// `global.securityContexts`
    #[serde(rename = "securityContexts")]
    pub security_contexts: GlobalSecurityContexts,
    /// `global.image`
    pub image: GlobalImage,
}

/// Values under `console.image`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleImage {
    /// `console.image.repository`
    pub repository: String,
    /// `console.image.pullPolicy`
    #[serde(rename = "pullPolicy")]
    pub pull_policy: String,
    /// `console.image.tag`
    pub tag: String,
}

/// Values under `console.config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    /// `console.config.reactAppRuntimeIssuerURI`
    #[serde(rename = "reactAppRuntimeIssuerURI")]
    pub react_app_runtime_issuer_uri: String,
    /// `console.config.reactAppRuntimeRefetchInterval`
    #[serde(rename = "reactAppRuntimeRefetchInterval")]
    pub react_app_runtime_refetch_interval: i64,
    /// `console.config.oauthRedirectURI`
    #[serde(rename = "oauthRedirectURI")]
    pub oauth_redirect_uri: String,
    /// `console.config.oauthClientID`
    #[serde(rename = "oauthClientID")]
    pub oauth_client_id: String,
    /// `console.config.oauthClientSecret`
    #[serde(rename = "oauthClientSecret")]
    pub oauth_client_secret: String,
    /// `console.config.oauthClientSecretSecretName`
    #[serde(rename = "oauthClientSecretSecretName")]
    pub oauth_client_secret_secret_name: String,
    /// `console.config.graphqlPort`
    #[serde(rename = "graphqlPort")]
    pub graphql_port: i64,
    /// `console.config.disableTelemetry`
    #[serde(rename = "disableTelemetry")]
    pub disable_telemetry: bool,
}

/// Values under `console.service`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleService {
    /// `console.service.annotations`
    pub annotations: IndexMap<String, String>,
    /// `console.service.labels`
    pub labels: IndexMap<String, String>,
    /// `console.service.type`
    pub r#type: ServiceType,
}

/// Values under `console`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Console {
    /// `console.enabled`
    pub enabled: bool,
    /// `console.annotations`
    pub annotations: IndexMap<String, String>,
    /// `console.image`
    pub image: ConsoleImage,
    /// `console.priorityClassName`
    #[serde(rename = "priorityClassName")]
    pub priority_class_name: String,
    /// `console.nodeSelector`
    #[serde(rename = "nodeSelector")]
    pub node_selector: IndexMap<String, String>,
    /// `console.tolerations`
    pub tolerations: Vec<serde_json::Value>,
    /// `console.podLabels`
    #[serde(rename = "podLabels")]
    pub pod_labels: IndexMap<String, String>,
    /// `console.resources`
    pub resources: JsonMap,
    /// `console.config`
    pub config: ConsoleConfig,
    /// `console.service`
    pub service: ConsoleService,
}

/// Values under `etcd.image`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EtcdImage {
    /// `etcd.image.repository`
    pub repository: String,
    /// `etcd.image.tag`
    pub tag: String,
    /// `etcd.image.pullPolicy`
    #[serde(rename = "pullPolicy")]
    pub pull_policy: String,
}

/// Values under `etcd.service`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EtcdService {
    /// `etcd.service.annotations`
    pub annotations: IndexMap<String, String>,
    /// `etcd.service.labels`
    pub labels: IndexMap<String, String>,
    /// `etcd.service.type`
    pub r#type: ServiceType,
}

/// Values under `etcd`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Etcd {
    /// `etcd.affinity`
    pub affinity: JsonMap,
    /// `etcd.annotations`
    pub annotations: IndexMap<String, String>,
    /// `etcd.dynamicNodes`
    #[serde(rename = "dynamicNodes")]
    pub dynamic_nodes: i64,
    /// `etcd.image`
    pub image: EtcdImage,
    /// `etcd.maxTxnOps`
    #[serde(rename = "maxTxnOps")]
    pub max_txn_ops: i64,
    /// `etcd.priorityClassName`
    #[serde(rename = "priorityClassName")]
    pub priority_class_name: String,
    /// `etcd.nodeSelector`
    #[serde(rename = "nodeSelector")]
    pub node_selector: IndexMap<String, String>,
    /// `etcd.podLabels`
    #[serde(rename = "podLabels")]
    pub pod_labels: IndexMap<String, String>,
    /// `etcd.resources`
    pub resources: JsonMap,
    /// `etcd.storageClass`
    #[serde(rename = "storageClass")]
    pub storage_class: String,
    /// `etcd.storageSize`
    #[serde(rename = "storageSize")]
    pub storage_size: String,
    /// `etcd.service`
    pub service: EtcdService,
    /// `etcd.tolerations`
    pub tolerations: Vec<serde_json::Value>,
    /// `etcd.inMemory`
    #[serde(rename = "inMemory")]
    pub in_memory: bool,
}

/// Values under `ingress.tls.newSecret`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngressTlsNewSecret {
    /// `ingress.tls.newSecret.create`
    pub create: bool,
    /// `ingress.tls.newSecret.crt`
    pub crt: String,
    /// `ingress.tls.newSecret.key`
    pub key: String,
}

/// Values under `ingress.tls`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngressTls {
    /// `ingress.tls.enabled`
    pub enabled: bool,
    /// `ingress.tls.secretName`
    #[serde(rename = "secretName")]
    pub secret_name: String,
    /// `ingress.tls.newSecret`
    #[serde(rename = "newSecret")]
    pub new_secret: IngressTlsNewSecret,
}

/// Values under `ingress`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ingress {
    /// `ingress.enabled`
    pub enabled: bool,
    /// `ingress.annotations`
    pub annotations: IndexMap<String, String>,
    /// `ingress.host`
    pub host: String,
    /// `ingress.uriHttpsProtoOverride`
    #[serde(rename = "uriHttpsProtoOverride")]
    pub uri_https_proto_override: bool,
    /// `ingress.tls`
    pub tls: IngressTls,
}

/// Values under `pachw`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pachw {
    /// `pachw.inheritFromPachd`
    #[serde(rename = "inheritFromPachd")]
    pub inherit_from_pachd: bool,
    /// `pachw.minReplicas`
    #[serde(rename = "minReplicas")]
    pub min_replicas: i64,
    /// `pachw.maxReplicas`
    #[serde(rename = "maxReplicas")]
    pub max_replicas: i64,
    /// `pachw.resources`
    pub resources: JsonMap,
    /// `pachw.tolerations`
    pub tolerations: Vec<serde_json::Value>,
    /// `pachw.affinity`
    pub affinity: JsonMap,
    /// `pachw.nodeSelector`
    #[serde(rename = "nodeSelector")]
    pub node_selector: IndexMap<String, String>,
}

/// Values under `pachd.preflightChecks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdPreflightChecks {
    /// `pachd.preflightChecks.enabled`
    pub enabled: bool,
}

/// Values under `pachd.image`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdImage {
    /// `pachd.image.repository`
    pub repository: String,
    /// `pachd.image.pullPolicy`
    #[serde(rename = "pullPolicy")]
    pub pull_policy: String,
    /// `pachd.image.tag`
    pub tag: String,
}

/// Values under `pachd.metrics`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdMetrics {
    /// `pachd.metrics.enabled`
    pub enabled: bool,
    /// `pachd.metrics.endpoint`
    pub endpoint: String,
}

/// Values under `pachd.externalService`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdExternalService {
    /// `pachd.externalService.enabled`
    pub enabled: bool,
    /// `pachd.externalService.loadBalancerIP`
    #[serde(rename = "loadBalancerIP")]
    pub load_balancer_ip: String,
    /// `pachd.externalService.apiGRPCPort`
    #[serde(rename = "apiGRPCPort")]
    pub api_grpc_port: i64,
    /// `pachd.externalService.s3GatewayPort`
    #[serde(rename = "s3GatewayPort")]
    pub s3_gateway_port: i64,
    /// `pachd.externalService.annotations`
    pub annotations: IndexMap<String, String>,
}

/// Values under `pachd.service`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdService {
    /// `pachd.service.labels`
    pub labels: IndexMap<String, String>,
    /// `pachd.service.type`
    pub r#type: ServiceType,
    /// `pachd.service.annotations`
    pub annotations: IndexMap<String, String>,
    /// `pachd.service.apiGRPCPort`
    #[serde(rename = "apiGRPCPort")]
    pub api_grpc_port: i64,
    /// `pachd.service.prometheusPort`
    #[serde(rename = "prometheusPort")]
    pub prometheus_port: i64,
    /// `pachd.service.oidcPort`
    #[serde(rename = "oidcPort")]
    pub oidc_port: i64,
    /// `pachd.service.identityPort`
    #[serde(rename = "identityPort")]
    pub identity_port: i64,
    /// `pachd.service.s3GatewayPort`
    #[serde(rename = "s3GatewayPort")]
    pub s3_gateway_port: i64,
}

/// Values under `pachd.serviceAccount`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdServiceAccount {
    /// `pachd.serviceAccount.create`
    pub create: bool,
    /// `pachd.serviceAccount.additionalAnnotations`
    #[serde(rename = "additionalAnnotations")]
    pub additional_annotations: IndexMap<String, String>,
    /// `pachd.serviceAccount.name`
    pub name: String,
}

/// Values under `pachd.storage.amazon`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdStorageAmazon {
    /// `pachd.storage.amazon.bucket`
    pub bucket: String,
    /// `pachd.storage.amazon.cloudFrontDistribution`
    #[serde(rename = "cloudFrontDistribution")]
    pub cloud_front_distribution: String,
    /// `pachd.storage.amazon.customEndpoint`
    #[serde(rename = "customEndpoint")]
    pub custom_endpoint: String,
    /// `pachd.storage.amazon.disableSSL`
    #[serde(rename = "disableSSL")]
    pub disable_ssl: bool,
    /// `pachd.storage.amazon.id`
    pub id: String,
    /// `pachd.storage.amazon.logOptions`
    #[serde(rename = "logOptions")]
    pub log_options: String,
    /// `pachd.storage.amazon.maxUploadParts`
    #[serde(rename = "maxUploadParts")]
    pub max_upload_parts: i64,
    /// `pachd.storage.amazon.verifySSL`
    #[serde(rename = "verifySSL")]
    pub verify_ssl: bool,
    /// `pachd.storage.amazon.partSize`
    #[serde(rename = "partSize")]
    pub part_size: String,
    /// `pachd.storage.amazon.region`
    pub region: String,
    /// `pachd.storage.amazon.retries`
    pub retries: i64,
    /// `pachd.storage.amazon.reverse`
    pub reverse: bool,
    /// `pachd.storage.amazon.secret`
    pub secret: String,
    /// `pachd.storage.amazon.timeout`
    pub timeout: String,
    /// `pachd.storage.amazon.token`
    pub token: String,
    /// `pachd.storage.amazon.uploadACL`
    #[serde(rename = "uploadACL")]
    pub upload_acl: String,
}

/// Values under `pachd.storage.google`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdStorageGoogle {
    /// `pachd.storage.google.bucket`
    pub bucket: String,
    /// `pachd.storage.google.cred`
    pub cred: String,
}

/// Values under `pachd.storage.local`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdStorageLocal {
    /// `pachd.storage.local.hostPath`
    #[serde(rename = "hostPath")]
    pub host_path: String,
    /// `pachd.storage.local.requireRoot`
    #[serde(rename = "requireRoot")]
    pub require_root: bool,
}

/// Values under `pachd.storage.microsoft`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdStorageMicrosoft {
    /// `pachd.storage.microsoft.container`
    pub container: String,
    /// `pachd.storage.microsoft.id`
    pub id: String,
    /// `pachd.storage.microsoft.secret`
    pub secret: String,
}

/// Values under `pachd.storage.minio`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdStorageMinio {
    /// `pachd.storage.minio.bucket`
    pub bucket: String,
    /// `pachd.storage.minio.endpoint`
    pub endpoint: String,
    /// `pachd.storage.minio.id`
    pub id: String,
    /// `pachd.storage.minio.secret`
    pub secret: String,
    /// `pachd.storage.minio.secure`
    pub secure: String,
    /// `pachd.storage.minio.signature`
    pub signature: String,
}

/// Values under `pachd.storage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdStorage {
    /// `pachd.storage.backend`
    pub backend: StorageBackend,
    /// `pachd.storage.storageURL`
    #[serde(rename = "storageURL")]
    pub storage_url: String,
    /// `pachd.storage.amazon`
    pub amazon: PachdStorageAmazon,
    /// `pachd.storage.google`
    pub google: PachdStorageGoogle,
    /// `pachd.storage.local`
    pub local: PachdStorageLocal,
    /// `pachd.storage.microsoft`
    pub microsoft: PachdStorageMicrosoft,
    /// `pachd.storage.minio`
    pub minio: PachdStorageMinio,
    /// `pachd.storage.putFileConcurrencyLimit`
    #[serde(rename = "putFileConcurrencyLimit")]
    pub put_file_concurrency_limit: i64,
    /// `pachd.storage.uploadConcurrencyLimit`
    #[serde(rename = "uploadConcurrencyLimit")]
    pub upload_concurrency_limit: i64,
    /// `pachd.storage.compactionShardSizeThreshold`
    #[serde(rename = "compactionShardSizeThreshold")]
    pub compaction_shard_size_threshold: String,
    /// `pachd.storage.compactionShardCountThreshold`
    #[serde(rename = "compactionShardCountThreshold")]
    pub compaction_shard_count_threshold: String,
    /// `pachd.storage.memoryThreshold`
    #[serde(rename = "memoryThreshold")]
    pub memory_threshold: i64,
    /// `pachd.storage.levelFactor`
    #[serde(rename = "levelFactor")]
    pub level_factor: i64,
    /// `pachd.storage.maxFanIn`
    #[serde(rename = "maxFanIn")]
    pub max_fan_in: i64,
    /// `pachd.storage.maxOpenFileSets`
    #[serde(rename = "maxOpenFileSets")]
    pub max_open_file_sets: i64,
    /// `pachd.storage.diskCacheSize`
    #[serde(rename = "diskCacheSize")]
    pub disk_cache_size: i64,
    /// `pachd.storage.memoryCacheSize`
    #[serde(rename = "memoryCacheSize")]
    pub memory_cache_size: i64,
}

/// Values under `pachd.tls.newSecret`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdTlsNewSecret {
    /// `pachd.tls.newSecret.create`
    pub create: bool,
    /// `pachd.tls.newSecret.crt`
    pub crt: String,
    /// `pachd.tls.newSecret.key`
    pub key: String,
}

/// Values under `pachd.tls`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdTls {
    /// `pachd.tls.enabled`
    pub enabled: bool,
    /// `pachd.tls.secretName`
    #[serde(rename = "secretName")]
    pub secret_name: String,
    /// `pachd.tls.newSecret`
    #[serde(rename = "newSecret")]
    pub new_secret: PachdTlsNewSecret,
}

/// Values under `pachd.worker.image`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdWorkerImage {
    /// `pachd.worker.image.repository`
    pub repository: String,
    /// `pachd.worker.image.pullPolicy`
    #[serde(rename = "pullPolicy")]
    pub pull_policy: String,
}

/// Values under `pachd.worker.serviceAccount`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdWorkerServiceAccount {
    /// `pachd.worker.serviceAccount.create`
    pub create: bool,
    /// `pachd.worker.serviceAccount.additionalAnnotations`
    #[serde(rename = "additionalAnnotations")]
    pub additional_annotations: IndexMap<String, String>,
    /// `pachd.worker.serviceAccount.name`
    pub name: String,
}

/// Values under `pachd.worker`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdWorker {
    /// `pachd.worker.image`
    pub image: PachdWorkerImage,
    /// `pachd.worker.serviceAccount`
    #[serde(rename = "serviceAccount")]
    pub service_account: PachdWorkerServiceAccount,
}

/// Values under `pachd.rbac`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PachdRbac {
    /// `pachd.rbac.create`
    pub create: bool,
    /// `pachd.rbac.clusterRBAC`
    #[serde(rename = "clusterRBAC")]
    pub cluster_rbac: bool,
}

/// Values under `pachd`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pachd {
    /// `pachd.enabled`
    pub enabled: bool,
    /// `pachd.preflightChecks`
    #[serde(rename = "preflightChecks")]
    pub preflight_checks: PachdPreflightChecks,
    /// `pachd.affinity`
    pub affinity: JsonMap,
    /// `pachd.annotations`
    pub annotations: IndexMap<String, String>,
    /// `pachd.clusterDeploymentID`
    #[serde(rename = "clusterDeploymentID")]
    pub cluster_deployment_id: String,
    /// `pachd.goMaxProcs`
    #[serde(rename = "goMaxProcs")]
    pub go_max_procs: i64,
    /// `pachd.goMemLimit`
    #[serde(rename = "goMemLimit")]
    pub go_mem_limit: String,
    /// `pachd.gcPercent`
    #[serde(rename = "gcPercent")]
    pub gc_percent: i64,
    /// `pachd.image`
    pub image: PachdImage,
    /// `pachd.logLevel`
    #[serde(rename = "logLevel")]
    pub log_level: LogLevel,
    /// `pachd.disableLogSampling`
    #[serde(rename = "disableLogSampling")]
    pub disable_log_sampling: bool,
    /// `pachd.developmentLogger`
    #[serde(rename = "developmentLogger")]
    pub development_logger: bool,
    /// `pachd.sqlQueryLogs`
    #[serde(rename = "sqlQueryLogs")]
    pub sql_query_logs: bool,
    /// `pachd.lokiLogging`
    #[serde(rename = "lokiLogging")]
    pub loki_logging: bool,
    /// `pachd.lokiHost`
    #[serde(rename = "lokiHost")]
    pub loki_host: String,
    /// `pachd.lokiPort`
    #[serde(rename = "lokiPort")]
    pub loki_port: i64,
    /// `pachd.metrics`
    pub metrics: PachdMetrics,
    /// `pachd.priorityClassName`
    #[serde(rename = "priorityClassName")]
    pub priority_class_name: String,
    /// `pachd.nodeSelector`
    #[serde(rename = "nodeSelector")]
    pub node_selector: IndexMap<String, String>,
    /// `pachd.podLabels`
    #[serde(rename = "podLabels")]
    pub pod_labels: IndexMap<String, String>,
    /// `pachd.replicas`
    pub replicas: i64,
    /// `pachd.resources`
    pub resources: JsonMap,
    /// `pachd.requireCriticalServersOnly`
    #[serde(rename = "requireCriticalServersOnly")]
    pub require_critical_servers_only: bool,
    /// `pachd.defaultPipelineCPURequest`: CPU request of a pipeline's user container when its spec gives none (empty: pachd's own default)
    #[serde(rename = "defaultPipelineCPURequest")]
    pub default_pipeline_cpu_request: String,
    /// `pachd.defaultPipelineMemoryRequest`: memory request of a pipeline's user container (empty: pachd's own default)
    #[serde(rename = "defaultPipelineMemoryRequest")]
    pub default_pipeline_memory_request: String,
    /// `pachd.defaultPipelineStorageRequest`: ephemeral storage request of a pipeline's user container (empty: pachd's own default)
    #[serde(rename = "defaultPipelineStorageRequest")]
    pub default_pipeline_storage_request: String,
    /// `pachd.defaultSidecarCPURequest`: CPU request of a pipeline's storage sidecar (empty: pachd's own default)
    #[serde(rename = "defaultSidecarCPURequest")]
    pub default_sidecar_cpu_request: String,
    /// `pachd.defaultSidecarMemoryRequest`: memory request of a pipeline's storage sidecar (empty: pachd's own default)
    #[serde(rename = "defaultSidecarMemoryRequest")]
    pub default_sidecar_memory_request: String,
    /// `pachd.defaultSidecarStorageRequest`: ephemeral storage request of a pipeline's storage sidecar (empty: pachd's own default)
    #[serde(rename = "defaultSidecarStorageRequest")]
    pub default_sidecar_storage_request: String,
    /// `pachd.externalService`
    #[serde(rename = "externalService")]
    pub external_service: PachdExternalService,
    /// `pachd.service`
    pub service: PachdService,
    /// `pachd.activateEnterpriseMember`
    #[serde(rename = "activateEnterpriseMember")]
    pub activate_enterprise_member: bool,
    /// `pachd.activateAuth`
    #[serde(rename = "activateAuth")]
    pub activate_auth: bool,
    /// `pachd.enterpriseLicenseKey`
    #[serde(rename = "enterpriseLicenseKey")]
    pub enterprise_license_key: String,
    /// `pachd.enterpriseLicenseKeySecretName`
    #[serde(rename = "enterpriseLicenseKeySecretName")]
    pub enterprise_license_key_secret_name: String,
    /// `pachd.rootToken`
    #[serde(rename = "rootToken")]
    pub root_token: String,
    /// `pachd.rootTokenSecretName`
    #[serde(rename = "rootTokenSecretName")]
    pub root_token_secret_name: String,
    /// `pachd.enterpriseSecret`
    #[serde(rename = "enterpriseSecret")]
    pub enterprise_secret: String,
    /// `pachd.enterpriseSecretSecretName`
    #[serde(rename = "enterpriseSecretSecretName")]
    pub enterprise_secret_secret_name: String,
    /// `pachd.oauthClientID`
    #[serde(rename = "oauthClientID")]
    pub oauth_client_id: String,
    /// `pachd.oauthClientSecret`
    #[serde(rename = "oauthClientSecret")]
    pub oauth_client_secret: String,
    /// `pachd.oauthClientSecretSecretName`
    #[serde(rename = "oauthClientSecretSecretName")]
    pub oauth_client_secret_secret_name: String,
    /// `pachd.oauthRedirectURI`
    #[serde(rename = "oauthRedirectURI")]
    pub oauth_redirect_uri: String,
    /// `pachd.enterpriseRootToken`
    #[serde(rename = "enterpriseRootToken")]
    pub enterprise_root_token: String,
    /// `pachd.enterpriseRootTokenSecretName`
    #[serde(rename = "enterpriseRootTokenSecretName")]
    pub enterprise_root_token_secret_name: String,
    /// `pachd.enterpriseServerToken`
    #[serde(rename = "enterpriseServerToken")]
    pub enterprise_server_token: String,
    /// `pachd.enterpriseServerTokenSecretName`
    #[serde(rename = "enterpriseServerTokenSecretName")]
    pub enterprise_server_token_secret_name: String,
    /// `pachd.enterpriseServerAddress`
    #[serde(rename = "enterpriseServerAddress")]
    pub enterprise_server_address: String,
    /// `pachd.enterpriseCallbackAddress`
    #[serde(rename = "enterpriseCallbackAddress")]
    pub enterprise_callback_address: String,
    /// `pachd.localhostIssuer`
    #[serde(rename = "localhostIssuer")]
    pub localhost_issuer: String,
    /// `pachd.pachAuthClusterRoleBindings`
    #[serde(rename = "pachAuthClusterRoleBindings")]
    pub pach_auth_cluster_role_bindings: JsonMap,
    /// `pachd.additionalTrustedPeers`
    #[serde(rename = "additionalTrustedPeers")]
    pub additional_trusted_peers: Vec<serde_json::Value>,
    /// `pachd.serviceAccount`
    #[serde(rename = "serviceAccount")]
    pub service_account: PachdServiceAccount,
    /// `pachd.storage`
    pub storage: PachdStorage,
    /// `pachd.ppsWorkerGRPCPort`
    #[serde(rename = "ppsWorkerGRPCPort")]
    pub pps_worker_grpc_port: i64,
    /// `pachd.ppsWorkerPreprocessing`
    #[serde(rename = "ppsWorkerPreprocessing")]
    pub pps_worker_preprocessing: bool,
    /// `pachd.storageGCPeriod`
    #[serde(rename = "storageGCPeriod")]
    pub storage_gc_period: i64,
    /// `pachd.storageChunkGCPeriod`
    #[serde(rename = "storageChunkGCPeriod")]
    pub storage_chunk_gc_period: i64,
    /// `pachd.tls`
    pub tls: PachdTls,
    /// `pachd.tolerations`
    pub tolerations: Vec<serde_json::Value>,
    /// `pachd.worker`
    pub worker: PachdWorker,
    /// `pachd.rbac`
    pub rbac: PachdRbac,
    /// `pachd.readinessProbe`
    #[serde(rename = "readinessProbe")]
    pub readiness_probe: Probe,
    /// `pachd.livenessProbe`
    #[serde(rename = "livenessProbe")]
    pub liveness_probe: Probe,
    /// `pachd.startupProbe`
    #[serde(rename = "startupProbe")]
    pub startup_probe: Probe,
}

/// Values under `pgbouncer.service`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PgbouncerService {
    /// `pgbouncer.service.type`
    pub r#type: ServiceType,
}

/// Values under `pgbouncer.image`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PgbouncerImage {
    /// `pgbouncer.image.repository`
    pub repository: String,
    /// `pgbouncer.image.tag`
    pub tag: String,
}

/// Values under `pgbouncer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pgbouncer {
    /// `pgbouncer.service`
    pub service: PgbouncerService,
    /// `pgbouncer.annotations`
    pub annotations: IndexMap<String, String>,
    /// `pgbouncer.priorityClassName`
    #[serde(rename = "priorityClassName")]
    pub priority_class_name: String,
    /// `pgbouncer.nodeSelector`
    #[serde(rename = "nodeSelector")]
    pub node_selector: IndexMap<String, String>,
    /// `pgbouncer.tolerations`
    pub tolerations: Vec<serde_json::Value>,
    /// `pgbouncer.image`
    pub image: PgbouncerImage,
    /// `pgbouncer.resources`
    pub resources: JsonMap,
    /// `pgbouncer.maxConnections`
    #[serde(rename = "maxConnections")]
    pub max_connections: i64,
    /// `pgbouncer.defaultPoolSize`
    #[serde(rename = "defaultPoolSize")]
    pub default_pool_size: i64,
}

/// Values under `postgresql.image`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresqlImage {
    /// `postgresql.image.repository`
    pub repository: String,
    /// `postgresql.image.tag`
    pub tag: String,
}

/// Values under `postgresql.persistence`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresqlPersistence {
    /// `postgresql.persistence.storageClass`
    #[serde(rename = "storageClass")]
    pub storage_class: String,
    /// `postgresql.persistence.size`
    pub size: String,
    /// `postgresql.persistence.labels`
    pub labels: IndexMap<String, String>,
}

/// Values under `postgresql.primary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresqlPrimary {
    /// `postgresql.primary.priorityClassName`
    #[serde(rename = "priorityClassName")]
    pub priority_class_name: String,
    /// `postgresql.primary.nodeSelector`
    #[serde(rename = "nodeSelector")]
    pub node_selector: IndexMap<String, String>,
    /// `postgresql.primary.tolerations`
    pub tolerations: Vec<serde_json::Value>,
}

/// Values under `postgresql`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Postgresql {
    /// `postgresql.enabled`
    pub enabled: bool,
    /// `postgresql.image`
    pub image: PostgresqlImage,
    /// `postgresql.initdbScripts`
    #[serde(rename = "initdbScripts")]
    pub initdb_scripts: IndexMap<String, String>,
    /// `postgresql.fullnameOverride`
    #[serde(rename = "fullnameOverride")]
    pub fullname_override: String,
    /// `postgresql.resources`
    pub resources: JsonMap,
    /// `postgresql.persistence`
    pub persistence: PostgresqlPersistence,
    /// `postgresql.primary`
    pub primary: PostgresqlPrimary,
}

/// Values under `oidc`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Oidc {
    /// `oidc.issuerURI`
    #[serde(rename = "issuerURI")]
    pub issuer_uri: String,
    /// `oidc.requireVerifiedEmail`
    #[serde(rename = "requireVerifiedEmail")]
    pub require_verified_email: bool,
    /// `oidc.IDTokenExpiry`
    #[serde(rename = "IDTokenExpiry")]
    pub id_token_expiry: String,
    /// `oidc.RotationTokenExpiry`
    #[serde(rename = "RotationTokenExpiry")]
    pub rotation_token_expiry: String,
    /// `oidc.userAccessibleOauthIssuerHost`
    #[serde(rename = "userAccessibleOauthIssuerHost")]
    pub user_accessible_oauth_issuer_host: String,
    /// `oidc.upstreamIDPs`
    #[serde(rename = "upstreamIDPs")]
    pub upstream_id_ps: Vec<serde_json::Value>,
    /// `oidc.upstreamIDPsSecretName`
    #[serde(rename = "upstreamIDPsSecretName")]
    pub upstream_id_ps_secret_name: String,
    /// `oidc.dexCredentialSecretName`
    #[serde(rename = "dexCredentialSecretName")]
    pub dex_credential_secret_name: String,
    /// `oidc.mockIDP`
    #[serde(rename = "mockIDP")]
    pub mock_idp: bool,
    /// `oidc.additionalClients`
    #[serde(rename = "additionalClients")]
    pub additional_clients: Vec<serde_json::Value>,
    /// `oidc.additionalClientsSecretName`
    #[serde(rename = "additionalClientsSecretName")]
    pub additional_clients_secret_name: String,
}

/// Values under `proxy.image`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyImage {
    /// `proxy.image.repository`
    pub repository: String,
    /// `proxy.image.tag`
    pub tag: String,
    /// `proxy.image.pullPolicy`
    #[serde(rename = "pullPolicy")]
    pub pull_policy: String,
}

/// Values under `proxy.service.legacyPorts`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyServiceLegacyPorts {
    /// `proxy.service.legacyPorts.console`
    pub console: i64,
    /// `proxy.service.legacyPorts.grpc`
    pub grpc: i64,
    /// `proxy.service.legacyPorts.s3Gateway`
    #[serde(rename = "s3Gateway")]
    pub s3_gateway: i64,
    /// `proxy.service.legacyPorts.oidc`
    pub oidc: i64,
    /// `proxy.service.legacyPorts.identity`
    pub identity: i64,
    /// `proxy.service.legacyPorts.metrics`
    pub metrics: i64,
}

/// Values under `proxy.service`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyService {
    /// `proxy.service.type`
    pub r#type: ServiceType,
    /// `proxy.service.loadBalancerIP`
    #[serde(rename = "loadBalancerIP")]
    pub load_balancer_ip: String,
    /// `proxy.service.httpPort`
    #[serde(rename = "httpPort")]
    pub http_port: i64,
    /// `proxy.service.httpsPort`
    #[serde(rename = "httpsPort")]
    pub https_port: i64,
    /// `proxy.service.httpNodePort`
    #[serde(rename = "httpNodePort")]
    pub http_node_port: i64,
    /// `proxy.service.httpsNodePort`
    #[serde(rename = "httpsNodePort")]
    pub https_node_port: i64,
    /// `proxy.service.annotations`
    pub annotations: IndexMap<String, String>,
    /// `proxy.service.labels`
    pub labels: IndexMap<String, String>,
    /// `proxy.service.legacyPorts`
    #[serde(rename = "legacyPorts")]
    pub legacy_ports: ProxyServiceLegacyPorts,
    /// `proxy.service.externalTrafficPolicy`
    #[serde(rename = "externalTrafficPolicy")]
    pub external_traffic_policy: String,
}

/// Values under `proxy.tls`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyTls {
    /// `proxy.tls.enabled`
    pub enabled: bool,
    /// `proxy.tls.secretName`
    #[serde(rename = "secretName")]
    pub secret_name: String,
    /// `proxy.tls.secret`
    pub secret: ProxyTlsSecret,
}

/// Values under `proxy`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proxy {
    /// `proxy.enabled`
    pub enabled: bool,
    /// `proxy.host`
    pub host: String,
    /// `proxy.replicas`
    pub replicas: i64,
    /// `proxy.image`
    pub image: ProxyImage,
    /// `proxy.resources`
    pub resources: JsonMap,
    /// `proxy.labels`
    pub labels: IndexMap<String, String>,
    /// `proxy.annotations`
    pub annotations: IndexMap<String, String>,
    /// `proxy.nodeSelector`
    #[serde(rename = "nodeSelector")]
    pub node_selector: IndexMap<String, String>,
    /// `proxy.tolerations`
    pub tolerations: Vec<serde_json::Value>,
    /// `proxy.priorityClassName`
    #[serde(rename = "priorityClassName")]
    pub priority_class_name: String,
    /// `proxy.service`
    pub service: ProxyService,
    /// `proxy.tls`
    pub tls: ProxyTls,
}

/// Values under `(root)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Values {
    /// `deployTarget`
    #[serde(rename = "deployTarget")]
    pub deploy_target: DeployTarget,
    /// `global`
    pub global: Global,
    /// `console`
    pub console: Console,
    /// `etcd`
    pub etcd: Etcd,
    /// `ingress`
    pub ingress: Ingress,
    /// `pachw`
    pub pachw: Pachw,
    /// `pachd`
    pub pachd: Pachd,
    /// `pgbouncer`
    pub pgbouncer: Pgbouncer,
    /// `postgresql`
    pub postgresql: Postgresql,
    /// `oidc`
    pub oidc: Oidc,
    /// `proxy`
    pub proxy: Proxy,
}
