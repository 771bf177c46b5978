//! Values paddock fills in where the chart would refuse to render.

use super::checks::effective_backend;
use super::model::{DeployTarget, StorageBackend, Values};

/// Fills `pachd.storage.storageURL` from the bucket or container for AMAZON, GOOGLE and
/// MICROSOFT when it is empty (the chart requires it to be repeated by hand). MINIO and
/// CUSTOM keep using their endpoint keys.
pub fn fill_in(values: &mut Values) {
    let backend = effective_backend(values);
    let storage = &mut values.pachd.storage;
    if !storage.storage_url.trim().is_empty() || values.deploy_target == DeployTarget::Custom {
        return;
    }
    storage.storage_url = match backend {
        StorageBackend::Amazon => format!("s3://{}", storage.amazon.bucket),
        StorageBackend::Google => format!("gs://{}", storage.google.bucket),
        StorageBackend::Microsoft => format!("azblob://{}", storage.microsoft.container),
        _ => return,
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog;
    use crate::platform::{STACK, typed_values};
    use crate::values::parse_values;

    fn filled(yaml: &str) -> String {
        let stack = catalog::builtin_stack(STACK).unwrap();
        let mut v = typed_values(&stack, &parse_values(yaml, "v.yaml").unwrap()).unwrap();
        fill_in(&mut v);
        v.pachd.storage.storage_url
    }

    #[test]
    fn derives_urls_for_cloud_targets_only() {
        assert_eq!(
            filled("deployTarget: AMAZON\npachd: {storage: {amazon: {bucket: b}}}\n"),
            "s3://b"
        );
        assert_eq!(
            filled("deployTarget: GOOGLE\npachd: {storage: {google: {bucket: g}}}\n"),
            "gs://g"
        );
        assert_eq!(
            filled("deployTarget: MICROSOFT\npachd: {storage: {microsoft: {container: c}}}\n"),
            "azblob://c"
        );
        assert_eq!(filled("deployTarget: MINIO\n"), "");
        assert_eq!(filled("deployTarget: CUSTOM\n"), "");
        assert_eq!(filled("deployTarget: LOCAL\n"), "");
        assert_eq!(
            filled("deployTarget: AMAZON\npachd: {storage: {storageURL: s3://given}}\n"),
            "s3://given"
        );
    }
}
