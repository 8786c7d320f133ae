//! Write-behind for heartbeats. A request hands its heartbeat to one writer task and answers
//! at once (the answer depends only on the license, not on the write); the writer commits
//! whatever has queued up in a single transaction, then looks for anomalies. Under load many
//! heartbeats share one commit and SQLite never sees writers fighting for its lock. A crash
//! loses at most the few milliseconds of heartbeats still queued.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, oneshot};

use crate::heartbeat::TokenSeen;
use crate::store::{AnomalyKind, LicenseStatus};
use crate::store::{AnomalyRow, HeartbeatRecord, Store};
use crate::{Error, Result};

/// Most heartbeats committed together.
const MAX_BATCH: usize = 512;
/// How long the writer lets heartbeats gather after the first of a batch arrives. Nobody waits
/// for the write (answers go out at once), so a few milliseconds cost nothing and turn hundreds
/// of small transactions a second into a few large ones.
const GATHER: std::time::Duration = std::time::Duration::from_millis(5);

/// What anomaly detection needs to know about the license at the time of the heartbeat.
#[derive(Debug, Clone)]
pub(crate) struct LicenseState {
    pub status: LicenseStatus,
    pub multi_install_until: Option<i64>,
    /// What the presented token was: current, superseded by a resend, or withheld.
    pub token: TokenSeen,
}

#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "heartbeats are the common job; boxing each would cost an allocation per heartbeat"
)]
enum Job {
    /// A heartbeat, and when it was queued.
    Beat(HeartbeatRecord, LicenseState, Instant),
    /// Answered once everything queued before it is committed.
    Flush(oneshot::Sender<()>),
}

/// What the writer has done since start (for `/metrics`).
#[derive(Debug, Default)]
pub struct WriterStats {
    /// Transactions committed.
    pub batches: AtomicU64,
    /// Heartbeats written.
    pub recorded: AtomicU64,
    /// Heartbeats that could not be written (each logged).
    pub failed: AtomicU64,
    /// Microseconds from queueing to commit of the oldest heartbeat of the last batch.
    pub last_lag_micros: AtomicU64,
}

/// The handle requests use to record a heartbeat.
#[derive(Debug)]
pub(crate) struct HeartbeatWriter {
    jobs: mpsc::Sender<Job>,
    pub(crate) stats: Arc<WriterStats>,
}

fn stopped() -> Error {
    Error::Internal(anyhow::anyhow!("the heartbeat writer stopped"))
}

impl HeartbeatWriter {
    /// Starts the writer task on the current runtime.
    pub(crate) fn start(store: Arc<dyn Store>) -> Self {
        let (jobs, queue) = mpsc::channel(8 * MAX_BATCH);
        let stats = Arc::new(WriterStats::default());
        tokio::spawn(write(store, queue, Arc::clone(&stats)));
        Self { jobs, stats }
    }

    /// Heartbeats queued and not yet taken by the writer.
    pub(crate) fn queued(&self) -> usize {
        self.jobs.max_capacity() - self.jobs.capacity()
    }

    /// Queues one heartbeat (waits only when the queue is full).
    pub(crate) async fn record(
        &self,
        heartbeat: HeartbeatRecord,
        license: LicenseState,
    ) -> Result<()> {
        self.jobs
            .send(Job::Beat(heartbeat, license, Instant::now()))
            .await
            .map_err(|_| stopped())
    }

    /// Waits until every heartbeat queued so far is committed.
    pub(crate) async fn flush(&self) -> Result<()> {
        let (done, flushed) = oneshot::channel();
        self.jobs
            .send(Job::Flush(done))
            .await
            .map_err(|_| stopped())?;
        flushed.await.map_err(|_| stopped())
    }
}

