//! A self-hosted install's own row: its install id, its license token (the owner's copy),
//! the latest time it has seen, and what its vendor last answered.

use async_trait::async_trait;

use super::chain::ChainHead;
use super::{AuditAction, AuditEvent, RowsAffected, SqlStore, StoreResult};

/// The install's state. `Debug` never shows the token.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InstallStateRow {
    pub install_id: String,
    /// The installed license token, if any.
    pub token: Option<String>,
    pub token_installed_at: Option<i64>,
    /// The latest time this install has seen (its own clock, its vendor's answers).
    pub latest_seen: i64,
    /// The vendor's last answer, as JSON.
    pub live_status: Option<String>,
    pub last_attempt_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    /// Failed attempts since the last success.
    pub failures: i64,
}

impl std::fmt::Debug for InstallStateRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstallStateRow")
            .field("install_id", &self.install_id)
            .field("has_token", &self.token.is_some())
            .field("latest_seen", &self.latest_seen)
            .field("failures", &self.failures)
            .finish_non_exhaustive()
    }
}

/// A successful exchange with the vendor (a heartbeat or an imported answer file).
#[derive(Debug, Clone, Copy)]
pub struct VendorAnswer<'a> {
    /// When this install received it.
    pub at: i64,
    /// The vendor's clock in the answer; raises the latest time seen.
    pub vendor_time: i64,
    /// The answer to keep, as JSON.
    pub live_status: &'a str,
    /// A newer token to install, with its audit row.
    pub rotate: Option<(&'a str, &'a AuditEvent)>,
}

/// The install's row.
#[async_trait]
pub trait InstallStore {
    /// The install's row; the first call creates it with `new_install_id`.
    async fn install_state(&self, new_install_id: &str) -> StoreResult<InstallStateRow>;
    /// Installs a license token (replacing any other) and audits it.
    async fn set_install_token(&self, token: &str, at: i64, audit: &AuditEvent) -> StoreResult<()>;
    /// Raises the latest time seen to `at` (never lowers it).
    async fn raise_latest_seen(&self, at: i64) -> StoreResult<()>;
    /// Records a vendor answer: clears the failures, keeps the answer, raises the latest time
    /// seen, and installs a newer token if the answer carried one, in one transaction.
    async fn record_vendor_answer(&self, answer: VendorAnswer<'_>) -> StoreResult<()>;
    /// Records a failed attempt to reach the vendor.
    async fn record_vendor_failure(&self, at: i64, error: &str) -> StoreResult<()>;
}

const COLUMNS: &str = "install_id, token, token_installed_at, latest_seen, live_status, \
    last_attempt_at, last_success_at, last_error, failures";

#[async_trait]
impl<DB> InstallStore for SqlStore<DB>
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
    for<'r> InstallStateRow: sqlx::FromRow<'r, DB::Row>,
{
    async fn install_state(&self, new_install_id: &str) -> StoreResult<InstallStateRow> {
        sqlx::query(
            "INSERT INTO install_state (id, install_id) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
        )
        .bind(new_install_id)
        .execute(&self.pool)
        .await?;
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM install_state WHERE id = 1"))
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn set_install_token(&self, token: &str, at: i64, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE install_state SET token = $1, token_installed_at = $2 WHERE id = 1")
            .bind(token)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn raise_latest_seen(&self, at: i64) -> StoreResult<()> {
        sqlx::query("UPDATE install_state SET latest_seen = $1 WHERE id = 1 AND latest_seen < $1")
            .bind(at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn record_vendor_answer(&self, answer: VendorAnswer<'_>) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE install_state SET live_status = $1, last_attempt_at = $2, \
             last_success_at = $2, last_error = NULL, failures = 0 WHERE id = 1",
        )
        .bind(answer.live_status)
        .bind(answer.at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE install_state SET latest_seen = $1 WHERE id = 1 AND latest_seen < $1")
            .bind(answer.vendor_time.max(answer.at))
            .execute(&mut *tx)
            .await?;
        if let Some((token, audit)) = answer.rotate {
            sqlx::query(
                "UPDATE install_state SET token = $1, token_installed_at = $2 WHERE id = 1",
            )
            .bind(token)
            .bind(answer.at)
            .execute(&mut *tx)
            .await?;
            self.append_audit(&mut tx, audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn record_vendor_failure(&self, at: i64, error: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE install_state SET last_attempt_at = $1, last_error = $2, \
             failures = failures + 1 WHERE id = 1",
        )
        .bind(at)
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
