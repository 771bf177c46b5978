//! Retrying transient API failures (5xx, 429, dropped connections) with exponential backoff.

use std::future::Future;
use std::time::Duration;

use crate::progress::Progress;

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, the first included.
    pub attempts: u32,
    /// Wait before the first retry; doubles each time.
    pub base: Duration,
    /// Longest wait between attempts.
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 6,
            base: Duration::from_millis(200),
            max: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `n` (1-based; attempt 1 has none).
    pub fn delay(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(2));
        self.base.saturating_mul(factor).min(self.max)
    }
}

/// Whether a failure may go away by itself: server errors, throttling, transport errors, and
/// 409s that are not field-manager conflicts or "already exists".
pub fn is_transient(e: &kube::Error) -> bool {
    match e {
        kube::Error::Api(s) => {
            s.code >= 500
                || s.code == 429
                || (s.code == 409 && s.reason != "AlreadyExists" && !is_field_conflict(s))
        }
        kube::Error::HyperError(_) | kube::Error::Service(_) | kube::Error::ReadEvents(_) => true,
        _ => false,
    }
}

/// Whether a status is a server-side-apply field-manager conflict.
pub fn is_field_conflict(s: &kube::core::Status) -> bool {
    s.code == 409
        && s.details
            .as_ref()
            .is_some_and(|d| d.causes.iter().any(|c| c.reason == "FieldManagerConflict"))
}

/// Short description of an error for progress lines.
pub fn describe(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!(
            "{} {}",
            s.code,
            if s.reason.is_empty() {
                &s.message
            } else {
                &s.reason
            }
        ),
        other => other.to_string(),
    }
}

/// Runs `f` until it succeeds, fails permanently, or the attempts run out; every retry is
/// reported on `progress`.
pub async fn retry<T, F, Fut>(
    policy: &RetryPolicy,
    progress: &Progress,
    what: &str,
    mut f: F,
) -> Result<T, kube::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, kube::Error>>,
{
    let mut attempt = 1;
    loop {
        match f().await {
            Ok(v) => return Ok(v),
            Err(e) if attempt < policy.attempts && is_transient(&e) => {
                attempt += 1;
                let wait = policy.delay(attempt);
                progress.line(&format!(
                    "retrying {what} in {wait:.1?} after {} (attempt {attempt}/{})",
                    describe(&e),
                    policy.attempts
                ));
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy {
            attempts: 10,
            base: Duration::from_millis(100),
            max: Duration::from_millis(500),
        };
        let d: Vec<u128> = (2..=6).map(|n| p.delay(n).as_millis()).collect();
        assert_eq!(d, [100, 200, 400, 500, 500]);
    }

    #[test]
    fn classifies_errors() {
        let status = |code: u16, reason: &str| {
            kube::Error::Api(
                kube::core::Status::failure("m", reason)
                    .with_code(code)
                    .boxed(),
            )
        };
        assert!(is_transient(&status(500, "InternalError")));
        assert!(is_transient(&status(429, "TooManyRequests")));
        assert!(is_transient(&status(409, "Conflict")));
        assert!(!is_transient(&status(409, "AlreadyExists")));
        assert!(!is_transient(&status(404, "NotFound")));
        assert!(!is_transient(&status(422, "Invalid")));
    }
}
