//! The rendered result: Kubernetes objects in install order, validated, printable as a YAML
//! or JSON stream or as one file per object.

use std::path::Path;

use serde_json::Value;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::validate::{self, Outcome};
use crate::yaml_out;

/// One rendered Kubernetes object and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The service that rendered it.
    pub service: String,
    /// The template file it came from, relative to the stack root.
    pub source: String,
    /// The object itself.
    pub object: Value,
}

impl Manifest {
    /// The object's `kind`.
    pub fn kind(&self) -> &str {
        self.object["kind"].as_str().unwrap_or("")
    }

    /// The object's `metadata.name`.
    pub fn name(&self) -> &str {
        self.object["metadata"]["name"].as_str().unwrap_or("")
    }

    /// `Kind/name`, for messages.
    pub fn id(&self) -> String {
        format!("{}/{}", self.kind(), self.name())
    }

    /// Checks the object's names against Kubernetes' name rules and the object against its
    /// schema: the problems found, and a warning when its kind has no bundled schema.
    pub fn check(&self) -> (Vec<Diagnostic>, Option<String>) {
        let mut problems = Vec::new();
        for (at, problem) in crate::names::object_name_problems(&self.object) {
            problems.push(
                Diagnostic::bad_input(format!("{} at {at}: {problem}", self.id())).with_help(
                    format!(
                        "rendered from {}; Kubernetes would refuse this object",
                        self.source
                    ),
                ),
            );
        }
        let warning = match validate::validate_object(&self.object) {
            Outcome::Valid => None,
            Outcome::UnknownKind { api_version, kind } => Some(format!(
                "{} ({}): no schema for {api_version} {kind} in Kubernetes {}; not validated",
                self.id(),
                self.source,
                validate::KUBERNETES_VERSION
            )),
            Outcome::Invalid(violations) => {
                for v in violations {
                    let at = if v.path.is_empty() {
                        String::new()
                    } else {
                        format!(" at {}", v.path)
                    };
                    problems.push(
                        Diagnostic::bad_input(format!(
                            "{}{at}: {} (Kubernetes {} schema)",
                            self.id(),
                            v.message,
                            validate::KUBERNETES_VERSION
                        ))
                        .with_help(format!("rendered from {}", self.source)),
                    );
                }
                None
            }
        };
        (problems, warning)
    }
}

/// Helm's install order by kind; unknown kinds (custom resources) go last.
pub const INSTALL_ORDER: &[&str] = &[
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

fn install_rank(kind: &str) -> usize {
    INSTALL_ORDER
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(INSTALL_ORDER.len())
}

/// An ordered, validated set of objects.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ManifestSet {
    /// The objects, in install order once [`ManifestSet::sort_for_install`] ran.
    pub items: Vec<Manifest>,
}

/// Output format of a manifest stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `---`-separated YAML documents.
    Yaml,
    /// Pretty-printed JSON objects one after another (what `pachctl` and `kubectl` read).
    Json,
}

impl ManifestSet {
    /// Sorts by Helm's kind order; objects of one kind keep their render order.
    pub fn sort_for_install(&mut self) {
        // Each object's rank once: `kind()` is a map lookup.
        self.items.sort_by_cached_key(|m| install_rank(m.kind()));
    }

    /// Checks that no two objects share kind, namespace and name.
    pub fn check_unique(&self) -> Result<(), Diagnostic> {
        let mut seen = std::collections::HashMap::with_capacity(self.items.len());
        for m in &self.items {
            let key = (
                m.kind(),
                m.object["metadata"]["namespace"].as_str().unwrap_or(""),
                m.name(),
            );
            if let Some(first) = seen.insert(key, &m.source) {
                return Err(Diagnostic::bad_input(format!(
                    "{} is rendered twice: by {first} and by {}",
                    m.id(),
                    m.source
                )));
            }
        }
        Ok(())
    }

