//! Group commit for heartbeats. Each request hands its heartbeat to one writer task and waits
//! until it is committed; the writer takes whatever has queued up and commits it in a single
//! transaction. Under load many heartbeats share one commit, and SQLite never sees writers
//! fighting for its lock; a quiet server commits each heartbeat alone, at once.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::store::{HeartbeatRecord, Store};
use crate::{Error, Result};

/// Most heartbeats committed together.
const MAX_BATCH: usize = 512;

type Job = (
    HeartbeatRecord,
    oneshot::Sender<std::result::Result<i64, String>>,
);

/// The handle requests use to record a heartbeat.
#[derive(Debug)]
pub(crate) struct HeartbeatWriter {
    jobs: mpsc::Sender<Job>,
}

impl HeartbeatWriter {
    /// Starts the writer task on the current runtime.
    pub(crate) fn start(store: Arc<dyn Store>) -> Self {
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(write(store, queue));
        Self { jobs }
    }

    /// Records one heartbeat; answers the license's distinct installs in the last 24 h.
    pub(crate) async fn record(&self, heartbeat: HeartbeatRecord) -> Result<i64> {
        let (done, committed) = oneshot::channel();
        let stopped = || Error::Internal(anyhow::anyhow!("the heartbeat writer stopped"));
        self.jobs
            .send((heartbeat, done))
            .await
            .map_err(|_| stopped())?;
        committed
            .await
            .map_err(|_| stopped())?
            .map_err(|e| Error::Internal(anyhow::anyhow!("recording heartbeats failed: {e}")))
    }
}

async fn write(store: Arc<dyn Store>, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let batch: Vec<HeartbeatRecord> = jobs.iter().map(|(hb, _)| hb.clone()).collect();
        match store.record_heartbeats(&batch).await {
            Ok(counts) => {
                for ((_, done), installs) in jobs.into_iter().zip(counts) {
                    let _ = done.send(Ok(installs));
                }
            }
            Err(err) => {
                tracing::error!(error = %err, heartbeats = batch.len(), "recording heartbeats failed");
                for (_, done) in jobs {
                    let _ = done.send(Err(err.to_string()));
                }
            }
        }
    }
}
