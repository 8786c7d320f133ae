//! Reported usage: the vendor's latest report per license (written with the heartbeats, see
//! `record_heartbeats`), and a self-hosted install's own record of each cap's use.

use async_trait::async_trait;
use serde::Serialize;

use super::{SqlStore, StoreResult};

/// The latest usage report of a license.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct UsageRow {
    pub license_id: String,
    /// The install that sent it.
    pub install_id: String,
    pub reported_at: i64,
    /// `{"seats": {"plugin": used}, "caps": {"cap": used}}`.
    pub usage: String,
}

/// How much of one cap a self-hosted install's product says it uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct CapUsageRow {
    pub cap: String,
    pub used: i64,
    pub reported_at: i64,
}

/// Reported usage.
#[async_trait]
pub trait UsageStore {
    /// The latest usage reports of the org's licenses.
    async fn org_usage(&self, org_id: &str) -> StoreResult<Vec<UsageRow>>;
    /// Records what the product uses of `cap` (replacing the last report).
    async fn put_cap_usage(&self, cap: &str, used: i64, at: i64) -> StoreResult<()>;
    /// Every cap's last report, by name.
    async fn cap_usage(&self) -> StoreResult<Vec<CapUsageRow>>;
}

#[async_trait]
impl<DB> UsageStore for SqlStore<DB>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB> + Default,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> UsageRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> CapUsageRow: sqlx::FromRow<'r, DB::Row>,
{
    async fn org_usage(&self, org_id: &str) -> StoreResult<Vec<UsageRow>> {
        Ok(sqlx::query_as(
            "SELECT u.license_id, u.install_id, u.reported_at, u.usage FROM license_usage u \
             JOIN licenses l ON l.id = u.license_id WHERE l.org_id = $1",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn put_cap_usage(&self, cap: &str, used: i64, at: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO cap_usage (cap, used, reported_at) VALUES ($1, $2, $3) \
             ON CONFLICT (cap) DO UPDATE SET used = excluded.used, \
             reported_at = excluded.reported_at",
        )
        .bind(cap)
        .bind(used)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn cap_usage(&self) -> StoreResult<Vec<CapUsageRow>> {
        Ok(
            sqlx::query_as("SELECT cap, used, reported_at FROM cap_usage ORDER BY cap")
                .fetch_all(&self.pool)
                .await?,
        )
    }
}
