//! Labels and annotations paddock puts on what it owns, and the field manager it applies as.

/// Server-side apply field manager.
pub const FIELD_MANAGER: &str = "paddock";
/// `app.kubernetes.io/managed-by`.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
/// The value of [`MANAGED_BY`] on paddock's objects.
pub const MANAGER: &str = "paddock";
/// The release an object belongs to.
pub const RELEASE: &str = "paddock.io/release";
/// The stack service that rendered an object.
pub const SERVICE: &str = "paddock.io/service";
/// Pod-template annotation: hash of the ConfigMaps and Secrets the pods use.
pub const CONFIG_HASH: &str = "paddock.io/config-hash";
/// Label on release-record Secrets: the release they describe.
pub const RECORD_OF: &str = "paddock.io/record-of";
/// Label on release-record Secrets: the revision.
pub const REVISION: &str = "paddock.io/revision";
/// Label on the generated-credentials Secret: the release it belongs to.
pub const CREDENTIALS_OF: &str = "paddock.io/credentials-of";
/// Label on the lock Lease: the release it guards.
pub const LOCK_OF: &str = "paddock.io/lock-of";

/// Label selector of every object of `release`.
pub fn release_selector(release: &str) -> String {
    format!("{MANAGED_BY}={MANAGER},{RELEASE}={release}")
}

/// Whether `object`'s labels say it belongs to `release` and is managed by paddock.
pub fn owned_by(object: &serde_json::Value, release: &str) -> bool {
    let labels = &object["metadata"]["labels"];
    labels[MANAGED_BY].as_str() == Some(MANAGER) && labels[RELEASE].as_str() == Some(release)
}

/// The release named by `object`'s labels, if any.
pub fn release_of(object: &serde_json::Value) -> Option<&str> {
    object["metadata"]["labels"][RELEASE].as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ownership_needs_both_labels() {
        let mine = json!({"metadata": {"labels": {MANAGED_BY: "paddock", RELEASE: "a"}}});
        assert!(owned_by(&mine, "a"));
        assert!(!owned_by(&mine, "b"));
        let helm = json!({"metadata": {"labels": {MANAGED_BY: "Helm", RELEASE: "a"}}});
        assert!(!owned_by(&helm, "a"));
        assert_eq!(
            release_selector("a"),
            "app.kubernetes.io/managed-by=paddock,paddock.io/release=a"
        );
    }
}
