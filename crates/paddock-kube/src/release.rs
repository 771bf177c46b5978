//! Release records in the cluster: one Secret per revision (see [`crate::record`]).

use crate::engine::Engine;
use crate::error::EngineError;
use crate::labels;
use crate::objref::ObjectRef;
use crate::record::{RECORD_TYPE, ReleaseRecord};

/// Every stored revision of `release`, oldest first.
pub async fn history(engine: &Engine, release: &str) -> Result<Vec<ReleaseRecord>, EngineError> {
    let secrets = engine
        .list(
            "v1",
            "Secret",
            Some(engine.namespace()),
            &format!("{}={release}", labels::RECORD_OF),
        )
        .await?;
    let mut records = Vec::new();
    for s in secrets.iter().filter(|s| s["type"] == RECORD_TYPE) {
        records.push(ReleaseRecord::from_secret(s).map_err(EngineError::Failed)?);
    }
    records.sort_by_key(|r| r.revision);
    Ok(records)
}

/// The newest revision, if any.
pub async fn latest(engine: &Engine, release: &str) -> Result<Option<ReleaseRecord>, EngineError> {
    Ok(history(engine, release).await?.pop())
}

/// Stores `record` as the deployed revision and marks older deployed ones superseded.
pub async fn store(
    engine: &Engine,
    record: &ReleaseRecord,
    older: &[ReleaseRecord],
) -> Result<(), EngineError> {
    engine
        .apply_object(&record.to_secret(), true, false)
        .await?;
    for old in older
        .iter()
        .filter(|r| r.status == "deployed" && r.revision != record.revision)
    {
        let mut old = old.clone();
        old.status = "superseded".into();
        engine.apply_object(&old.to_secret(), true, false).await?;
    }
    Ok(())
}

/// Deletes every record of `release`.
pub async fn delete_all(engine: &Engine, release: &str) -> Result<usize, EngineError> {
    let records = history(engine, release).await?;
    for r in &records {
        engine.delete(&record_ref(engine, r)).await?;
    }
    Ok(records.len())
}

/// Reference of a record's Secret.
pub fn record_ref(engine: &Engine, record: &ReleaseRecord) -> ObjectRef {
    ObjectRef {
        api_version: "v1".into(),
        kind: "Secret".into(),
        namespace: Some(engine.namespace().to_owned()),
        name: ReleaseRecord::secret_name(&record.release, record.revision),
        service: String::new(),
    }
}
