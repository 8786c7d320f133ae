//! The audit log's storage: appending inside a caller's transaction, and reading pages.
//!
//! Rows are chained with the store's [`ChainHasher`], which it is given when the backend is
//! assembled; a store without one refuses to append rather than write rows nobody can verify.

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;

use super::chain::{ChainHasher, ChainHead, RowFields};
use super::{
    bind_all, AuditAction, AuditEvent, AuditRecord, Bind, Filter, RowsAffected, SqlStore,
    StoreError, StoreResult,
};

/// Reading the audit log (rows are appended by the other stores, in their transactions).
#[async_trait]
pub trait AuditStore {
    /// Gives the store the key its audit rows are chained with. A store keeps the first key
    /// it is given; a different one later is refused.
    fn set_chain_key(&self, key: Arc<dyn ChainHasher>) -> StoreResult<()>;
    /// The `audit_head` row: sequence number and hash of the newest row.
    async fn audit_head(&self) -> StoreResult<ChainHead>;
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

/// Where a store keeps its chain key: set once, when the backend is assembled.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChainKeySlot(Arc<OnceLock<Arc<dyn ChainHasher>>>);

impl ChainKeySlot {
    fn set(&self, key: Arc<dyn ChainHasher>) -> StoreResult<()> {
        match self.0.set(key) {
            Ok(()) => Ok(()),
            Err(key)
                if self
                    .0
                    .get()
                    .is_some_and(|kept| kept.key_id() == key.key_id()) =>
            {
                Ok(())
            }
            Err(_) => Err(StoreError::Conflict(
                "this store already chains audit rows with another key".into(),
            )),
        }
    }

    fn get(&self) -> StoreResult<&Arc<dyn ChainHasher>> {
        self.0.get().ok_or_else(|| {
            StoreError::Database(sqlx::Error::Configuration(
                "refusing to append an audit row: this store has no audit chain key \
                 (open it through Backend)"
                    .into(),
            ))
        })
    }
}

impl<DB> SqlStore<DB>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB> + Default,
    str: sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    DB::QueryResult: RowsAffected,
    for<'q> AuditAction: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> ChainHead: sqlx::FromRow<'r, DB::Row>,
{
    /// Appends `event` to the keyed hash chain inside `tx`. Updating the head row
    /// first serialises concurrent writers on both engines.
    pub(super) async fn append_audit(
        &self,
        tx: &mut sqlx::Transaction<'_, DB>,
        event: &AuditEvent,
    ) -> StoreResult<()> {
        let key = self.chain_key.get()?;
        let ChainHead { seq, hash: prev } =
            sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut **tx)
                .await?;
        let detail = event.detail.to_string();
        let hash = key.row_hash(&RowFields {
            prev: &prev,
            seq,
            at: event.at,
            actor: &event.actor,
            action: event.action.as_str(),
            subject: &event.subject,
            detail: &detail,
        });
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
        .bind(event.action)
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
        &self,
        tx: &mut sqlx::Transaction<'_, DB>,
        events: &[AuditEvent],
    ) -> StoreResult<()> {
        for event in events {
            self.append_audit(tx, event).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl<DB> AuditStore for SqlStore<DB>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB> + Default,
    str: sqlx::Type<DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    DB::QueryResult: RowsAffected,
    for<'q> AuditAction: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> ChainHead: sqlx::FromRow<'r, DB::Row>,
    for<'r> AuditRecord: sqlx::FromRow<'r, DB::Row>,
{
    fn set_chain_key(&self, key: Arc<dyn ChainHasher>) -> StoreResult<()> {
        self.chain_key.set(key)
    }

    async fn audit_head(&self) -> StoreResult<ChainHead> {
        Ok(
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn audit_page(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditRecord>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
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
        Ok(bind_all!(sqlx::query_as(&sql), &f.binds)
            .fetch_all(&self.pool)
            .await?)
    }
}
