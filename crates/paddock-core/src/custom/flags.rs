//! The flags of `deploy custom` and `deploy storage` as plain data (the CLI fills them from
//! clap), and how they map onto the stack's [`Config`]. Cross-flag rules live in
//! [`super::checks`]; this module assumes they passed.

use super::model::{Backend, Config, LogLevel, PersistentDisk};

/// The six positional arguments of `deploy custom`, as usage names them.
pub const CUSTOM_POSITIONALS: [&str; 6] = [
    "<pv-name>",
    "<pv-size-GB>",
    "<bucket>",
    "<access-key>",
    "<secret-key>",
    "<endpoint>",
];

/// Positions (0-based) of arguments whose values must never be printed.
pub const SECRET_POSITIONS: [usize; 2] = [3, 4];

/// How `deploy custom` is called.
pub const CUSTOM_USAGE: &str = "paddock deploy custom --persistent-disk <aws|google|azure> --object-store s3 <pv-name> <pv-size-GB> <bucket> <access-key> <secret-key> <endpoint> (--dynamic-etcd-nodes N | --static-etcd-volume NAME) [flags]";

/// Every flag of `deploy custom`, already split by clap but not yet checked.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomFlags {
    /// `--persistent-disk`.
    pub persistent_disk: PersistentDisk,
    /// The positional arguments (six expected).
    pub args: Vec<String>,
    /// `--dynamic-etcd-nodes`.
    pub dynamic_etcd_nodes: Option<u32>,
    /// `--static-etcd-volume`.
    pub static_etcd_volume: Option<String>,
    /// `--etcd-storage-class`.
    pub etcd_storage_class: Option<String>,
    /// `--isS3V2`.
    pub is_s3_v2: bool,
    /// `-s/--secure`.
    pub secure: bool,
    /// `--local-roles`.
    pub local_roles: bool,
    /// `--etcd-cpu-request`.
    pub etcd_cpu_request: Option<String>,
    /// `--etcd-memory-request`.
    pub etcd_memory_request: Option<String>,
    /// `--no-guaranteed`.
    pub no_guaranteed: bool,
    /// `--pachd-cpu-request`.
    pub pachd_cpu_request: Option<String>,
    /// `--pachd-memory-request`.
    pub pachd_memory_request: Option<String>,
    /// `--shards`.
    pub shards: Option<u32>,
    /// `--dash-image`.
    pub dash_image: Option<String>,
    /// `--image-pull-secret`.
    pub image_pull_secret: Option<String>,
    /// `--no-dashboard`.
    pub no_dashboard: bool,
    /// `--dashboard-only`.
    pub dashboard_only: bool,
    /// `--registry`.
    pub registry: Option<String>,
    /// `--tls "<cert path>,<key path>"`.
    pub tls: Option<String>,
    /// `--log-level`.
    pub log_level: Option<LogLevel>,
    /// `--namespace`.
    pub namespace: String,
}

impl CustomFlags {
    /// Flags with pachctl's defaults and the given positional arguments.
    pub fn new(args: Vec<String>) -> Self {
        Self {
            persistent_disk: PersistentDisk::Aws,
            args,
            dynamic_etcd_nodes: None,
            static_etcd_volume: None,
            etcd_storage_class: None,
            is_s3_v2: false,
            secure: false,
            local_roles: false,
            etcd_cpu_request: None,
            etcd_memory_request: None,
            no_guaranteed: false,
            pachd_cpu_request: None,
            pachd_memory_request: None,
            shards: None,
            dash_image: None,
            image_pull_secret: None,
            no_dashboard: false,
            dashboard_only: false,
            registry: None,
            tls: None,
            log_level: None,
            namespace: "default".into(),
        }
    }
}

/// The backends `deploy storage` writes a Secret for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageTarget {
    /// `amazon <region> <bucket> <id> <secret> [<token>]`: S3 at AWS.
    Amazon,
    /// `google <bucket> <credentials-file>`.
    Google,
    /// `microsoft <container> <account-name> <account-key>`.
    Microsoft,
    /// `minio <bucket> <id> <secret> <endpoint>`: the MinIO driver.
    Minio,
    /// `s3 <bucket> <id> <secret> <endpoint>`: the object store of `deploy custom`.
    S3,
}

