//! The catalog: the built-in stack and the user's `--services` directories layered into one
//! set of services, with the prerequisite graph checked before anything renders.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;

use super::graph::{self, Direction, Selection};
use super::{FileTree, Service, Stack, builtin_stack, check_prerequisites, discover_services};
use crate::diagnostic::{Diagnostic, did_you_mean};

/// Where a root's services come from.
#[derive(Debug, Clone)]
pub enum RootKind {
    /// A stack built into the binary (its values and generated credentials come along).
    Builtin(Box<Stack>),
    /// A `--services` directory on disk.
    Directory(PathBuf),
}

/// One source of services: the built-in stack or a user directory.
#[derive(Debug, Clone)]
pub struct ServiceRoot {
    /// How messages name it: `<built-in>/pachyderm` or the directory as the user wrote it.
    pub label: String,
    /// Built-in or on disk.
    pub kind: RootKind,
    /// Its files (service.yaml, templates, scripts, config defaults), relative to the root.
    pub files: Arc<FileTree>,
}

impl ServiceRoot {
    /// Whether this is a built-in stack (rendered with strict undefined and typed values).
    pub fn is_builtin(&self) -> bool {
        matches!(self.kind, RootKind::Builtin(_))
    }

    /// A user directory root from files already read (tests, benchmarks, generated trees).
    pub fn directory(label: &str, path: PathBuf, files: FileTree) -> ServiceRoot {
        ServiceRoot {
            label: label.trim_end_matches('/').to_owned(),
            kind: RootKind::Directory(path),
            files: Arc::new(files),
        }
    }

    /// Reads a `--services` directory from disk.
    pub fn read(dir: &Path) -> Result<ServiceRoot, Diagnostic> {
        let label = dir.display().to_string();
        let files = read_service_root(dir)?;
        Ok(ServiceRoot::directory(&label, dir.to_path_buf(), files))
    }

    /// The built-in stack `name` as a root.
    pub fn builtin(name: &str) -> Result<ServiceRoot, Diagnostic> {
        let stack = builtin_stack(name)?;
        Ok(ServiceRoot {
            label: format!("<built-in>/{name}"),
            files: Arc::clone(&stack.files),
            kind: RootKind::Builtin(Box::new(stack)),
        })
    }
}

/// One service of the catalog and the root it comes from.
#[derive(Debug, Clone)]
pub struct CatalogService {
    /// The service (its `deploy_dir` is relative to its root).
    pub service: Service,
    /// Index of its root in [`Catalog::roots`].
    pub root: usize,
    /// Roots whose service of the same name this one replaces.
    pub overrides: Vec<usize>,
}

/// How to assemble a catalog.
#[derive(Debug, Clone, Default)]
pub struct CatalogOptions {
    /// The built-in stack to start from (`None`: user directories only).
    pub builtin: Option<String>,
    /// `--services` directories, in order; later roots override earlier ones by name.
    pub roots: Vec<PathBuf>,
    /// Unknown prerequisites are warnings instead of errors.
    pub allow_missing: bool,
}

/// Every service paddock can operate, by name, with a checked prerequisite graph.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The roots, built-in first, then `--services` directories in order.
    pub roots: Vec<ServiceRoot>,
    /// Services sorted by name.
    pub services: IndexMap<String, CatalogService>,
    /// Dependency level of each service (same order as `services`).
    pub levels: Vec<usize>,
    /// Non-fatal notes: unknown service.yaml keys, allowed missing prerequisites.
    pub warnings: Vec<String>,
}

impl Catalog {
    /// Reads the roots named by `options` and layers them.
    pub fn load(options: &CatalogOptions) -> Result<Catalog, Diagnostic> {
        let mut roots = Vec::new();
        if let Some(name) = &options.builtin {
            roots.push(ServiceRoot::builtin(name)?);
        }
        for dir in &options.roots {
            roots.push(ServiceRoot::read(dir)?);
        }
        Catalog::from_roots(roots, options.allow_missing)
    }

