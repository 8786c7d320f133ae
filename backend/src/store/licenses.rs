//! Licenses' storage: insert, look up, search with keyset pagination, and the lifecycle
//! changes (revoke, re-sign, transfer, multi-install window), each with its audit rows in the
//! same transaction.

use async_trait::async_trait;
use sqlx::Row as _;

use super::license_query::{cursor_of, filter, keyset};
pub use super::license_query::{
    Freshness, LicenseCursor, LicensePage, LicenseQuery, LicenseSort, StatusFilter, SupportFilter,
    COUNT_CAP,
};
use super::{
    bind_all, conflict_or, AuditEvent, Bind, LicenseRow, PostgresStore, SqliteStore, StoreError,
    StoreResult, Supersede,
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
    async fn license_standings(&self, ids: &[&str]) -> StoreResult<Vec<(String, LicenseStanding)>>;
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
        status: &str,
        reason: &str,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Records a re-signed token (resend, renewal): kid, hash, claims and signing time.
    /// Re-signed: the license's new token replaces the current one, which is recorded as
    /// superseded (`why`), in the same transaction as the audit row.
    async fn replace_token(
        &self,
        license: &LicenseRow,
        why: Supersede,
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
    /// Licenses first issued per week (week start, count) since `since`.
    async fn issued_per_week(&self, since: i64) -> StoreResult<Vec<(i64, i64)>>;
}

/// A license's standing: enough to answer a heartbeat whose token is the current one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseStanding {
    pub status: String,
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

macro_rules! license_store {
    ($store:ident, $db:ty, $row:ty) => {
        impl $store {
            fn license_from_row(row: &$row) -> StoreResult<LicenseRow> {
                Ok(LicenseRow {
                    id: row.try_get("id")?,
                    kid: row.try_get("kid")?,
                    token_sha256: row.try_get("token_sha256")?,
                    customer_email: row.try_get("customer_email")?,
                    company: row.try_get("company")?,
                    tax_id: row.try_get("tax_id")?,
                    tier: row.try_get("tier")?,
                    kind: row.try_get("kind")?,
                    product: row.try_get("product")?,
                    plan: row.try_get("plan")?,
                    status: row.try_get("status")?,
                    issued_at: row.try_get("issued_at")?,
                    expires_at: row.try_get("expires_at")?,
                    support_until: row.try_get("support_until")?,
                    claims: row.try_get("claims")?,
                    created_at: row.try_get("created_at")?,
                    niches: niches_from_column(row.try_get("niches")?),
                    revoked_at: row.try_get("revoked_at")?,
                    revoke_reason: row.try_get("revoke_reason")?,
                    last_heartbeat_at: row.try_get("last_heartbeat_at")?,
                    multi_install_until: row.try_get("multi_install_until")?,
                    replaced_by: row.try_get("replaced_by")?,
                    transferred_from: row.try_get("transferred_from")?,
                })
            }

            async fn insert_license_in(
                tx: &mut sqlx::Transaction<'_, $db>,
                l: &LicenseRow,
            ) -> StoreResult<()> {
                let placeholders: Vec<String> = (1..=26).map(|n| format!("${n}")).collect();
                let sql = format!("INSERT INTO licenses ({COLUMNS}) VALUES ({})", placeholders.join(", "));
                sqlx::query(&sql)
                    .bind(&l.id)
                    .bind(&l.kid)
                    .bind(&l.token_sha256)
                    .bind(&l.customer_email)
                    .bind(&l.company)
                    .bind(&l.tax_id)
                    .bind(&l.tier)
                    .bind(&l.kind)
                    .bind(&l.product)
                    .bind(&l.plan)
                    .bind(&l.status)
                    .bind(l.issued_at)
                    .bind(l.expires_at)
                    .bind(l.support_until)
                    .bind(&l.claims)
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
        impl LicenseStore for $store {
            async fn insert_license(&self, l: &LicenseRow, audit: &AuditEvent) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                Self::insert_license_in(&mut tx, l).await?;
                self.append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_license(&self, id: &str) -> StoreResult<Option<LicenseRow>> {
                let sql = format!("SELECT {COLUMNS} FROM licenses WHERE id = $1");
                let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::license_from_row).transpose()
            }

            async fn license_standings(&self, ids: &[&str]) -> StoreResult<Vec<(String, LicenseStanding)>> {
                let Some(last) = ids.last() else {
                    return Ok(Vec::new());
                };
                // Padded to a power of two with the last id, so a handful of statements serve
                // every batch size and stay in the prepared-statement cache.
                let mut select = sqlx::QueryBuilder::<$db>::new(
                    "SELECT id, status, expires_at, multi_install_until, token_sha256 FROM licenses WHERE id IN (",
                );
                let mut list = select.separated(", ");
                for id in ids.iter().chain(std::iter::repeat(last)).take(ids.len().next_power_of_two()) {
                    list.push_bind(*id);
                }
                select.push(")");
                let rows = select.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            row.try_get("id")?,
                            LicenseStanding {
                                status: row.try_get("status")?,
                                expires_at: row.try_get("expires_at")?,
                                multi_install_until: row.try_get("multi_install_until")?,
                                token_sha256: row.try_get("token_sha256")?,
                            },
                        ))
                    })
                    .collect()
            }

            async fn count_licenses(&self) -> StoreResult<i64> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM licenses")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(row.try_get("n")?)
            }

            async fn count_live_licenses_for_kid(&self, kid: &str, now: i64) -> StoreResult<i64> {
                let row = sqlx::query(
                    "SELECT COUNT(*) AS n FROM licenses WHERE kid = $1 AND status = 'active' \
                     AND (expires_at IS NULL OR expires_at > $2)",
                )
                .bind(kid)
                .bind(now)
                .fetch_one(&self.pool)
                .await?;
                Ok(row.try_get("n")?)
            }

            async fn list_licenses(&self, q: &LicenseQuery) -> StoreResult<LicensePage> {
                let counting = filter(q);
                let count_sql = format!(
                    "SELECT COUNT(*) AS n FROM (SELECT 1 FROM licenses {} LIMIT {}) AS matching",
                    counting.where_clause(),
                    COUNT_CAP + 1
                );
                let counted: i64 = bind_all!(sqlx::query(&count_sql), &counting.binds)
                    .fetch_one(&self.pool)
                    .await?
                    .try_get("n")?;
                let (total, total_capped) = (counted.min(COUNT_CAP), counted > COUNT_CAP);
                let mut paging = filter(q);
                let order = keyset(&mut paging, q);
                let limit = paging.bind(Bind::Int(q.limit + 1));
                let sql = format!(
                    "SELECT {COLUMNS} FROM licenses {} ORDER BY {order} LIMIT {limit}",
                    paging.where_clause()
                );
                let rows = bind_all!(sqlx::query(&sql), &paging.binds).fetch_all(&self.pool).await?;
                let mut rows = rows.iter().map(Self::license_from_row).collect::<StoreResult<Vec<_>>>()?;
                let more = rows.len() as i64 > q.limit;
                rows.truncate(q.limit.max(0) as usize);
                let next = if more { rows.last().map(|r| cursor_of(r, q.sort)) } else { None };
                Ok(LicensePage { rows, total, total_capped, next })
            }

            async fn end_license(
                &self,
                id: &str,
                status: &str,
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
                why: Supersede,
                audit: &AuditEvent,
            ) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(
                    "INSERT INTO superseded_tokens (token_sha256, license_id, superseded_at, reason) \
                     SELECT token_sha256, id, $1, $2 FROM licenses WHERE id = $3 AND status = 'active' \
                     ON CONFLICT (token_sha256) DO NOTHING",
                )
                .bind(audit.at)
                .bind(why.as_str())
                .bind(&l.id)
                .execute(&mut *tx)
                .await?;
                let done = sqlx::query(
                    "UPDATE licenses SET kid = $1, token_sha256 = $2, claims = $3, issued_at = $4, \
                     expires_at = $5, support_until = $6 WHERE id = $7 AND status = 'active'",
                )
                .bind(&l.kid)
                .bind(&l.token_sha256)
                .bind(&l.claims)
                .bind(l.issued_at)
                .bind(l.expires_at)
                .bind(l.support_until)
                .bind(&l.id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict(format!("license {} is not active", l.id)));
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
                    return Err(StoreError::Conflict(format!("license {old_id} is not active")));
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

            async fn issued_per_week(&self, since: i64) -> StoreResult<Vec<(i64, i64)>> {
                let rows = sqlx::query(
                    "SELECT (created_at / $1) * $1 AS week, COUNT(*) AS n FROM licenses \
                     WHERE created_at >= $2 GROUP BY 1 ORDER BY 1",
                )
                .bind(WEEK)
                .bind(since)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|r| Ok((r.try_get("week")?, r.try_get("n")?))).collect()
            }
        }
    };
}

license_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
license_store!(PostgresStore, sqlx::Postgres, sqlx::postgres::PgRow);

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
