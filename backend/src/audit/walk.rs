//! The rules a row must pass to extend a verified chain. Pure (no I/O), so the full walk, the
//! incremental check and the unit tests share them.

use super::anchor::Anchor;
use super::{legacy_chain_hash, ChainHead, ChainKey, ChainStatus, RowFields, GENESIS};
use crate::store::AuditRecord;

/// The end of a verified prefix of the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tip {
    /// The last verified row (0 for the empty chain).
    pub seq: i64,
    /// Its hash ([`GENESIS`] for the empty chain).
    pub hash: String,
    /// The first keyed row, once one was seen: every row from there on must be keyed.
    pub keyed_from: Option<i64>,
}

impl Tip {
    /// Before the first row.
    pub fn genesis() -> Self {
        Self {
            seq: 0,
            hash: GENESIS.into(),
            keyed_from: None,
        }
    }
}

/// Extends a verified tip row by row, holding the log to what `audit_head` and this
/// instance's anchor say about it.
#[derive(Debug)]
pub(super) struct Walk<'a> {
    key: &'a ChainKey,
    tip: Tip,
    head: &'a ChainHead,
    anchor: Option<&'a Anchor>,
}

impl<'a> Walk<'a> {
    pub(super) fn new(
        key: &'a ChainKey,
        tip: Tip,
        head: &'a ChainHead,
        anchor: Option<&'a Anchor>,
    ) -> Self {
        Self {
            key,
            tip,
            head,
            anchor,
        }
    }

    /// The last row that passed.
    pub(super) fn tip(&self) -> &Tip {
        &self.tip
    }

    /// Checks the next row; when it passes it becomes the tip.
    pub(super) fn step(&mut self, row: &AuditRecord) -> Result<(), ChainStatus> {
        let expected = self.tip.seq + 1;
        if row.seq != expected {
            return Err(ChainStatus::broken(
                expected,
                format!(
                    "row {expected} is missing (the log goes on at row {})",
                    row.seq
                ),
            ));
        }
        if row.prev_hash != self.tip.hash {
            return Err(ChainStatus::broken(
                row.seq,
                format!("it does not link to row {}", self.tip.seq),
            ));
        }
        let keyed = check_row(self.key, row, self.keyed_from())?;
        if self
            .anchor
            .is_some_and(|a| a.seq == row.seq && a.hash != row.hash)
        {
            return Err(ChainStatus::broken(
                row.seq,
                "it does not carry the hash this instance's anchor recorded for it: \
                 the chain was rewritten",
            ));
        }
        if self.head.seq == row.seq && self.head.hash != row.hash {
            return Err(ChainStatus::broken(
                row.seq,
                "audit_head names another hash for this row",
            ));
        }
        if keyed && self.tip.keyed_from.is_none() {
            self.tip.keyed_from = Some(row.seq);
        }
        self.tip.seq = row.seq;
        self.tip.hash.clone_from(&row.hash);
        Ok(())
    }

    /// Where keyed rows began: the first one seen, or where the anchor says they did.
    fn keyed_from(&self) -> Option<i64> {
        [self.tip.keyed_from, self.anchor.and_then(|a| a.keyed_from)]
            .into_iter()
            .flatten()
            .min()
    }

    /// After the last row: the log must reach as far as the anchor and the head say.
    pub(super) fn finish(self) -> Result<Tip, ChainStatus> {
        let end = self.tip.seq;
        if let Some(anchor) = self.anchor.filter(|a| a.seq > end) {
            return Err(ChainStatus::broken(
                end + 1,
                format!(
                    "truncated below the anchored head at seq {}: the log ends at row {end}, \
                     newer rows were deleted",
                    anchor.seq
                ),
            ));
        }
        if self.head.seq > end {
            return Err(ChainStatus::broken(
                end + 1,
                format!(
                    "a row is missing: audit_head says the log reaches row {} but it ends at \
                     row {end}",
                    self.head.seq
                ),
            ));
        }
        Ok(self.tip)
    }
}

