//! `paddock service start|stop|delete|refresh`: plan (checked before anything runs), print it,
//! then carry it out: through the cluster engine under the release's lock, or locally when the
//! plan is only operator scripts.

use std::io::{BufRead, Write};
use std::time::Duration;

use paddock_core::services::{
    CatalogRenderer, Executor, LocalExecutor, Operation, OperationPlan, PlanRequest, plan, script,
};
use paddock_core::{Diagnostic, Diagnostics};
use paddock_kube::credentials::{self, Credentials};
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
    if let Some(namespace) = &given {
        paddock_kube::action::check_namespace(namespace)?;
    }
    // Planned before connecting (with fresh placeholder credentials), so bad input stops here
    // and `--dry-run` never contacts the cluster: plans list objects, not credential values.
    let first = plan_for(
        args,
        operation,
        given.as_deref().unwrap_or("default"),
        &Credentials::new(),
    )?;
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
    // The built-in stack renders with the release's stored credentials (the ones `paddock
    // install` or an earlier start created), never with fresh ones.
    let release = release_name(args);
    let builtin = !args.catalog.no_builtin;
    let known = if builtin {
        runtime
            .block_on(credentials::read(&engine, &release))
            .map_err(|e| Diagnostics::from(e.to_diagnostic()))?
    } else {
        Credentials::new()
    };
    let (plan, warnings, generated) = if !builtin && engine.namespace() == first.0.namespace {
        first
    } else {
        plan_for(args, operation, engine.namespace(), &known)?
    };
    report::warnings(&warnings);
    eprint!("{}", plan.to_text());
    confirm(&plan, args)?;
    let guard = runtime
        .block_on(take_lock(&engine, &release, operation, args.lock_timeout))
        .map_err(|e| Diagnostics::from(e.to_diagnostic()))?;
    let kept = if builtin && matches!(operation, Operation::Start | Operation::Refresh) {
        keep_credentials(
            &runtime, &engine, &release, args, operation, &known, plan, &generated,
        )
    } else {
        Ok(plan)
    };
    let result = kept.and_then(|plan| {
        let mut executor = KubeExecutor {
            runtime: &runtime,
            engine: &engine,
            release: release.clone(),
            timeout: args.timeout,
            kubeconfig: kubeconfig_for_scripts(args),
        };
        executor.execute(&plan)?;
        Ok(plan)
    });
    if let Some(guard) = guard {
        runtime.block_on(guard.release());
    }
    let plan = result?;
    println!("{}", summary(&plan));
    Ok(())
}

/// Under the release's lock, before start or refresh applies anything: stores the generated
/// credentials the plan used that the release's Secret lacks (as `paddock install` does), so
/// every later operation renders with the same ones. Credentials another run stored since
/// `known` was read win: the plan is made again with them.
#[allow(clippy::too_many_arguments)]
fn keep_credentials(
    runtime: &tokio::runtime::Runtime,
    engine: &Engine,
    release: &str,
    args: &OperateArgs,
    operation: Operation,
    known: &Credentials,
    plan: OperationPlan,
    generated: &Credentials,
) -> Result<OperationPlan, Diagnostics> {
    let fail = |e: EngineError| Diagnostics::from(e.to_diagnostic());
    let now = runtime
        .block_on(credentials::read(engine, release))
        .map_err(fail)?;
    let (plan, generated) = if &now == known {
        (plan, generated.clone())
    } else {
        let (plan, _, generated) = plan_for(args, operation, engine.namespace(), &now)?;
        (plan, generated)
    };
    let all = credentials::complete(&now, &generated);
    if all.len() != now.len() {
        runtime
            .block_on(credentials::store(engine, release, &all))
            .map_err(fail)?;
        eprintln!(
            "stored generated credentials in Secret {} (kept for every later operation)",
            credentials::secret_name(release)
        );
    }
    Ok(plan)
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

/// Loads everything and plans the operator in `namespace` with the `known` credentials;
/// returns the plan, warnings and the generated credentials the render used.
fn plan_for(
    args: &OperateArgs,
    operation: Operation,
    namespace: &str,
    known: &Credentials,
) -> Result<(OperationPlan, Vec<String>, Credentials), Diagnostics> {
    let mut warnings = Vec::new();
    let ws = super::workspace(&args.catalog, &args.render, namespace, known, &mut warnings)?;
    let renderer = CatalogRenderer::new(&ws.catalog, &ws.context);
    let request = PlanRequest {
        operation,
        selection: super::selection(&args.selection),
        namespace: namespace.to_owned(),
    };
    let plan = plan(&renderer, ws.config.layout.as_ref(), &request)?;
    Ok((plan, warnings, ws.context.generated.clone()))
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
