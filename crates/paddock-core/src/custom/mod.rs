//! The `deploy custom` front-end (and `deploy storage`): pachctl 1.9's flags in, the
//! `pachyderm-1.9` stack's manifests out.
//!
//! Flags are checked ([`checks`]), set onto the stack's typed defaults ([`flags`] →
//! [`model::Config`]), complemented with computed values ([`derive`]), and rendered through the
//! stack's service templates like every other stack. Objects come out in the order pachctl
//! prints them, and every one is validated against the Kubernetes schemas.

pub mod checks;
pub mod derive;
pub mod flags;
pub mod model;
pub mod record;
pub mod resources;
pub mod summary;

use indexmap::IndexMap;

use crate::catalog;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::manifest::ManifestSet;
use crate::render::{self, Release, StackRenderer, Strictness, TemplateContext};
use crate::values;

use checks::ReadFile;
use flags::{CustomFlags, StorageFlags};
use model::Config;

/// The built-in stack this front-end renders.
pub const STACK: &str = "pachyderm-1.9";

/// The stack's services in the order pachctl prints their objects. (Applying follows the
/// services' prerequisites instead: the storage and TLS secrets come before pachd.)
pub const PRINT_ORDER: &[&str] = &["rbac", "etcd", "pachd", "dash", "tls", "storage"];

/// The outcome of a successful render.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The objects, in pachctl's order.
    pub manifests: ManifestSet,
    /// Things worth telling the user that did not stop the render.
    pub warnings: Vec<String>,
    /// The values the render used.
    pub config: Config,
    /// What `-v` prints: the decisions taken, without credentials.
    pub summary: Vec<String>,
}

/// The stack's defaults, typed.
pub fn default_config() -> Result<Config, Diagnostic> {
    let stack = catalog::builtin_stack(STACK)?;
    values::from_node(&stack.defaults)
}

/// Renders `deploy custom`: checks the flags, builds the config, renders and validates.
pub fn render_custom(flags: &CustomFlags, read_file: ReadFile) -> Result<Rendered, Diagnostics> {
    let stack = catalog::builtin_stack(STACK)?;
    let only: Vec<String> = if flags.dashboard_only {
        vec!["dash".into()]
    } else if flags.no_dashboard {
        PRINT_ORDER
            .iter()
            .filter(|s| **s != "dash")
            .map(|s| (*s).to_owned())
            .collect()
    } else {
        Vec::new()
    };
    let mut config: Config = values::from_node(&stack.defaults)?;
    let checked = checks::check_custom(flags, read_file)?;
    flags::apply_custom(&mut config, flags, checked.volume_size, checked.tls);
    let derived = derive::derive(&config)?;
    let renderer = StackRenderer::new(&stack, Strictness::Strict, &only)?;
    let (manifests, mut warnings) = render_config(&renderer, &config, &derived, &flags.namespace)?;
    let summary = summary::describe_custom(&config, &derived, &flags.namespace, &manifests);
    let mut all = checked.warnings;
    all.append(&mut warnings);
    Ok(Rendered {
        manifests,
        warnings: all,
        config,
        summary,
    })
}

/// Renders `deploy storage`: only the `pachyderm-storage-secret` Secret, for the backend given.
pub fn render_storage(flags: &StorageFlags, read_file: ReadFile) -> Result<Rendered, Diagnostics> {
    let stack = catalog::builtin_stack(STACK)?;
    let mut config: Config = values::from_node(&stack.defaults)?;
    let credentials = checks::check_storage(flags, read_file)?;
    flags::apply_storage(&mut config, flags, credentials);
    let derived = derive::derive(&config)?;
    let renderer = StackRenderer::new(&stack, Strictness::Strict, &["storage".into()])?;
    let (manifests, warnings) = render_config(&renderer, &config, &derived, &flags.namespace)?;
    let summary = vec![
        format!("stack pachyderm-1.9 into namespace {}", flags.namespace),
        summary::describe_object_store(&config.object_store),
        summary::describe_objects(&manifests),
    ];
    Ok(Rendered {
        manifests,
        warnings,
        config,
        summary,
    })
}

/// Renders the renderer's services in pachctl's order and validates them; returns the objects
/// and the validator's warnings.
pub fn render_config(
    renderer: &StackRenderer<'_>,
    config: &Config,
    derived: &derive::Derived,
    namespace: &str,
) -> Result<(ManifestSet, Vec<String>), Diagnostics> {
    let to_json = |v: Result<serde_json::Value, serde_json::Error>| {
        v.map_err(|e| Diagnostic::failed(format!("cannot serialize the config: {e}")))
    };
    let context = TemplateContext {
        values: crate::render::template_value(&config),
        release: Release {
            name: renderer.stack().meta.release.clone(),
            namespace: namespace.to_owned(),
        },
        generated: IndexMap::new(),
        extra: IndexMap::from([(
            "derived".to_owned(),
            to_json(serde_json::to_value(derived))?,
        )]),
    };
    let mut manifests = renderer.render(&context, read_json_or_yaml)?;
    sort_for_printing(&mut manifests);
    let warnings = manifests.validate()?;
    Ok((manifests, warnings))
}

