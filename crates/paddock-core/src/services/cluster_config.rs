//! The cluster config directory (`-p DIR`, as `paictl.py service ... -p`): `layout.yaml` and
//! `services-configuration.yaml`, and the `cluster_cfg` templates see.
//!
//! `cluster_cfg[svc]` is the service's defaults (`<svc>/config/<svc>.yaml`, where OpenPAI keeps
//! them) with `services-configuration.yaml`'s `svc:` section merged over it (mappings merge key
//! by key, anything else replaces). Top-level sections that name no service (OpenPAI's
//! `cluster:`) are passed through as they are.

use std::path::Path;

use crate::catalog::{Catalog, CatalogService};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::values::yaml::yaml_options;
use crate::values::{self, Node};

use super::layout::Layout;

/// The layout file's name inside a cluster config directory.
pub const LAYOUT_FILE: &str = "layout.yaml";
/// The per-service settings file's name inside a cluster config directory.
pub const SERVICES_CONFIGURATION_FILE: &str = "services-configuration.yaml";
/// Top-level sections of services-configuration.yaml that are not services but expected.
pub const SHARED_SECTIONS: &[&str] = &["cluster"];

/// What a cluster config directory holds.
#[derive(Debug, Clone, Default)]
pub struct ClusterConfig {
    /// The machines, when layout.yaml exists.
    pub layout: Option<Layout>,
    /// services-configuration.yaml, when it exists.
    pub services_configuration: Option<Node>,
    /// Non-fatal notes (unknown keys).
    pub warnings: Vec<String>,
}

impl ClusterConfig {
    /// Reads `dir/layout.yaml` and `dir/services-configuration.yaml` (each optional, not both
    /// missing).
    pub fn load(dir: &Path) -> Result<ClusterConfig, Diagnostic> {
        let label = dir.display().to_string();
        let label = label.trim_end_matches('/');
        if !dir.is_dir() {
            return Err(Diagnostic::bad_input(format!(
                "cluster config directory {label} does not exist"
            ))
            .with_help(format!(
                "-p names a directory holding {LAYOUT_FILE} and {SERVICES_CONFIGURATION_FILE}"
            )));
        }
        let read = |name: &str| -> Result<Option<(String, String)>, Diagnostic> {
            let path = dir.join(name);
            let file = format!("{label}/{name}");
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(Some((file, text))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(Diagnostic::bad_input(format!("cannot read {file}: {e}"))),
            }
        };
        let layout = read(LAYOUT_FILE)?;
        let services = read(SERVICES_CONFIGURATION_FILE)?;
        if layout.is_none() && services.is_none() {
            return Err(Diagnostic::bad_input(format!(
                "{label} holds neither {LAYOUT_FILE} nor {SERVICES_CONFIGURATION_FILE}"
            )));
        }
        ClusterConfig::from_texts(
            layout.as_ref().map(|(f, t)| (f.as_str(), t.as_str())),
            services.as_ref().map(|(f, t)| (f.as_str(), t.as_str())),
        )
    }

    /// Builds from file texts: `(name shown in messages, contents)` of each file present.
    pub fn from_texts(
        layout: Option<(&str, &str)>,
        services_configuration: Option<(&str, &str)>,
    ) -> Result<ClusterConfig, Diagnostic> {
        let mut warnings = Vec::new();
        let layout = layout
            .map(|(file, text)| Layout::parse(text, file, &mut warnings))
            .transpose()?;
        let services_configuration = services_configuration
            .map(|(file, text)| values::parse_values(text, file))
            .transpose()?;
        Ok(ClusterConfig {
            layout,
            services_configuration,
            warnings,
        })
    }
}

/// Where a service keeps its defaults, relative to its root: `<dir>/config/<name>.yaml`.
pub fn defaults_path(service: &CatalogService) -> String {
    let dir = service
        .service
        .deploy_dir
        .strip_suffix("deploy")
        .unwrap_or("");
    format!("{dir}config/{}.yaml", service.service.name)
}

