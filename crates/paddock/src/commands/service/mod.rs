//! `paddock service ...`: paictl's service operators over the catalog (built-in stack plus
//! `--services` directories). One module per subcommand; this one loads what they share.

mod execute;
mod graph;
mod list;
mod operate;
mod template;

use paddock_core::catalog::{Catalog, CatalogOptions, Selection};
use paddock_core::platform;
use paddock_core::render::TemplateContext;
use paddock_core::services::{ClusterConfig, ContextOptions, Operation, template_context};
use paddock_core::{Diagnostic, Diagnostics};
use paddock_kube::credentials::Credentials;

use crate::cli::service::{CatalogFlags, RenderFlags, SelectionFlags, ServiceArgs, ServiceCommand};

/// Runs a `service` subcommand.
pub fn run(args: ServiceArgs) -> Result<(), Diagnostics> {
    match args.command {
        ServiceCommand::List(a) => list::run(&a),
        ServiceCommand::Graph(a) => graph::run(&a),
        ServiceCommand::Template(a) => template::run(&a),
        ServiceCommand::Start(a) => operate::run(&a, Operation::Start),
        ServiceCommand::Stop(a) => operate::run(&a, Operation::Stop),
        ServiceCommand::Delete(a) => operate::run(&a, Operation::Delete),
        ServiceCommand::Refresh(a) => operate::run(&a, Operation::Refresh),
    }
}

/// Loads the catalog the flags name; its warnings go to `warnings`.
pub fn load_catalog(
    flags: &CatalogFlags,
    warnings: &mut Vec<String>,
) -> Result<Catalog, Diagnostic> {
    let catalog = Catalog::load(&CatalogOptions {
        builtin: (!flags.no_builtin).then(|| platform::STACK.to_owned()),
        roots: flags.services.clone(),
        allow_missing: flags.allow_missing,
    })?;
    warnings.extend(catalog.warnings.iter().cloned());
    Ok(catalog)
}

/// The selection the flags describe; `with_prerequisites` unless --no-deps.
pub fn selection(flags: &SelectionFlags) -> Selection {
    Selection {
        names: flags.names.clone(),
        skip: flags.skip.clone(),
        with_prerequisites: !flags.no_deps,
    }
}

/// What a render needs: the catalog, the cluster config and the template context.
pub struct Workspace {
    /// Every service.
    pub catalog: Catalog,
    /// layout.yaml and services-configuration.yaml.
    pub config: ClusterConfig,
    /// What templates see.
    pub context: TemplateContext,
}

/// Loads catalog, cluster config and context for `namespace`, rendering the built-in stack
/// with the `known` generated credentials (missing ones are generated); warnings go to
/// `warnings`.
pub fn workspace(
    catalog_flags: &CatalogFlags,
    render: &RenderFlags,
    namespace: &str,
    known: &Credentials,
    warnings: &mut Vec<String>,
) -> Result<Workspace, Diagnostics> {
    let catalog = load_catalog(catalog_flags, warnings)?;
    let config = match &render.config_dir {
        Some(dir) => ClusterConfig::load(dir)?,
        None => ClusterConfig::default(),
    };
    warnings.extend(config.warnings.iter().cloned());
    let options = ContextOptions {
        release: render.release.clone(),
        namespace: namespace.to_owned(),
        values: super::template::value_sources(&render.values)?,
        generated: known.clone(),
    };
    let (context, more) =
        template_context(&catalog, &config, &options, &super::template::read_file)?;
    warnings.extend(more);
    Ok(Workspace {
        catalog,
        config,
        context,
    })
}
