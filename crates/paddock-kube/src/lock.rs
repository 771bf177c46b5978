//! One operation per release at a time: a `coordination.k8s.io/v1` Lease with a TTL, renewed
//! while the operation runs. A second operation waits up to its lock timeout, then fails naming
//! the holder; a holder that died stops renewing and its lease expires after the TTL (or
//! [`break_lock`] removes it at once).

use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{Api, DeleteParams, PostParams};
use tokio::task::JoinHandle;

use crate::engine::Engine;
use crate::error::{EngineError, api_error};
use crate::labels;

/// Default lease TTL: a dead holder blocks others at most this long.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30);

/// Name of the lease guarding `release`.
pub fn lease_name(release: &str) -> String {
    format!("paddock.lock.{release}")
}

/// Who this process is, for the holder field: `user@host pid N: paddock OP`.
pub fn identity(operation: &str) -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into());
    format!(
        "{user}@{host} pid {}: paddock {operation}",
        std::process::id()
    )
}

/// A held lock; renewing in the background until [`LockGuard::release`] (or drop, which only
/// stops renewing, so the lease expires after its TTL).
pub struct LockGuard {
    api: Api<Lease>,
    name: String,
    holder: String,
    renew: JoinHandle<()>,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        self.renew.abort();
    }
}

fn now() -> MicroTime {
    MicroTime(k8s_openapi::jiff::Timestamp::now())
}

fn expired(lease: &Lease) -> bool {
    let Some(spec) = &lease.spec else { return true };
    if spec.holder_identity.as_deref().unwrap_or("").is_empty() {
        return true;
    }
    let ttl = i64::from(spec.lease_duration_seconds.unwrap_or(0));
    let Some(MicroTime(renewed)) = spec.renew_time.as_ref().or(spec.acquire_time.as_ref()) else {
        return true;
    };
    let age = k8s_openapi::jiff::Timestamp::now().as_second() - renewed.as_second();
    age > ttl
}

/// Describes the holder of `lease` for messages.
pub fn describe_holder(lease: &Lease) -> String {
    let spec = lease.spec.clone().unwrap_or_default();
    let mut text = spec.holder_identity.unwrap_or_else(|| "nobody".into());
    if let Some(MicroTime(t)) = spec.acquire_time {
        text.push_str(&format!(
            " since {}",
            t.round(k8s_openapi::jiff::Unit::Second).unwrap_or(t)
        ));
    }
    text
}

fn lease(name: &str, release: &str, holder: &str, ttl: Duration, rv: Option<String>) -> Lease {
    Lease {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            resource_version: rv,
            labels: Some(
                [
                    (labels::MANAGED_BY.to_owned(), labels::MANAGER.to_owned()),
                    (labels::LOCK_OF.to_owned(), release.to_owned()),
                ]
                .into(),
            ),
            ..ObjectMeta::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: Some(holder.to_owned()),
            lease_duration_seconds: Some(i32::try_from(ttl.as_secs().max(1)).unwrap_or(i32::MAX)),
            acquire_time: Some(now()),
            renew_time: Some(now()),
            ..LeaseSpec::default()
        }),
    }
}

/// Runs `work` while holding the release's lock ([`acquire`]); the lock is released when
/// `work` ends, whether it succeeded or not. `work` does not start before the lock is held.
pub async fn while_held<T, E: From<EngineError>>(
    engine: &Engine,
    release: &str,
    operation: &str,
    (ttl, wait): (Duration, Duration),
    work: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let guard = acquire(engine, release, operation, ttl, wait).await?;
    let result = work.await;
    guard.release().await;
    result
}

