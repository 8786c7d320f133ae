//! The license writes a larger change runs inside its own transaction: insert, end
//! (revoke, refund) and re-sign. The lifecycle's own methods (`licenses.rs`) and the commerce
//! writes (`commerce.rs`) both go through these.

use tessera_license::vocab::{LicenseKind, LicenseStatus, SupersedeReason, Tier};

use super::license_record::{claims_column, COLUMNS};
use super::{conflict_or, list_column, placeholders};
use super::{LicenseRow, RowsAffected, SqlStore, StoreError, StoreResult};

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
    DB::QueryResult: RowsAffected,
    for<'q> LicenseStatus: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Tier: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> LicenseKind: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> SupersedeReason: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    /// Inserts `l`; a conflict when its id is taken.
    pub(super) async fn insert_license_in(
        tx: &mut sqlx::Transaction<'_, DB>,
        l: &LicenseRow,
    ) -> StoreResult<()> {
        let sql = format!(
            "INSERT INTO licenses ({COLUMNS}) VALUES ({})",
            placeholders(1, 26)
        );
        sqlx::query(&sql)
            .bind(&l.id)
            .bind(&l.kid)
            .bind(&l.token_sha256)
            .bind(&l.customer_email)
            .bind(&l.company)
            .bind(&l.tax_id)
            .bind(l.tier)
            .bind(l.kind)
            .bind(&l.product)
            .bind(&l.plan)
            .bind(l.status)
            .bind(l.issued_at)
            .bind(l.expires_at)
            .bind(l.support_until)
            .bind(claims_column(&l.claims)?)
            .bind(l.created_at)
            .bind(list_column(&l.niches))
            .bind(l.revoked_at)
            .bind(&l.revoke_reason)
            .bind(l.last_heartbeat_at)
            .bind(l.multi_install_until)
            .bind(&l.replaced_by)
            .bind(&l.transferred_from)
            .bind(l.customer_email.to_lowercase())
            .bind(l.company.to_lowercase())
            .bind(l.tax_id.as_ref().map(|t| t.to_lowercase()))
            .execute(&mut **tx)
            .await
            .map_err(|e| conflict_or(e, &format!("license {}", l.id)))?;
        Ok(())
    }

    /// Moves the `active` license `id` to `status` at `at`; a conflict when it is not active.
    pub(super) async fn end_license_in(
        tx: &mut sqlx::Transaction<'_, DB>,
        id: &str,
        status: LicenseStatus,
        reason: &str,
        at: i64,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE licenses SET status = $1, revoked_at = $2, revoke_reason = $3 \
             WHERE id = $4 AND status = 'active'",
        )
        .bind(status)
        .bind(at)
        .bind(reason)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!("license {id} is not active")));
        }
        Ok(())
    }

    /// Records `l`'s new token; the current one is kept as superseded (`why`).
    pub(super) async fn replace_token_in(
        tx: &mut sqlx::Transaction<'_, DB>,
        l: &LicenseRow,
        why: SupersedeReason,
        at: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO superseded_tokens (token_sha256, license_id, superseded_at, reason) \
             SELECT token_sha256, id, $1, $2 FROM licenses WHERE id = $3 AND status = 'active' \
             ON CONFLICT (token_sha256) DO NOTHING",
        )
        .bind(at)
        .bind(why)
        .bind(&l.id)
        .execute(&mut **tx)
        .await?;
        let done = sqlx::query(
            "UPDATE licenses SET kid = $1, token_sha256 = $2, claims = $3, issued_at = $4, \
             expires_at = $5, support_until = $6 WHERE id = $7 AND status = 'active'",
        )
        .bind(&l.kid)
        .bind(&l.token_sha256)
        .bind(claims_column(&l.claims)?)
        .bind(l.issued_at)
        .bind(l.expires_at)
        .bind(l.support_until)
        .bind(&l.id)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "license {} is not active",
                l.id
            )));
        }
        Ok(())
    }
}
