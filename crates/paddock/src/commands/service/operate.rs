//! `paddock service start|stop|delete|refresh`: plan (checked before anything runs), print it,
//! then carry it out: through the cluster engine under the release's lock, or locally when the
//! plan is only operator scripts.

use std::io::{BufRead, Write};
use std::time::Duration;

use paddock_core::services::{
    CatalogRenderer, Executor, LocalExecutor, Operation, OperationPlan, PlanRequest, plan, script,
};
use paddock_core::{Diagnostic, Diagnostics};
use paddock_kube::lock::{self, LockGuard};
use paddock_kube::{Engine, EngineError, ObjectRef};

use super::execute::KubeExecutor;
use crate::cli::service::OperateArgs;
use crate::commands::cluster;
use crate::report;

/// Plans the operator over the selected services; prints the plan (`--dry-run` stops there);
/// otherwise executes it.
pub fn run(args: &OperateArgs, operation: Operation) -> Result<(), Diagnostics> {
    let given = args.render.namespace.clone();
    let first = plan_for(args, operation, given.as_deref().unwrap_or("default"))?;
    if args.dry_run {
        report::warnings(&first.1);
        print!("{}", first.0.to_text());
        return Ok(());
    }
    if !first.0.needs_cluster() {
        report::warnings(&first.1);
        eprint!("{}", first.0.to_text());
        confirm(&first.0, args)?;
        let mut executor = LocalExecutor {
            kubeconfig: kubeconfig_for_scripts(args),
        };
        executor.execute(&first.0)?;
        println!("{}", summary(&first.0));
        return Ok(());
    }
    let runtime = cluster::runtime()?;
    let options = paddock_kube::ConnectOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        read_timeout: None,
    };
    let engine = runtime
        .block_on(paddock_kube::Engine::connect(&options, given.as_deref()))
        .map_err(|e| Diagnostics::from(e.to_diagnostic()))?;
    let (plan, warnings) = if engine.namespace() == first.0.namespace {
        first
    } else {
        plan_for(args, operation, engine.namespace())?
    };
    report::warnings(&warnings);
    eprint!("{}", plan.to_text());
    confirm(&plan, args)?;
    let release = release_name(args);
    let guard = runtime
        .block_on(take_lock(&engine, &release, operation, args.lock_timeout))
        .map_err(|e| Diagnostics::from(e.to_diagnostic()))?;
    let mut executor = KubeExecutor {
        runtime: &runtime,
        engine: &engine,
        release,
        timeout: args.timeout,
        kubeconfig: kubeconfig_for_scripts(args),
    };
    let result = executor.execute(&plan);
    if let Some(guard) = guard {
        runtime.block_on(guard.release());
    }
    result?;
    println!("{}", summary(&plan));
    Ok(())
}

/// The release objects are labelled with, which also names the lock: `--release`, else `pachd`
/// with the built-in stack (the platform's release), else `paddock`.
fn release_name(args: &OperateArgs) -> String {
    match &args.render.release {
        Some(r) => r.clone(),
        None if args.catalog.no_builtin => {
            paddock_core::services::context::DEFAULT_RELEASE.to_owned()
        }
        None => cluster::release_name(&None),
    }
}

/// Takes `release`'s lock (one operation per release at a time, as install and uninstall do),
/// waiting up to `wait` for another holder. The lock lives in the namespace: start and refresh
/// create it first; stop and delete in a namespace that does not exist have nothing to guard
/// and take no lock (`None`).
async fn take_lock(
    engine: &Engine,
    release: &str,
    operation: Operation,
    wait: Duration,
) -> Result<Option<LockGuard>, EngineError> {
    if matches!(operation, Operation::Start | Operation::Refresh) {
        engine.ensure_namespace().await?;
    } else {
        let namespace = ObjectRef {
            api_version: "v1".into(),
            kind: "Namespace".into(),
            namespace: None,
            name: engine.namespace().to_owned(),
            service: String::new(),
        };
        if engine.get(&namespace).await?.is_none() {
            return Ok(None);
        }
    }
    let holder = format!("service {}", operation.name());
    lock::acquire(engine, release, &holder, lock::DEFAULT_TTL, wait)
        .await
        .map(Some)
}

/// Loads everything and plans the operator in `namespace`; returns the plan and warnings.
fn plan_for(
    args: &OperateArgs,
    operation: Operation,
    namespace: &str,
) -> Result<(OperationPlan, Vec<String>), Diagnostics> {
    let mut warnings = Vec::new();
    let ws = super::workspace(&args.catalog, &args.render, namespace, &mut warnings)?;
    let renderer = CatalogRenderer::new(&ws.catalog, &ws.context);
    let request = PlanRequest {
        operation,
        selection: super::selection(&args.selection),
        namespace: namespace.to_owned(),
    };
    let plan = plan(&renderer, ws.config.layout.as_ref(), &request)?;
    Ok((plan, warnings))
}

/// Delete asks for the namespace to be typed unless --yes.
fn confirm(plan: &OperationPlan, args: &OperateArgs) -> Result<(), Diagnostics> {
    if plan.operation != Operation::Delete || args.yes {
        return Ok(());
    }
    eprint!(
        "delete removes these services and their data for good. Type the namespace ({}) to continue: ",
        plan.namespace
    );
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line).unwrap_or(0);
    if read > 0 && line.trim() == plan.namespace {
        Ok(())
    } else {
        Err(Diagnostic::failed(
            "delete cancelled: the namespace was not typed; nothing was deleted",
        )
        .with_help("pass --yes to skip the question")
        .into())
    }
}

fn kubeconfig_for_scripts(args: &OperateArgs) -> Option<String> {
    args.kubeconfig
        .as_ref()
        .map(|k| k.display().to_string())
        .or_else(script::default_kubeconfig)
}

fn summary(plan: &OperationPlan) -> String {
    let done = match plan.operation {
        Operation::Start => "started",
        Operation::Stop => "stopped",
        Operation::Delete => "deleted",
        Operation::Refresh => "refreshed",
    };
    let names: Vec<&str> = plan.services().map(|s| s.name.as_str()).collect();
    format!(
        "{done} {} service{} in namespace {}: {}",
        names.len(),
        if names.len() == 1 { "" } else { "s" },
        plan.namespace,
        names.join(", ")
    )
}