    /// Layers roots already read: a later root's service replaces an earlier one's of the same
    /// name. Then checks prerequisites (unknown ones fail unless `allow_missing`) and cycles.
    pub fn from_roots(roots: Vec<ServiceRoot>, allow_missing: bool) -> Result<Catalog, Diagnostic> {
        let mut warnings = Vec::new();
        let mut services: IndexMap<String, CatalogService> = IndexMap::new();
        for (index, root) in roots.iter().enumerate() {
            let found = match &root.kind {
                RootKind::Builtin(stack) => {
                    warnings.extend(stack.warnings.iter().cloned());
                    stack.services.clone()
                }
                RootKind::Directory(_) => {
                    discover_services(&root.label, &root.files, &mut warnings)?
                }
            };
            if found.is_empty() && !root.is_builtin() {
                return Err(Diagnostic::bad_input(format!(
                    "{} holds no services: a service is a directory with deploy/service.yaml",
                    root.label
                ))
                .with_help(if root.files.contains_key("deploy/service.yaml") {
                    "this directory is itself a service; pass the directory that contains it"
                        .to_owned()
                } else {
                    format!("expected {}/<name>/deploy/service.yaml", root.label)
                }));
            }
            for (name, service) in found {
                if !service.spec.is_for_kubernetes() {
                    warnings.push(format!(
                        "{}: service {name:?} is for cluster-type {}, not k8s; left out",
                        service.spec.origins.file,
                        service.spec.cluster_type.join(", ")
                    ));
                    continue;
                }
                let mut overrides = Vec::new();
                if let Some(previous) = services.get(&name) {
                    overrides = previous.overrides.clone();
                    overrides.push(previous.root);
                }
                services.insert(
                    name,
                    CatalogService {
                        service,
                        root: index,
                        overrides,
                    },
                );
            }
        }
        services.sort_keys();
        let missing = check_prerequisites(
            services.values().map(|s| &s.service),
            allow_missing,
            |name| services.contains_key(name),
        )?;
        warnings.extend(missing);
        let levels = graph::levels(&services, |s| s.service.spec.prerequisite.as_slice()).map_err(
            |cycle| {
                let spec = &services[&cycle[0]].service.spec;
                let first_edge = spec
                    .prerequisite
                    .iter()
                    .position(|p| *p == cycle[1])
                    .and_then(|i| spec.origins.prerequisite.get(i).cloned().flatten());
                graph::cycle_diagnostic(&cycle, |name| {
                    services[name].service.spec.origins.file.clone()
                })
                .with_origin(first_edge)
            },
        )?;
        Ok(Catalog {
            roots,
            services,
            levels,
            warnings,
        })
    }

    /// The root a service comes from.
    pub fn root_of(&self, service: &CatalogService) -> &ServiceRoot {
        &self.roots[service.root]
    }

    /// The built-in stack of the catalog, if one was loaded.
    pub fn builtin_stack(&self) -> Option<&Stack> {
        self.roots.iter().find_map(|r| match &r.kind {
            RootKind::Builtin(stack) => Some(stack.as_ref()),
            RootKind::Directory(_) => None,
        })
    }

    /// How messages name a service's directory (`services/grafana`).
    pub fn service_dir_label(&self, service: &CatalogService) -> String {
        let root = self.root_of(service);
        let dir = service
            .service
            .deploy_dir
            .strip_suffix("/deploy")
            .unwrap_or(&service.service.deploy_dir);
        format!("{}/{dir}", root.label)
    }

    /// Every service in waves: each wave only needs services of earlier waves.
    pub fn waves(&self) -> Vec<Vec<&CatalogService>> {
        let all = vec![true; self.services.len()];
        self.index_waves(&all, Direction::Forward)
    }

    /// The services a selection names, in waves ordered for `direction`. Unknown names are
    /// errors with a did-you-mean.
    pub fn select(
        &self,
        selection: &Selection,
        direction: Direction,
    ) -> Result<Vec<Vec<&CatalogService>>, Diagnostic> {
        let named = self.indices_of(&selection.names, "-n")?;
        let skipped = self.indices_of(&selection.skip, "-k")?;
        let mut marked = if named.is_empty() {
            vec![true; self.services.len()]
        } else if selection.with_prerequisites {
            graph::with_prerequisites(
                &self.services,
                |s| s.service.spec.prerequisite.as_slice(),
                &named,
            )
        } else {
            let mut m = vec![false; self.services.len()];
            for i in &named {
                m[*i] = true;
            }
            m
        };
        for i in skipped {
            marked[i] = false;
        }
        Ok(self.index_waves(&marked, direction))
    }

    /// Services of the catalog that need `name` directly.
    pub fn dependents_of(&self, name: &str) -> Vec<&str> {
        self.services
            .iter()
            .filter(|(_, s)| s.service.spec.prerequisite.iter().any(|p| p == name))
            .map(|(n, _)| n.as_str())
            .collect()
    }

