//! Licenses' storage: insert, look up, search with keyset pagination, and the lifecycle
//! changes (revoke, re-sign, transfer, multi-install window), each with its audit rows in the
//! same transaction.

use async_trait::async_trait;
use tessera_license::vocab::{LicenseKind, LicenseStatus, SupersedeReason, Tier};

use super::chain::ChainHead;
use super::license_query::{cursor_of, filter, keyset};
pub use super::license_query::{LicenseCursor, LicensePage, LicenseQuery, COUNT_CAP};
use super::placeholders;
use super::{
    bind_all, conflict_or, AuditAction, AuditEvent, Bind, LicenseRow, RowsAffected, SqlStore,
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
    ) -> StoreResult<()>;
    /// Records a re-signed token (resend, renewal): kid, hash, claims and signing time.
    /// Re-signed: the license's new token replaces the current one, which is recorded as
    /// superseded (`why`), in the same transaction as the audit row.
    async fn replace_token(
        &self,
        license: &LicenseRow,
        why: SupersedeReason,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Marks `old_id` transferred to `new` and inserts `new`, atomically.
    async fn transfer_license(
        &self,
        old_id: &str,
        new: &LicenseRow,
        audits: &[AuditEvent],
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

const COLUMNS: &str = "id, kid, token_sha256, customer_email, company, tax_id, tier, kind, \
    product, plan, status, issued_at, expires_at, support_until, claims, created_at, niches, \
    revoked_at, revoke_reason, last_heartbeat_at, multi_install_until, replaced_by, \
    transferred_from, email_lc, company_lc, tax_id_lc";

const WEEK: i64 = 7 * 86_400;

/// A `licenses` row as the database holds it; [`LicenseRow`] is what the rest reads.
#[derive(Debug, sqlx::FromRow)]
pub struct LicenseRecord {
    pub id: String,
    pub kid: String,
    pub token_sha256: String,
    pub customer_email: String,
    pub company: String,
    pub tax_id: Option<String>,
    pub tier: Tier,
    pub kind: LicenseKind,
    pub product: String,
    pub plan: Option<String>,
    pub status: LicenseStatus,
    pub issued_at: i64,
    pub expires_at: Option<i64>,
    pub support_until: Option<i64>,
    pub claims: String,
    pub created_at: i64,
    pub niches: String,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
    pub last_heartbeat_at: Option<i64>,
    pub multi_install_until: Option<i64>,
    pub replaced_by: Option<String>,
    pub transferred_from: Option<String>,
}

impl TryFrom<LicenseRecord> for LicenseRow {
    type Error = StoreError;

    /// The one place a stored claims snapshot is parsed.
    fn try_from(r: LicenseRecord) -> StoreResult<Self> {
        let claims = serde_json::from_str(&r.claims).map_err(|e| {
            StoreError::Corrupt(format!("license {}: unreadable claims snapshot: {e}", r.id))
        })?;
        Ok(Self {
            niches: niches_from_column(&r.niches),
            id: r.id,
            kid: r.kid,
            token_sha256: r.token_sha256,
            customer_email: r.customer_email,
            company: r.company,
            tax_id: r.tax_id,
            tier: r.tier,
            kind: r.kind,
            product: r.product,
            plan: r.plan,
            status: r.status,
            issued_at: r.issued_at,
            expires_at: r.expires_at,
            support_until: r.support_until,
            claims,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
            revoke_reason: r.revoke_reason,
            last_heartbeat_at: r.last_heartbeat_at,
            multi_install_until: r.multi_install_until,
            replaced_by: r.replaced_by,
            transferred_from: r.transferred_from,
        })
    }
}

fn claims_column(claims: &tessera_license::Claims) -> StoreResult<String> {
    serde_json::to_string(claims).map_err(|e| StoreError::Corrupt(format!("claims: {e}")))
}

fn niches_column(niches: &[String]) -> String {
    let mut out = String::from(",");
    for niche in niches {
        out.push_str(niche);
        out.push(',');
    }
    out
}

fn niches_from_column(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
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
    for<'q> LicenseStatus: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Tier: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> LicenseKind: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> SupersedeReason: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> LicenseRecord: sqlx::FromRow<'r, DB::Row>,
    for<'r> LicenseStanding: sqlx::FromRow<'r, DB::Row>,
    for<'r> WeekCount: sqlx::FromRow<'r, DB::Row>,
{
    async fn insert_license_in(
        tx: &mut sqlx::Transaction<'_, DB>,
        l: &LicenseRow,
    ) -> StoreResult<()> {
        let placeholders: Vec<String> = (1..=26).map(|n| format!("${n}")).collect();
        let sql = format!(
            "INSERT INTO licenses ({COLUMNS}) VALUES ({})",
            placeholders.join(", ")
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
            .bind(niches_column(&l.niches))
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
}

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
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE licenses SET status = $1, revoked_at = $2, revoke_reason = $3 \
             WHERE id = $4 AND status = 'active'",
        )
        .bind(status)
        .bind(audit.at)
        .bind(reason)
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

    async fn replace_token(
        &self,
        l: &LicenseRow,
        why: SupersedeReason,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO superseded_tokens (token_sha256, license_id, superseded_at, reason) \
             SELECT token_sha256, id, $1, $2 FROM licenses WHERE id = $3 AND status = 'active' \
             ON CONFLICT (token_sha256) DO NOTHING",
        )
        .bind(audit.at)
        .bind(why)
        .bind(&l.id)
        .execute(&mut *tx)
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
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "license {} is not active",
                l.id
            )));
        }
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn transfer_license(
        &self,
        old_id: &str,
        new: &LicenseRow,
        audits: &[AuditEvent],
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn niches_round_trip_through_their_column() {
        let niches = vec!["hotels".to_string(), "coworking".to_string()];
        assert_eq!(niches_column(&niches), ",hotels,coworking,");
        assert_eq!(niches_from_column(",hotels,coworking,"), niches);
        assert!(niches_from_column(",").is_empty());
    }
}