/// Reads one template's output: this stack's templates write JSON documents (which are YAML
/// too) separated by `---` lines, read here with a JSON parser, many times faster than the
/// YAML reader. Output that is not such JSON goes to the YAML reader.
pub fn read_json_or_yaml(text: &str, source: &str) -> Result<Vec<serde_json::Value>, Diagnostic> {
    match json_documents(text) {
        Some(objects) => Ok(objects),
        None => render::parse_rendered(text, source),
    }
}

/// The objects of a `---`-separated stream of JSON documents, or `None` when `text` is not one.
fn json_documents(text: &str) -> Option<Vec<serde_json::Value>> {
    let mut objects = Vec::new();
    for document in text.split("\n---\n") {
        let document = document.trim();
        if document.is_empty() {
            continue;
        }
        match serde_json::from_str(document) {
            Ok(object @ serde_json::Value::Object(_)) => objects.push(object),
            _ => return None,
        }
    }
    Some(objects)
}

/// Puts objects in [`PRINT_ORDER`] of their services, keeping each service's render order.
pub fn sort_for_printing(manifests: &mut ManifestSet) {
    manifests.items.sort_by_key(|m| {
        PRINT_ORDER
            .iter()
            .position(|s| *s == m.service)
            .unwrap_or(PRINT_ORDER.len())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_complete_and_typed() {
        let stack = catalog::builtin_stack(STACK).unwrap();
        let config = default_config().unwrap();
        assert_eq!(config.pachd.shards, 16);
        // Serializing the typed values gives back exactly the defaults' shape.
        assert_eq!(
            serde_json::to_value(&config).unwrap(),
            stack.defaults.to_json()
        );
    }

    #[test]
    fn print_order_names_every_service() {
        let stack = catalog::builtin_stack(STACK).unwrap();
        let mut names: Vec<&str> = stack.services.keys().map(String::as_str).collect();
        names.sort_unstable();
        let mut ordered = PRINT_ORDER.to_vec();
        ordered.sort_unstable();
        assert_eq!(names, ordered);
    }

    #[test]
    fn json_documents_are_read_and_anything_else_is_left_to_yaml() {
        let docs = json_documents("{\"a\": 1}\n---\n\n---\n{\"b\": [2]}\n").unwrap();
        assert_eq!(
            docs,
            [serde_json::json!({"a": 1}), serde_json::json!({"b": [2]})]
        );
        assert_eq!(json_documents("  \n"), Some(Vec::new()));
        assert_eq!(json_documents("a: 1\n"), None);
        assert_eq!(json_documents("[1]"), None);
    }

    #[test]
    fn templates_render_the_same_through_the_yaml_reader() {
        let stack = catalog::builtin_stack(STACK).unwrap();
        let mut config = default_config().unwrap();
        config.tls.enabled = true;
        config.rbac.local_roles = true;
        let derived = derive::derive(&config).unwrap();
        let context = TemplateContext {
            values: crate::render::template_value(&config),
            release: Release {
                name: "pachyderm".into(),
                namespace: "ns".into(),
            },
            generated: IndexMap::new(),
            extra: IndexMap::from([(
                "derived".to_owned(),
                serde_json::to_value(&derived).unwrap(),
            )]),
        };
        let fast = StackRenderer::new(&stack, Strictness::Strict, &[])
            .unwrap()
            .render(&context, read_json_or_yaml)
            .unwrap();
        let yaml = render::render_stack(
            &stack,
            &context,
            Strictness::Strict,
            &[],
            render::Order::AsRendered,
        )
        .unwrap();
        assert_eq!(fast, yaml);
    }

    #[test]
    fn defaults_render_and_validate() {
        let stack = catalog::builtin_stack(STACK).unwrap();
        let config = default_config().unwrap();
        let derived = derive::derive(&config).unwrap();
        let renderer = StackRenderer::new(&stack, Strictness::Strict, &[]).unwrap();
        let (set, warnings) = render_config(&renderer, &config, &derived, "default").unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        let ids: Vec<String> = set.items.iter().map(|m| m.id()).collect();
        assert_eq!(
            ids,
            [
                "ServiceAccount/pachyderm",
                "ClusterRole/pachyderm",
                "ClusterRoleBinding/pachyderm",
                "StorageClass/etcd-storage-class",
                "Service/etcd-headless",
                "StatefulSet/etcd",
                "Service/etcd",
                "Service/pachd",
                "Deployment/pachd",
                "Service/dash",
                "Deployment/dash",
                "Secret/pachyderm-storage-secret"
            ]
        );
    }
}