    /// Validates every object strictly against the bundled Kubernetes schemas, and its names,
    /// namespace, labels and hosts against Kubernetes' name rules ([`crate::names`]). Unknown
    /// kinds (custom resources) are returned as warnings.
    pub fn validate(&self) -> Result<Vec<String>, Diagnostics> {
        let mut problems = Vec::new();
        let mut warnings = Vec::new();
        for m in &self.items {
            let (mut object_problems, warning) = m.check();
            problems.append(&mut object_problems);
            warnings.extend(warning);
        }
        if problems.is_empty() {
            Ok(warnings)
        } else {
            Err(Diagnostics(problems))
        }
    }

    /// The whole set as one stream in `format`.
    pub fn to_stream(&self, format: Format) -> String {
        // About 3 KB an object for the default platform (its Envoy configuration included):
        // room enough that the stream is not copied as it grows.
        let mut out = String::with_capacity(self.items.len() * 4096);
        for (i, m) in self.items.iter().enumerate() {
            match format {
                Format::Yaml => {
                    if i > 0 {
                        out.push_str("---\n");
                    }
                    yaml_out::write_yaml(&m.object, &mut out);
                }
                Format::Json => {
                    out.push_str(&serde_json::to_string_pretty(&m.object).unwrap_or_default());
                    out.push('\n');
                }
            }
        }
        out
    }

    /// Writes one file per object into `dir` (`NN-kind-name.yaml`); Secrets are made readable
    /// by their owner only. Returns the paths written.
    pub fn write_dir(
        &self,
        dir: &Path,
        format: Format,
    ) -> Result<Vec<std::path::PathBuf>, Diagnostic> {
        clear_previous_output(dir)?;
        std::fs::create_dir_all(dir)
            .map_err(|e| Diagnostic::failed(format!("cannot create {}: {e}", dir.display())))?;
        let ext = match format {
            Format::Yaml => "yaml",
            Format::Json => "json",
        };
        let mut written = Vec::new();
        for (i, m) in self.items.iter().enumerate() {
            let file = dir.join(format!(
                "{:02}-{}-{}.{ext}",
                i + 1,
                m.kind().to_ascii_lowercase(),
                m.name()
            ));
            let text = match format {
                Format::Yaml => yaml_out::to_yaml(&m.object),
                Format::Json => serde_json::to_string_pretty(&m.object).unwrap_or_default() + "\n",
            };
            write_private_if(&file, &text, m.kind() == "Secret")?;
            written.push(file);
        }
        Ok(written)
    }
}

/// Whether a file name has the shape [`ManifestSet::write_dir`] gives its files
/// (`NN-kind-name.yaml|json`).
fn is_output_file_name(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".json"))
    else {
        return false;
    };
    let mut parts = stem.splitn(3, '-');
    let number = parts.next().unwrap_or_default();
    let kind = parts.next().unwrap_or_default();
    let object = parts.next().unwrap_or_default();
    number.len() >= 2
        && number.bytes().all(|b| b.is_ascii_digit())
        && !kind.is_empty()
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && !object.is_empty()
}

/// Makes `dir` ready for a fresh set of files: a missing directory is fine; one that holds only
/// an earlier run's output files has them removed (so no stale object stays behind to be
/// applied); anything else there — or `dir` being a file — is bad input, and nothing is removed.
fn clear_previous_output(dir: &Path) -> Result<(), Diagnostic> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(_) if dir.exists() && !dir.is_dir() => {
            return Err(Diagnostic::bad_input(format!(
                "--output-dir {} is a file, not a directory",
                dir.display()
            )));
        }
        Err(e) => {
            return Err(Diagnostic::failed(format!(
                "cannot read {}: {e}",
                dir.display()
            )));
        }
    };
    let mut previous = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| Diagnostic::failed(format!("cannot read {}: {e}", dir.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if !(is_file && is_output_file_name(&name)) {
            return Err(Diagnostic::bad_input(format!(
                "--output-dir {} holds {name:?}, which paddock did not write",
                dir.display()
            ))
            .with_help(
                "use an empty (or new) directory; one holding only an earlier paddock output is replaced",
            ));
        }
        previous.push(entry.path());
    }
    for path in previous {
        std::fs::remove_file(&path)
            .map_err(|e| Diagnostic::failed(format!("cannot remove {}: {e}", path.display())))?;
    }
    Ok(())
}