    fn index_waves(&self, marked: &[bool], direction: Direction) -> Vec<Vec<&CatalogService>> {
        graph::waves_of(&self.levels, marked, direction)
            .into_iter()
            .map(|wave| wave.into_iter().map(|i| &self.services[i]).collect())
            .collect()
    }

    fn indices_of(&self, names: &[String], flag: &str) -> Result<Vec<usize>, Diagnostic> {
        names
            .iter()
            .map(|name| {
                self.services.get_index_of(name).ok_or_else(|| {
                    let known = self.services.keys().map(String::as_str);
                    Diagnostic::bad_input(format!("{flag} {name}: no service named {name:?}"))
                        .with_help(match did_you_mean(name, known) {
                            Some(best) => format!("did you mean `{best}`?"),
                            None => "`paddock service list` shows the services".to_owned(),
                        })
                })
            })
            .collect()
    }
}

/// Reads a `--services` directory: for every `<name>/deploy/service.yaml` one level down, the
/// text files under `<name>/deploy/` and `<name>/config/`, keyed by path relative to `dir`.
/// Hidden entries are skipped; files that are not UTF-8 text are skipped unless they are
/// templates (then it is an error).
pub fn read_service_root(dir: &Path) -> Result<FileTree, Diagnostic> {
    let label = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such directory".to_owned(),
            _ => e.to_string(),
        };
        Diagnostic::bad_input(format!("cannot read services directory {label}: {why}"))
    })?;
    let mut files = FileTree::new();
    if dir.join("deploy/service.yaml").is_file() {
        files.insert("deploy/service.yaml".into(), String::new());
        return Ok(files);
    }
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    for name in names {
        let service_dir = dir.join(&name);
        if !service_dir.join("deploy/service.yaml").is_file() {
            continue;
        }
        for sub in ["deploy", "config"] {
            let path = service_dir.join(sub);
            if path.is_dir() {
                read_tree(&path, &format!("{name}/{sub}"), &label, &mut files, 0)?;
            }
        }
    }
    Ok(files)
}

