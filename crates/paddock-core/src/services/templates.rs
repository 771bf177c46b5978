//! Rendering a catalog's services: each root with its own environment (strict for the built-in
//! stack, Jinja2-compatible and lenient for user directories), template-list files to text, the
//! YAML ones to objects with the service's deploy-rules turned into node affinity.

use std::sync::Arc;

use minijinja::Environment;
use serde_json::Value;

use crate::catalog::{Catalog, CatalogService};
use crate::diagnostic::Diagnostic;
use crate::manifest::{Manifest, ManifestSet};
use crate::render::{self, Order, Strictness, TemplateContext};

use super::affinity;
use super::jinja_compat;

/// One rendered template-list file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    /// The service it belongs to.
    pub service: String,
    /// Its path relative to the service's `deploy/` (the template-list entry).
    pub path: String,
    /// The template it came from, as messages name it.
    pub source: String,
    /// The rendered text.
    pub text: String,
}

impl RenderedFile {
    /// Whether the file holds Kubernetes objects (`.yaml`, `.yml`, `.json`).
    pub fn is_manifest(&self) -> bool {
        [".yaml", ".yml", ".json"]
            .iter()
            .any(|ext| self.path.ends_with(ext))
    }
}

/// The objects of a user directory's rendered YAML/JSON file, or None when it holds no
/// Kubernetes object at all (a dashboard, a config file a script uses). A file mixing objects
/// and other documents is an error.
pub fn kubernetes_documents(file: &RenderedFile) -> Result<Option<Vec<Value>>, Diagnostic> {
    let documents: Vec<Value> = if file.path.ends_with(".json") {
        serde_json::Deserializer::from_str(&file.text)
            .into_iter::<Value>()
            .collect::<Result<_, _>>()
            .map_err(|e| {
                Diagnostic::bad_input(format!(
                    "{} rendered invalid JSON (line {} of its output): {e}",
                    file.source,
                    e.line()
                ))
            })?
    } else {
        render::read_documents(&file.text, &file.source)?
    };
    let documents: Vec<Value> = documents.into_iter().filter(|d| !d.is_null()).collect();
    let is_object = |d: &Value| d["apiVersion"].is_string() && d["kind"].is_string();
    match documents.iter().position(|d| !is_object(d)) {
        None if !documents.is_empty() => Ok(Some(documents)),
        None => Ok(Some(Vec::new())),
        Some(_) if !documents.iter().any(is_object) => Ok(None),
        Some(i) => Err(Diagnostic::bad_input(format!(
            "{} mixes Kubernetes objects and other documents: document {} has no apiVersion and kind",
            file.source,
            i + 1
        ))),
    }
}

/// Renders the services of one catalog with one context.
pub struct CatalogRenderer<'c> {
    catalog: &'c Catalog,
    environments: Vec<Environment<'static>>,
    context: minijinja::Value,
}

impl<'c> CatalogRenderer<'c> {
    /// Prepares one template environment per root.
    pub fn new(catalog: &'c Catalog, context: &TemplateContext) -> Self {
        let environments = catalog
            .roots
            .iter()
            .map(|root| {
                if root.is_builtin() {
                    render::environment(Arc::clone(&root.files), Strictness::Strict)
                } else {
                    jinja_compat::user_environment(&root.label, Arc::clone(&root.files))
                }
            })
            .collect();
        CatalogRenderer {
            catalog,
            environments,
            context: crate::render::template_value(context),
        }
    }

    /// The catalog this renderer renders.
    pub fn catalog(&self) -> &'c Catalog {
        self.catalog
    }

    /// Renders every template-list file of a service to text (no affinity: exactly what the
    /// templates produce).
    pub fn render_files(&self, service: &CatalogService) -> Result<Vec<RenderedFile>, Diagnostic> {
        let root = self.catalog.root_of(service);
        let env = &self.environments[service.root];
        service
            .service
            .spec
            .template_list
            .iter()
            .map(|file| {
                let relative = format!("{}/{file}.template", service.service.deploy_dir);
                let source = if root.is_builtin() {
                    relative
                } else {
                    format!("{}/{relative}", root.label)
                };
                // A user root's environment loads `relative` under the name `source`, so
                // only built-in roots can take the build-time programs.
                let text = if root.is_builtin() {
                    render::render_stack_file(env, &root.files, &source, &self.context)?
                } else {
                    render::render_file(env, &source, &self.context)?
                };
                Ok(RenderedFile {
                    service: service.service.name.clone(),
                    path: file.clone(),
                    source,
                    text,
                })
            })
            .collect()
    }

    /// Renders a service's objects, with its deploy-rules added as node affinity to every
    /// workload (see [`affinity`]).
    pub fn render_objects(&self, service: &CatalogService) -> Result<Vec<Manifest>, Diagnostic> {
        let rules = &service.service.spec.deploy_rules;
        let builtin = self.catalog.root_of(service).is_builtin();
        let mut objects = Vec::new();
        for file in self.render_files(service)? {
            if !file.is_manifest() {
                continue;
            }
            let documents = if builtin {
                render::parse_rendered(&file.text, &file.source)?
            } else {
                match kubernetes_documents(&file)? {
                    Some(documents) => documents,
                    None => continue,
                }
            };
            for mut object in documents {
                affinity::inject(&mut object, rules).map_err(|why| {
                    Diagnostic::bad_input(format!(
                        "{}: {}/{}: {why}",
                        file.source,
                        object["kind"].as_str().unwrap_or(""),
                        object["metadata"]["name"].as_str().unwrap_or("")
                    ))
                })?;
                objects.push(Manifest {
                    service: service.service.name.clone(),
                    source: file.source.clone(),
                    object,
                });
            }
        }
        Ok(objects)
    }

    /// Renders the given services (in the given order) into one set: objects unique, then
    /// ordered as `order` says.
    pub fn render_set(
        &self,
        services: &[&CatalogService],
        order: Order,
    ) -> Result<ManifestSet, Diagnostic> {
        let mut set = ManifestSet::default();
        for service in services {
            set.items.extend(self.render_objects(service)?);
        }
        set.check_unique()?;
        if order == Order::InstallByKind {
            set.sort_for_install();
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> RenderedFile {
        RenderedFile {
            service: "s".into(),
            path: path.into(),
            source: format!("s/deploy/{path}.template"),
            text: text.into(),
        }
    }

    #[test]
    fn data_files_yield_no_objects_and_mixtures_are_errors() {
        let objects = kubernetes_documents(&file(
            "a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# empty\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(objects.len(), 2);
        assert_eq!(
            kubernetes_documents(&file("d.json", "{\"panels\":\t[]}")).unwrap(),
            None
        );
        assert_eq!(
            kubernetes_documents(&file("rules.yaml", "- alert: x\n")).unwrap(),
            None
        );
        let err = kubernetes_documents(&file(
            "m.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nfoo: bar\n",
        ))
        .unwrap_err();
        assert!(
            err.message
                .contains("document 2 has no apiVersion and kind"),
            "{err}"
        );
        let err = kubernetes_documents(&file("bad.json", "{")).unwrap_err();
        assert!(err.message.contains("rendered invalid JSON"), "{err}");
    }
}
