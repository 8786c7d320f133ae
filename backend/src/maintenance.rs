//! Housekeeping that runs nightly in `tessera serve` (and on demand with
//! `tessera maintenance retention`): heartbeats older than 90 days become per-day rows.
//! Safe on every instance at once: the roll-up is one transaction and idempotent.

use crate::store::RetentionReport;
use crate::{now, Backend, Result};

/// How long raw heartbeat rows are kept.
pub const HEARTBEAT_RETENTION_SECS: i64 = 90 * 86_400;

impl Backend {
    /// Rolls heartbeat rows older than the retention period into per-day rows.
    pub async fn run_retention(&self) -> Result<RetentionReport> {
        let report = self
            .store
            .roll_up_heartbeats(now() - HEARTBEAT_RETENTION_SECS)
            .await?;
        tracing::info!(
            heartbeats.rolled_up = report.rolled_up,
            "heartbeat retention done"
        );
        Ok(report)
    }
}
