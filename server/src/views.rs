//! The JSON that leaves Tessera through the REST API and `--json` on the CLI: one type per
//! answer, each field once, claims as an object. Snapshot tests pin these shapes.

use serde::Serialize;
use tessera_backend::licenses::query::LicenseDetail;
use tessera_backend::licenses::Issued;
use tessera_backend::store::{
    AnomalyRow, AuditRecord, HeartbeatRow, InstallRow, KeyStatus, LicensePage, LicenseRow,
};
use tessera_license::vocab::{AuditAction, LicenseKind, LicenseStatus, Tier};
use tessera_license::Claims;

/// A license: what is stored about it, and the claims of its current token.
#[derive(Debug, Serialize)]
pub struct LicenseJson {
    pub id: String,
    pub status: LicenseStatus,
    pub tier: Tier,
    pub kind: LicenseKind,
    pub product: String,
    pub plan: Option<String>,
    pub customer: CustomerJson,
    /// The key that signed the current token.
    pub kid: String,
    /// SHA-256 of the current token (the token itself is never stored).
    pub token_sha256: String,
    pub created_at: i64,
    /// When the current token was signed.
    pub issued_at: i64,
    pub expires_at: Option<i64>,
    pub support_until: Option<i64>,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
    pub last_heartbeat_at: Option<i64>,
    pub multi_install_until: Option<i64>,
    pub replaced_by: Option<String>,
    pub transferred_from: Option<String>,
    pub claims: Claims,
}

/// Who holds a license.
#[derive(Debug, Serialize)]
pub struct CustomerJson {
    pub email: String,
    pub company: String,
    pub tax_id: Option<String>,
}

impl From<LicenseRow> for LicenseJson {
    fn from(l: LicenseRow) -> Self {
        Self {
            id: l.id,
            status: l.status,
            tier: l.tier,
            kind: l.kind,
            product: l.product,
            plan: l.plan,
            customer: CustomerJson {
                email: l.customer_email,
                company: l.company,
                tax_id: l.tax_id,
            },
            kid: l.kid,
            token_sha256: l.token_sha256,
            created_at: l.created_at,
            issued_at: l.issued_at,
            expires_at: l.expires_at,
            support_until: l.support_until,
            revoked_at: l.revoked_at,
            revoke_reason: l.revoke_reason,
            last_heartbeat_at: l.last_heartbeat_at,
            multi_install_until: l.multi_install_until,
            replaced_by: l.replaced_by,
            transferred_from: l.transferred_from,
            claims: l.claims,
        }
    }
}

/// A license just signed, with its token: the only time the token is shown.
#[derive(Debug, Serialize)]
pub struct IssuedJson {
    pub license: LicenseJson,
    pub token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mail_error: Option<String>,
}

impl From<Issued> for IssuedJson {
    fn from(issued: Issued) -> Self {
        Self {
            license: issued.license.into(),
            token: issued.token,
            mail_error: issued.mail_error,
        }
    }
}

/// A page of licenses.
#[derive(Debug, Serialize)]
pub struct LicenseListJson {
    /// Matching licenses in all, up to a cap (`total_capped` says it was reached).
    pub total: i64,
    pub total_capped: bool,
    pub licenses: Vec<LicenseJson>,
}

impl From<LicensePage> for LicenseListJson {
    fn from(page: LicensePage) -> Self {
        Self {
            total: page.total,
            total_capped: page.total_capped,
            licenses: page.rows.into_iter().map(Into::into).collect(),
        }
    }
}

/// Everything known about one license (`tessera license show --json`).
#[derive(Debug, Serialize)]
pub struct LicenseDetailJson {
    pub license: LicenseJson,
    /// The status of the key that signed the current token (absent if the key is gone).
    pub key_status: Option<KeyStatus>,
    /// The signing key is no longer the active one: resend before retiring it.
    pub rotate_before_retire: bool,
    /// This license's audit rows, newest first.
    pub history: Vec<AuditJson>,
    pub heartbeats: Vec<HeartbeatRow>,
    pub installs: Vec<InstallRow>,
    pub installs_total: i64,
    pub anomalies: Vec<AnomalyRow>,
}

impl From<LicenseDetail> for LicenseDetailJson {
    fn from(d: LicenseDetail) -> Self {
        Self {
            license: d.license.into(),
            key_status: d.key_status,
            rotate_before_retire: d.rotate_before_retire,
            history: d.history.into_iter().map(Into::into).collect(),
            heartbeats: d.heartbeats,
            installs: d.installs,
            installs_total: d.installs_total,
            anomalies: d.anomalies,
        }
    }
}

/// An audit row, its detail as an object. (Its chain hashes are checked by
/// `tessera audit verify`; they are not repeated here.)
#[derive(Debug, Serialize)]
pub struct AuditJson {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: AuditAction,
    pub subject: String,
    pub detail: serde_json::Value,
}

impl From<AuditRecord> for AuditJson {
    fn from(r: AuditRecord) -> Self {
        Self {
            detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::String(r.detail)),
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            subject: r.subject,
        }
    }
}
