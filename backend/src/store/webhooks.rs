//! Webhook endpoints and their deliveries: one delivery per endpoint and event, created when
//! the outbox is fanned out, claimed for an attempt with a lease, retried on a schedule.

use async_trait::async_trait;
use tessera_license::vocab::DeliveryStatus;

use super::chain::ChainHead;
use super::{AuditAction, AuditEvent, RowsAffected, SqlStore, StoreResult};

/// An endpoint. `Debug` never shows the sealed secret.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EndpointRow {
    pub id: String,
    pub url: String,
    /// `,license.revoked,...`, or `,` for every type.
    pub event_types: String,
    pub secret_sealed: String,
    /// 1 when enabled.
    pub enabled: i64,
    pub created_at: i64,
    pub created_by: String,
}

impl std::fmt::Debug for EndpointRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EndpointRow")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("event_types", &self.event_types)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

/// A delivery and how it went.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: String,
    pub endpoint_id: String,
    /// The outbox event's id: the `webhook-id` of every attempt.
    pub event_id: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_attempt_at: Option<i64>,
    /// The endpoint's HTTP status on the last attempt, if it answered.
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
    pub created_at: i64,
}

/// A claimed delivery with what its attempt needs.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DueDelivery {
    pub id: String,
    pub event_id: String,
    pub attempts: i64,
    pub url: String,
    pub secret_sealed: String,
    pub endpoint_id: String,
    pub payload: String,
}

impl std::fmt::Debug for DueDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DueDelivery")
            .field("id", &self.id)
            .field("event_id", &self.event_id)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub at: i64,
    /// The endpoint's status, if it answered.
    pub status: Option<i64>,
    pub error: Option<String>,
    /// `Some(t)`: try again at `t`; `None` with `delivered` false: give up.
    pub retry_at: Option<i64>,
    pub delivered: bool,
}

const DELIVERY_COLUMNS: &str = "id, endpoint_id, event_id, status, attempts, next_attempt_at, \
    last_attempt_at, last_status, last_error, delivered_at, created_at";

