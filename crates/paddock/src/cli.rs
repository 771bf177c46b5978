//! Command-line flags (clap derive); no logic lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
