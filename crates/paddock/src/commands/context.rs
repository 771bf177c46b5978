//! `paddock context`: point pachctl at the platform through the one-port proxy, by writing a
//! context into pachctl's config file (what seed 003 does with `pachctl config set context`).

use paddock_core::pachctl_config::{self, CONFIG_ENV, Change, ContextRequest};
use paddock_core::platform::{self, checks};
use paddock_core::{Diagnostic, Diagnostics, catalog, render};

use super::template::{read_file, value_sources};
use crate::cli::context::ContextArgs;
use crate::report;

/// Writes (or updates) the context and reports what changed.
pub fn run(args: &ContextArgs) -> Result<(), Diagnostics> {
    let stack = catalog::builtin_stack(platform::STACK)?;
    let user = platform::user_values(&value_sources(&args.values)?, &read_file)?;
    let values = platform::typed_values(&stack, &user)?;
    report::warnings(&checks::check(&values, &user)?);
    if !values.proxy.enabled {
        return Err(
            Diagnostic::bad_input("needs the one-port proxy, but it is disabled")
                .at_path("proxy.enabled")
                .with_help(
                    "pachctl reaches pachd through the proxy; deploy with proxy.enabled: true",
                )
                .into(),
        );
    }
    if args.name.trim().is_empty() {
        return Err(Diagnostic::bad_input("the context name is empty").into());
    }
    let server_cas = match &args.server_ca {
        None => None,
        Some(path) => {
            let pem = read_file(&path.display().to_string()).map_err(|why| {
                Diagnostic::bad_input(format!("cannot read --server-ca {}: {why}", path.display()))
            })?;
            if !pem.contains("-----BEGIN CERTIFICATE-----") {
                return Err(Diagnostic::bad_input(format!(
                    "--server-ca {} holds no PEM certificate",
                    path.display()
                ))
                .into());
            }
            Some(render::base64(pem.as_bytes()))
        }
    };
    let request = ContextRequest {
        name: args.name.clone(),
        pachd_address: pachctl_config::pachd_address(&values, args.address.as_deref())?,
        server_cas,
        overwrite: args.overwrite,
        activate: args.activate,
    };
    let pach_config = std::env::var_os(CONFIG_ENV).map(Into::into);
    let from_env = pach_config.is_some();
    let path = pachctl_config::config_path(pach_config, std::env::var_os("HOME").map(Into::into))?;
    let existing = pachctl_config::read_config(&path)?;
    let mut uuid_error = None;
    let updated = pachctl_config::update_config(existing, &request, || {
        pachctl_config::random_uuid().unwrap_or_else(|e| {
            uuid_error = Some(e);
            String::new()
        })
    })?;
    if let Some(e) = uuid_error {
        return Err(e.into());
    }
    if updated.change != Change::Unchanged || args.activate {
        pachctl_config::write_config(&path, &updated.document, !from_env)?;
    }
    let what = match updated.change {
        Change::CreatedFile => "created",
        Change::Added => "added",
        Change::Replaced => "replaced",
        Change::Unchanged => "unchanged",
    };
    let active = if updated.active { ", active" } else { "" };
    println!(
        "pachctl context `{}` {what}: {}{active} ({})",
        request.name,
        request.pachd_address,
        path.display()
    );
    if !updated.active {
        eprintln!(
            "note: pachctl's active context is another one; use --activate or `pachctl config set active-context {}`",
            request.name
        );
    }
    Ok(())
}
