//! Command-line flags (clap derive); no logic lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub mod context;
pub mod deploy;
pub mod service;

/// Deploy the Pachyderm platform (and OpenPAI-style service stacks) onto Kubernetes.
#[derive(Debug, Parser)]
#[command(name = "paddock", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// paddock's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render the Pachyderm platform's manifests from Helm-compatible values (no cluster needed).
    #[command(
        after_help = "Examples:\n  paddock template                                  # default LOCAL platform\n  paddock template -f values.yaml --set pachd.image.tag=2.11.0\n  paddock template -f eks.yaml -o json > pachyderm.json\n  paddock template -f gke.yaml --set-file pachd.storage.google.cred=key.json --output-dir out/"
    )]
    Template(TemplateArgs),
    /// Print the built-in stack's default values (every key paddock accepts).
    #[command(after_help = "Example:\n  paddock show-values > my-values.yaml")]
    ShowValues,
    /// Install the platform on a cluster: render, apply in dependency waves, wait until ready.
    #[command(
        after_help = "Re-running install converges: it completes an interrupted install and changes nothing\nwhen the cluster already matches. Generated credentials are created once and reused.\n\nExamples:\n  paddock install -f values.yaml\n  paddock install my-release -n pachyderm -f values.yaml --timeout 15m\n  paddock install --context kind-kind --set pachd.replicas=2"
    )]
    Install(InstallArgs),
    /// Upgrade an installed release: apply what changed, roll only the pods whose config changed.
    #[command(
        after_help = "Examples:\n  paddock upgrade -f values.yaml --set pachd.image.tag=2.11.1\n  paddock plan -f values.yaml && paddock upgrade -f values.yaml"
    )]
    Upgrade(InstallArgs),
    /// Show what install or upgrade would create, change (as a diff) and delete; secrets redacted.
    #[command(
        after_help = "Exit code 0 whether or not there are changes; nothing is written to the cluster.\n\nExample:\n  paddock plan -f values.yaml --set pachd.logLevel=debug"
    )]
    Plan(PlanArgs),
    /// Show the release's revision and each component's readiness (with the reason when not ready).
    #[command(
        after_help = "Exit code 0 when every component is ready; 1 when one is not (the report is still printed,\nand stderr names the components), when the release is not installed or the cluster cannot\nbe reached.\n\nExamples:\n  paddock status -n pachyderm\n  paddock status pachyderm            # the release `deploy custom` installs"
    )]
    Status(ReleaseArgs),
    /// Delete a release's objects; PersistentVolumeClaims (data) are kept unless --purge-data.
    #[command(
        after_help = "Prints what it deletes and what it keeps, and why. Objects of other releases are never touched.\n\nExamples:\n  paddock uninstall\n  paddock uninstall my-release --purge-data        # asks you to type the release name\n  paddock uninstall my-release --purge-data --yes"
    )]
    Uninstall(UninstallArgs),
    /// Re-apply a stored revision's stateless objects (default: the previous revision).
    #[command(
        after_help = "PersistentVolumeClaims and StatefulSet claim templates are never changed by a rollback;\nSecrets keep their current values (release records do not store secret values).\n\nExamples:\n  paddock rollback            # to the previous revision\n  paddock rollback 3 --release my-release"
    )]
    Rollback(RollbackArgs),
    /// Break a release's lock left by an operation that died.
    #[command(after_help = "Example:\n  paddock unlock my-release -n pachyderm")]
    Unlock(ReleaseArgs),
    /// pachctl 1.9's deploy commands: `deploy custom` (pachd, etcd, dash) and `deploy storage`.
    #[command(
        after_help = "Examples:\n  paddock deploy custom --persistent-disk aws --object-store s3 foobar 10 bucket AK SK minio:9000 --dynamic-etcd-nodes 1 --dry-run\n  paddock deploy storage s3 bucket NEWKEY NEWSECRET minio:9000 --dry-run -o yaml"
    )]
    Deploy(deploy::DeployArgs),
    /// paictl-style services (OpenPAI directories): list, graph, template, start, stop, delete, refresh.
    #[command(
        after_help = "Examples:\n  paddock service list --services ./src\n  paddock service template --services ./src -p ./cluster-cfg -n rest-server\n  paddock service start --services ./src -p ./cluster-cfg --dry-run\n\nSee docs/services.md for the directory format, layout.yaml and deploy-rules."
    )]
    Service(service::ServiceArgs),
    /// Point pachctl at the platform through the one-port proxy (writes a pachctl context).
    #[command(
        after_help = "Writes pachctl's config ($PACH_CONFIG or ~/.pachyderm/config.json), keeping its other\ncontexts: pachd_address grpc://HOST:httpPort, or grpcs://HOST:httpsPort with proxy.tls.enabled.\n\nExamples:\n  paddock context local --address 127.0.0.1 --activate\n  paddock context prod -f values.yaml --address pachyderm.example.com --overwrite\n  paddock context prod -f values.yaml --server-ca ca.pem     # address from proxy.host"
    )]
    Context(context::ContextArgs),
}

