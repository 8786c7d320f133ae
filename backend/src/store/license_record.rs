//! A `licenses` row as the database holds it, and the one place it becomes a [`LicenseRow`]
//! (the claims snapshot parsed, the niches list read).

use tessera_license::vocab::{LicenseKind, LicenseStatus, Tier};

use super::{list_from_column, LicenseRow, StoreError, StoreResult};

/// The columns of `licenses`, in the order [`LicenseRecord`] and inserts use.
pub(super) const COLUMNS: &str =
    "id, kid, token_sha256, customer_email, company, tax_id, tier, kind, \
    product, plan, status, issued_at, expires_at, support_until, claims, created_at, niches, \
    revoked_at, revoke_reason, last_heartbeat_at, multi_install_until, replaced_by, \
    transferred_from, email_lc, company_lc, tax_id_lc";

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
            niches: list_from_column(&r.niches),
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

pub(super) fn claims_column(claims: &tessera_license::Claims) -> StoreResult<String> {
    serde_json::to_string(claims).map_err(|e| StoreError::Corrupt(format!("claims: {e}")))
}
