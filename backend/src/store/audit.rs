//! The audit log's storage: appending inside a caller's transaction, and reading pages.

use async_trait::async_trait;
use sqlx::Row as _;

use super::{
    bind_all, AuditEvent, AuditRecord, Bind, Filter, PostgresStore, SqliteStore, StoreResult,
};
use crate::audit::chain_hash;

/// Reading the audit log (rows are appended by the other stores, in their transactions).
#[async_trait]
pub trait AuditStore {
    /// Rows with `seq > after`, oldest first.
    async fn audit_page(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditRecord>>;
    /// Newest rows first, optionally only those about `subject`, by `actor`, or whose
    /// action starts with `action`; `before` pages backwards by `seq`.
    async fn audit_search(
        &self,
        filter: &AuditFilter,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<AuditRecord>>;
}

/// What to look for in the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub subject: Option<String>,
    pub actor: Option<String>,
    pub action_prefix: Option<String>,
}

const COLUMNS: &str = "seq, at, actor, action, subject, detail, prev_hash, hash";

macro_rules! audit_store {
    ($store:ident, $db:ty, $row:ty) => {
        impl $store {
            fn audit_from_row(row: &$row) -> StoreResult<AuditRecord> {
                Ok(AuditRecord {
                    seq: row.try_get("seq")?,
                    at: row.try_get("at")?,
                    actor: row.try_get("actor")?,
                    action: row.try_get("action")?,
                    subject: row.try_get("subject")?,
                    detail: row.try_get("detail")?,
                    prev_hash: row.try_get("prev_hash")?,
                    hash: row.try_get("hash")?,
                })
            }

            /// Appends `event` to the hash chain inside `tx`. Updating the head row first
            /// serialises concurrent writers on both engines.
            pub(super) async fn append_audit(
                tx: &mut sqlx::Transaction<'_, $db>,
                event: &AuditEvent,
            ) -> StoreResult<()> {
                let head = sqlx::query(
                    "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
                )
                .fetch_one(&mut **tx)
                .await?;
                let seq: i64 = head.try_get("seq")?;
                let prev: String = head.try_get("hash")?;
                let detail = event.detail.to_string();
                let hash = chain_hash(
                    &prev,
                    seq,
                    event.at,
                    &event.actor,
                    &event.action,
                    &event.subject,
                    &detail,
                );
                sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
                    .bind(&hash)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query(&format!(
                    "INSERT INTO audit_log ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                ))
                .bind(seq)
                .bind(event.at)
                .bind(&event.actor)
                .bind(&event.action)
                .bind(&event.subject)
                .bind(&detail)
                .bind(&prev)
                .bind(&hash)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Appends several events in order inside `tx`.
            pub(super) async fn append_audits(
                tx: &mut sqlx::Transaction<'_, $db>,
                events: &[AuditEvent],
            ) -> StoreResult<()> {
                for event in events {
                    Self::append_audit(tx, event).await?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl AuditStore for $store {
            async fn audit_page(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditRecord>> {
                let rows = sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
                ))
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::audit_from_row).collect()
            }

            async fn audit_search(
                &self,
                filter: &AuditFilter,
                before: Option<i64>,
                limit: i64,
            ) -> StoreResult<Vec<AuditRecord>> {
                let mut f = Filter::default();
                if let Some(subject) = &filter.subject {
                    f.push("subject = ?", [Bind::Text(subject.clone())]);
                }
                if let Some(actor) = &filter.actor {
                    f.push("actor = ?", [Bind::Text(actor.clone())]);
                }
                if let Some(prefix) = &filter.action_prefix {
                    f.push(
                        "action LIKE ?",
                        [Bind::Text(format!("{}%", prefix.replace('%', "")))],
                    );
                }
                if let Some(before) = before {
                    f.push("seq < ?", [Bind::Int(before)]);
                }
                let limit = f.bind(Bind::Int(limit));
                let sql = format!(
                    "SELECT {COLUMNS} FROM audit_log {} ORDER BY seq DESC LIMIT {limit}",
                    f.where_clause()
                );
                let rows = bind_all!(sqlx::query(&sql), &f.binds)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(Self::audit_from_row).collect()
            }
        }
    };
}

audit_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
audit_store!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow);