/// Takes the lock of `release` for `operation`, waiting up to `wait` for another holder.
pub async fn acquire(
    engine: &Engine,
    release: &str,
    operation: &str,
    ttl: Duration,
    wait: Duration,
) -> Result<LockGuard, EngineError> {
    let api: Api<Lease> = Api::namespaced(engine.client().clone(), engine.namespace());
    let name = lease_name(release);
    let holder = identity(operation);
    let deadline = Instant::now() + wait;
    let mut told = false;
    let mut transient_failures = 0;
    loop {
        let attempt: Result<Option<Lease>, kube::Error> = async {
            match api.get_opt(&name).await? {
                None => api
                    .create(
                        &PostParams::default(),
                        &lease(&name, release, &holder, ttl, None),
                    )
                    .await
                    .map(|_| None),
                Some(current) if expired(&current) => {
                    let rv = current.metadata.resource_version.clone();
                    api.replace(
                        &name,
                        &PostParams::default(),
                        &lease(&name, release, &holder, ttl, rv),
                    )
                    .await
                    .map(|_| None)
                }
                Some(current) => Ok(Some(current)),
            }
        }
        .await;
        match attempt {
            Ok(None) => break,
            Ok(Some(current)) => {
                let who = describe_holder(&current);
                if Instant::now() >= deadline {
                    return Err(EngineError::Locked {
                        release: release.to_owned(),
                        holder: who,
                    });
                }
                if !told {
                    engine.progress.line(&format!(
                        "release {release} is locked by {who}; waiting up to {wait:.0?}"
                    ));
                    told = true;
                }
            }
            Err(kube::Error::Api(s)) if s.code == 404 => {
                return Err(EngineError::Failed(format!(
                    "namespace {} does not exist, so release {release} is not installed there",
                    engine.namespace()
                )));
            }
            // Lost a race with another taker: look again.
            Err(kube::Error::Api(s)) if s.code == 409 => continue,
            Err(e)
                if crate::retry::is_transient(&e) && transient_failures < engine.retry.attempts =>
            {
                transient_failures += 1;
            }
            Err(e) => return Err(api_error(format!("lock release {release}"), &e)),
        }
        let left = deadline.saturating_duration_since(Instant::now());
        tokio::time::sleep(left.min(Duration::from_millis(250))).await;
    }
    let renew = {
        let api = api.clone();
        let name = name.clone();
        let holder = holder.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(ttl / 3).await;
                if let Ok(Some(mut l)) = api.get_opt(&name).await {
                    let spec = l.spec.get_or_insert_with(LeaseSpec::default);
                    if spec.holder_identity.as_deref() != Some(holder.as_str()) {
                        return;
                    }
                    spec.renew_time = Some(now());
                    let _ = api.replace(&name, &PostParams::default(), &l).await;
                }
            }
        })
    };
    Ok(LockGuard {
        api,
        name,
        holder,
        renew,
    })
}

impl LockGuard {
    /// Who holds it (this process).
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Stops renewing and deletes the lease if it is still ours.
    pub async fn release(self) {
        self.renew.abort();
        if let Ok(Some(l)) = self.api.get_opt(&self.name).await
            && l.spec.and_then(|s| s.holder_identity).as_deref() == Some(self.holder.as_str())
        {
            let _ = self.api.delete(&self.name, &DeleteParams::default()).await;
        }
    }
}

/// Current holder of `release`'s lock, if it is held and not expired.
pub async fn holder(engine: &Engine, release: &str) -> Result<Option<String>, EngineError> {
    let api: Api<Lease> = Api::namespaced(engine.client().clone(), engine.namespace());
    match api.get_opt(&lease_name(release)).await {
        Ok(Some(l)) if !expired(&l) => Ok(Some(describe_holder(&l))),
        Ok(_) => Ok(None),
        Err(e) => Err(api_error("read the release lock", &e)),
    }
}

/// Breaks `release`'s lock whoever holds it; returns the holder it had.
pub async fn break_lock(engine: &Engine, release: &str) -> Result<Option<String>, EngineError> {
    let api: Api<Lease> = Api::namespaced(engine.client().clone(), engine.namespace());
    let name = lease_name(release);
    let Some(l) = api
        .get_opt(&name)
        .await
        .map_err(|e| api_error("read the release lock", &e))?
    else {
        return Ok(None);
    };
    let who = describe_holder(&l);
    match api.delete(&name, &DeleteParams::default()).await {
        Ok(_) => Ok(Some(who)),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
        Err(e) => Err(api_error("break the release lock", &e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_expire_after_their_ttl() {
        let mut l = lease("n", "r", "me", Duration::from_secs(30), None);
        assert!(!expired(&l));
        let old =
            k8s_openapi::jiff::Timestamp::now() - k8s_openapi::jiff::SignedDuration::from_secs(31);
        l.spec.as_mut().unwrap().renew_time = Some(MicroTime(old));
        assert!(expired(&l));
        l.spec.as_mut().unwrap().holder_identity = None;
        assert!(expired(&l));
        assert!(identity("install").contains("paddock install"));
    }
}
