//! Heartbeats (raw rows for 90 days, then per-day roll-ups), the installs seen per license,
//! and anomalies.

use async_trait::async_trait;
use tessera_license::vocab::AnomalyKind;

use super::heartbeat_rows::{
    latest_per_install, latest_per_license, latest_usage_per_license, AnomalyRow, FreshnessCounts,
    HeartbeatRecord, HeartbeatRow, InstallCount, InstallRow, KidAdoption,
};

use super::chain::ChainHead;
use super::{list_column, placeholders, value_rows};
use super::{AuditAction, RowsAffected, SqlStore, StoreResult};

/// Heartbeats, installs and anomalies.
#[async_trait]
pub trait HeartbeatStore {
    /// Records heartbeats, their installs and their licenses' last contact, all in one
    /// transaction, and answers for each how many distinct installs its license has seen in
    /// the 24 h before it.
    async fn record_heartbeats(&self, batch: &[HeartbeatRecord]) -> StoreResult<Vec<i64>>;
    /// The newest heartbeats of a license.
    async fn recent_heartbeats(
        &self,
        license_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<HeartbeatRow>>;
    /// A page of the install ids seen for a license, most recent first.
    async fn installs(
        &self,
        license_id: &str,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<InstallRow>>;
    /// How many install ids were seen for a license.
    async fn count_installs(&self, license_id: &str) -> StoreResult<i64>;
    /// Forgets installs not seen since `before`; answers how many.
    async fn prune_installs(&self, before: i64) -> StoreResult<u64>;
    /// Opens an anomaly unless one of that kind is already open; answers whether it opened one.
    async fn open_anomaly(&self, anomaly: &AnomalyRow) -> StoreResult<bool>;
    /// Anomalies, newest first: of one license, or all open ones.
    async fn anomalies(&self, license_id: Option<&str>, limit: i64)
        -> StoreResult<Vec<AnomalyRow>>;
    /// Folds raw heartbeats older than `before` into per-day rows and deletes them.
    /// Answers how many raw rows were folded.
    async fn roll_up_heartbeats(&self, before: i64) -> StoreResult<u64>;
    /// Heartbeats since `since`, and how many of them accept `kid`.
    async fn kid_adoption(&self, kid: &str, since: i64) -> StoreResult<KidAdoption>;
    /// Freshness distribution of active licenses at `now`.
    async fn freshness(&self, now: i64) -> StoreResult<FreshnessCounts>;
}

#[async_trait]
impl<DB> HeartbeatStore for SqlStore<DB>
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
    for<'q> AnomalyKind: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> HeartbeatRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> InstallRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> AnomalyRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> KidAdoption: sqlx::FromRow<'r, DB::Row>,
    for<'r> FreshnessCounts: sqlx::FromRow<'r, DB::Row>,
    for<'r> InstallCount: sqlx::FromRow<'r, DB::Row>,
{
    async fn record_heartbeats(&self, batch: &[HeartbeatRecord]) -> StoreResult<Vec<i64>> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "INSERT INTO heartbeats (license_id, at, install_id, kid, version, ip, fingerprint, \
             accepted_kids) VALUES {}",
            value_rows(batch.len(), 8)
        );
        let mut rows = sqlx::query(&sql);
        for hb in batch {
            rows = rows
                .bind(&hb.license_id)
                .bind(hb.at)
                .bind(&hb.install_id)
                .bind(&hb.kid)
                .bind(&hb.version)
                .bind(&hb.ip)
                .bind(&hb.fingerprint)
                .bind(list_column(&hb.accepted_kids));
        }
        rows.execute(&mut *tx).await?;
        // One row per install (the latest heartbeat wins): an upsert may not touch a row twice.
        let installs = latest_per_install(batch);
        let sql = format!(
            "INSERT INTO installs (license_id, install_id, first_seen, last_seen, last_ip, \
             last_version) VALUES {} ON CONFLICT (license_id, install_id) DO UPDATE SET \
             last_seen = excluded.last_seen, last_ip = excluded.last_ip, \
             last_version = excluded.last_version",
            value_rows(installs.len(), 6)
        );
        let mut upsert = sqlx::query(&sql);
        for hb in &installs {
            upsert = upsert
                .bind(&hb.license_id)
                .bind(&hb.install_id)
                .bind(hb.at)
                .bind(hb.at)
                .bind(&hb.ip)
                .bind(&hb.version);
        }
        upsert.execute(&mut *tx).await?;
        // Every license of the batch in one statement (both engines have UPDATE ... FROM).
        let licenses = latest_per_license(batch);
        let sql = format!(
            "WITH seen (id, at) AS (VALUES {}) UPDATE licenses SET last_heartbeat_at = seen.at \
             FROM seen WHERE licenses.id = seen.id \
             AND (licenses.last_heartbeat_at IS NULL OR licenses.last_heartbeat_at < seen.at)",
            value_rows(licenses.len(), 2)
        );
        let mut seen = sqlx::query(&sql);
        for (license_id, at) in &licenses {
            seen = seen.bind(license_id).bind(*at);
        }
        seen.execute(&mut *tx).await?;
        // The latest usage report of each license; an older one never replaces a newer.
        let reports = latest_usage_per_license(batch);
        if !reports.is_empty() {
            let sql = format!(
                "INSERT INTO license_usage (license_id, install_id, reported_at, usage) \
                 VALUES {} ON CONFLICT (license_id) DO UPDATE SET \
                 install_id = excluded.install_id, reported_at = excluded.reported_at, \
                 usage = excluded.usage WHERE license_usage.reported_at <= excluded.reported_at",
                value_rows(reports.len(), 4)
            );
            let mut upsert = sqlx::query(&sql);
            for (hb, usage) in reports {
                upsert = upsert
                    .bind(&hb.license_id)
                    .bind(&hb.install_id)
                    .bind(hb.at)
                    .bind(usage);
            }
            upsert.execute(&mut *tx).await?;
        }
        let since = batch.iter().map(|hb| hb.at).min().unwrap_or_default() - 86_400;
        let sql = format!(
            "SELECT license_id, COUNT(*) AS n FROM installs WHERE last_seen >= $1 \
             AND license_id IN ({}) GROUP BY license_id",
            placeholders(2, licenses.len())
        );
        let mut counts = sqlx::query_as(&sql).bind(since);
        for (license_id, _) in &licenses {
            counts = counts.bind(license_id);
        }
        let counted: Vec<InstallCount> = counts.fetch_all(&mut *tx).await?;
        tx.commit().await?;
        let by_license: std::collections::HashMap<String, i64> =
            counted.into_iter().map(|c| (c.license_id, c.n)).collect();
        Ok(batch
            .iter()
            .map(|hb| by_license.get(&hb.license_id).copied().unwrap_or(1))
            .collect())
    }