/// Whether `row`'s fields still hash to its hash: `Ok(true)` when keyed, `Ok(false)` for a
/// legacy row before `keyed_from`, a broken verdict otherwise.
pub(super) fn check_row(
    key: &ChainKey,
    row: &AuditRecord,
    keyed_from: Option<i64>,
) -> Result<bool, ChainStatus> {
    let fields = RowFields::of(row);
    if key.row_hash(&fields) == row.hash {
        return Ok(true);
    }
    if legacy_chain_hash(&fields) != row.hash {
        return Err(ChainStatus::broken(
            row.seq,
            "content changed: the row does not match its hash",
        ));
    }
    match keyed_from {
        Some(from) if row.seq >= from => Err(ChainStatus::broken(
            row.seq,
            format!(
                "legacy row after keyed rows: it carries a plain SHA-256 hash, but keyed rows \
                 began at row {from} (rewritten without the key)"
            ),
        )),
        _ => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Kek;

    /// Rows 1..=n, the first `legacy` of them hashed the old way, the rest keyed.
    fn chain(key: &ChainKey, n: i64, legacy: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut row = AuditRecord {
                    seq,
                    at: 1_700_000_000 + seq,
                    actor: "alice".into(),
                    action: crate::store::AuditAction::KeyGenerated,
                    subject: format!("k{seq}"),
                    detail: "{}".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                row.hash = if seq <= legacy {
                    legacy_chain_hash(&RowFields::of(&row))
                } else {
                    key.row_hash(&RowFields::of(&row))
                };
                prev.clone_from(&row.hash);
                row
            })
            .collect()
    }

    fn head_of(rows: &[AuditRecord]) -> ChainHead {
        rows.last().map_or(
            ChainHead {
                seq: 0,
                hash: GENESIS.into(),
            },
            |r| ChainHead {
                seq: r.seq,
                hash: r.hash.clone(),
            },
        )
    }

    fn walk(
        key: &ChainKey,
        rows: &[AuditRecord],
        anchor: Option<&Anchor>,
    ) -> Result<Tip, ChainStatus> {
        let head = head_of(rows);
        let mut walk = Walk::new(key, Tip::genesis(), &head, anchor);
        for row in rows {
            walk.step(row)?;
        }
        walk.finish()
    }

    fn broken_seq(result: Result<Tip, ChainStatus>) -> (i64, String) {
        match result {
            Err(ChainStatus::Broken { seq, reason }) => (seq, reason),
            other => panic!("expected a broken chain, got {other:?}"),
        }
    }

    #[test]
    fn a_legacy_prefix_followed_by_keyed_rows_is_intact() {
        let key = ChainKey::from_kek(&Kek::generate());
        let tip = walk(&key, &chain(&key, 5, 2), None).unwrap();
        assert_eq!((tip.seq, tip.keyed_from), (5, Some(3)));
        assert_eq!(
            walk(&key, &chain(&key, 3, 3), None).unwrap().keyed_from,
            None
        );
    }

    #[test]
    fn a_legacy_row_after_a_keyed_one_breaks_the_chain() {
        let key = ChainKey::from_kek(&Kek::generate());
        let mut rows = chain(&key, 4, 0);
        rows[2].hash = legacy_chain_hash(&RowFields::of(&rows[2]));
        rows[3].prev_hash = rows[2].hash.clone();
        rows[3].hash = key.row_hash(&RowFields::of(&rows[3]));
        let (seq, reason) = broken_seq(walk(&key, &rows, None));
        assert_eq!(seq, 3);
        assert!(reason.contains("legacy row after keyed rows"), "{reason}");
    }

    #[test]
    fn the_anchor_forbids_legacy_rows_where_keyed_rows_had_begun() {
        let key = ChainKey::from_kek(&Kek::generate());
        let keyed = chain(&key, 4, 2);
        let anchor = Anchor {
            seq: 4,
            hash: keyed[3].hash.clone(),
            keyed_from: Some(3),
        };
        // Rewritten entirely the old way: fine for a walk with no memory, not for the anchor.
        let forged = chain(&key, 4, 4);
        assert!(walk(&key, &forged, None).is_ok());
        let (seq, reason) = broken_seq(walk(&key, &forged, Some(&anchor)));
        assert_eq!(seq, 3);
        assert!(reason.contains("legacy row after keyed rows"), "{reason}");
    }

    #[test]
    fn a_log_shorter_than_its_anchor_or_its_head_is_truncated() {
        let key = ChainKey::from_kek(&Kek::generate());
        let rows = chain(&key, 5, 0);
        let anchor = Anchor {
            seq: 5,
            hash: rows[4].hash.clone(),
            keyed_from: Some(1),
        };
        let (seq, reason) = broken_seq(walk(&key, &rows[..3], Some(&anchor)));
        assert_eq!(seq, 4);
        assert!(reason.contains("anchored head at seq 5"), "{reason}");

        let head = head_of(&rows);
        let mut short = Walk::new(&key, Tip::genesis(), &head, None);
        for row in &rows[..3] {
            short.step(row).unwrap();
        }
        assert_eq!(broken_seq(short.finish()).0, 4);
    }

    #[test]
    fn a_missing_row_a_broken_link_and_changed_content_are_named() {
        let key = ChainKey::from_kek(&Kek::generate());
        let rows = chain(&key, 4, 0);
        let gap = [rows[0].clone(), rows[2].clone(), rows[3].clone()];
        let (seq, reason) = broken_seq(walk(&key, &gap, None));
        assert_eq!(seq, 2);
        assert!(reason.contains("missing"), "{reason}");

        let mut changed = rows.clone();
        changed[1].detail = r#"{"forged":true}"#.into();
        let (seq, reason) = broken_seq(walk(&key, &changed, None));
        assert_eq!(seq, 2);
        assert!(reason.contains("content changed"), "{reason}");

        let mut relinked = rows;
        relinked[2].prev_hash = GENESIS.into();
        assert_eq!(broken_seq(walk(&key, &relinked, None)).0, 3);
    }
}
