//! Reading licenses: the searchable list and everything the detail page shows.

use crate::store::{
    AnomalyRow, AuditFilter, AuditRecord, HeartbeatRow, InstallRow, KeyStatus, LicensePage,
    LicenseQuery, LicenseRow, LicenseStatus,
};
use crate::{now, Backend, Result};

/// Largest page the list serves.
pub const MAX_PAGE: i64 = 200;

/// Installs shown per page on the detail page.
pub const INSTALLS_PER_PAGE: i64 = 20;

/// Everything known about one license.
#[derive(Debug, Clone)]
pub struct LicenseDetail {
    /// The license, with the claims of its current token.
    pub license: LicenseRow,
    /// Status history: this license's audit rows, newest first.
    pub history: Vec<AuditRecord>,
    /// The last 100 heartbeats.
    pub heartbeats: Vec<HeartbeatRow>,
    /// One page of the installs seen, most recent first ([`INSTALLS_PER_PAGE`] a page).
    pub installs: Vec<InstallRow>,
    /// How many installs were seen in all (those unseen for 90 days are pruned).
    pub installs_total: i64,
    /// Which page of installs this is, from 0.
    pub installs_page: i64,
    pub anomalies: Vec<AnomalyRow>,
    /// The status of the key that signed the current token (`None` if the key is gone).
    pub key_status: Option<KeyStatus>,
    /// The key that signed it is no longer the active one: resend before retiring that key.
    pub rotate_before_retire: bool,
    /// Seconds of support left (negative once over).
    pub support_left_secs: Option<i64>,
    /// Whether it may be refunded from Tessera now, and why not.
    pub refund: crate::commerce::Refundable,
}

impl Backend {
    /// A page of licenses matching `query` (its `now` and `limit` are set here).
    pub async fn list_licenses(&self, mut query: LicenseQuery) -> Result<LicensePage> {
        self.vendor_only()?;
        let texts = [
            ("q", &query.search),
            ("email", &query.email),
            ("niche", &query.niche),
        ];
        for (field, value) in texts {
            if let Some(value) = value {
                crate::input::printable(field, value)?;
            }
        }
        query.now = now();
        query.limit = if query.limit <= 0 {
            50
        } else {
            query.limit.min(MAX_PAGE)
        };
        Ok(self.store.list_licenses(&query).await?)
    }

    /// The detail page's data, with the first page of installs.
    pub async fn license_detail(&self, id: &str) -> Result<LicenseDetail> {
        self.license_detail_page(id, 0).await
    }

    /// The detail page's data, with page `installs_page` (from 0) of the installs seen.
    pub async fn license_detail_page(&self, id: &str, installs_page: i64) -> Result<LicenseDetail> {
        self.vendor_only()?;
        let installs_page = installs_page.clamp(0, 1_000_000);
        let license = self.get_license(id).await?;
        let filter = AuditFilter {
            subject: Some(id.to_string()),
            ..AuditFilter::default()
        };
        let history = self.store.audit_search(&filter, None, 100).await?;
        let heartbeats = self.store.recent_heartbeats(id, 100).await?;
        let installs = self
            .store
            .installs(id, INSTALLS_PER_PAGE, installs_page * INSTALLS_PER_PAGE)
            .await?;
        let installs_total = self.store.count_installs(id).await?;
        let anomalies = self.store.anomalies(Some(id), 50).await?;
        let key_status = self.store.get_key(&license.kid).await?.map(|k| k.status);
        let refund = self.refundable(&license).await?;
        let at = now();
        Ok(LicenseDetail {
            refund,
            rotate_before_retire: license.status == LicenseStatus::Active
                && key_status != Some(KeyStatus::Active),
            support_left_secs: license.support_until.map(|until| until - at),
            license,
            history,
            heartbeats,
            installs,
            installs_total,
            installs_page,
            anomalies,
            key_status,
        })
    }
}
