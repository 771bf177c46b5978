//! `paddock unlock`: break a lock left by an operation that died.

use paddock_core::Diagnostics;
use paddock_kube::action;

use super::cluster;
use crate::cli::ReleaseArgs;

/// Breaks the release's lock.
pub fn run(args: &ReleaseArgs) -> Result<(), Diagnostics> {
    let release = cluster::release_name(&args.release);
    cluster::runtime()?.block_on(async {
        let engine = cluster::engine(&args.cluster).await?;
        match action::unlock(&engine, &release)
            .await
            .map_err(action::ActionError::into_diagnostics)?
        {
            Some(holder) => println!("broke the lock of release {release} held by {holder}"),
            None => println!("release {release} is not locked"),
        }
        Ok(())
    })
}
