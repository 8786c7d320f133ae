//! The transactional outbox: events written in the transaction of the change they report,
//! handed to a broker in `seq` order by whichever instance holds the publishing lease.

use async_trait::async_trait;

use super::chain::ChainHead;
use super::{AuditAction, RowsAffected, SqlStore, StoreResult};

/// An event to record with a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    /// `evt_...`: the broker's message id.
    pub id: String,
    /// e.g. `tessera.license.revoked`.
    pub subject: String,
    pub license_id: String,
    /// The JSON document consumers receive.
    pub payload: String,
    pub created_at: i64,
}

/// A stored event and its delivery state.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxRow {
    pub seq: i64,
    pub id: String,
    pub subject: String,
    pub license_id: String,
    pub payload: String,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// Unpublished events: how many, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct OutboxBacklog {
    pub count: i64,
    /// When the oldest unpublished event was recorded.
    pub oldest: Option<i64>,
}

const COLUMNS: &str =
    "seq, id, subject, license_id, payload, created_at, published_at, attempts, last_error";

/// Publishing the outbox.
#[async_trait]
pub trait OutboxStore {
    /// Takes (or renews) the publishing lease for `holder` until `until`, if nobody else
    /// holds an unexpired one. `true` when `holder` has it.
    async fn take_outbox_lease(&self, holder: &str, now: i64, until: i64) -> StoreResult<bool>;
    /// Gives the lease up, if `holder` has it.
    async fn release_outbox_lease(&self, holder: &str) -> StoreResult<()>;
    /// The oldest unpublished events, in commit order.
    async fn pending_events(&self, limit: i64) -> StoreResult<Vec<OutboxRow>>;
    /// Marks an event published.
    async fn mark_published(&self, id: &str, at: i64) -> StoreResult<()>;
    /// Records a failed attempt to publish an event.
    async fn record_publish_failure(&self, id: &str, error: &str) -> StoreResult<()>;
    /// How many events wait, and the oldest one's time.
    async fn outbox_backlog(&self) -> StoreResult<OutboxBacklog>;
    /// Events after `after_seq`, in order (published or not).
    async fn outbox_events(&self, after_seq: i64, limit: i64) -> StoreResult<Vec<OutboxRow>>;
}

impl<DB> SqlStore<DB>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB> + Default,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    /// Records `events` inside `tx`. Called after the audit row, so the audit head's lock is
    /// held and `seq` follows commit order on both engines.
    pub(super) async fn append_outbox(
        &self,
        tx: &mut sqlx::Transaction<'_, DB>,
        events: &[OutboxEvent],
    ) -> StoreResult<()> {
        for event in events {
            sqlx::query(
                "INSERT INTO outbox (id, subject, license_id, payload, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(event.id.as_str())
            .bind(event.subject.as_str())
            .bind(event.license_id.as_str())
            .bind(event.payload.as_str())
            .bind(event.created_at)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }
}

#[async_trait]
impl<DB> OutboxStore for SqlStore<DB>
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
    for<'r> OutboxRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> OutboxBacklog: sqlx::FromRow<'r, DB::Row>,
{
    async fn take_outbox_lease(&self, holder: &str, now: i64, until: i64) -> StoreResult<bool> {
        let taken = sqlx::query(
            "UPDATE outbox_lease SET holder = $1, expires_at = $2 \
             WHERE id = 1 AND (holder = $1 OR holder IS NULL OR expires_at < $3)",
        )
        .bind(holder)
        .bind(until)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    async fn release_outbox_lease(&self, holder: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox_lease SET holder = NULL, expires_at = 0 WHERE id = 1 AND holder = $1",
        )
        .bind(holder)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn pending_events(&self, limit: i64) -> StoreResult<Vec<OutboxRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn mark_published(&self, id: &str, at: i64) -> StoreResult<()> {
        sqlx::query("UPDATE outbox SET published_at = $1, last_error = NULL WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn record_publish_failure(&self, id: &str, error: &str) -> StoreResult<()> {
        sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1 WHERE id = $2")
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn outbox_backlog(&self) -> StoreResult<OutboxBacklog> {
        Ok(sqlx::query_as(
            "SELECT COUNT(*) AS count, MIN(created_at) AS oldest FROM outbox \
             WHERE published_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    async fn outbox_events(&self, after_seq: i64, limit: i64) -> StoreResult<Vec<OutboxRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}
