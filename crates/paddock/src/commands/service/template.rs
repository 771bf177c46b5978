//! `paddock service template`: the selected services' manifests, deploy-rules as node
//! affinity, printed exactly as `paddock template` prints the platform.

use std::io::Write;

use paddock_core::catalog::{CatalogService, Direction};
use paddock_core::manifest::Format;
use paddock_core::render::Order;
use paddock_core::services::{CatalogRenderer, layout, plan};
use paddock_core::{Diagnostic, Diagnostics};

use crate::cli::OutputFormat;
use crate::cli::service::TemplateArgs;
use crate::report;

/// Renders and prints.
pub fn run(args: &TemplateArgs) -> Result<(), Diagnostics> {
    let mut warnings = Vec::new();
    let namespace = args
        .render
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_owned());
    let ws = super::workspace(
        &args.catalog,
        &args.render,
        &namespace,
        &Default::default(),
        &mut warnings,
    )?;
    let waves = ws
        .catalog
        .select(&super::selection(&args.selection), Direction::Forward)?;
    let services: Vec<&CatalogService> = waves.into_iter().flatten().collect();
    warnings.extend(layout::check_rules(ws.config.layout.as_ref(), &services)?);
    let renderer = CatalogRenderer::new(&ws.catalog, &ws.context);
    let set = renderer.render_set(&services, Order::InstallByKind)?;
    if !args.no_validate {
        warnings.extend(set.validate()?);
    }
    if let Some(dir) = &args.rendered_dir {
        for service in &services {
            let target = dir.join(&service.service.name);
            std::fs::create_dir_all(&target).map_err(|e| {
                Diagnostic::failed(format!("cannot create {}: {e}", target.display()))
            })?;
            plan::rendered_dir(&renderer, service)?.write_to(&target)?;
        }
    }
    report::warnings(&warnings);
    if let Some(dir) = &args.rendered_dir {
        eprintln!(
            "wrote the rendered deploy/ of {} service{} under {}",
            services.len(),
            if services.len() == 1 { "" } else { "s" },
            dir.display()
        );
    }
    let text = set.to_stream(match args.output {
        OutputFormat::Yaml => Format::Yaml,
        OutputFormat::Json => Format::Json,
    });
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    Ok(())
}
