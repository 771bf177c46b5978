//! Flags of `paddock deploy custom` and `paddock deploy storage` (pachctl 1.9's names).

use clap::{Args, Subcommand, ValueEnum};

use super::{ClusterFlags, OutputFormat};

/// `paddock deploy`: the pachctl 1.9 deploy commands.
#[derive(Debug, Args)]
pub struct DeployArgs {
    /// What to deploy.
    #[command(subcommand)]
    pub command: DeployCommand,
}

/// The `deploy` subcommands.
#[derive(Debug, Subcommand)]
pub enum DeployCommand {
    /// Deploy Pachyderm 1.9 (pachd, etcd, dash) on any cloud's disks with an S3-compatible object store.
    #[command(
        override_usage = "paddock deploy custom --persistent-disk <aws|google|azure> --object-store s3 <pv-name> <pv-size-GB> <bucket> <access-key> <secret-key> <endpoint> (--dynamic-etcd-nodes N | --static-etcd-volume NAME) [flags]",
        after_help = "Arguments:\n  <pv-name>      unused (pachctl requires it; etcd's disk is --static-etcd-volume)\n  <pv-size-GB>   size of etcd's volume in GiB (10 suits most deployments)\n  <bucket>       bucket name, without s3:// or a trailing /\n  <access-key>   the object store's access key id\n  <secret-key>   its secret key\n  <endpoint>     host:port of the object store\n\nAn argument that starts with '-' goes after `--` (e.g. `-- foobar 10 bucket AK -SECRET minio:9000`).\n\nExamples:\n  paddock deploy custom --persistent-disk aws --object-store s3 foobar 10 \\\n      pachyderm-bucket 'OBSIJRBE0PP2NO4QOA27' 'tfteSlswRu7BJ86wekitnifILbZam1KYY3TG' 'minio:9000' \\\n      --dynamic-etcd-nodes 1 --local-roles --output yaml --dry-run > custom_deploy.yaml\n  paddock deploy custom --persistent-disk google disk-1 10 bucket AK SK minio:9000 \\\n      --static-etcd-volume=disk-1 --dry-run\n\nSee docs/deploy-custom.md for every object rendered and the differences from pachctl."
    )]
    Custom(Box<CustomArgs>),
    /// Regenerate only pachyderm-storage-secret, to rotate object-store credentials.
    #[command(
        override_usage = "paddock deploy storage <amazon|google|microsoft|minio|s3> <args>... [flags]",
        after_help = "Backends and their arguments:\n  amazon <region> <bucket> <id> <secret> [<token>]   Amazon S3\n  google <bucket> <credentials-file>                 Google Cloud Storage (a service account JSON key)\n  microsoft <container> <account-name> <account-key> Azure Blob Storage\n  minio <bucket> <id> <secret> <endpoint>            the MinIO driver (S3v4; S3v2 with --isS3V2, TLS with -s)\n  s3 <bucket> <id> <secret> <endpoint>               what `deploy custom --object-store s3` renders (--isS3V2, -s alike)\n\npachd reads the secret when it starts: restart it after applying.\n\nExamples:\n  paddock deploy storage s3 pachyderm-bucket NEWKEYID NEWSECRET minio:9000 --dry-run -o yaml\n  paddock deploy storage google my-bucket key.json --dry-run | kubectl apply -f -"
    )]
    Storage(StorageArgs),
}

/// `--persistent-disk` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PersistentDiskArg {
    /// Amazon EBS.
    Aws,
    /// Google Persistent Disk.
    Google,
    /// Azure Disk.
    Azure,
}

/// `--object-store` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ObjectStoreArg {
    /// Any store with the S3 API.
    S3,
}

/// `--log-level` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevelArg {
    /// Everything.
    Debug,
    /// The default.
    Info,
    /// Errors only.
    Error,
}

/// `deploy storage` backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StorageBackendArg {
    /// Amazon S3: <region> <bucket> <id> <secret> [<token>].
    Amazon,
    /// Google Cloud Storage: <bucket> <credentials-file>.
    Google,
    /// Azure Blob Storage: <container> <account-name> <account-key>.
    Microsoft,
    /// The MinIO driver: <bucket> <id> <secret> <endpoint>.
    Minio,
    /// As `deploy custom --object-store s3`: <bucket> <id> <secret> <endpoint>.
    S3,
}

/// What both deploy commands share: output, dry run, verbosity, the cluster.
#[derive(Debug, Args)]
pub struct DeployOutputFlags {
    /// Print the manifest instead of applying it to the cluster.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format of --dry-run.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Json)]
    pub output: OutputFormat,
    /// Describe on stderr what is rendered (credentials are never shown).
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// How long to wait for the applied objects to be ready (e.g. 90s, 10m).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::commands::cluster::parse_duration)]
    pub timeout: std::time::Duration,
    /// Cluster (and namespace: the kubeconfig context's, or `default` with --dry-run).
    #[command(flatten)]
    pub cluster: ClusterFlags,
}

