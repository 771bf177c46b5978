//! Readiness rules per kind, on the object as the API server returns it (status included).

use serde_json::Value;

/// Whether an object is ready, and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// Ready (or a kind that has nothing to wait for).
    Ready,
    /// Not yet, with the reason in a few words.
    NotReady(String),
}

impl Readiness {
    /// `true` for [`Readiness::Ready`].
    pub fn is_ready(&self) -> bool {
        matches!(self, Readiness::Ready)
    }
}

fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn not(reason: impl Into<String>) -> Readiness {
    Readiness::NotReady(reason.into())
}

/// Kinds with a readiness rule; others are ready once applied.
pub const WAITED_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "PersistentVolumeClaim",
    "Service",
    "Ingress",
];

/// The readiness of `object`.
pub fn readiness(object: &Value) -> Readiness {
    let status = &object["status"];
    let generation = int(&object["metadata"]["generation"]);
    let observed = int(&status["observedGeneration"]);
    let stale = || {
        not(format!(
            "waiting for the controller to observe generation {generation} (seen {observed})"
        ))
    };
    match object["kind"].as_str().unwrap_or("") {
        "Deployment" => {
            let want = object["spec"]["replicas"].as_i64().unwrap_or(1);
            if observed < generation {
                return stale();
            }
            let updated = int(&status["updatedReplicas"]);
            let available = int(&status["availableReplicas"]);
            let total = int(&status["replicas"]);
            if updated < want {
                not(format!("{updated}/{want} replicas updated"))
            } else if total > updated {
                not(format!(
                    "{} old replicas pending termination",
                    total - updated
                ))
            } else if available < want {
                not(format!("{available}/{want} replicas available"))
            } else {
                Readiness::Ready
            }
        }
        "StatefulSet" => {
            let want = object["spec"]["replicas"].as_i64().unwrap_or(1);
            if observed < generation {
                return stale();
            }
            let ready = int(&status["readyReplicas"]);
            let updated = int(&status["updatedReplicas"]);
            if updated < want {
                not(format!("{updated}/{want} replicas updated"))
            } else if ready < want {
                not(format!("{ready}/{want} replicas ready"))
            } else {
                Readiness::Ready
            }
        }
        "DaemonSet" => {
            if observed < generation {
                return stale();
            }
            let want = int(&status["desiredNumberScheduled"]);
            let updated = int(&status["updatedNumberScheduled"]);
            let available = int(&status["numberAvailable"]);
            if updated < want {
                not(format!("{updated}/{want} pods updated"))
            } else if available < want {
                not(format!("{available}/{want} pods available"))
            } else {
                Readiness::Ready
            }
        }
        "Job" => {
            for c in status["conditions"].as_array().into_iter().flatten() {
                if c["status"] == "True" {
                    match c["type"].as_str() {
                        Some("Complete") => return Readiness::Ready,
                        Some("Failed") => {
                            return not(format!(
                                "job failed: {}",
                                c["message"].as_str().unwrap_or("no message")
                            ));
                        }
                        _ => {}
                    }
                }
            }
            not("job has not completed")
        }
        "PersistentVolumeClaim" => match status["phase"].as_str() {
            Some("Bound") => Readiness::Ready,
            Some(phase) => not(format!("claim is {phase}")),
            None => not("claim is Pending"),
        },
        "Service" => {
            if object["spec"]["type"] != "LoadBalancer" {
                return Readiness::Ready;
            }
            if has_lb_address(status) {
                Readiness::Ready
            } else {
                not("load balancer has no address yet")
            }
        }
        "Ingress" => {
            if has_lb_address(status) {
                Readiness::Ready
            } else {
                not("ingress has no address yet")
            }
        }
        _ => Readiness::Ready,
    }
}

fn has_lb_address(status: &Value) -> bool {
    status["loadBalancer"]["ingress"]
        .as_array()
        .is_some_and(|list| {
            list.iter()
                .any(|i| i["ip"].is_string() || i["hostname"].is_string())
        })
}

/// `type=status (reason): message` lines of an object's status conditions.
pub fn conditions(object: &Value) -> Vec<String> {
    object["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let mut line = format!(
                "{}={}",
                c["type"].as_str().unwrap_or("?"),
                c["status"].as_str().unwrap_or("?")
            );
            if let Some(r) = c["reason"].as_str() {
                line.push_str(&format!(" ({r})"));
            }
            if let Some(m) = c["message"].as_str().filter(|m| !m.is_empty()) {
                line.push_str(&format!(": {m}"));
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deployment_needs_observed_updated_available() {
        let mut d = json!({"kind": "Deployment", "metadata": {"generation": 2}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2}});
        assert!(matches!(readiness(&d), Readiness::NotReady(r) if r.contains("generation 2")));
        d["status"]["observedGeneration"] = json!(2);
        d["status"]["updatedReplicas"] = json!(1);
        assert_eq!(
            readiness(&d),
            Readiness::NotReady("1/2 replicas updated".into())
        );
        d["status"]["updatedReplicas"] = json!(2);
        assert!(readiness(&d).is_ready());
        d["status"]["availableReplicas"] = json!(0);
        assert!(!readiness(&d).is_ready());
    }

    #[test]
    fn statefulset_daemonset_job() {
        let s = json!({"kind": "StatefulSet", "metadata": {"generation": 1}, "spec": {},
            "status": {"observedGeneration": 1, "readyReplicas": 0, "updatedReplicas": 1}});
        assert_eq!(
            readiness(&s),
            Readiness::NotReady("0/1 replicas ready".into())
        );
        let ds = json!({"kind": "DaemonSet", "metadata": {"generation": 1},
            "status": {"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 3}});
        assert!(readiness(&ds).is_ready());
        let job = json!({"kind": "Job", "status": {"conditions": [{"type": "Complete", "status": "True"}]}});
        assert!(readiness(&job).is_ready());
        let failed = json!({"kind": "Job", "status": {"conditions": [{"type": "Failed", "status": "True", "message": "BackoffLimitExceeded"}]}});
        assert!(matches!(readiness(&failed), Readiness::NotReady(r) if r.contains("BackoffLimit")));
    }

    #[test]
    fn claims_services_ingresses() {
        assert!(
            !readiness(&json!({"kind": "PersistentVolumeClaim", "status": {"phase": "Pending"}}))
                .is_ready()
        );
        assert!(
            readiness(&json!({"kind": "PersistentVolumeClaim", "status": {"phase": "Bound"}}))
                .is_ready()
        );
        assert!(readiness(&json!({"kind": "Service", "spec": {"type": "ClusterIP"}})).is_ready());
        let mut lb = json!({"kind": "Service", "spec": {"type": "LoadBalancer"}, "status": {}});
        assert!(!readiness(&lb).is_ready());
        lb["status"] = json!({"loadBalancer": {"ingress": [{"ip": "10.0.0.1"}]}});
        assert!(readiness(&lb).is_ready());
        assert!(!readiness(&json!({"kind": "Ingress"})).is_ready());
        assert!(readiness(&json!({"kind": "ConfigMap"})).is_ready());
    }

    #[test]
    fn condition_lines() {
        let o = json!({"status": {"conditions": [{"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "message": "no"}]}});
        assert_eq!(
            conditions(&o),
            ["Available=False (MinimumReplicasUnavailable): no"]
        );
    }
}