async fn write(store: Arc<dyn Store>, mut queue: mpsc::Receiver<Job>, stats: Arc<WriterStats>) {
    while let Some(first) = queue.recv().await {
        if matches!(first, Job::Beat(..)) {
            tokio::time::sleep(GATHER).await;
        }
        let mut beats = Vec::new();
        let mut flushes = Vec::new();
        let mut oldest: Option<Instant> = None;
        let mut next = Some(first);
        while let Some(job) = next {
            match job {
                Job::Beat(hb, license, queued) => {
                    oldest.get_or_insert(queued);
                    beats.push((hb, license));
                }
                Job::Flush(done) => flushes.push(done),
            }
            next = if beats.len() < MAX_BATCH {
                queue.try_recv().ok()
            } else {
                None
            };
        }
        if !beats.is_empty() {
            let written = commit(store.as_ref(), &beats).await;
            stats.batches.fetch_add(1, Ordering::Relaxed);
            stats.recorded.fetch_add(written, Ordering::Relaxed);
            let failed = beats.len() as u64 - written;
            stats.failed.fetch_add(failed, Ordering::Relaxed);
            if let Some(oldest) = oldest {
                let lag = u64::try_from(oldest.elapsed().as_micros()).unwrap_or(u64::MAX);
                stats.last_lag_micros.store(lag, Ordering::Relaxed);
            }
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}

/// Commits a batch in one transaction. Should that fail (one bad row fails them all), each
/// heartbeat is written on its own, so one row that cannot be stored never costs the others
/// their record or their anomaly check; the failing row is logged. Answers how many were
/// written.
async fn commit(store: &dyn Store, beats: &[(HeartbeatRecord, LicenseState)]) -> u64 {
    let batch: Vec<HeartbeatRecord> = beats.iter().map(|(hb, _)| hb.clone()).collect();
    match store.record_heartbeats(&batch).await {
        Ok(installs) => {
            for ((hb, license), installs) in beats.iter().zip(installs) {
                check(store, hb, license, installs).await;
            }
            beats.len() as u64
        }
        Err(err) if beats.len() > 1 => {
            tracing::warn!(error = %err, heartbeats = beats.len(), "a batch of heartbeats failed; writing them one by one");
            let mut written = 0;
            for (hb, license) in beats {
                match store.record_heartbeats(std::slice::from_ref(hb)).await {
                    Ok(installs) => {
                        written += 1;
                        check(store, hb, license, installs[0]).await;
                    }
                    Err(err) => {
                        tracing::error!(error = %err, license.id = %hb.license_id, "recording a heartbeat failed");
                    }
                }
            }
            written
        }
        Err(err) => {
            tracing::error!(error = %err, license.id = %batch[0].license_id, "recording a heartbeat failed");
            0
        }
    }
}

async fn check(store: &dyn Store, hb: &HeartbeatRecord, license: &LicenseState, installs: i64) {
    if let Err(err) = detect_anomalies(store, hb, license, installs).await {
        tracing::error!(error = %err, license.id = %hb.license_id, "anomaly check failed");
    }
}

fn anomaly(license_id: &str, kind: AnomalyKind, detail: String, at: i64) -> AnomalyRow {
    AnomalyRow {
        id: format!("anm_{}", hex::encode(rand::random::<[u8; 10]>())),
        license_id: license_id.to_string(),
        kind,
        detected_at: at,
        detail,
        resolved_at: None,
    }
}

/// A heartbeat with an ended license's token, or several installs in 24 h without a window.
async fn detect_anomalies(
    store: &dyn Store,
    hb: &HeartbeatRecord,
    license: &LicenseState,
    installs: i64,
) -> crate::store::StoreResult<()> {
    if license.status != LicenseStatus::Active && license.token != TokenSeen::Transferred {
        let detail = format!(
            "install {} used the {} license's token from {}",
            hb.install_id, license.status, hb.ip
        );
        store
            .open_anomaly(&anomaly(
                &hb.license_id,
                AnomalyKind::RevokedToken,
                detail,
                hb.at,
            ))
            .await?;
    }
    let token_anomaly = match license.token {
        TokenSeen::Current | TokenSeen::Transferred => None,
        TokenSeen::Superseded => Some((
            AnomalyKind::SupersededToken,
            format!(
                "install {} used a token replaced by a resend, from {}",
                hb.install_id, hb.ip
            ),
        )),
        TokenSeen::Withheld => Some((
            AnomalyKind::UnknownInstall,
            format!(
                "install {}, never seen before the current token was signed, used an older token from {}; it was not given the current one",
                hb.install_id, hb.ip
            ),
        )),
    };
    if let Some((kind, detail)) = token_anomaly {
        if store
            .open_anomaly(&anomaly(&hb.license_id, kind, detail, hb.at))
            .await?
        {
            tracing::warn!(license.id = %hb.license_id, anomaly = %kind, "older token in use");
        }
    }
    let window_open = license
        .multi_install_until
        .is_some_and(|until| until > hb.at);
    if installs > 1 && !window_open {
        let detail = format!(
            "{installs} install ids in 24 h (latest {} from {})",
            hb.install_id, hb.ip
        );
        if store
            .open_anomaly(&anomaly(
                &hb.license_id,
                AnomalyKind::MultipleInstalls,
                detail,
                hb.at,
            ))
            .await?
        {
            tracing::warn!(license.id = %hb.license_id, installs, "license used by several installs");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Engine, TestDb};

    fn beat(license_id: &str, version: &str) -> (HeartbeatRecord, LicenseState) {
        let record = HeartbeatRecord {
            license_id: license_id.into(),
            at: crate::now(),
            install_id: "inst-1".into(),
            kid: None,
            version: version.into(),
            ip: "192.0.2.1".into(),
            fingerprint: None,
            accepted_kids: vec![],
            usage: None,
        };
        let license = LicenseState {
            status: LicenseStatus::Active,
            multi_install_until: None,
            token: TokenSeen::Current,
        };
        (record, license)
    }

    /// PostgreSQL refuses a NUL in text, failing the whole batch's transaction. (Requests
    /// refuse control characters before they get here; this is the writer's own guarantee.)
    async fn a_row_that_cannot_be_written_costs_the_others_nothing(engine: Engine) {
        let db = TestDb::new(engine).await;
        let store = db.store().await;
        let writer = HeartbeatWriter::start(store.clone());
        for (license, version) in [("lic_a", "1.0"), ("lic_bad", "1.0\0evil"), ("lic_c", "2.0")] {
            let (record, license_state) = beat(license, version);
            writer.record(record, license_state).await.unwrap();
        }
        writer.flush().await.unwrap();
        // PostgreSQL refuses the NUL row (SQLite stores it); it is counted, not hidden.
        let refused = u64::from(engine == Engine::Postgres);
        assert_eq!(writer.stats.failed.load(Ordering::Relaxed), refused);
        assert_eq!(writer.stats.recorded.load(Ordering::Relaxed), 3 - refused);
        for license in ["lic_a", "lic_c"] {
            let rows = store.recent_heartbeats(license, 10).await.unwrap();
            assert_eq!(
                rows.len(),
                1,
                "{license} was recorded despite its neighbour"
            );
        }
    }

    #[tokio::test]
    async fn a_bad_row_is_isolated_on_postgres() {
        a_row_that_cannot_be_written_costs_the_others_nothing(Engine::Postgres).await;
    }

    #[tokio::test]
    async fn a_bad_row_is_isolated_on_sqlite() {
        a_row_that_cannot_be_written_costs_the_others_nothing(Engine::Sqlite).await;
    }
}
