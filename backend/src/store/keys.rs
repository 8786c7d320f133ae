//! Signing keys' storage.

use async_trait::async_trait;

use super::chain::ChainHead;
use super::{
    conflict_or, AuditAction, AuditEvent, KeyRow, KeyStatus, RowsAffected, SqlStore, StoreError,
    StoreResult,
};

/// Signing keys.
#[async_trait]
pub trait KeyStore {
    /// Adds a key; a second `active` key is a conflict.
    async fn insert_key(&self, key: &KeyRow, audit: &AuditEvent) -> StoreResult<()>;
    /// All keys, newest first.
    async fn list_keys(&self) -> StoreResult<Vec<KeyRow>>;
    /// One key by kid.
    async fn get_key(&self, kid: &str) -> StoreResult<Option<KeyRow>>;
    /// Makes `kid` the active key; the previous active key becomes accepted.
    async fn activate_key(&self, kid: &str, audit: &AuditEvent) -> StoreResult<()>;
    /// Marks `kid` retired.
    async fn retire_key(&self, kid: &str, audit: &AuditEvent) -> StoreResult<()>;
}

const COLUMNS: &str = "kid, status, public_key, private_enc, created_at, activated_at, retired_at";

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
    for<'q> KeyStatus: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Vec<u8>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<Vec<u8>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> (KeyStatus,): sqlx::FromRow<'r, DB::Row>,
    for<'r> KeyRow: sqlx::FromRow<'r, DB::Row>,
{
    /// Guarded updates: a key becomes active only from accepted (and only with its
    /// private part), retired only from accepted. A concurrent change that got there
    /// first leaves nothing to update and answers a conflict, so activate and retire
    /// can never interleave into two active keys or a retired active key.
    async fn set_key_status(
        &self,
        kid: &str,
        status: KeyStatus,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        // The audit head's row lock first: every key change (and every audited change)
        // then queues on one lock, so two changes never hold key rows the other needs
        // (PostgreSQL found such a deadlock under a race of activations and retirements).
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let changed = if status == KeyStatus::Active {
            sqlx::query(
                "UPDATE signing_keys SET status = 'accepted' WHERE status = 'active' AND kid <> $1",
            )
            .bind(kid)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE signing_keys SET status = 'active', activated_at = $1 \
                 WHERE kid = $2 AND status IN ('accepted', 'active') AND private_enc IS NOT NULL",
            )
            .bind(audit.at)
            .bind(kid)
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_or(e, "another active key"))?
        } else {
            sqlx::query(
                "UPDATE signing_keys SET status = $1, retired_at = $2 WHERE kid = $3 AND status = 'accepted'",
            )
            .bind(status)
            .bind(audit.at)
            .bind(kid)
            .execute(&mut *tx)
            .await?
        };
        if changed.rows_affected() == 0 {
            let now: Option<KeyStatus> =
                sqlx::query_scalar("SELECT status FROM signing_keys WHERE kid = $1")
                    .bind(kid)
                    .fetch_optional(&mut *tx)
                    .await?;
            return Err(match now {
                None => StoreError::NotFound(format!("key {kid}")),
                Some(status) => StoreError::Conflict(format!(
                    "key {kid} is {status} now: it changed while this request ran"
                )),
            });
        }
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl<DB> KeyStore for SqlStore<DB>
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
    for<'q> KeyStatus: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Vec<u8>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<Vec<u8>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> (KeyStatus,): sqlx::FromRow<'r, DB::Row>,
    for<'r> KeyRow: sqlx::FromRow<'r, DB::Row>,
{
    async fn insert_key(&self, key: &KeyRow, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let sql =
            format!("INSERT INTO signing_keys ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)");
        sqlx::query(&sql)
            .bind(&key.kid)
            .bind(key.status)
            .bind(&key.public_key)
            .bind(&key.private_enc)
            .bind(key.created_at)
            .bind(key.activated_at)
            .bind(key.retired_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_or(e, &format!("key {} (or an active key)", key.kid)))?;
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_keys(&self) -> StoreResult<Vec<KeyRow>> {
        let sql = format!("SELECT {COLUMNS} FROM signing_keys ORDER BY created_at DESC, kid");
        Ok(sqlx::query_as(&sql).fetch_all(&self.pool).await?)
    }

    async fn get_key(&self, kid: &str) -> StoreResult<Option<KeyRow>> {
        let sql = format!("SELECT {COLUMNS} FROM signing_keys WHERE kid = $1");
        Ok(sqlx::query_as(&sql)
            .bind(kid)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn activate_key(&self, kid: &str, audit: &AuditEvent) -> StoreResult<()> {
        self.set_key_status(kid, KeyStatus::Active, audit).await
    }

    async fn retire_key(&self, kid: &str, audit: &AuditEvent) -> StoreResult<()> {
        self.set_key_status(kid, KeyStatus::Retired, audit).await
    }
}