/// Builds `cluster_cfg`: each service's defaults with its services-configuration.yaml section
/// merged over, services in catalog order, then the file's other sections. Sections naming no
/// service are warned about (with a did-you-mean) unless they are [`SHARED_SECTIONS`].
pub fn cluster_cfg(
    catalog: &Catalog,
    config: &ClusterConfig,
    warnings: &mut Vec<String>,
) -> Result<serde_json::Value, Diagnostic> {
    let mut tree = serde_json::Map::new();
    for (name, service) in &catalog.services {
        let root = catalog.root_of(service);
        let path = defaults_path(service);
        let defaults = match root.files.get(&path) {
            Some(text) => read_defaults(text, &format!("{}/{path}", root.label))?,
            None => serde_json::Value::Object(serde_json::Map::new()),
        };
        tree.insert(name.clone(), defaults);
    }
    let mut tree = serde_json::Value::Object(tree);
    if let Some(overlay) = &config.services_configuration {
        for (key, entry) in overlay.as_map().into_iter().flatten() {
            if catalog.services.contains_key(key) || SHARED_SECTIONS.contains(&key.as_str()) {
                continue;
            }
            let at = entry
                .key_origin
                .as_ref()
                .map_or_else(String::new, |o| format!("{o}: "));
            let hint = did_you_mean(key, catalog.services.keys().map(String::as_str))
                .map(|best| format!("; did you mean `{best}`?"))
                .unwrap_or_default();
            warnings.push(format!(
                "{at}services-configuration.yaml section `{key}` names no service{hint}"
            ));
        }
        merge_json(&mut tree, overlay.to_json());
    }
    Ok(tree)
}

/// A defaults file as plain data (no origins: it is read for every service on every run, so
/// the fast path matters); on any problem the origin-keeping reader words the error.
fn read_defaults(text: &str, file: &str) -> Result<serde_json::Value, Diagnostic> {
    match serde_saphyr::from_str_with_options::<serde_json::Value>(text, yaml_options()) {
        Ok(serde_json::Value::Null) => Ok(serde_json::Value::Object(serde_json::Map::new())),
        Ok(value @ serde_json::Value::Object(_)) => Ok(value),
        _ => values::parse_values(text, file).map(|node| node.to_json()),
    }
}

/// Helm's layering on plain data: mappings merge key by key, anything else replaces.
fn merge_json(base: &mut serde_json::Value, overlay: serde_json::Value) {
    match (base, overlay) {
        (serde_json::Value::Object(base), serde_json::Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(&key) {
                    Some(existing) => merge_json(existing, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (base, overlay) => *base = overlay,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ServiceRoot;
    use std::path::PathBuf;

    #[test]
    fn defaults_are_overlaid_by_services_configuration() {
        let files = [
            ("web/deploy/service.yaml", ""),
            (
                "web/config/web.yaml",
                "port: 80\nimage: {name: web, tag: v1}\n",
            ),
            ("db/deploy/service.yaml", ""),
        ]
        .iter()
        .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
        .collect();
        let catalog = Catalog::from_roots(
            vec![ServiceRoot::directory("s", PathBuf::from("s"), files)],
            false,
        )
        .unwrap();
        let config = ClusterConfig::from_texts(
            None,
            Some((
                "cfg/services-configuration.yaml",
                "cluster: {id: c1}\nweb:\n  image: {tag: v2}\nwebb: {}\n",
            )),
        )
        .unwrap();
        let mut warnings = Vec::new();
        let cfg = cluster_cfg(&catalog, &config, &mut warnings).unwrap();
        assert_eq!(
            cfg,
            serde_json::json!({
                "db": {},
                "web": {"port": 80, "image": {"name": "web", "tag": "v2"}},
                "cluster": {"id": "c1"},
                "webb": {}
            })
        );
        assert_eq!(
            warnings,
            [
                "cfg/services-configuration.yaml:4:1: services-configuration.yaml section `webb` names no service; did you mean `web`?"
            ]
        );
        let order: Vec<&String> = cfg.as_object().unwrap().keys().collect();
        assert_eq!(order, ["db", "web", "cluster", "webb"]);
    }

    #[test]
    fn a_config_dir_needs_one_of_its_files() {
        let dir = tempfile::tempdir().unwrap();
        let err = ClusterConfig::load(dir.path()).unwrap_err();
        assert!(err.message.contains("holds neither"), "{err}");
        let err = ClusterConfig::load(&dir.path().join("nope")).unwrap_err();
        assert!(err.message.contains("does not exist"), "{err}");
        std::fs::write(
            dir.path().join(LAYOUT_FILE),
            "machine-list: [{hostname: a}]\n",
        )
        .unwrap();
        let config = ClusterConfig::load(dir.path()).unwrap();
        assert_eq!(config.layout.unwrap().machines[0].hostname, "a");
        assert!(config.services_configuration.is_none());
    }
}