impl StorageTarget {
    /// The backend's name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageTarget::Amazon => "amazon",
            StorageTarget::Google => "google",
            StorageTarget::Microsoft => "microsoft",
            StorageTarget::Minio => "minio",
            StorageTarget::S3 => "s3",
        }
    }

    /// Names of the required, then optional, positional arguments.
    pub fn positionals(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            StorageTarget::Amazon => (&["<region>", "<bucket>", "<id>", "<secret>"], &["<token>"]),
            StorageTarget::Google => (&["<bucket>", "<credentials-file>"], &[]),
            StorageTarget::Microsoft => (&["<container>", "<account-name>", "<account-key>"], &[]),
            StorageTarget::Minio | StorageTarget::S3 => {
                (&["<bucket>", "<id>", "<secret>", "<endpoint>"], &[])
            }
        }
    }

    /// Whether the argument at `position` is a credential (never printed).
    pub fn is_secret(self, position: usize) -> bool {
        let (required, optional) = self.positionals();
        required
            .iter()
            .chain(optional)
            .nth(position)
            .is_some_and(|name| ["<id>", "<secret>", "<token>", "<account-key>"].contains(name))
    }
}

/// Every flag of `deploy storage`.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageFlags {
    /// The backend.
    pub target: StorageTarget,
    /// Its positional arguments.
    pub args: Vec<String>,
    /// `--isS3V2` (minio and s3 only).
    pub is_s3_v2: bool,
    /// `-s/--secure` (minio, and s3 with `--isS3V2`).
    pub secure: bool,
    /// `--namespace`.
    pub namespace: String,
}

/// Puts the object store of `deploy custom` (or `deploy storage s3`) into `config`: S3v4 at a
/// custom endpoint through the AMAZON driver, or with `--isS3V2` the MINIO driver.
pub fn apply_s3(
    config: &mut Config,
    [bucket, id, secret, endpoint]: [&str; 4],
    is_s3_v2: bool,
    secure: bool,
) {
    let store = &mut config.object_store;
    if is_s3_v2 {
        store.backend = Backend::Minio;
        store.minio.bucket = bucket.into();
        store.minio.id = id.into();
        store.minio.secret = secret.into();
        store.minio.endpoint = endpoint.into();
        store.minio.secure = secure;
        store.minio.signature = "1".into();
    } else {
        store.backend = Backend::Amazon;
        store.amazon.bucket = bucket.into();
        store.amazon.id = id.into();
        store.amazon.secret = secret.into();
        store.amazon.endpoint = endpoint.into();
    }
}

/// Sets every value `deploy custom`'s flags decide. `volume_size` is the parsed second
/// argument; `tls` the certificate and key read from `--tls`.
pub fn apply_custom(
    config: &mut Config,
    flags: &CustomFlags,
    volume_size: u32,
    tls: Option<(String, String)>,
) {
    config.persistent_disk = flags.persistent_disk;
    config.guaranteed = !flags.no_guaranteed;
    config.rbac.local_roles = flags.local_roles;
    set_if(&mut config.images.registry, &flags.registry);
    set_if(&mut config.images.pull_secret, &flags.image_pull_secret);

    let etcd = &mut config.etcd;
    if let Some(nodes) = flags.dynamic_etcd_nodes {
        etcd.dynamic_nodes = nodes;
    }
    set_if(&mut etcd.static_volume, &flags.static_etcd_volume);
    set_if(&mut etcd.storage_class, &flags.etcd_storage_class);
    etcd.volume_size_gi = volume_size;
    set_if(&mut etcd.resources.cpu, &flags.etcd_cpu_request);
    set_if(&mut etcd.resources.memory, &flags.etcd_memory_request);

    let pachd = &mut config.pachd;
    set_if(&mut pachd.resources.cpu, &flags.pachd_cpu_request);
    set_if(&mut pachd.resources.memory, &flags.pachd_memory_request);
    if let Some(shards) = flags.shards {
        pachd.shards = shards;
    }
    if let Some(level) = flags.log_level {
        pachd.log_level = level;
    }
    set_if(&mut config.dash.image, &flags.dash_image);

    if let Some((cert, key)) = tls {
        config.tls.enabled = true;
        config.tls.cert = cert;
        config.tls.key = key;
    }
    if let [_, _, bucket, id, secret, endpoint] = flags.args.as_slice() {
        apply_s3(
            config,
            [bucket, id, secret, endpoint],
            flags.is_s3_v2,
            flags.secure,
        );
    }
}