/// Output formats of manifest streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// `---`-separated YAML documents.
    Yaml,
    /// Pretty-printed JSON objects one after another.
    Json,
}

/// Helm's value flags.
#[derive(Debug, Clone, Args)]
pub struct ValueFlags {
    /// A values file (YAML); repeat to layer several, later files win.
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Set values on the command line: a.b=c,x[0]=y (typed: true/false/null/integers).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Like --set, but every value is a string.
    #[arg(long = "set-string", value_name = "KEY=VALUE")]
    pub set_string: Vec<String>,
    /// Set a value to a file's contents (certificates, credentials): key=path.
    #[arg(long = "set-file", value_name = "KEY=PATH")]
    pub set_file: Vec<String>,
}

/// `paddock template` flags.
#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Release name (default: pachd).
    #[arg(value_name = "RELEASE")]
    pub release: Option<String>,
    /// Values.
    #[command(flatten)]
    pub values: ValueFlags,
    /// Namespace to render objects into.
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Yaml)]
    pub output: OutputFormat,
    /// Write one file per object into DIR instead of printing (Secrets get mode 0600).
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Skip strict validation against the bundled Kubernetes schemas.
    #[arg(long)]
    pub no_validate: bool,
}

/// How to reach the cluster (`paddock install`, `plan`, `status`, ...).
#[derive(Debug, Clone, Args)]
pub struct ClusterFlags {
    /// Namespace of the release (default: the kubeconfig context's namespace).
    #[arg(short = 'n', long)]
    pub namespace: Option<String>,
    /// Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use instead of the current one.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// How long to wait for another operation on the release to finish (e.g. 30s, 5m).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = crate::commands::cluster::parse_duration)]
    pub lock_timeout: std::time::Duration,
}

/// `paddock install` and `paddock upgrade` flags.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Release name (default: pachd).
    #[arg(value_name = "RELEASE")]
    pub release: Option<String>,
    /// Values.
    #[command(flatten)]
    pub values: ValueFlags,
    /// Cluster.
    #[command(flatten)]
    pub cluster: ClusterFlags,
    /// How long to wait for every wave to be ready before failing (e.g. 90s, 10m).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::commands::cluster::parse_duration)]
    pub timeout: std::time::Duration,
    /// Take ownership of fields another field manager (kubectl, another tool) set.
    #[arg(long)]
    pub force_conflicts: bool,
    /// Skip strict validation against the bundled Kubernetes schemas.
    #[arg(long)]
    pub no_validate: bool,
}

/// `paddock plan` flags.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Release name (default: pachd).
    #[arg(value_name = "RELEASE")]
    pub release: Option<String>,
    /// Values.
    #[command(flatten)]
    pub values: ValueFlags,
    /// Cluster.
    #[command(flatten)]
    pub cluster: ClusterFlags,
    /// Plan as if --force-conflicts were given.
    #[arg(long)]
    pub force_conflicts: bool,
    /// Skip strict validation against the bundled Kubernetes schemas.
    #[arg(long)]
    pub no_validate: bool,
}

/// Flags of commands that only name a release (`status`, `unlock`).
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// Release name (default: pachd).
    #[arg(value_name = "RELEASE")]
    pub release: Option<String>,
    /// Cluster.
    #[command(flatten)]
    pub cluster: ClusterFlags,
}

/// `paddock uninstall` flags.
#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Release name (default: pachd).
    #[arg(value_name = "RELEASE")]
    pub release: Option<String>,
    /// Cluster.
    #[command(flatten)]
    pub cluster: ClusterFlags,
    /// Also delete PersistentVolumeClaims (the data) and the generated credentials.
    #[arg(long)]
    pub purge_data: bool,
    /// Do not ask for the release name before purging data.
    #[arg(long)]
    pub yes: bool,
}

/// `paddock rollback` flags.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// Revision to roll back to (default: the one before the current).
    #[arg(value_name = "REVISION")]
    pub revision: Option<u32>,
    /// Release name (default: pachd).
    #[arg(long, value_name = "RELEASE")]
    pub release: Option<String>,
    /// Cluster.
    #[command(flatten)]
    pub cluster: ClusterFlags,
    /// How long to wait for every wave to be ready before failing.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::commands::cluster::parse_duration)]
    pub timeout: std::time::Duration,
    /// Take ownership of fields another field manager set.
    #[arg(long)]
    pub force_conflicts: bool,
}
