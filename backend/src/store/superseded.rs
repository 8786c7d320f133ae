//! Tokens a license no longer uses (replaced by a resend or a renewal), and the installs
//! a heartbeat needs to know about to decide whether a newer token may be handed over.

use async_trait::async_trait;
use tessera_license::vocab::SupersedeReason;

use super::chain::ChainHead;
use super::{AuditAction, RowsAffected, SqlStore, StoreResult};

/// A token that was replaced, found by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SupersededToken {
    pub license_id: String,
    pub superseded_at: i64,
    pub reason: SupersedeReason,
}

/// Superseded tokens and install history.
#[async_trait]
pub trait SupersededStore {
    /// The superseded token with this SHA-256, if any.
    async fn superseded_token(&self, token_sha256: &str) -> StoreResult<Option<SupersededToken>>;
    /// When `install_id` first heartbeated for `license_id`, if it ever did.
    async fn install_first_seen(
        &self,
        license_id: &str,
        install_id: &str,
    ) -> StoreResult<Option<i64>>;
}

#[async_trait]
impl<DB> SupersededStore for SqlStore<DB>
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
    for<'r> SupersededToken: sqlx::FromRow<'r, DB::Row>,
{
    async fn superseded_token(&self, token_sha256: &str) -> StoreResult<Option<SupersededToken>> {
        Ok(sqlx::query_as(
            "SELECT license_id, superseded_at, reason FROM superseded_tokens \
             WHERE token_sha256 = $1",
        )
        .bind(token_sha256)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn install_first_seen(
        &self,
        license_id: &str,
        install_id: &str,
    ) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT first_seen FROM installs WHERE license_id = $1 AND install_id = $2",
        )
        .bind(license_id)
        .bind(install_id)
        .fetch_optional(&self.pool)
        .await?)
    }
}
