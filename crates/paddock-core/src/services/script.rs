//! Operator scripts (`start-script`, `stop-script`, ...): OpenPAI components that manage
//! themselves. paddock renders the service's `deploy/` into a fresh directory and runs the
//! script there with bash, instead of its built-in behaviour for that operator.
//!
//! The script sees `KUBECONFIG`, `PADDOCK_NAMESPACE`, `PADDOCK_SERVICE`, `PADDOCK_OPERATION`
//! and `PADDOCK_RENDERED_DIR` in its environment (plus paddock's own environment).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::diagnostic::Diagnostic;

use super::plan::Operation;

/// The contents of a rendered `deploy/` directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedDir {
    /// A directory on disk to copy first (the service's own `deploy/`), when it has one.
    pub copy_from: Option<PathBuf>,
    /// Files written over the copy: (path relative to `deploy/`, contents). Rendered
    /// templates, and for built-in services every file of their `deploy/`.
    pub files: Vec<(String, String)>,
}

impl RenderedDir {
    /// Writes the directory's contents into `dir` (which must exist).
    pub fn write_to(&self, dir: &Path) -> Result<(), Diagnostic> {
        if let Some(source) = &self.copy_from {
            copy_tree(source, dir)?;
        }
        for (relative, text) in &self.files {
            let path = dir.join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io_failure(parent, e))?;
            }
            std::fs::write(&path, text).map_err(|e| io_failure(&path, e))?;
        }
        Ok(())
    }
}

/// One script to run for one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptInvocation {
    /// The service.
    pub service: String,
    /// The operator being carried out.
    pub operation: Operation,
    /// The script, relative to `deploy/` (as service.yaml names it).
    pub script: String,
    /// The namespace paddock operates in.
    pub namespace: String,
    /// What the rendered `deploy/` holds.
    pub dir: RenderedDir,
}

impl ScriptInvocation {
    /// The environment variables paddock sets for the script (besides its own environment).
    pub fn environment(
        &self,
        kubeconfig: Option<&str>,
        rendered_dir: &Path,
    ) -> Vec<(String, String)> {
        let mut env = Vec::new();
        if let Some(k) = kubeconfig {
            env.push(("KUBECONFIG".to_owned(), k.to_owned()));
        }
        env.extend([
            ("PADDOCK_NAMESPACE".to_owned(), self.namespace.clone()),
            ("PADDOCK_SERVICE".to_owned(), self.service.clone()),
            (
                "PADDOCK_OPERATION".to_owned(),
                self.operation.name().to_owned(),
            ),
            (
                "PADDOCK_RENDERED_DIR".to_owned(),
                rendered_dir.display().to_string(),
            ),
        ]);
        env
    }

    /// Renders into a fresh temporary directory, runs `bash SCRIPT` there, and removes the
    /// directory afterwards. A non-zero exit is a failed operation (exit 1).
    pub fn run(&self, kubeconfig: Option<&str>) -> Result<(), Diagnostic> {
        let dir = fresh_temp_dir(&self.service)?;
        let result = self
            .dir
            .write_to(&dir)
            .and_then(|()| self.run_in(&dir, kubeconfig));
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    /// Runs the script in an already rendered directory.
    pub fn run_in(&self, dir: &Path, kubeconfig: Option<&str>) -> Result<(), Diagnostic> {
        let status = Command::new("bash")
            .arg(&self.script)
            .current_dir(dir)
            .envs(self.environment(kubeconfig, dir))
            .status()
            .map_err(|e| Diagnostic::failed(format!("cannot run bash: {e}")))?;
        if status.success() {
            Ok(())
        } else {
            Err(Diagnostic::failed(format!(
                "service {:?}: {}-script {} failed ({status})",
                self.service,
                self.operation.name(),
                self.script
            )))
        }
    }
}

/// The kubeconfig scripts get: `$KUBECONFIG`, else kubectl's default `~/.kube/config`.
pub fn default_kubeconfig() -> Option<String> {
    std::env::var("KUBECONFIG")
        .ok()
        .filter(|k| !k.is_empty())
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| Path::new(&home).join(".kube/config").display().to_string())
        })
}

fn fresh_temp_dir(service: &str) -> Result<PathBuf, Diagnostic> {
    let base = std::env::temp_dir();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    for attempt in 0..100u32 {
        let dir = base.join(format!(
            "paddock-{service}-{}-{stamp}-{attempt}",
            std::process::id()
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_failure(&dir, e)),
        }
    }
    Err(Diagnostic::failed(format!(
        "cannot create a temporary directory in {}",
        base.display()
    )))
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), Diagnostic> {
    for entry in std::fs::read_dir(from).map_err(|e| io_failure(from, e))? {
        let entry = entry.map_err(|e| io_failure(from, e))?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        if source.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| io_failure(&target, e))?;
            copy_tree(&source, &target)?;
        } else {
            std::fs::copy(&source, &target).map_err(|e| io_failure(&source, e))?;
        }
    }
    Ok(())
}

fn io_failure(path: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::failed(format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_the_script_in_the_rendered_dir_with_its_environment() {
        let source = tempfile::tempdir().unwrap();
        std::fs::write(source.path().join("helper.txt"), "from disk\n").unwrap();
        std::fs::write(source.path().join("start.sh"), "exit 9\n").unwrap();
        let out = tempfile::tempdir().unwrap();
        let marker = out.path().join("marker");
        let script = format!(
            "set -eu\n{{ cat helper.txt; cat conf/app.yaml; echo \"$PADDOCK_SERVICE $PADDOCK_NAMESPACE $PADDOCK_OPERATION $KUBECONFIG\"; [ \"$PWD\" = \"$PADDOCK_RENDERED_DIR\" ] && echo cwd-ok; }} > {}\n",
            marker.display()
        );
        let invocation = ScriptInvocation {
            service: "web".into(),
            operation: Operation::Start,
            script: "start.sh".into(),
            namespace: "ns1".into(),
            dir: RenderedDir {
                copy_from: Some(source.path().to_path_buf()),
                files: vec![
                    ("start.sh".into(), script),
                    ("conf/app.yaml".into(), "port: 1\n".into()),
                ],
            },
        };
        invocation.run(Some("/k/config")).unwrap();
        assert_eq!(
            std::fs::read_to_string(&marker).unwrap(),
            "from disk\nport: 1\nweb ns1 start /k/config\ncwd-ok\n"
        );
        let failing = ScriptInvocation {
            dir: RenderedDir {
                copy_from: Some(source.path().to_path_buf()),
                files: vec![],
            },
            ..invocation
        };
        let err = failing.run(None).unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert!(
            err.message.contains("start-script start.sh failed"),
            "{err}"
        );
    }
}
