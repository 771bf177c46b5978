//! `paddock template`: render the platform and print it, or write it to a directory.

use std::io::Write;

use paddock_core::manifest::Format;
use paddock_core::platform::{self, RenderOptions, ValueSources};
use paddock_core::{Diagnostic, Diagnostics};

use crate::cli::{OutputFormat, TemplateArgs, ValueFlags};
use crate::report;

/// Renders and prints (or writes) the manifests.
pub fn run(args: &TemplateArgs) -> Result<(), Diagnostics> {
    let sources = value_sources(&args.values)?;
    let options = RenderOptions {
        release: args.release.clone(),
        namespace: args.namespace.clone(),
        validate: !args.no_validate,
        ..RenderOptions::default()
    };
    let rendered = platform::render_platform(&sources, &options, &read_file)?;
    report::warnings(&rendered.warnings);
    let format = match args.output {
        OutputFormat::Yaml => Format::Yaml,
        OutputFormat::Json => Format::Json,
    };
    match &args.output_dir {
        Some(dir) => {
            let files = rendered.manifests.write_dir(dir, format)?;
            eprintln!("wrote {} files to {}", files.len(), dir.display());
        }
        None => {
            let text = rendered.manifests.to_stream(format);
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
        }
    }
    // The process ends next and its memory goes back whole: freeing the rendered objects one
    // by one would only cost time.
    std::mem::forget(rendered);
    Ok(())
}

/// Reads the `-f` files and collects the `--set*` flags.
pub fn value_sources(flags: &ValueFlags) -> Result<ValueSources, Diagnostic> {
    let mut files = Vec::new();
    for path in &flags.values {
        let label = path.display().to_string();
        let text = read_file(&label).map_err(|why| {
            Diagnostic::bad_input(format!("cannot read values file {label}: {why}"))
        })?;
        files.push((label, text));
    }
    Ok(ValueSources {
        files,
        set: flags.set.clone(),
        set_string: flags.set_string.clone(),
        set_file: flags.set_file.clone(),
    })
}

/// Reads a file as UTF-8, with a short reason on failure; `-` is standard input.
pub fn read_file(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut text = String::new();
        return std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map(|_| text)
            .map_err(|e| e.to_string());
    }
    std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::InvalidData => "not UTF-8 text".to_owned(),
        _ => e.to_string(),
    })
}
