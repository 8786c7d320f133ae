//! Batched reads of license standings for heartbeats. Each heartbeat needs its license's
//! status and current token hash; under load many wait at once, and one query for all of them
//! beats one query each: one trip to the database (for SQLite, to a connection's worker
//! thread, with one page-cache refill after the last write instead of one per lookup).
//! Nothing is cached: every answer comes from a query that started after it was asked for.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::store::{LicenseStanding, Store};
use crate::{Error, Result};

/// Most licenses read by one query.
const MAX_BATCH: usize = 256;

type Answer = oneshot::Sender<Result<Option<LicenseStanding>>>;

/// The handle heartbeats use to look up a license's standing.
#[derive(Debug)]
pub(crate) struct StandingReader {
    lookups: mpsc::Sender<(String, Answer)>,
}

fn stopped() -> Error {
    Error::Internal(anyhow::anyhow!("the license standing reader stopped"))
}

impl StandingReader {
    /// Starts the reader task on the current runtime.
    pub(crate) fn start(store: Arc<dyn Store>) -> Self {
        let (lookups, queue) = mpsc::channel(16 * MAX_BATCH);
        tokio::spawn(read(store, queue));
        Self { lookups }
    }

    /// The standing of license `id`, or `None` when there is no such license.
    pub(crate) async fn get(&self, id: String) -> Result<Option<LicenseStanding>> {
        let (answer, answered) = oneshot::channel();
        self.lookups
            .send((id, answer))
            .await
            .map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

/// One query at a time: lookups that arrive while it runs queue up and go together in the
/// next. (Measured: several queries in flight, or one per heartbeat, cost half as much CPU
/// again per heartbeat, in thread hand-offs to the database.)
async fn read(store: Arc<dyn Store>, mut queue: mpsc::Receiver<(String, Answer)>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(lookup) => batch.push(lookup),
                Err(_) => break,
            }
        }
        answer(store.as_ref(), batch).await;
    }
}

async fn answer(store: &dyn Store, batch: Vec<(String, Answer)>) {
    let mut ids: Vec<&str> = batch.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    match store.license_standings(&ids).await {
        Ok(found) => {
            let found: HashMap<String, LicenseStanding> =
                found.into_iter().map(|s| (s.id.clone(), s)).collect();
            for (id, answer) in batch {
                // Several lookups of one license in a batch each get a copy.
                let standing = found.get(&id).cloned();
                let _ = answer.send(Ok(standing));
            }
        }
        Err(err) => {
            let message = err.to_string();
            for (_, answer) in batch {
                let _ = answer.send(Err(Error::Internal(anyhow::anyhow!(
                    "reading license standings: {message}"
                ))));
            }
        }
    }
}