/// Webhooks.
#[async_trait]
pub trait WebhookStore {
    /// Adds an endpoint.
    async fn insert_endpoint(&self, endpoint: &EndpointRow, audit: &AuditEvent) -> StoreResult<()>;
    /// Every endpoint, oldest first.
    async fn endpoints(&self) -> StoreResult<Vec<EndpointRow>>;
    /// Enables or disables an endpoint; `false` when there is no such endpoint.
    async fn set_endpoint_enabled(
        &self,
        id: &str,
        enabled: bool,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Creates the deliveries of up to `limit` outbox events not fanned out yet (one per
    /// enabled endpoint that wants the event's type) and marks the events fanned out. Safe to
    /// run on several instances at once.
    async fn fan_out(&self, now: i64, limit: i64) -> StoreResult<usize>;
    /// Claims up to `limit` due deliveries until `lease_until` (another instance will not
    /// take them meanwhile).
    async fn claim_deliveries(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> StoreResult<Vec<DueDelivery>>;
    /// Records an attempt.
    async fn record_attempt(&self, id: &str, attempt: &Attempt) -> StoreResult<()>;
    /// An endpoint's latest deliveries, newest first.
    async fn deliveries(&self, endpoint_id: &str, limit: i64) -> StoreResult<Vec<DeliveryRow>>;
    /// Sends a delivery again now (whatever its status); `false` when there is none.
    async fn redeliver(&self, id: &str, now: i64, audit: &AuditEvent) -> StoreResult<bool>;
}

#[async_trait]
impl<DB> WebhookStore for SqlStore<DB>
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
    for<'q> DeliveryStatus: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> ChainHead: sqlx::FromRow<'r, DB::Row>,
    for<'r> EndpointRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> DeliveryRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> DueDelivery: sqlx::FromRow<'r, DB::Row>,
    for<'r> super::OutboxRow: sqlx::FromRow<'r, DB::Row>,
{
    async fn insert_endpoint(&self, e: &EndpointRow, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO webhook_endpoints \
             (id, url, event_types, secret_sealed, enabled, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&e.id)
        .bind(&e.url)
        .bind(&e.event_types)
        .bind(&e.secret_sealed)
        .bind(e.enabled)
        .bind(e.created_at)
        .bind(&e.created_by)
        .execute(&mut *tx)
        .await
        .map_err(|err| super::conflict_or(err, &format!("webhook endpoint {}", e.id)))?;
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn endpoints(&self) -> StoreResult<Vec<EndpointRow>> {
        Ok(sqlx::query_as(
            "SELECT id, url, event_types, secret_sealed, enabled, created_at, created_by \
             FROM webhook_endpoints ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    async fn set_endpoint_enabled(
        &self,
        id: &str,
        enabled: bool,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("UPDATE webhook_endpoints SET enabled = $1 WHERE id = $2")
            .bind(i64::from(enabled))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn fan_out(&self, now: i64, limit: i64) -> StoreResult<usize> {
        let mut tx = self.pool.begin().await?;
        // A write first: SQLite then takes its write lock before the read below, so two
        // instances fanning out at once queue instead of deadlocking. (PostgreSQL's
        // concurrent fan-outs meet at the deliveries' unique key instead.)
        sqlx::query("UPDATE outbox SET fanned_out_at = fanned_out_at WHERE seq = 0")
            .execute(&mut *tx)
            .await?;
        let events: Vec<super::OutboxRow> = sqlx::query_as(
            "SELECT seq, id, subject, license_id, payload, created_at, published_at, attempts, \
             last_error FROM outbox WHERE fanned_out_at IS NULL ORDER BY seq LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut created = 0;
        for event in &events {
            let kind = event.subject.trim_start_matches("tessera.");
            let pattern = format!("%,{kind},%");
            let delivery_prefix = format!("whd_{}", hex::encode(rand::random::<[u8; 8]>()));
            created += sqlx::query(
                "INSERT INTO webhook_deliveries \
                 (id, endpoint_id, event_id, status, attempts, next_attempt_at, created_at) \
                 SELECT $1 || '_' || id, id, $2, 'pending', 0, $3, $3 FROM webhook_endpoints \
                 WHERE enabled = 1 AND (event_types = ',' OR event_types LIKE $4) \
                 ON CONFLICT (endpoint_id, event_id) DO NOTHING",
            )
            .bind(&delivery_prefix)
            .bind(&event.id)
            .bind(now)
            .bind(&pattern)
            .execute(&mut *tx)
            .await?
            .rows_affected() as usize;
            sqlx::query("UPDATE outbox SET fanned_out_at = $1 WHERE id = $2")
                .bind(now)
                .bind(&event.id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(created)
    }

    async fn claim_deliveries(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
    ) -> StoreResult<Vec<DueDelivery>> {
        let claimed: Vec<DeliveryRow> = sqlx::query_as(&format!(
            "UPDATE webhook_deliveries SET next_attempt_at = $1 \
             WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' \
                          AND next_attempt_at <= $2 ORDER BY next_attempt_at LIMIT $3) \
             AND status = 'pending' AND next_attempt_at <= $2 \
             RETURNING {DELIVERY_COLUMNS}"
        ))
        .bind(lease_until)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        // What the attempts need, for every claimed delivery in one query.
        let sql = format!(
            "SELECT d.id, d.event_id, d.attempts, e.url, e.secret_sealed, e.id AS endpoint_id, \
             o.payload FROM webhook_deliveries d \
             JOIN webhook_endpoints e ON e.id = d.endpoint_id \
             JOIN outbox o ON o.id = d.event_id WHERE d.id IN ({})",
            super::placeholders(1, claimed.len())
        );
        let mut query = sqlx::query_as(&sql);
        for delivery in &claimed {
            query = query.bind(delivery.id.as_str());
        }
        Ok(query.fetch_all(&self.pool).await?)
    }

    async fn record_attempt(&self, id: &str, a: &Attempt) -> StoreResult<()> {
        let status = match (a.delivered, a.retry_at) {
            (true, _) => DeliveryStatus::Delivered,
            (false, Some(_)) => DeliveryStatus::Pending,
            (false, None) => DeliveryStatus::Failed,
        };
        sqlx::query(
            "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, \
             next_attempt_at = $2, last_attempt_at = $3, last_status = $4, last_error = $5, \
             delivered_at = $6 WHERE id = $7",
        )
        .bind(status)
        .bind(a.retry_at.unwrap_or(a.at))
        .bind(a.at)
        .bind(a.status)
        .bind(a.error.clone())
        .bind(a.delivered.then_some(a.at))
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn deliveries(&self, endpoint_id: &str, limit: i64) -> StoreResult<Vec<DeliveryRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = $1 \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(endpoint_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn redeliver(&self, id: &str, now: i64, audit: &AuditEvent) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(true)
    }
}