/// `paddock deploy custom` flags.
#[derive(Debug, Args)]
pub struct CustomArgs {
    /// <pv-name> <pv-size-GB> <bucket> <access-key> <secret-key> <endpoint>.
    #[arg(value_name = "ARGS")]
    pub args: Vec<String>,
    /// Cloud that provides etcd's disk.
    #[arg(long, value_enum, value_name = "DISK", default_value_t = PersistentDiskArg::Aws)]
    pub persistent_disk: PersistentDiskArg,
    /// Object store API (only s3: any S3-compatible store).
    #[arg(long, value_enum, value_name = "STORE", default_value_t = ObjectStoreArg::S3)]
    pub object_store: ObjectStoreArg,
    /// Run etcd as a StatefulSet of N members on dynamically provisioned volumes (1 is recommended).
    #[arg(long, value_name = "N")]
    pub dynamic_etcd_nodes: Option<u32>,
    /// Run etcd on a PersistentVolume backed by this existing disk.
    #[arg(long, value_name = "NAME")]
    pub static_etcd_volume: Option<String>,
    /// Existing StorageClass for etcd's dynamic volumes (default: create etcd-storage-class).
    #[arg(long, value_name = "CLASS")]
    pub etcd_storage_class: Option<String>,
    /// The object store uses S3v2 signatures: use the MinIO driver (without TLS unless -s).
    #[arg(long = "isS3V2")]
    pub is_s3_v2: bool,
    /// With --isS3V2: connect to the object store with TLS.
    #[arg(short = 's', long)]
    pub secure: bool,
    /// Use a namespaced Role instead of a ClusterRole (no coefficient parallelism).
    #[arg(long)]
    pub local_roles: bool,
    /// etcd's CPU request, in cores [default: 1].
    #[arg(long, value_name = "CPU", allow_hyphen_values = true)]
    pub etcd_cpu_request: Option<String>,
    /// etcd's memory request, a Kubernetes quantity [default: 2G].
    #[arg(long, value_name = "MEMORY", allow_hyphen_values = true)]
    pub etcd_memory_request: Option<String>,
    /// Requests without equal limits (no Guaranteed QoS); not for production.
    #[arg(long)]
    pub no_guaranteed: bool,
    /// pachd's CPU request, in cores [default: 1].
    #[arg(long, value_name = "CPU", allow_hyphen_values = true)]
    pub pachd_cpu_request: Option<String>,
    /// pachd's memory request without its 1G block cache, a Kubernetes quantity [default: 2G].
    #[arg(long, value_name = "MEMORY", allow_hyphen_values = true)]
    pub pachd_memory_request: Option<String>,
    /// Most pachd nodes in the cluster [default: 16].
    #[arg(long, value_name = "N")]
    pub shards: Option<u32>,
    /// dash's image [default: pachyderm/dash:1.9.0].
    #[arg(long, value_name = "IMAGE")]
    pub dash_image: Option<String>,
    /// Existing docker-registry Secret to pull images with.
    #[arg(long, value_name = "SECRET")]
    pub image_pull_secret: Option<String>,
    /// Leave out dash (the Enterprise Edition UI).
    #[arg(long)]
    pub no_dashboard: bool,
    /// Render only dash.
    #[arg(long)]
    pub dashboard_only: bool,
    /// Registry to pull every image from.
    #[arg(long, value_name = "HOST")]
    pub registry: Option<String>,
    /// pachd's TLS certificate and key: "<cert path>,<key path>" (PEM files).
    #[arg(long, value_name = "CERT,KEY")]
    pub tls: Option<String>,
    /// pachd's log level [default: info].
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub log_level: Option<LogLevelArg>,
    /// Output, cluster and verbosity.
    #[command(flatten)]
    pub output: DeployOutputFlags,
}

/// `paddock deploy storage` flags.
#[derive(Debug, Args)]
pub struct StorageArgs {
    /// The object store.
    #[arg(value_enum, value_name = "BACKEND")]
    pub backend: StorageBackendArg,
    /// The backend's arguments (see below).
    #[arg(value_name = "ARGS")]
    pub args: Vec<String>,
    /// minio and s3: the store uses S3v2 signatures.
    #[arg(long = "isS3V2")]
    pub is_s3_v2: bool,
    /// minio, and s3 with --isS3V2: connect with TLS.
    #[arg(short = 's', long)]
    pub secure: bool,
    /// Output, cluster and verbosity.
    #[command(flatten)]
    pub output: DeployOutputFlags,
}
