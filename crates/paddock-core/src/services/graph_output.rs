//! The catalog for people: the prerequisite graph as Graphviz DOT or Mermaid, and the service
//! table of `paddock service list`.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use crate::catalog::{Catalog, CatalogService, DeployRule};

/// The graph over `waves` (a selection of the catalog). An edge `a -> b` means `b` needs `a`,
/// so `a` starts first. Prerequisites the catalog lacks (allowed with `--allow-missing`) are
/// dashed.
pub fn to_dot(catalog: &Catalog, waves: &[Vec<&CatalogService>]) -> String {
    let mut out = String::from(
        "// paddock service graph: an edge A -> B means B needs A (A starts first)\ndigraph services {\n  rankdir=LR;\n  node [shape=box];\n",
    );
    let services: Vec<&CatalogService> = waves.iter().flatten().copied().collect();
    for s in &services {
        let _ = writeln!(
            out,
            "  {} [label={}];",
            dot_id(&s.service.name),
            dot_id(&node_label(s, "\n"))
        );
    }
    for missing in missing_prerequisites(catalog, &services) {
        let _ = writeln!(
            out,
            "  {} [label={}, style=dashed];",
            dot_id(missing),
            dot_id(&format!("{missing} (missing)"))
        );
    }
    let shown: HashSet<&str> = services.iter().map(|s| s.service.name.as_str()).collect();
    for s in &services {
        for p in &s.service.spec.prerequisite {
            let known = catalog.services.contains_key(p);
            if known && !shown.contains(p.as_str()) {
                continue;
            }
            let dashed = if known { "" } else { " [style=dashed]" };
            let _ = writeln!(
                out,
                "  {} -> {}{dashed};",
                dot_id(p),
                dot_id(&s.service.name)
            );
        }
    }
    out.push_str("}\n");
    out
}

/// The same graph as a Mermaid flowchart.
pub fn to_mermaid(catalog: &Catalog, waves: &[Vec<&CatalogService>]) -> String {
    let mut out = String::from(
        "%% paddock service graph: an edge A --> B means B needs A (A starts first)\nflowchart LR\n",
    );
    let services: Vec<&CatalogService> = waves.iter().flatten().copied().collect();
    let mut ids: HashMap<&str, usize> = HashMap::new();
    for (i, s) in services.iter().enumerate() {
        ids.insert(&s.service.name, i);
        let _ = writeln!(out, "  n{i}[\"{}\"]", mermaid_text(&node_label(s, "<br/>")));
    }
    for missing in missing_prerequisites(catalog, &services) {
        let id = ids.len();
        ids.insert(missing, id);
        let _ = writeln!(out, "  n{id}[\"{} (missing)\"]", mermaid_text(missing));
    }
    for s in &services {
        let to = ids[s.service.name.as_str()];
        for p in &s.service.spec.prerequisite {
            let Some(&from) = ids.get(p.as_str()) else {
                continue;
            };
            let arrow = if catalog.services.contains_key(p) {
                "-->"
            } else {
                "-.->"
            };
            let _ = writeln!(out, "  n{from} {arrow} n{to}");
        }
    }
    out
}

/// `paddock service list`: one row per service in start order (wave, name).
pub fn to_table(catalog: &Catalog, waves: &[Vec<&CatalogService>]) -> String {
    let header = [
        "SERVICE",
        "WAVE",
        "FROM",
        "PREREQUISITES",
        "DEPLOY-RULES",
        "SCRIPTS",
    ];
    let mut rows: Vec<[String; 6]> = Vec::new();
    for (i, wave) in waves.iter().enumerate() {
        for s in wave {
            let spec = &s.service.spec;
            let mut from = catalog.service_dir_label(s);
            if let Some(replaced) = s.overrides.last() {
                let _ = write!(from, " (overrides {})", catalog.roots[*replaced].label);
            }
            let list = |items: Vec<String>| {
                if items.is_empty() {
                    "-".to_owned()
                } else {
                    items.join(", ")
                }
            };
            rows.push([
                s.service.name.clone(),
                (i + 1).to_string(),
                from,
                list(spec.prerequisite.clone()),
                list(spec.deploy_rules.iter().map(DeployRule::describe).collect()),
                list(
                    spec.scripts
                        .iter()
                        .map(|(op, file)| format!("{op}: {file}"))
                        .collect(),
                ),
            ]);
        }
    }
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:<width$}  ");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&header);
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        line(&cells);
    }
    out
}

fn node_label(s: &CatalogService, separator: &str) -> String {
    let rules: Vec<String> = s
        .service
        .spec
        .deploy_rules
        .iter()
        .map(DeployRule::describe)
        .collect();
    if rules.is_empty() {
        s.service.name.clone()
    } else {
        format!("{}{separator}{}", s.service.name, rules.join(separator))
    }
}

fn missing_prerequisites<'a>(catalog: &Catalog, services: &[&'a CatalogService]) -> Vec<&'a str> {
    let mut missing: Vec<&str> = services
        .iter()
        .flat_map(|s| s.service.spec.prerequisite.iter())
        .filter(|p| !catalog.services.contains_key(*p))
        .map(String::as_str)
        .collect();
    missing.sort_unstable();
    missing.dedup();
    missing
}

/// A DOT quoted identifier.
fn dot_id(text: &str) -> String {
    let mut out = String::from('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text safe inside a Mermaid `["..."]` label.
fn mermaid_text(text: &str) -> String {
    text.replace('"', "#quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ServiceRoot;
    use std::path::PathBuf;

    fn catalog() -> Catalog {
        let files = [
            (
                "db/deploy/service.yaml",
                "deploy-rules:\n  - in: pai-storage\nstart-script: start.sh\n",
            ),
            ("api/deploy/service.yaml", "prerequisite: [db, ghost]\n"),
        ]
        .iter()
        .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
        .collect();
        Catalog::from_roots(
            vec![ServiceRoot::directory("s", PathBuf::from("s"), files)],
            true,
        )
        .unwrap()
    }

    #[test]
    fn dot_and_mermaid() {
        let c = catalog();
        let waves = c.waves();
        assert_eq!(
            to_dot(&c, &waves),
            "// paddock service graph: an edge A -> B means B needs A (A starts first)\ndigraph services {\n  rankdir=LR;\n  node [shape=box];\n  \"db\" [label=\"db\\nin: pai-storage\"];\n  \"api\" [label=\"api\"];\n  \"ghost\" [label=\"ghost (missing)\", style=dashed];\n  \"db\" -> \"api\";\n  \"ghost\" -> \"api\" [style=dashed];\n}\n"
        );
        assert_eq!(
            to_mermaid(&c, &waves),
            "%% paddock service graph: an edge A --> B means B needs A (A starts first)\nflowchart LR\n  n0[\"db<br/>in: pai-storage\"]\n  n1[\"api\"]\n  n2[\"ghost (missing)\"]\n  n0 --> n1\n  n2 -.-> n1\n"
        );
    }

    #[test]
    fn table() {
        let c = catalog();
        assert_eq!(
            to_table(&c, &c.waves()),
            "SERVICE  WAVE  FROM   PREREQUISITES  DEPLOY-RULES     SCRIPTS\ndb       1     s/db   -              in: pai-storage  start: start.sh\napi      2     s/api  db, ghost      -                -\n"
        );
    }
}
