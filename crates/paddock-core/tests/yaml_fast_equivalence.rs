//! The fast YAML reader against serde-saphyr on everything paddock itself feeds it: every
//! YAML file of the built-in stacks, and every template of the built-in stack rendered for
//! the CLI's fixture values (plus the chart reference values, when present). The fast reader
//! must take all of them (or the speed-up is lost) and read them exactly as serde-saphyr does.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use paddock_core::catalog::{self, BUILTIN_STACK_FILES};
use paddock_core::platform::{self, ValueSources, checks, derive};
use paddock_core::render::{self, Release, Strictness, TemplateContext};
use paddock_core::values;
use paddock_core::yaml_fast::parse_fast;
use serde_json::Value;

fn full(text: &str) -> Vec<Value> {
    serde_saphyr::from_multiple_with_options(text, values::yaml::yaml_options()).unwrap()
}

#[test]
fn builtin_stack_files_take_the_fast_path_and_read_alike() {
    let mut checked = 0;
    for (path, text) in BUILTIN_STACK_FILES {
        if !path.ends_with(".yaml") {
            continue;
        }
        let fast = parse_fast(text).unwrap_or_else(|| panic!("the fast reader declines {path}"));
        // As JSON text, so that keys must come in the same order (maps compare regardless).
        let in_order = |value: &serde_json::Value| serde_json::to_string(value).unwrap();
        assert_eq!(
            in_order(&fast.into()),
            in_order(&full(text).into()),
            "{path}"
        );
        // The values trees agree too (types included), origins aside.
        let builtin = catalog::parse_builtin_values(text, path).unwrap();
        let spanned = values::parse_values(text, path).unwrap();
        assert_eq!(
            in_order(&builtin.to_json()),
            in_order(&spanned.to_json()),
            "{path}"
        );
        assert_eq!(builtin.origin, Some(values::Origin::Defaults), "{path}");
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} built-in YAML files");
}

/// Values cases: the built-in defaults, the CLI's fixtures, a few feature switches, and the
/// chart reference values when the reference folder is there.
fn cases() -> Vec<(String, ValueSources)> {
    let mut files: Vec<PathBuf> = Vec::new();
    let fixtures = support::repo_root().join("crates/paddock/tests/fixtures/values");
    files.extend(yaml_files(&fixtures));
    if let Some(chart) = support::chart_reference_dir() {
        files.extend(yaml_files(&chart.join("values")));
    }
    let mut cases = vec![("defaults".to_owned(), ValueSources::default())];
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let sources = ValueSources {
            files: vec![(file.display().to_string(), text)],
            ..ValueSources::default()
        };
        cases.push((file.display().to_string(), sources));
    }
    for set in [
        &[
            "pachd.enterpriseLicenseKey=license",
            "pachd.activateAuth=true",
            "oidc.mockIDP=true",
        ][..],
        &["proxy.enabled=true", "proxy.host=pachyderm.example.com"],
        &[
            "pachd.tls.enabled=true",
            "pachd.tls.secretName=pachd-tls",
            "pachd.tls.newSecret.create=true",
            "pachd.tls.newSecret.crt=CRT",
            "pachd.tls.newSecret.key=KEY",
        ],
        &["console.enabled=false", "pachd.replicas=3"],
    ] {
        let sources = ValueSources {
            set: set.iter().map(|s| (*s).to_owned()).collect(),
            ..ValueSources::default()
        };
        cases.push((format!("--set {}", set.join(",")), sources));
    }
    cases
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn no_files(_: &str) -> Result<String, String> {
    Err("no --set-file in this test".into())
}

/// Every template's rendered text for `sources`, or `None` when the values do not render.
fn rendered_texts(sources: &ValueSources) -> Option<Vec<(String, String)>> {
    let stack = catalog::builtin_stack(platform::STACK).unwrap();
    let user = platform::user_values(sources, &no_files).ok()?;
    let mut typed = platform::typed_values(&stack, &user).ok()?;
    checks::check(&typed, &user).ok()?;
    derive::fill_in(&mut typed);
    let context = TemplateContext {
        values: paddock_core::render::template_value(&typed),
        release: Release {
            name: stack.meta.release.clone(),
            namespace: "default".into(),
        },
        generated: platform::generate_credentials(&stack, &IndexMap::new()).unwrap(),
        extra: paddock_core::envoy::template_extra(&typed),
    };
    let env = render::environment(Arc::clone(&stack.files), Strictness::Strict);
    let ctx = paddock_core::render::template_value(&context);
    let mut texts = Vec::new();
    for service in stack.ordered_services().unwrap() {
        for file in &service.spec.template_list {
            if !(file.ends_with(".yaml") || file.ends_with(".yml") || file.ends_with(".json")) {
                continue;
            }
            let source = format!("{}/{file}.template", service.deploy_dir);
            let text = render::render_file(&env, &source, &ctx).unwrap();
            texts.push((source, text));
        }
    }
    Some(texts)
}

/// Where the fast reader starts declining `text`: the first line whose prefix it declines.
fn first_declined(text: &str) -> String {
    let mut end = 0;
    for line in text.split_inclusive('\n') {
        end += line.len();
        if parse_fast(&text[..end]).is_none() {
            return format!(" (from rendered line {:?})", line.trim_end());
        }
    }
    String::new()
}

#[test]
fn rendered_templates_take_the_fast_path_and_read_alike() {
    let mut rendered_cases = 0;
    let mut documents = 0;
    let mut declined = Vec::new();
    for (name, sources) in cases() {
        let Some(texts) = rendered_texts(&sources) else {
            // Only the reference's deliberately broken values files may fail to render.
            assert!(
                name.contains("typo_keys") || name.contains("bad_type"),
                "{name} does not render"
            );
            continue;
        };
        rendered_cases += 1;
        for (source, text) in texts {
            match parse_fast(&text) {
                Some(fast) => {
                    assert_eq!(fast, full(&text), "{name}: {source}");
                    documents += fast.len();
                }
                None => declined.push(format!("{name}: {source}{}", first_declined(&text))),
            }
        }
    }
    assert!(
        declined.is_empty(),
        "the fast reader declines:\n{}",
        declined.join("\n")
    );
    assert!(
        rendered_cases >= 8,
        "only {rendered_cases} values cases render"
    );
    assert!(documents > 100, "only {documents} documents");
}

/// Helm's own renderings of the chart (other YAML styles): whatever the fast reader takes, it
/// reads as serde-saphyr does.
#[test]
fn reference_outputs_read_alike_when_taken() {
    let Some(dir) = support::chart_reference_dir() else {
        return;
    };
    for file in yaml_files(&dir) {
        let text = std::fs::read_to_string(&file).unwrap();
        if let Some(fast) = parse_fast(&text) {
            assert_eq!(fast, full(&text), "{}", file.display());
        }
    }
}
