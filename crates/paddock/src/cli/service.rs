//! Flags of `paddock service ...`: paictl's service operators over OpenPAI-style service
//! directories (`-n NAME` picks services as in `paictl.py service start -n NAME`).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use super::{OutputFormat, ValueFlags};

/// `paddock service`: operate services by name.
#[derive(Debug, Args)]
pub struct ServiceArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ServiceCommand,
}

/// The `service` subcommands.
#[derive(Debug, Subcommand)]
pub enum ServiceCommand {
    /// Show every service: start wave, directory, prerequisites, deploy-rules, scripts.
    #[command(
        after_help = "Examples:\n  paddock service list\n  paddock service list --services ./src --no-builtin"
    )]
    List(ListArgs),
    /// Print the prerequisite graph as Graphviz DOT or Mermaid.
    #[command(
        after_help = "Examples:\n  paddock service graph --services ./src | dot -Tsvg > services.svg\n  paddock service graph --services ./src --format mermaid -n rest-server"
    )]
    Graph(GraphArgs),
    /// Render services' manifests (deploy-rules as node affinity), as `paddock template` prints them.
    #[command(
        after_help = "Prints what `service start` with the same -n/-k/--no-deps would apply.\n\nExamples:\n  paddock service template --services ./src -p ./cluster-cfg --no-builtin\n  paddock service template --services ./src -p ./cluster-cfg -n rest-server -o json\n  paddock service template --services ./src -p ./cluster-cfg -n grafana --rendered-dir out/"
    )]
    Template(TemplateArgs),
    /// Start services: render, apply in dependency waves, wait until ready (prerequisites first).
    #[command(
        after_help = "Examples:\n  paddock service start --services ./src -p ./cluster-cfg --dry-run\n  paddock service start --services ./src -p ./cluster-cfg -n rest-server\n  paddock service start --services ./src -p ./cluster-cfg -n webportal --no-deps"
    )]
    Start(OperateArgs),
    /// Stop services (dependents first): remove workloads, keep data (PVCs, Secrets, ConfigMaps).
    #[command(
        after_help = "Examples:\n  paddock service stop --services ./src -p ./cluster-cfg --dry-run\n  paddock service stop --services ./src -p ./cluster-cfg -n grafana"
    )]
    Stop(OperateArgs),
    /// Delete services and their data (dependents first), after a typed confirmation or --yes.
    #[command(
        after_help = "Examples:\n  paddock service delete --services ./src -p ./cluster-cfg -n log-manager --dry-run\n  paddock service delete --services ./src -p ./cluster-cfg -n log-manager --yes"
    )]
    Delete(OperateArgs),
    /// Refresh services: re-apply the current config, restart what it changed, sync node labels.
    #[command(
        after_help = "Node labels follow layout.yaml (added and removed, shown first); pods leave nodes that\nno longer match their deploy-rules.\n\nExamples:\n  paddock service refresh --services ./src -p ./cluster-cfg -n device-drivers --dry-run\n  paddock service refresh --services ./src -p ./cluster-cfg"
    )]
    Refresh(OperateArgs),
}

/// Where services come from.
#[derive(Debug, Clone, Args)]
pub struct CatalogFlags {
    /// A directory of services (`<name>/deploy/service.yaml`); repeat to layer several: a
    /// later directory's service replaces a built-in or earlier one of the same name.
    #[arg(long = "services", value_name = "DIR")]
    pub services: Vec<PathBuf>,
    /// Leave the built-in Pachyderm services out of the catalog.
    #[arg(long)]
    pub no_builtin: bool,
    /// Treat prerequisites the catalog does not have as warnings (trees that name services
    /// they do not ship).
    #[arg(long)]
    pub allow_missing: bool,
}

/// Which services.
#[derive(Debug, Clone, Args)]
pub struct SelectionFlags {
    /// A service to operate on; repeat for several (default: every service).
    #[arg(short = 'n', long = "name", value_name = "NAME")]
    pub names: Vec<String>,
    /// A service to leave out, even when a selected one needs it; repeatable.
    #[arg(short = 'k', long = "skip", value_name = "NAME")]
    pub skip: Vec<String>,
    /// Do not add the named services' prerequisites.
    #[arg(long)]
    pub no_deps: bool,
}

/// What templates see.
#[derive(Debug, Clone, Args)]
pub struct RenderFlags {
    /// Cluster config directory: layout.yaml (machines and labels) and
    /// services-configuration.yaml (per-service settings), as `paictl.py -p`.
    #[arg(short = 'p', long = "config-dir", value_name = "DIR")]
    pub config_dir: Option<PathBuf>,
    /// Namespace to operate in (default: the kubeconfig context's; `default` for --dry-run).
    #[arg(long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Release name objects are labelled with (default: pachd with the built-in stack,
    /// otherwise paddock).
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,
    /// Values of the built-in Pachyderm services.
    #[command(flatten)]
    pub values: ValueFlags,
}

/// `paddock service list` flags.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Services.
    #[command(flatten)]
    pub catalog: CatalogFlags,
}

/// Graph formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

/// `paddock service graph` flags.
#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Services.
    #[command(flatten)]
    pub catalog: CatalogFlags,
    /// Which services (with their prerequisites unless --no-deps).
    #[command(flatten)]
    pub selection: SelectionFlags,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
}

/// `paddock service template` flags.
#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Services.
    #[command(flatten)]
    pub catalog: CatalogFlags,
    /// Which services.
    #[command(flatten)]
    pub selection: SelectionFlags,
    /// Context.
    #[command(flatten)]
    pub render: RenderFlags,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Yaml)]
    pub output: OutputFormat,
    /// Skip strict validation against the bundled Kubernetes schemas.
    #[arg(long)]
    pub no_validate: bool,
    /// Also write each service's rendered deploy/ (what its scripts run in) to DIR/<service>/.
    #[arg(long, value_name = "DIR")]
    pub rendered_dir: Option<PathBuf>,
}

/// `paddock service start|stop|delete|refresh` flags.
#[derive(Debug, Args)]
pub struct OperateArgs {
    /// Services.
    #[command(flatten)]
    pub catalog: CatalogFlags,
    /// Which services.
    #[command(flatten)]
    pub selection: SelectionFlags,
    /// Context.
    #[command(flatten)]
    pub render: RenderFlags,
    /// Print the plan (order, objects, affinity, node labels, scripts) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask before deleting data (delete).
    #[arg(long)]
    pub yes: bool,
    /// Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, then in-cluster).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use instead of the current one.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// How long start waits for all waves to be ready (e.g. 90s, 10m).
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::commands::cluster::parse_duration)]
    pub timeout: std::time::Duration,
    /// How long to wait for another operation on the release (--release) to finish (e.g. 30s, 5m).
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = crate::commands::cluster::parse_duration)]
    pub lock_timeout: std::time::Duration,
}
