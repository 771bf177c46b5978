//! `paddock deploy custom` and `paddock deploy storage`: pachctl 1.9's flags rendered through
//! the `pachyderm-1.9` stack, printed with `--dry-run`, otherwise applied through the engine
//! (`deploy custom` as a recorded release, `deploy storage` as a plain apply).

use std::io::Write;

use paddock_core::custom::flags::{CustomFlags, StorageFlags, StorageTarget};
use paddock_core::custom::model::{LogLevel, PersistentDisk};
use paddock_core::custom::{self, Rendered, record};
use paddock_core::manifest::Format;
use paddock_core::{Diagnostics, catalog};
use paddock_kube::action::{self, Mode, RenderedRelease};
use paddock_kube::engine::ApplyOptions;
use paddock_kube::{lock, postrender, waves};

use super::cluster;
use super::template::read_file;
use crate::cli::OutputFormat;
use crate::cli::deploy::{
    CustomArgs, DeployArgs, DeployCommand, DeployOutputFlags, LogLevelArg, PersistentDiskArg,
    StorageArgs, StorageBackendArg,
};
use crate::report;

/// Namespace of a dry run when `--namespace` is not given (pachctl's, with no kubeconfig).
const DRY_RUN_NAMESPACE: &str = "default";

/// Runs `deploy custom` or `deploy storage`.
pub fn run(args: &DeployArgs) -> Result<(), Diagnostics> {
    match &args.command {
        DeployCommand::Custom(a) => deliver(
            &a.output,
            &|namespace| custom::render_custom(&custom_flags(a, namespace), &read_file),
            Apply::Release(a),
        ),
        DeployCommand::Storage(a) => {
            deliver(
                &a.output,
                &|namespace| custom::render_storage(&storage_flags(a, namespace), &read_file),
                Apply::Objects,
            )?;
            eprintln!(
                "note: pachd reads pachyderm-storage-secret when it starts: restart it once the secret is applied (kubectl rollout restart deployment/pachd)"
            );
            Ok(())
        }
    }
}

/// How a render reaches the cluster.
#[derive(Clone, Copy)]
enum Apply<'a> {
    /// `deploy custom`: the whole release, recorded (revision, values, inventory, pruning).
    Release(&'a CustomArgs),
    /// `deploy storage`: only the rendered objects, under the release's lock; no revision.
    Objects,
}

/// Maps clap's flags onto the core's.
fn custom_flags(a: &CustomArgs, namespace: &str) -> CustomFlags {
    CustomFlags {
        persistent_disk: match a.persistent_disk {
            PersistentDiskArg::Aws => PersistentDisk::Aws,
            PersistentDiskArg::Google => PersistentDisk::Google,
            PersistentDiskArg::Azure => PersistentDisk::Azure,
        },
        args: a.args.clone(),
        dynamic_etcd_nodes: a.dynamic_etcd_nodes,
        static_etcd_volume: a.static_etcd_volume.clone(),
        etcd_storage_class: a.etcd_storage_class.clone(),
        is_s3_v2: a.is_s3_v2,
        secure: a.secure,
        local_roles: a.local_roles,
        etcd_cpu_request: a.etcd_cpu_request.clone(),
        etcd_memory_request: a.etcd_memory_request.clone(),
        no_guaranteed: a.no_guaranteed,
        pachd_cpu_request: a.pachd_cpu_request.clone(),
        pachd_memory_request: a.pachd_memory_request.clone(),
        shards: a.shards,
        dash_image: a.dash_image.clone(),
        image_pull_secret: a.image_pull_secret.clone(),
        no_dashboard: a.no_dashboard,
        dashboard_only: a.dashboard_only,
        registry: a.registry.clone(),
        tls: a.tls.clone(),
        log_level: a.log_level.map(|l| match l {
            LogLevelArg::Debug => LogLevel::Debug,
            LogLevelArg::Info => LogLevel::Info,
            LogLevelArg::Error => LogLevel::Error,
        }),
        namespace: namespace.to_owned(),
    }
}

fn storage_flags(a: &StorageArgs, namespace: &str) -> StorageFlags {
    StorageFlags {
        target: match a.backend {
            StorageBackendArg::Amazon => StorageTarget::Amazon,
            StorageBackendArg::Google => StorageTarget::Google,
            StorageBackendArg::Microsoft => StorageTarget::Microsoft,
            StorageBackendArg::Minio => StorageTarget::Minio,
            StorageBackendArg::S3 => StorageTarget::S3,
        },
        args: a.args.clone(),
        is_s3_v2: a.is_s3_v2,
        secure: a.secure,
        namespace: namespace.to_owned(),
    }
}