fn write_private_if(path: &Path, text: &str, private: bool) -> Result<(), Diagnostic> {
    use std::io::Write;
    let fail =
        |e: std::io::Error| Diagnostic::failed(format!("cannot write {}: {e}", path.display()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    let mut file = options.open(path).map_err(fail)?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(fail)?;
    }
    file.write_all(text.as_bytes()).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(kind: &str, name: &str) -> Manifest {
        Manifest {
            service: "s".into(),
            source: format!("s/deploy/{name}.yaml.template"),
            object: json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": name}}),
        }
    }

    #[test]
    fn sorts_by_helm_kind_order_stably() {
        let mut set = ManifestSet {
            items: vec![
                m("Deployment", "a"),
                m("Widget", "w"),
                m("Service", "b"),
                m("Secret", "c"),
                m("Service", "a"),
            ],
        };
        set.sort_for_install();
        let ids: Vec<String> = set.items.iter().map(Manifest::id).collect();
        assert_eq!(
            ids,
            [
                "Secret/c",
                "Service/b",
                "Service/a",
                "Deployment/a",
                "Widget/w"
            ]
        );
    }

    #[test]
    fn duplicates_are_reported() {
        let set = ManifestSet {
            items: vec![m("Service", "a"), m("Service", "a")],
        };
        assert!(
            set.check_unique()
                .unwrap_err()
                .message
                .contains("Service/a is rendered twice")
        );
    }

    #[test]
    fn streams_in_both_formats() {
        let set = ManifestSet {
            items: vec![m("Service", "a"), m("Secret", "b")],
        };
        let yaml = set.to_stream(Format::Yaml);
        assert_eq!(yaml.matches("---\n").count(), 1);
        let docs: Vec<Value> = serde_saphyr::from_multiple(&yaml).unwrap();
        assert_eq!(docs.len(), 2);
        let json = set.to_stream(Format::Json);
        let parsed: Vec<Value> = serde_json::Deserializer::from_str(&json)
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(parsed[1]["kind"], "Secret");
    }

    #[cfg(unix)]
    #[test]
    fn secrets_are_written_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let set = ManifestSet {
            items: vec![m("Service", "a"), m("Secret", "b")],
        };
        let files = set.write_dir(dir.path(), Format::Yaml).unwrap();
        assert_eq!(files[1].file_name().unwrap(), "02-secret-b.yaml");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&files[1]), 0o600);
        assert_eq!(mode(&files[0]), 0o644);
    }

    #[test]
    fn a_rerun_replaces_the_previous_output_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let big = ManifestSet {
            items: vec![m("Service", "a"), m("Secret", "b"), m("ConfigMap", "c")],
        };
        big.write_dir(&out, Format::Yaml).unwrap();
        let small = ManifestSet {
            items: vec![m("Service", "a")],
        };
        small.write_dir(&out, Format::Json).unwrap();
        let names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(
            names,
            ["01-service-a.json"],
            "stale files must not stay behind"
        );

        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        let err = small.write_dir(&out, Format::Yaml).unwrap_err();
        assert_eq!(err.severity, crate::Severity::BadInput);
        assert!(err.message.contains("notes.txt"), "{}", err.message);
        assert!(
            out.join("01-service-a.json").exists(),
            "nothing removed on refusal"
        );

        let file = dir.path().join("a-file");
        std::fs::write(&file, "x").unwrap();
        let err = small.write_dir(&file, Format::Yaml).unwrap_err();
        assert_eq!(err.severity, crate::Severity::BadInput);
    }

    #[test]
    fn output_file_names_are_recognised() {
        assert!(is_output_file_name("01-service-a.yaml"));
        assert!(is_output_file_name(
            "123-clusterrolebinding-pachyderm-x.json"
        ));
        assert!(!is_output_file_name("1-service-a.yaml"));
        assert!(!is_output_file_name("01-service.yaml"));
        assert!(!is_output_file_name("values.yaml"));
        assert!(!is_output_file_name("01-Service-a.yaml"));
    }
}
