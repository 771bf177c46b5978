//! Carrying a plan out. The CLI's engine-backed executor (paddock-kube) implements
//! [`Executor`]; [`LocalExecutor`] runs plans made only of operator scripts, without a
//! cluster connection, and refuses the others.

use crate::diagnostic::Diagnostic;

use super::plan::{OperationPlan, ServiceAction};

/// Carries out an operator plan: node labels first, then wave after wave (a wave's services
/// applied or removed, readiness awaited for start), scripts run where the plan says.
pub trait Executor {
    /// Runs `plan` to the end, or stops at the first failure.
    fn execute(&mut self, plan: &OperationPlan) -> Result<(), Diagnostic>;
}

/// Runs the local parts of a plan (operator scripts) and nothing that needs the cluster API.
#[derive(Debug, Clone, Default)]
pub struct LocalExecutor {
    /// The kubeconfig scripts get as `KUBECONFIG`.
    pub kubeconfig: Option<String>,
}

impl Executor for LocalExecutor {
    fn execute(&mut self, plan: &OperationPlan) -> Result<(), Diagnostic> {
        if plan.needs_cluster() {
            return Err(needs_engine(plan));
        }
        for service in plan.services() {
            if let ServiceAction::Script(script) = &service.action {
                script.run(self.kubeconfig.as_deref())?;
            }
        }
        Ok(())
    }
}

/// The error for a plan that needs the cluster engine, naming what needs it.
pub fn needs_engine(plan: &OperationPlan) -> Diagnostic {
    let built_in: Vec<&str> = plan
        .services()
        .filter(|s| !matches!(s.action, ServiceAction::Script(_)))
        .map(|s| s.name.as_str())
        .collect();
    let what = if built_in.is_empty() {
        "syncing node labels".to_owned()
    } else {
        format!(
            "the built-in {} of {}",
            plan.operation.name(),
            built_in.join(", ")
        )
    };
    Diagnostic::failed(format!(
        "service {}: {what} needs the cluster engine; this executor only runs operator scripts",
        plan.operation.name()
    ))
    .with_help("run with --dry-run to see the plan; services whose service.yaml names an existing script for this operator run without the engine")
}