fn read_tree(
    dir: &Path,
    prefix: &str,
    label: &str,
    files: &mut FileTree,
    depth: usize,
) -> Result<(), Diagnostic> {
    let fail = |e: std::io::Error| Diagnostic::failed(format!("cannot read {label}/{prefix}: {e}"));
    if depth > 16 {
        return Err(Diagnostic::bad_input(format!(
            "{label}/{prefix}: directories nest too deep (a symlink loop?)"
        )));
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(fail)?
        .filter_map(|e| e.ok())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let key = format!("{prefix}/{name}");
        if path.is_dir() {
            read_tree(&path, &key, label, files, depth + 1)?;
            continue;
        }
        let bytes = std::fs::read(&path).map_err(fail)?;
        match String::from_utf8(bytes) {
            Ok(text) => {
                files.insert(key, text);
            }
            Err(_) if name.ends_with(".template") || name.ends_with(".yaml") => {
                return Err(Diagnostic::bad_input(format!(
                    "{label}/{key} is not UTF-8 text"
                )));
            }
            Err(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(label: &str, entries: &[(&str, &str)]) -> ServiceRoot {
        ServiceRoot::directory(
            label,
            PathBuf::from(label),
            entries
                .iter()
                .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
                .collect(),
        )
    }

    fn names(waves: &[Vec<&CatalogService>]) -> Vec<Vec<String>> {
        waves
            .iter()
            .map(|w| w.iter().map(|s| s.service.name.clone()).collect())
            .collect()
    }

    #[test]
    fn user_services_override_builtin_ones_by_name() {
        let builtin = ServiceRoot::builtin("pachyderm").unwrap();
        let user = root(
            "mine",
            &[
                ("console/deploy/service.yaml", "prerequisite: [pachd]\n"),
                ("extra/deploy/service.yaml", "prerequisite: [console]\n"),
            ],
        );
        let catalog = Catalog::from_roots(vec![builtin, user], false).unwrap();
        let console = &catalog.services["console"];
        assert_eq!(console.root, 1);
        assert_eq!(console.overrides, [0]);
        assert_eq!(catalog.service_dir_label(console), "mine/console");
        assert!(catalog.services.contains_key("pachd"));
        let order: Vec<&str> = catalog.services.keys().map(String::as_str).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
        let last: Vec<&str> = catalog
            .waves()
            .last()
            .unwrap()
            .iter()
            .map(|s| s.service.name.as_str())
            .collect();
        assert!(last.contains(&"extra"), "{last:?}");
    }

    #[test]
    fn selections_take_prerequisites_skip_and_reverse() {
        let user = root(
            "s",
            &[
                ("db/deploy/service.yaml", ""),
                ("cache/deploy/service.yaml", ""),
                ("api/deploy/service.yaml", "prerequisite: [db, cache]\n"),
                ("web/deploy/service.yaml", "prerequisite: [api]\n"),
                ("batch/deploy/service.yaml", "prerequisite: [db]\n"),
            ],
        );
        let catalog = Catalog::from_roots(vec![user], false).unwrap();
        let sel = |names: &[&str], skip: &[&str], deps: bool| Selection {
            names: names.iter().map(|s| (*s).to_owned()).collect(),
            skip: skip.iter().map(|s| (*s).to_owned()).collect(),
            with_prerequisites: deps,
        };
        let forward = catalog
            .select(&sel(&["web"], &[], true), Direction::Forward)
            .unwrap();
        assert_eq!(
            names(&forward),
            [vec!["cache", "db"], vec!["api"], vec!["web"]]
        );
        let skipped = catalog
            .select(&sel(&["web"], &["cache"], true), Direction::Forward)
            .unwrap();
        assert_eq!(names(&skipped), [vec!["db"], vec!["api"], vec!["web"]]);
        let alone = catalog
            .select(&sel(&["web"], &[], false), Direction::Forward)
            .unwrap();
        assert_eq!(names(&alone), [vec!["web"]]);
        let all_reverse = catalog
            .select(&sel(&[], &[], true), Direction::Reverse)
            .unwrap();
        assert_eq!(
            names(&all_reverse),
            [vec!["web"], vec!["api", "batch"], vec!["cache", "db"]]
        );
        let err = catalog
            .select(&sel(&["webb"], &[], true), Direction::Forward)
            .unwrap_err();
        assert_eq!(err.help.as_deref(), Some("did you mean `web`?"));
        assert_eq!(catalog.dependents_of("db"), ["api", "batch"]);
    }

    #[test]
    fn missing_prerequisites_can_be_allowed() {
        let user = root(
            "s",
            &[("api/deploy/service.yaml", "prerequisite:\n  - dbb\n")],
        );
        let err = Catalog::from_roots(vec![user.clone()], false).unwrap_err();
        assert_eq!(
            err.origin.unwrap().to_string(),
            "s/api/deploy/service.yaml:2:5"
        );
        let catalog = Catalog::from_roots(vec![user], true).unwrap();
        assert_eq!(catalog.warnings, ["api needs unknown service \"dbb\""]);
    }

    #[test]
    fn cycles_name_the_files() {
        let user = root(
            "s",
            &[
                ("a/deploy/service.yaml", "prerequisite: [b]\n"),
                ("b/deploy/service.yaml", "prerequisite: [a]\n"),
            ],
        );
        let err = Catalog::from_roots(vec![user], false).unwrap_err();
        assert_eq!(err.message, "prerequisites form a cycle: a -> b -> a");
        assert_eq!(
            err.help.as_deref(),
            Some(
                "remove one of these prerequisites: s/a/deploy/service.yaml (needs b), s/b/deploy/service.yaml (needs a)"
            )
        );
    }

    #[test]
    fn reads_services_from_disk() {
        let dir = tempfile::tempdir().unwrap();
        let svc = dir.path().join("web/deploy/sub");
        std::fs::create_dir_all(&svc).unwrap();
        std::fs::create_dir_all(dir.path().join("web/config")).unwrap();
        std::fs::create_dir_all(dir.path().join("notaservice")).unwrap();
        std::fs::write(
            dir.path().join("web/deploy/service.yaml"),
            "template-list: [sub/a.yaml]\n",
        )
        .unwrap();
        std::fs::write(svc.join("a.yaml.template"), "kind: A\n").unwrap();
        std::fs::write(svc.join("blob.bin"), [0xff, 0xfe]).unwrap();
        std::fs::write(dir.path().join("web/config/web.yaml"), "port: 1\n").unwrap();
        std::fs::write(dir.path().join("notaservice/x.yaml"), "a: 1\n").unwrap();
        let files = read_service_root(dir.path()).unwrap();
        let keys: Vec<&str> = files.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "web/config/web.yaml",
                "web/deploy/service.yaml",
                "web/deploy/sub/a.yaml.template"
            ]
        );
        let err = read_service_root(&dir.path().join("nope")).unwrap_err();
        assert!(err.message.contains("no such directory"), "{err}");
    }
}
