//! Licenses' storage: insert, look up, search with keyset pagination, and the lifecycle
//! changes (revoke, re-sign, transfer, multi-install window), each with its audit rows in the
//! same transaction.

use async_trait::async_trait;
use tessera_license::vocab::{LicenseKind, LicenseStatus, SupersedeReason, Tier};

use super::license_record::{LicenseRecord, COLUMNS};

use super::chain::ChainHead;
use super::license_query::{cursor_of, filter, keyset};
pub use super::license_query::{LicenseCursor, LicensePage, LicenseQuery, COUNT_CAP};
use super::placeholders;
use super::{
    bind_all, AuditAction, AuditEvent, Bind, LicenseRow, OutboxEvent, RowsAffected, SqlStore,
    StoreError, StoreResult,
};

/// Licenses.
#[async_trait]
pub trait LicenseStore {
    /// Persists an issued license.
    async fn insert_license(&self, license: &LicenseRow, audit: &AuditEvent) -> StoreResult<()>;
    /// One license by id.
    async fn get_license(&self, id: &str) -> StoreResult<Option<LicenseRow>>;
    /// What heartbeats need to know about these licenses (without their claims), by id;
    /// unknown ids are left out.
    async fn license_standings(&self, ids: &[&str]) -> StoreResult<Vec<LicenseStanding>>;
    /// Number of licenses.
    async fn count_licenses(&self) -> StoreResult<i64>;
    /// Licenses signed by `kid` that are not expired at `now` and not revoked.
    async fn count_live_licenses_for_kid(&self, kid: &str, now: i64) -> StoreResult<i64>;
    /// A filtered, sorted page.
    async fn list_licenses(&self, query: &LicenseQuery) -> StoreResult<LicensePage>;
    /// Moves an `active` license to `status` (revoked, refunded); a conflict otherwise.
    async fn end_license(
        &self,
        id: &str,
        status: LicenseStatus,
        reason: &str,
        audit: &AuditEvent,
        events: &[OutboxEvent],
    ) -> StoreResult<()>;
    /// Records a re-signed token (resend, renewal): kid, hash, claims and signing time.
    /// Re-signed: the license's new token replaces the current one, which is recorded as
    /// superseded (`why`), in the same transaction as the audit row.
    async fn replace_token(
        &self,
        license: &LicenseRow,
        why: SupersedeReason,
        audit: &AuditEvent,
        events: &[OutboxEvent],
    ) -> StoreResult<()>;
    /// Marks `old_id` transferred to `new` and inserts `new`, atomically.
    async fn transfer_license(
        &self,
        old_id: &str,
        new: &LicenseRow,
        audits: &[AuditEvent],
        events: &[OutboxEvent],
    ) -> StoreResult<()>;
    /// Opens (or extends) the window in which several installs may share the license.
    async fn set_multi_install_until(
        &self,
        id: &str,
        until: i64,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Licenses first issued per week since `since`, oldest week first.
    async fn issued_per_week(&self, since: i64) -> StoreResult<Vec<WeekCount>>;
}

/// How many licenses were first issued in the week starting at `week` (unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct WeekCount {
    pub week: i64,
    pub n: i64,
}

/// A license's standing: enough to answer a heartbeat whose token is the current one.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LicenseStanding {
    pub id: String,
    pub status: LicenseStatus,
    pub expires_at: Option<i64>,
    pub multi_install_until: Option<i64>,
    /// SHA-256 (hex) of the current token.
    pub token_sha256: String,
}

const WEEK: i64 = 7 * 86_400;