/// Renders (bad input fails here, before any cluster is contacted), then prints the manifest
/// with `--dry-run` or applies it in the namespace of the cluster's context.
fn deliver(
    flags: &DeployOutputFlags,
    render: &dyn Fn(&str) -> Result<Rendered, Diagnostics>,
    how: Apply<'_>,
) -> Result<(), Diagnostics> {
    let given = flags.cluster.namespace.as_deref();
    let rendered = render(given.unwrap_or(DRY_RUN_NAMESPACE))?;
    report::warnings(&rendered.warnings);
    if flags.dry_run {
        if flags.verbose {
            describe(&rendered);
        }
        let format = match flags.output {
            OutputFormat::Yaml => Format::Yaml,
            OutputFormat::Json => Format::Json,
        };
        let text = rendered.manifests.to_stream(format);
        let mut out = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error worth reporting.
        let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
        return Ok(());
    }
    cluster::runtime()?.block_on(async {
        let engine = cluster::engine(&flags.cluster).await?;
        let rendered = if engine.namespace() == given.unwrap_or(DRY_RUN_NAMESPACE) {
            rendered
        } else {
            render(engine.namespace())?
        };
        if flags.verbose {
            describe(&rendered);
        }
        match how {
            Apply::Release(args) => apply_release(&engine, rendered, args).await,
            Apply::Objects => apply_objects(&engine, rendered, flags).await,
        }
    })
}

/// Prints the `-v` description (never credentials).
fn describe(rendered: &Rendered) {
    for line in &rendered.summary {
        eprintln!("paddock: {line}");
    }
}

/// Installs the rendered release through the engine's recorded install (docs/engine.md): the
/// release's lock, the stack's dependency waves (so the storage secret exists before pachd
/// starts) with readiness waits, pruning of what the previous revision had and this one does
/// not, and a release record whose values are the flags, credentials replaced by hashes.
/// `--dashboard-only` stands for dash alone: the release's other objects stay.
async fn apply_release(
    engine: &paddock_kube::Engine,
    rendered: Rendered,
    args: &CustomArgs,
) -> Result<(), Diagnostics> {
    let stack = catalog::builtin_stack(custom::STACK)?;
    let flags = &args.output;
    let mut options = action::Options::new(stack.meta.release.clone());
    options.timeout = flags.timeout;
    options.lock_timeout = flags.cluster.lock_timeout;
    let release = RenderedRelease {
        stack: &stack,
        values: record::flag_values(&custom_flags(args, engine.namespace()), &rendered.config),
        manifests: rendered.manifests,
        operation: "deploy custom".into(),
        scope: args.dashboard_only.then(|| vec!["dash".to_owned()]),
    };
    let outcome = action::install_rendered(engine, release, &options, Mode::Install)
        .await
        .map_err(action::ActionError::into_diagnostics)?;
    let release = format!("release {} of {}", options.release, custom::STACK);
    if outcome.unchanged {
        println!(
            "{release} in namespace {} is {}",
            engine.namespace(),
            outcome.describe()
        );
    } else {
        println!(
            "deployed {release} into namespace {}: {}",
            engine.namespace(),
            outcome.describe()
        );
    }
    Ok(())
}

/// Applies `deploy storage`'s Secret through the engine under the release's lock (ownership
/// labels, waves, readiness), without recording a revision: the Secret is already part of the
/// release `deploy custom` recorded, which keeps only its content hash.
async fn apply_objects(
    engine: &paddock_kube::Engine,
    rendered: Rendered,
    flags: &DeployOutputFlags,
) -> Result<(), Diagnostics> {
    let failed = |e: paddock_kube::EngineError| Diagnostics::from(e.to_diagnostic());
    let stack = catalog::builtin_stack(custom::STACK)?;
    let release = stack.meta.release.clone();
    let mut manifests = rendered.manifests;
    postrender::prepare(&mut manifests, &release, engine.namespace());
    let waves = waves::assign(&manifests, &waves::service_waves(&stack)?);
    engine.ensure_namespace().await.map_err(failed)?;
    let guard = lock::acquire(
        engine,
        &release,
        "deploy storage",
        lock::DEFAULT_TTL,
        flags.cluster.lock_timeout,
    )
    .await
    .map_err(failed)?;
    let options = ApplyOptions {
        release: release.clone(),
        force_conflicts: false,
        timeout: flags.timeout,
        wait: true,
    };
    let result = engine.apply(&waves, &options).await;
    guard.release().await;
    let report = result.map_err(failed)?;
    println!(
        "deployed {} objects ({} changed) of {} into namespace {}",
        report.applied.len(),
        report.changed.len(),
        custom::STACK,
        engine.namespace()
    );
    Ok(())
}