/// Sets the object store `deploy storage` describes. `args` are checked for count already;
/// `credentials` is the Google key file's contents.
pub fn apply_storage(config: &mut Config, flags: &StorageFlags, credentials: Option<String>) {
    let a: Vec<&str> = flags.args.iter().map(String::as_str).collect();
    let store = &mut config.object_store;
    match (flags.target, a.as_slice()) {
        (StorageTarget::Amazon, [region, bucket, id, secret, rest @ ..]) => {
            store.backend = Backend::Amazon;
            store.amazon.region = (*region).into();
            store.amazon.bucket = (*bucket).into();
            store.amazon.id = (*id).into();
            store.amazon.secret = (*secret).into();
            store.amazon.token = rest.first().copied().unwrap_or_default().into();
        }
        (StorageTarget::Google, [bucket, _]) => {
            store.backend = Backend::Google;
            store.google.bucket = (*bucket).into();
            store.google.cred = credentials.unwrap_or_default();
        }
        (StorageTarget::Microsoft, [container, id, secret]) => {
            store.backend = Backend::Microsoft;
            store.microsoft.container = (*container).into();
            store.microsoft.id = (*id).into();
            store.microsoft.secret = (*secret).into();
        }
        (StorageTarget::Minio, [bucket, id, secret, endpoint]) => {
            store.backend = Backend::Minio;
            store.minio.bucket = (*bucket).into();
            store.minio.id = (*id).into();
            store.minio.secret = (*secret).into();
            store.minio.endpoint = (*endpoint).into();
            store.minio.secure = flags.secure;
            store.minio.signature = if flags.is_s3_v2 { "1" } else { "" }.into();
        }
        (StorageTarget::S3, [bucket, id, secret, endpoint]) => apply_s3(
            config,
            [bucket, id, secret, endpoint],
            flags.is_s3_v2,
            flags.secure,
        ),
        _ => {}
    }
}

fn set_if(target: &mut String, value: &Option<String>) {
    if let Some(v) = value {
        target.clone_from(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::custom::default_config;

    fn seed_args() -> Vec<String> {
        [
            "foobar",
            "10",
            "pachyderm-bucket",
            "OBSIJRBE0PP2NO4QOA27",
            "tfteSlswRu7BJ86wekitnifILbZam1KYY3TG",
            "minio:9000",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn s3v4_goes_through_the_amazon_driver_at_the_endpoint() {
        let mut config = default_config().unwrap();
        let mut flags = CustomFlags::new(seed_args());
        flags.dynamic_etcd_nodes = Some(1);
        apply_custom(&mut config, &flags, 10, None);
        let s = &config.object_store;
        assert_eq!(s.backend, Backend::Amazon);
        assert_eq!(s.amazon.bucket, "pachyderm-bucket");
        assert_eq!(s.amazon.endpoint, "minio:9000");
        assert_eq!(s.amazon.region, "us-east-1");
        assert_eq!(config.etcd.volume_size_gi, 10);
        assert!(!config.etcd.is_static());
    }

    #[test]
    fn s3v2_goes_through_the_minio_driver() {
        let mut config = default_config().unwrap();
        let mut flags = CustomFlags::new(seed_args());
        flags.is_s3_v2 = true;
        flags.secure = true;
        flags.static_etcd_volume = Some("disk-1".into());
        apply_custom(&mut config, &flags, 20, None);
        let m = &config.object_store.minio;
        assert_eq!(config.object_store.backend, Backend::Minio);
        assert_eq!((m.secure, m.signature.as_str()), (true, "1"));
        assert_eq!(config.etcd.static_volume, "disk-1");
        assert!(config.etcd.is_static());
    }

    #[test]
    fn storage_targets_fill_their_backend() {
        let mut config = default_config().unwrap();
        let flags = StorageFlags {
            target: StorageTarget::Amazon,
            args: ["eu-west-1", "b", "id", "secret"]
                .map(String::from)
                .to_vec(),
            is_s3_v2: false,
            secure: false,
            namespace: "default".into(),
        };
        apply_storage(&mut config, &flags, None);
        assert_eq!(config.object_store.amazon.region, "eu-west-1");
        assert_eq!(config.object_store.amazon.token, "");
        let flags = StorageFlags {
            target: StorageTarget::Google,
            args: ["b", "key.json"].map(String::from).to_vec(),
            ..flags
        };
        apply_storage(&mut config, &flags, Some("{}".into()));
        assert_eq!(config.object_store.backend, Backend::Google);
        assert_eq!(config.object_store.google.cred, "{}");
    }

    #[test]
    fn secret_positions_are_known() {
        assert!(StorageTarget::Amazon.is_secret(2));
        assert!(StorageTarget::Amazon.is_secret(4));
        assert!(!StorageTarget::Amazon.is_secret(1));
        assert!(StorageTarget::Microsoft.is_secret(2));
        assert!(!StorageTarget::S3.is_secret(3));
        assert_eq!(CUSTOM_POSITIONALS[SECRET_POSITIONS[1]], "<secret-key>");
    }
}