#[async_trait]
impl<DB> LicenseStore for SqlStore<DB>
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
    for<'q> LicenseStatus: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Tier: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> LicenseKind: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> SupersedeReason: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> LicenseRecord: sqlx::FromRow<'r, DB::Row>,
    for<'r> LicenseStanding: sqlx::FromRow<'r, DB::Row>,
    for<'r> WeekCount: sqlx::FromRow<'r, DB::Row>,
{
    async fn insert_license(&self, l: &LicenseRow, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        Self::insert_license_in(&mut tx, l).await?;
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_license(&self, id: &str) -> StoreResult<Option<LicenseRow>> {
        let sql = format!("SELECT {COLUMNS} FROM licenses WHERE id = $1");
        let record: Option<LicenseRecord> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        record.map(LicenseRow::try_from).transpose()
    }

    async fn license_standings(&self, ids: &[&str]) -> StoreResult<Vec<LicenseStanding>> {
        let Some(last) = ids.last() else {
            return Ok(Vec::new());
        };
        // Padded to a power of two with the last id, so a handful of statements serve
        // every batch size and stay in the prepared-statement cache.
        let padded = ids.len().next_power_of_two();
        let sql = format!(
            "SELECT id, status, expires_at, multi_install_until, token_sha256 FROM licenses \
             WHERE id IN ({})",
            placeholders(1, padded)
        );
        let mut select = sqlx::query_as(&sql);
        for id in ids.iter().chain(std::iter::repeat(last)).take(padded) {
            select = select.bind(*id);
        }
        Ok(select.fetch_all(&self.pool).await?)
    }

    async fn count_licenses(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM licenses")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn count_live_licenses_for_kid(&self, kid: &str, now: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM licenses WHERE kid = $1 AND status = 'active' \
             AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(kid)
        .bind(now)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn list_licenses(&self, q: &LicenseQuery) -> StoreResult<LicensePage> {
        let counting = filter(q);
        let count_sql = format!(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM licenses {} LIMIT {}) AS matching",
            counting.where_clause(),
            COUNT_CAP + 1
        );
        let counted: i64 = bind_all!(sqlx::query_scalar(&count_sql), &counting.binds)
            .fetch_one(&self.pool)
            .await?;
        let (total, total_capped) = (counted.min(COUNT_CAP), counted > COUNT_CAP);
        let mut paging = filter(q);
        let order = keyset(&mut paging, q);
        let limit = paging.bind(Bind::Int(q.limit + 1));
        let sql = format!(
            "SELECT {COLUMNS} FROM licenses {} ORDER BY {order} LIMIT {limit}",
            paging.where_clause()
        );
        let records: Vec<LicenseRecord> = bind_all!(sqlx::query_as(&sql), &paging.binds)
            .fetch_all(&self.pool)
            .await?;
        let mut rows = records
            .into_iter()
            .map(LicenseRow::try_from)
            .collect::<StoreResult<Vec<_>>>()?;
        let more = rows.len() as i64 > q.limit;
        rows.truncate(q.limit.max(0) as usize);
        let next = if more {
            rows.last().map(|r| cursor_of(r, q.sort))
        } else {
            None
        };
        Ok(LicensePage {
            rows,
            total,
            total_capped,
            next,
        })
    }

    async fn end_license(
        &self,
        id: &str,
        status: LicenseStatus,
        reason: &str,
        audit: &AuditEvent,
        events: &[OutboxEvent],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        Self::end_license_in(&mut tx, id, status, reason, audit.at).await?;
        self.append_audit(&mut tx, audit).await?;
        self.append_outbox(&mut tx, events).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn replace_token(
        &self,
        l: &LicenseRow,
        why: SupersedeReason,
        audit: &AuditEvent,
        events: &[OutboxEvent],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        Self::replace_token_in(&mut tx, l, why, audit.at).await?;
        self.append_audit(&mut tx, audit).await?;
        self.append_outbox(&mut tx, events).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn transfer_license(
        &self,
        old_id: &str,
        new: &LicenseRow,
        audits: &[AuditEvent],
        events: &[OutboxEvent],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE licenses SET status = 'transferred', replaced_by = $1 \
             WHERE id = $2 AND status = 'active'",
        )
        .bind(&new.id)
        .bind(old_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "license {old_id} is not active"
            )));
        }
        Self::insert_license_in(&mut tx, new).await?;
        self.append_audits(&mut tx, audits).await?;
        self.append_outbox(&mut tx, events).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_multi_install_until(
        &self,
        id: &str,
        until: i64,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE licenses SET multi_install_until = $1 WHERE id = $2 AND status = 'active'",
        )
        .bind(until)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!("license {id} is not active")));
        }
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn issued_per_week(&self, since: i64) -> StoreResult<Vec<WeekCount>> {
        Ok(sqlx::query_as(
            "SELECT (created_at / $1) * $1 AS week, COUNT(*) AS n FROM licenses \
             WHERE created_at >= $2 GROUP BY 1 ORDER BY 1",
        )
        .bind(WEEK)
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }
}
