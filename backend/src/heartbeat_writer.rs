//! Write-behind for heartbeats. A request hands its heartbeat to one writer task and answers
//! at once (the answer depends only on the license, not on the write); the writer commits
//! whatever has queued up in a single transaction, then looks for anomalies. Under load many
//! heartbeats share one commit and SQLite never sees writers fighting for its lock. A crash
//! loses at most the few milliseconds of heartbeats still queued.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

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
    pub status: String,
    pub multi_install_until: Option<i64>,
}

#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "heartbeats are the common job; boxing each would cost an allocation per heartbeat"
)]
enum Job {
    Beat(HeartbeatRecord, LicenseState),
    /// Answered once everything queued before it is committed.
    Flush(oneshot::Sender<()>),
}

/// The handle requests use to record a heartbeat.
#[derive(Debug)]
pub(crate) struct HeartbeatWriter {
    jobs: mpsc::Sender<Job>,
}

fn stopped() -> Error {
    Error::Internal(anyhow::anyhow!("the heartbeat writer stopped"))
}

impl HeartbeatWriter {
    /// Starts the writer task on the current runtime.
    pub(crate) fn start(store: Arc<dyn Store>) -> Self {
        let (jobs, queue) = mpsc::channel(8 * MAX_BATCH);
        tokio::spawn(write(store, queue));
        Self { jobs }
    }

    /// Queues one heartbeat (waits only when the queue is full).
    pub(crate) async fn record(
        &self,
        heartbeat: HeartbeatRecord,
        license: LicenseState,
    ) -> Result<()> {
        self.jobs
            .send(Job::Beat(heartbeat, license))
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

async fn write(store: Arc<dyn Store>, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        if matches!(first, Job::Beat(..)) {
            tokio::time::sleep(GATHER).await;
        }
        let mut beats = Vec::new();
        let mut flushes = Vec::new();
        let mut next = Some(first);
        while let Some(job) = next {
            match job {
                Job::Beat(hb, license) => beats.push((hb, license)),
                Job::Flush(done) => flushes.push(done),
            }
            next = if beats.len() < MAX_BATCH {
                queue.try_recv().ok()
            } else {
                None
            };
        }
        if !beats.is_empty() {
            commit(store.as_ref(), &beats).await;
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}

async fn commit(store: &dyn Store, beats: &[(HeartbeatRecord, LicenseState)]) {
    let batch: Vec<HeartbeatRecord> = beats.iter().map(|(hb, _)| hb.clone()).collect();
    match store.record_heartbeats(&batch).await {
        Ok(installs) => {
            for ((hb, license), installs) in beats.iter().zip(installs) {
                if let Err(err) = detect_anomalies(store, hb, license, installs).await {
                    tracing::error!(error = %err, license.id = %hb.license_id, "anomaly check failed");
                }
            }
        }
        Err(err) => {
            tracing::error!(error = %err, heartbeats = batch.len(), "recording heartbeats failed");
        }
    }
}

fn anomaly(license_id: &str, kind: &str, detail: String, at: i64) -> AnomalyRow {
    AnomalyRow {
        id: format!("anm_{}", hex::encode(rand::random::<[u8; 10]>())),
        license_id: license_id.to_string(),
        kind: kind.to_string(),
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
    if license.status != "active" {
        let detail = format!(
            "install {} used the {} license's token from {}",
            hb.install_id, license.status, hb.ip
        );
        store
            .open_anomaly(&anomaly(&hb.license_id, "revoked_token", detail, hb.at))
            .await?;
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
            .open_anomaly(&anomaly(&hb.license_id, "multiple_installs", detail, hb.at))
            .await?
        {
            tracing::warn!(license.id = %hb.license_id, installs, "license used by several installs");
        }
    }
    Ok(())
}
