//! Heartbeats (raw rows for 90 days, then per-day roll-ups), the installs seen per license,
//! and anomalies.

use async_trait::async_trait;
use serde::Serialize;
use tessera_license::vocab::AnomalyKind;

use super::chain::ChainHead;
use super::{placeholders, value_rows};
use super::{AuditAction, RowsAffected, SqlStore, StoreResult};

/// One heartbeat to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatRecord {
    pub license_id: String,
    pub at: i64,
    pub install_id: String,
    pub kid: Option<String>,
    pub version: String,
    pub ip: String,
    pub fingerprint: Option<String>,
    pub accepted_kids: Vec<String>,
}

/// A stored heartbeat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct HeartbeatRow {
    pub at: i64,
    pub install_id: String,
    pub kid: Option<String>,
    pub version: String,
    pub ip: String,
    pub fingerprint: Option<String>,
    #[sqlx(try_from = "String")]
    pub accepted_kids: KidList,
}

/// The kids a heartbeat said its install accepts (stored as `,a,b,`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct KidList(pub Vec<String>);

impl From<String> for KidList {
    fn from(column: String) -> Self {
        Self(kids_from_column(&column))
    }
}

/// An install id seen for a license.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct InstallRow {
    pub install_id: String,
    pub first_seen: i64,
    pub last_seen: i64,
    pub last_ip: String,
    pub last_version: String,
}

/// Something about a license that an operator should look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AnomalyRow {
    pub id: String,
    pub license_id: String,
    pub kind: AnomalyKind,
    pub detected_at: i64,
    pub detail: String,
    pub resolved_at: Option<i64>,
}

/// What a retention run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    /// Raw rows folded into per-day rows and deleted.
    pub rolled_up: u64,
    /// Installs forgotten after 90 days unseen.
    pub installs_pruned: u64,
    /// Expired sign-in sessions deleted.
    pub sessions_purged: u64,
}

/// How many recent heartbeats there were, and how many of them came from installs that
/// accept a given key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct KidAdoption {
    pub total: i64,
    pub accepting: i64,
}

/// Heartbeat freshness of active licenses: < 24 h, < 7 d, 7–30 d, ≥ 30 d, never.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct FreshnessCounts {
    pub day: i64,
    pub week: i64,
    pub month: i64,
    pub stale: i64,
    pub never: i64,
}

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

/// Installs seen for one license in a window.
#[derive(Debug, sqlx::FromRow)]
pub struct InstallCount {
    pub license_id: String,
    pub n: i64,
}

fn kids_column(kids: &[String]) -> String {
    let mut out = String::from(",");
    for kid in kids {
        out.push_str(kid);
        out.push(',');
    }
    out
}

fn kids_from_column(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The latest heartbeat of each (license, install) in a batch.
fn latest_per_install(batch: &[HeartbeatRecord]) -> Vec<&HeartbeatRecord> {
    let mut latest: std::collections::HashMap<(&str, &str), &HeartbeatRecord> =
        std::collections::HashMap::new();
    for hb in batch {
        let slot = latest
            .entry((hb.license_id.as_str(), hb.install_id.as_str()))
            .or_insert(hb);
        if hb.at >= slot.at {
            *slot = hb;
        }
    }
    latest.into_values().collect()
}

/// Each license in a batch with its latest heartbeat time.
fn latest_per_license(batch: &[HeartbeatRecord]) -> Vec<(String, i64)> {
    let mut latest: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for hb in batch {
        let at = latest.entry(hb.license_id.as_str()).or_insert(hb.at);
        *at = (*at).max(hb.at);
    }
    latest
        .into_iter()
        .map(|(id, at)| (id.to_string(), at))
        .collect()
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
                .bind(kids_column(&hb.accepted_kids));
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
