//! Housekeeping that runs nightly in `tessera serve` (and on demand with
//! `tessera maintenance retention`): heartbeats older than 90 days become per-day rows, and
//! installs unseen for 90 days are forgotten; expired sign-in sessions are deleted.
//! Safe on every instance at once: the roll-up is one transaction and idempotent.

use crate::store::RetentionReport;
use crate::{now, Backend, Result};

/// How long raw heartbeat rows are kept.
pub const HEARTBEAT_RETENTION_SECS: i64 = 90 * 86_400;

impl Backend {
    /// Rolls heartbeat rows older than the retention period into per-day rows and forgets
    /// installs unseen for as long.
    pub async fn run_retention(&self) -> Result<RetentionReport> {
        let before = now() - HEARTBEAT_RETENTION_SECS;
        let report = RetentionReport {
            rolled_up: self.store.roll_up_heartbeats(before).await?,
            installs_pruned: self.store.prune_installs(before).await?,
            sessions_purged: self.purge_expired_sessions().await?,
        };
        tracing::info!(
            heartbeats.rolled_up = report.rolled_up,
            installs.pruned = report.installs_pruned,
            sessions.purged = report.sessions_purged,
            "heartbeat retention done"
        );
        Ok(report)
    }
}