    async fn recent_heartbeats(
        &self,
        license_id: &str,
        limit: i64,
    ) -> StoreResult<Vec<HeartbeatRow>> {
        Ok(sqlx::query_as(
            "SELECT at, install_id, kid, version, ip, fingerprint, accepted_kids FROM heartbeats \
             WHERE license_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(license_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn installs(
        &self,
        license_id: &str,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<InstallRow>> {
        Ok(sqlx::query_as(
            "SELECT install_id, first_seen, last_seen, last_ip, last_version FROM installs \
             WHERE license_id = $1 ORDER BY last_seen DESC, install_id LIMIT $2 OFFSET $3",
        )
        .bind(license_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn count_installs(&self, license_id: &str) -> StoreResult<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM installs WHERE license_id = $1")
                .bind(license_id)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn prune_installs(&self, before: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM installs WHERE last_seen < $1")
            .bind(before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn open_anomaly(&self, a: &AnomalyRow) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO anomalies (id, license_id, kind, detected_at, detail, resolved_at) \
             VALUES ($1, $2, $3, $4, $5, NULL) ON CONFLICT DO NOTHING",
        )
        .bind(&a.id)
        .bind(&a.license_id)
        .bind(a.kind)
        .bind(a.detected_at)
        .bind(&a.detail)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn anomalies(
        &self,
        license_id: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<AnomalyRow>> {
        Ok(match license_id {
            Some(id) => {
                sqlx::query_as(
                    "SELECT id, license_id, kind, detected_at, detail, resolved_at FROM anomalies \
                 WHERE license_id = $1 ORDER BY detected_at DESC LIMIT $2",
                )
                .bind(id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query_as(
                    "SELECT id, license_id, kind, detected_at, detail, resolved_at FROM anomalies \
                 WHERE resolved_at IS NULL ORDER BY detected_at DESC LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        })
    }

    async fn roll_up_heartbeats(&self, before: i64) -> StoreResult<u64> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO heartbeat_days (license_id, day, install_id, hits, last_version) \
             SELECT license_id, (at / 86400) * 86400, install_id, COUNT(*), MAX(version) \
             FROM heartbeats WHERE at < $1 GROUP BY 1, 2, 3 \
             ON CONFLICT (license_id, day, install_id) DO UPDATE \
             SET hits = heartbeat_days.hits + excluded.hits, last_version = excluded.last_version",
        )
        .bind(before)
        .execute(&mut *tx)
        .await?;
        let deleted = sqlx::query("DELETE FROM heartbeats WHERE at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(deleted.rows_affected())
    }

    async fn kid_adoption(&self, kid: &str, since: i64) -> StoreResult<KidAdoption> {
        Ok(sqlx::query_as(
            "SELECT COUNT(*) AS total, \
             COALESCE(SUM(CASE WHEN accepted_kids LIKE $2 THEN 1 ELSE 0 END), 0) AS accepting \
             FROM heartbeats WHERE at >= $1",
        )
        .bind(since)
        .bind(format!("%,{},%", kid.replace(['%', '_'], "")))
        .fetch_one(&self.pool)
        .await?)
    }

    async fn freshness(&self, now: i64) -> StoreResult<FreshnessCounts> {
        Ok(sqlx::query_as(
            "SELECT \
             COALESCE(SUM(CASE WHEN last_heartbeat_at >= $1 THEN 1 ELSE 0 END), 0) AS day, \
             COALESCE(SUM(CASE WHEN last_heartbeat_at < $1 AND last_heartbeat_at >= $2 THEN 1 ELSE 0 END), 0) AS week, \
             COALESCE(SUM(CASE WHEN last_heartbeat_at < $2 AND last_heartbeat_at >= $3 THEN 1 ELSE 0 END), 0) AS month, \
             COALESCE(SUM(CASE WHEN last_heartbeat_at < $3 THEN 1 ELSE 0 END), 0) AS stale, \
             COALESCE(SUM(CASE WHEN last_heartbeat_at IS NULL THEN 1 ELSE 0 END), 0) AS never \
             FROM licenses WHERE status = 'active'",
        )
        .bind(now - 86_400)
        .bind(now - 7 * 86_400)
        .bind(now - 30 * 86_400)
        .fetch_one(&self.pool)
        .await?)
    }
}
