//! What an org holds: its licenses and subscriptions, and its trials. A trial's license,
//! its org tie and its trial row are written in one transaction; a purchase ties its license
//! to the org inside the commerce write (`link_org_in`).

use async_trait::async_trait;
use tessera_license::vocab::{LicenseKind, LicenseStatus, OrgRole, SupersedeReason, Tier};

use super::chain::ChainHead;
use super::license_record::{LicenseRecord, COLUMNS};
use super::org_rows::{NewOrg, OrgLink, TrialRow};
use super::{
    AuditAction, AuditEvent, LicenseRow, RowsAffected, SqlStore, StoreError, StoreResult,
    SubscriptionRow,
};

const TRIAL_COLUMNS: &str =
    "id, org_id, product_id, round, license_id, started_at, ends_at, converted_at";

/// An org's licenses, subscriptions and trials.
#[async_trait]
pub trait TrialStore {
    /// The org's licenses, newest first.
    async fn org_licenses(&self, org_id: &str) -> StoreResult<Vec<LicenseRow>>;
    /// The subscriptions paying for the org's licenses.
    async fn org_subscriptions(&self, org_id: &str) -> StoreResult<Vec<SubscriptionRow>>;
    /// The org's trials, newest first.
    async fn org_trials(&self, org_id: &str) -> StoreResult<Vec<TrialRow>>;
    /// The Stripe charge of the org's latest payment that has one.
    async fn org_latest_charge(&self, org_id: &str) -> StoreResult<Option<String>>;
    /// Stores a trial's license, ties it to its org (made first when `create` is set) and
    /// records the trial. A trial of the same round already written is a conflict.
    async fn start_trial(
        &self,
        license: &LicenseRow,
        trial: &TrialRow,
        create: Option<&NewOrg>,
        audits: &[AuditEvent],
    ) -> StoreResult<()>;
}

#[async_trait]
impl<DB> TrialStore for SqlStore<DB>
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
    for<'r> (String,): sqlx::FromRow<'r, DB::Row>,
    DB::QueryResult: RowsAffected,
    for<'q> AuditAction: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> OrgRole: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> LicenseStatus: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Tier: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> LicenseKind: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> SupersedeReason: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> ChainHead: sqlx::FromRow<'r, DB::Row>,
    for<'r> LicenseRecord: sqlx::FromRow<'r, DB::Row>,
    for<'r> SubscriptionRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> TrialRow: sqlx::FromRow<'r, DB::Row>,
    for<'r> super::OrgRow: sqlx::FromRow<'r, DB::Row>,
{
    async fn org_licenses(&self, org_id: &str) -> StoreResult<Vec<LicenseRow>> {
        let records: Vec<LicenseRecord> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM licenses WHERE org_id = $1 ORDER BY created_at DESC, id DESC"
        ))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        records.into_iter().map(LicenseRow::try_from).collect()
    }

    async fn org_latest_charge(&self, org_id: &str) -> StoreResult<Option<String>> {
        let latest: Option<(String,)> = sqlx::query_as(
            "SELECT p.charge_id FROM payments p JOIN licenses l ON l.id = p.license_id \
             WHERE l.org_id = $1 AND p.charge_id IS NOT NULL \
             ORDER BY p.paid_at DESC, p.id DESC LIMIT 1",
        )
        .bind(org_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(latest.map(|(charge,)| charge))
    }

    async fn org_subscriptions(&self, org_id: &str) -> StoreResult<Vec<SubscriptionRow>> {
        Ok(sqlx::query_as(
            "SELECT s.id, s.license_id, s.checkout_id, s.customer_id, s.status, s.lookup_key, \
             s.seats, s.current_period_end, s.cancel_at_period_end, s.ended_at, s.updated_at \
             FROM subscriptions s JOIN licenses l ON l.id = s.license_id WHERE l.org_id = $1",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn org_trials(&self, org_id: &str) -> StoreResult<Vec<TrialRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {TRIAL_COLUMNS} FROM trials WHERE org_id = $1 ORDER BY started_at DESC, round DESC"
        ))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn start_trial(
        &self,
        license: &LicenseRow,
        t: &TrialRow,
        create: Option<&NewOrg>,
        audits: &[AuditEvent],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        if let Some(new) = create {
            Self::insert_org_in(&mut tx, new).await?;
        }
        Self::insert_license_in(&mut tx, license).await?;
        sqlx::query("UPDATE licenses SET org_id = $1 WHERE id = $2")
            .bind(&t.org_id)
            .bind(&license.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!(
            "INSERT INTO trials ({TRIAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(&t.id)
        .bind(&t.org_id)
        .bind(&t.product_id)
        .bind(t.round)
        .bind(&t.license_id)
        .bind(t.started_at)
        .bind(t.ends_at)
        .bind(t.converted_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict("trial_started: this trial was started a moment ago".into())
            }
            _ => StoreError::Database(e),
        })?;
        self.append_audits(&mut tx, audits).await?;
        tx.commit().await?;
        Ok(())
    }
}

impl<DB> SqlStore<DB>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB> + Default,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> OrgRole: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> (i64,): sqlx::FromRow<'r, DB::Row>,
    for<'r> (String,): sqlx::FromRow<'r, DB::Row>,
    for<'r> super::OrgRow: sqlx::FromRow<'r, DB::Row>,
{
    /// Ties a purchase's license to its org inside a commerce write: makes the org when it is
    /// new, remembers its Stripe customer, and marks an open trial of the product converted.
    pub(super) async fn link_org_in(
        tx: &mut sqlx::Transaction<'_, DB>,
        link: &OrgLink,
        at: i64,
    ) -> StoreResult<()> {
        if let Some(new) = &link.create {
            Self::insert_org_in(tx, new).await?;
        }
        sqlx::query("UPDATE licenses SET org_id = $1 WHERE id = $2")
            .bind(&link.org_id)
            .bind(&link.license_id)
            .execute(&mut **tx)
            .await?;
        if let Some(customer) = &link.stripe_customer {
            sqlx::query(
                "UPDATE orgs SET stripe_customer_id = $1 WHERE id = $2 \
                 AND stripe_customer_id IS NULL \
                 AND NOT EXISTS (SELECT 1 FROM orgs o WHERE o.stripe_customer_id = $1)",
            )
            .bind(customer)
            .bind(&link.org_id)
            .execute(&mut **tx)
            .await?;
        }
        sqlx::query(
            "UPDATE trials SET converted_at = $1 \
             WHERE org_id = $2 AND product_id = $3 AND converted_at IS NULL",
        )
        .bind(at)
        .bind(&link.org_id)
        .bind(&link.product_id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
