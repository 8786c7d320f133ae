//! This instance's memory of the audit chain: the last verdict and the last verified tip, so a
//! page view checks only the rows added since, while a full walk runs nightly and on demand.

use std::path::PathBuf;

use tokio::sync::Mutex;

use super::anchor::{Anchor, AnchorError};
use super::walk::{check_row, Tip, Walk};
use super::{ChainKey, ChainStatus};
use crate::store::Store;
use crate::{Backend, Config, Error, Result};

/// Rows read per query while walking.
const PAGE: i64 = 1000;
/// The anchor file's name under the data dir when `audit_anchor` is not set.
const ANCHOR_FILE: &str = "audit.anchor";

/// What a check found: the new tip when intact, the verdict otherwise.
type Walked = std::result::Result<Tip, ChainStatus>;

/// The chain key, where this instance anchors the chain, and what it last found.
#[derive(Debug)]
pub struct AuditMonitor {
    key: ChainKey,
    anchor_path: PathBuf,
    memory: Mutex<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    /// The end of the chain as last verified.
    tip: Option<Tip>,
    /// The last verdict when it was broken; page views keep answering it until a full walk
    /// finds the chain intact again.
    broken: Option<ChainStatus>,
}

impl AuditMonitor {
    /// A monitor that has checked nothing yet, anchoring at `audit_anchor` or
    /// `<data_dir>/audit.anchor`.
    pub fn new(config: &Config, key: ChainKey) -> Self {
        let anchor_path = config
            .audit_anchor
            .clone()
            .unwrap_or_else(|| config.data_dir.join(ANCHOR_FILE));
        Self {
            key,
            anchor_path,
            memory: Mutex::default(),
        }
    }

    /// This instance's anchor; a tampered one is a verdict rather than an error.
    fn load_anchor(&self) -> Result<std::result::Result<Option<Anchor>, ChainStatus>> {
        match Anchor::load(&self.anchor_path, &self.key) {
            Ok(anchor) => Ok(Ok(anchor)),
            Err(err @ AnchorError::Tampered { .. }) => Ok(Err(ChainStatus::broken(
                1,
                format!("anchor file tampered: {err}"),
            ))),
            Err(err) => Err(Error::Internal(err.into())),
        }
    }

    /// Walks the rows after `start` to the end of the log.
    async fn walk(&self, store: &dyn Store, start: Tip, anchor: Option<&Anchor>) -> Result<Walked> {
        let head = store.audit_head().await?;
        if head.seq < start.seq {
            return Ok(Err(ChainStatus::broken(
                head.seq + 1,
                format!(
                    "the chain got shorter: audit_head says it ends at row {}, below row {} \
                     verified before",
                    head.seq, start.seq
                ),
            )));
        }
        let mut walk = Walk::new(&self.key, start, &head, anchor);
        loop {
            let page = store.audit_page(walk.tip().seq, PAGE).await?;
            if page.is_empty() {
                return Ok(walk.finish());
            }
            for row in &page {
                if let Err(broken) = walk.step(row) {
                    return Ok(Err(broken));
                }
            }
        }
    }

    /// Whether the last verified row is still there, with its hash and its content.
    async fn recheck(&self, store: &dyn Store, tip: &Tip) -> Result<Option<ChainStatus>> {
        if tip.seq == 0 {
            return Ok(None);
        }
        let row = store.audit_page(tip.seq - 1, 1).await?.into_iter().next();
        let Some(row) = row.filter(|row| row.seq == tip.seq) else {
            return Ok(Some(ChainStatus::broken(
                tip.seq,
                format!(
                    "the chain got shorter: row {} is missing, deleted after it was verified",
                    tip.seq
                ),
            )));
        };
        if row.hash != tip.hash || check_row(&self.key, &row, tip.keyed_from).is_err() {
            return Ok(Some(ChainStatus::broken(
                tip.seq,
                "content changed after the row was verified",
            )));
        }
        Ok(None)
    }

    /// Records what a check found, moving the anchor forward when the chain is intact.
    fn settle(&self, memory: &mut Memory, walked: Walked) -> Result<ChainStatus> {
        let tip = match walked {
            Ok(tip) => tip,
            Err(broken) => {
                memory.broken = Some(broken.clone());
                return Ok(broken);
            }
        };
        Anchor::of(&tip)
            .advance(&self.anchor_path, &self.key)
            .map_err(|err| Error::Internal(err.into()))?;
        // A full walk that ran alongside page views may end before what they verified.
        if memory.tip.as_ref().is_none_or(|known| known.seq <= tip.seq) {
            memory.tip = Some(tip.clone());
        }
        if matches!(memory.broken, Some(ChainStatus::Broken { seq, .. }) if seq <= tip.seq) {
            memory.broken = None;
        }
        Ok(memory
            .broken
            .clone()
            .unwrap_or(ChainStatus::Intact { rows: tip.seq }))
    }
}

impl Backend {
    /// Walks the whole audit log, checking every row against the chain key, `audit_head` and
    /// this instance's anchor (nightly, `tessera audit verify`, on demand). When the chain is
    /// intact the anchor moves forward to its newest row.
    pub async fn verify_audit_chain(&self) -> Result<ChainStatus> {
        let monitor = &self.audit;
        let walked = match monitor.load_anchor()? {
            Err(broken) => Err(broken),
            Ok(anchor) => {
                monitor
                    .walk(self.store(), Tip::genesis(), anchor.as_ref())
                    .await?
            }
        };
        // Walked without the lock so page views are not held up by a long log.
        let mut memory = monitor.memory.lock().await;
        monitor.settle(&mut memory, walked)
    }

    /// The chain's verdict for page views: hashes only the rows added since this instance's
    /// last check, after making sure the last verified row still carries its hash and the
    /// log did not get shorter. A broken verdict stands until a full walk says otherwise.
    pub async fn audit_chain_status(&self) -> Result<ChainStatus> {
        let monitor = &self.audit;
        let mut memory = monitor.memory.lock().await;
        if let Some(broken) = &memory.broken {
            return Ok(broken.clone());
        }
        let anchor = match monitor.load_anchor()? {
            Ok(anchor) => anchor,
            Err(broken) => return monitor.settle(&mut memory, Err(broken)),
        };
        // Resume from memory, else from the anchor; only a chain never checked here is
        // walked from its first row.
        let start = memory
            .tip
            .clone()
            .or_else(|| anchor.as_ref().map(Anchor::tip))
            .unwrap_or_else(Tip::genesis);
        let walked = match monitor.recheck(self.store(), &start).await? {
            Some(broken) => Err(broken),
            None => monitor.walk(self.store(), start, anchor.as_ref()).await?,
        };
        monitor.settle(&mut memory, walked)
    }

    /// The nightly full walk; a broken chain or a failed check is logged as an error.
    pub async fn check_audit_chain_nightly(&self) {
        match self.verify_audit_chain().await {
            Ok(ChainStatus::Intact { rows }) => {
                tracing::info!(audit.rows = rows, "audit chain intact");
            }
            Ok(ChainStatus::Broken { seq, reason }) => {
                tracing::error!(audit.seq = seq, audit.reason = %reason, "audit chain broken");
            }
            Err(err) => tracing::error!(error = %err, "audit chain check failed"),
        }
    }
}
