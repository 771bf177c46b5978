//! The template context of a catalog render: `values` and `generated` for the built-in stack
//! (from Helm-compatible values, as `paddock template` builds them), `release`, and for user
//! directories `cluster_cfg` and `layout`.

use indexmap::IndexMap;

use crate::catalog::Catalog;
use crate::diagnostic::Diagnostics;
use crate::platform::{self, ValueSources};
use crate::render::{Release, TemplateContext};

use super::cluster_config::{ClusterConfig, cluster_cfg};

/// Release name when the catalog has no built-in stack to take it from.
pub const DEFAULT_RELEASE: &str = "paddock";

/// What the context is built from besides the catalog and cluster config.
#[derive(Debug, Clone, Default)]
pub struct ContextOptions {
    /// Release name (the built-in stack's default when None).
    pub release: Option<String>,
    /// Namespace objects go to.
    pub namespace: String,
    /// Values for the built-in stack (`-f`, `--set`...).
    pub values: ValueSources,
    /// Credentials to use instead of generating them (name → value).
    pub generated: IndexMap<String, String>,
}

/// Builds the context; returns it with the warnings found on the way (values keys without
/// effect, unknown services-configuration.yaml sections).
pub fn template_context(
    catalog: &Catalog,
    config: &ClusterConfig,
    options: &ContextOptions,
    read_file: &dyn Fn(&str) -> Result<String, String>,
) -> Result<(TemplateContext, Vec<String>), Diagnostics> {
    let mut warnings = Vec::new();
    // The built-in stack's own extras (e.g. the proxy's generated Envoy config), exactly as
    // `paddock template` builds them; tests/cli_service.rs checks the two renders agree.
    let mut extra = IndexMap::new();
    let (values, generated, release) = match catalog.builtin_stack() {
        Some(stack) => {
            let inputs =
                platform::template_inputs(stack, &options.values, &options.generated, read_file)?;
            warnings.extend(inputs.warnings);
            extra = inputs.extra;
            (
                inputs.values_context,
                inputs.generated,
                stack.meta.release.clone(),
            )
        }
        None => {
            if !options.values.files.is_empty() || !options.values.set.is_empty() {
                warnings.push(
                    "values (-f, --set) only apply to the built-in stack, which --no-builtin left out"
                        .to_owned(),
                );
            }
            (
                minijinja::context! {},
                IndexMap::new(),
                DEFAULT_RELEASE.to_owned(),
            )
        }
    };
    let cfg = cluster_cfg(catalog, config, &mut warnings)?;
    let layout = config
        .layout
        .as_ref()
        .map_or_else(|| serde_json::json!({}), |l| l.raw.clone());
    extra.insert("cluster_cfg".to_owned(), cfg);
    extra.insert("layout".to_owned(), layout);
    let context = TemplateContext {
        values,
        release: Release {
            name: options.release.clone().unwrap_or(release),
            namespace: options.namespace.clone(),
        },
        generated,
        extra,
    };
    Ok((context, warnings))
}
