//! Dependency waves: which objects are applied together, and what waits for what.
//!
//! A wave is a set of services whose prerequisites all sit in earlier waves (the catalog's
//! [`Stack::waves`](paddock_core::catalog::Stack::waves)). The engine applies a wave's objects,
//! waits until every one of them is ready, then starts the next wave.

use paddock_core::catalog::Stack;
use paddock_core::diagnostic::Diagnostic;
use paddock_core::manifest::{Manifest, ManifestSet};

/// One wave: its services and their objects (in install order).
#[derive(Debug, Clone, PartialEq)]
pub struct Wave {
    /// The services of this wave, in catalog order.
    pub services: Vec<String>,
    /// Their objects.
    pub items: Vec<Manifest>,
}

/// The stack's service names grouped into waves.
pub fn service_waves(stack: &Stack) -> Result<Vec<Vec<String>>, Diagnostic> {
    Ok(stack
        .waves()?
        .into_iter()
        .map(|w| w.into_iter().map(|s| s.name.clone()).collect())
        .collect())
}

/// Splits `set` into waves following `order` (service names per wave). Objects of a service not
/// named in `order` go into the first wave; waves without objects are dropped. Objects keep
/// their order in `set` (install order) inside a wave.
pub fn assign(set: &ManifestSet, order: &[Vec<String>]) -> Vec<Wave> {
    let mut waves: Vec<Wave> = order
        .iter()
        .map(|services| Wave {
            services: services.clone(),
            items: Vec::new(),
        })
        .collect();
    if waves.is_empty() {
        waves.push(Wave {
            services: Vec::new(),
            items: Vec::new(),
        });
    }
    for m in &set.items {
        let index = order
            .iter()
            .position(|services| services.contains(&m.service))
            .unwrap_or(0);
        if index == 0 && !waves[0].services.contains(&m.service) {
            waves[0].services.push(m.service.clone());
        }
        waves[index].items.push(m.clone());
    }
    waves.retain(|w| !w.items.is_empty());
    for w in &mut waves {
        let present: Vec<String> = w
            .services
            .iter()
            .filter(|s| w.items.iter().any(|m| &m.service == *s))
            .cloned()
            .collect();
        w.services = present;
    }
    waves
}

/// One wave holding the whole set (for callers without a dependency graph).
pub fn single(set: &ManifestSet) -> Vec<Wave> {
    assign(set, &[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(service: &str, name: &str) -> Manifest {
        Manifest {
            service: service.into(),
            source: "t".into(),
            object: json!({"kind": "Service", "metadata": {"name": name}}),
        }
    }

    #[test]
    fn follows_the_service_order() {
        let set = ManifestSet {
            items: vec![
                m("pachd", "pachd"),
                m("postgres", "pg"),
                m("etcd", "etcd"),
                m("x", "x"),
            ],
        };
        let order = vec![
            vec!["etcd".to_owned(), "postgres".to_owned()],
            vec!["pg-bouncer".to_owned()],
            vec!["pachd".to_owned()],
        ];
        let waves = assign(&set, &order);
        assert_eq!(waves.len(), 2);
        assert_eq!(waves[0].services, ["etcd", "postgres", "x"]);
        let names: Vec<&str> = waves[0].items.iter().map(Manifest::name).collect();
        assert_eq!(names, ["pg", "etcd", "x"]);
        assert_eq!(waves[1].services, ["pachd"]);
    }

    #[test]
    fn builtin_stack_waves_put_databases_first() {
        let stack = paddock_core::catalog::builtin_stack("pachyderm").unwrap();
        let waves = service_waves(&stack).unwrap();
        let wave_of = |s: &str| waves.iter().position(|w| w.iter().any(|x| x == s)).unwrap();
        assert_eq!(wave_of("etcd"), 0);
        assert_eq!(wave_of("postgres"), 0);
        assert!(wave_of("pg-bouncer") > wave_of("postgres"));
        assert!(wave_of("pachd") > wave_of("pg-bouncer"));
        assert!(wave_of("pachw") > wave_of("pachd"));
        assert!(wave_of("console") > wave_of("pachd"));
    }
}
