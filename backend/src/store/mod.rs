//! One storage interface, two backends (SQLite and PostgreSQL) generated from the same SQL.
//!
//! Every mutation that matters takes the [`AuditEvent`] describing it and writes the change
//! and its hash-chained audit row in one transaction.

mod api_tokens;
mod audit;
mod catalog;
pub mod chain;
mod commerce;
mod commerce_rows;
mod engines;
mod heartbeat_rows;
mod heartbeats;
mod install;
mod keys;
mod license_query;
mod license_record;
mod license_tx;
mod licenses;
mod org_rows;
mod org_tx;
mod orgs;
mod outbox;
mod payments;
mod seats;
mod superseded;
mod trials;
mod usage;
mod users;
mod webhooks;

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;

pub use api_tokens::{ApiTokenRow, ApiTokenStore, Scopes};
pub use audit::{AuditFilter, AuditStore};
pub use catalog::{CatalogStore, CatalogWrite, CouponRow, PlanRow, ProductRow};
pub use commerce::{
    Applied, CheckoutRow, CommerceStore, CommerceWrite, LicenseWrite, PaymentChange, PaymentRow,
    StripeEventRow, SubscriptionRow,
};
pub use engines::{PostgresStore, RowsAffected, SqlStore, SqliteStore};
pub use heartbeat_rows::{
    AnomalyRow, FreshnessCounts, HeartbeatRecord, HeartbeatRow, InstallRow, KidAdoption, KidList,
    RetentionReport,
};
pub use heartbeats::HeartbeatStore;
pub use install::{InstallStateRow, InstallStore, VendorAnswer};
pub use keys::KeyStore;
pub use licenses::{
    LicenseCursor, LicensePage, LicenseQuery, LicenseStanding, LicenseStore, WeekCount, COUNT_CAP,
};
pub use org_rows::{
    CustomerRow, LinkRefusal, MemberRow, MembershipRow, NewOrg, OrgLink, OrgRow, OrgSummaryRow,
    SignInLinkRow, TrialRow,
};
pub use orgs::OrgStore;
pub use outbox::{OutboxBacklog, OutboxEvent, OutboxRow, OutboxStore};
pub use payments::{PaymentQuery, PaymentStore, PaymentTotal};
pub use seats::{GrantRow, RoleRecord, SeatCheck, SeatStore};
pub use superseded::{SupersededStore, SupersededToken};
pub use trials::TrialStore;
pub use usage::{CapUsageRow, UsageRow, UsageStore};
pub use users::{AccountChange, UserStore};
pub use webhooks::{Attempt, DeliveryRow, DueDelivery, EndpointRow, WebhookStore};

pub use tessera_license::vocab::{
    AnomalyKind, AuditAction, CheckoutStatus, Freshness, KeyStatus, LicenseSort, LicenseStatus,
    OrgRole, PaymentStatus, Role, StatusFilter, SupersedeReason, SupportFilter,
};
use tessera_license::vocab::{LicenseKind, Tier};
use tessera_license::Claims;

/// Storage failures. Unique-constraint violations surface as [`StoreError::Conflict`].
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique value is already taken.
    #[error("{0}")]
    Conflict(String),
    /// The row to change does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A stored value could not be read back.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A change would raise an active count past the caps of this Tessera's tier.
    #[error("{cap}: at most {limit}")]
    CapReached { cap: &'static str, limit: i64 },
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Result of a storage call.
pub type StoreResult<T> = Result<T, StoreError>;

/// A signing key row. The private part, when present, is sealed under the KEK.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct KeyRow {
    pub kid: String,
    pub status: KeyStatus,
    pub public_key: Vec<u8>,
    pub private_enc: Option<Vec<u8>>,
    pub created_at: i64,
    pub activated_at: Option<i64>,
    pub retired_at: Option<i64>,
}

impl Debug for KeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRow")
            .field("kid", &self.kid)
            .field("status", &self.status)
            .field("has_private", &self.private_enc.is_some())
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// A license as stored: the token's SHA-256 and a snapshot of its claims, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseRow {
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
    /// Expiry is not a status: it is read from `expires_at`.
    pub status: LicenseStatus,
    /// When the current token was signed.
    pub issued_at: i64,
    pub expires_at: Option<i64>,
    pub support_until: Option<i64>,
    /// The signed claims of the current token (stored as JSON, read back by the store).
    pub claims: Claims,
    /// When the license was first issued.
    pub created_at: i64,
    pub niches: Vec<String>,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
    pub last_heartbeat_at: Option<i64>,
    pub multi_install_until: Option<i64>,
    pub replaced_by: Option<String>,
    pub transferred_from: Option<String>,
}

/// A user of the Studio. The password is stored only as an argon2 PHC string.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub password_hash: String,
    pub created_at: i64,
    /// When a sysadmin disabled the account; a disabled user cannot sign in.
    pub disabled_at: Option<i64>,
    /// The password was generated or reset: the user must choose a new one at sign-in.
    pub must_change_password: bool,
}

impl Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("role", &self.role)
            .field("disabled_at", &self.disabled_at)
            .field("must_change_password", &self.must_change_password)
            .finish_non_exhaustive()
    }
}

/// What happened, by whom, to what: one audit row to append.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub at: i64,
    pub actor: String,
    pub action: AuditAction,
    pub subject: String,
    /// Before/after or other context, as JSON.
    pub detail: serde_json::Value,
}

/// A stored audit row with its place in the hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: AuditAction,
    pub subject: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The storage interface every backend implements: one trait per feature, all of them.
pub trait Store:
    Engine
    + AuditStore
    + KeyStore
    + LicenseStore
    + UserStore
    + HeartbeatStore
    + ApiTokenStore
    + SupersededStore
    + InstallStore
    + SeatStore
    + OutboxStore
    + WebhookStore
    + CatalogStore
    + CommerceStore
    + PaymentStore
    + OrgStore
    + TrialStore
    + UsageStore
{
}

impl<T> Store for T where
    T: Engine
        + AuditStore
        + KeyStore
        + LicenseStore
        + UserStore
        + HeartbeatStore
        + ApiTokenStore
        + SupersededStore
        + InstallStore
        + SeatStore
        + OutboxStore
        + WebhookStore
        + CatalogStore
        + CommerceStore
        + PaymentStore
        + OrgStore
        + TrialStore
        + UsageStore
{
}

/// Engine-level operations.
#[async_trait]
pub trait Engine: Send + Sync + Debug {
    /// `sqlite` or `postgres`.
    fn backend_name(&self) -> &'static str;
    /// Applies pending migrations.
    async fn migrate(&self) -> StoreResult<()>;
    /// Answers whether the database is reachable.
    async fn ping(&self) -> StoreResult<()>;
}

/// Opens the database named by `url` (`sqlite:` or `postgres://`). Does not migrate.
pub async fn connect(url: &str) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("postgres") {
        Ok(Arc::new(PostgresStore::connect(url).await?))
    } else {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    }
}

/// Turns a unique-constraint violation into a conflict naming `what`.
pub(crate) fn conflict_or(err: sqlx::Error, what: &str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(format!("{what} already exists"))
        }
        _ => StoreError::Database(err),
    }
}

/// A value bound to a dynamically built statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bind {
    Int(i64),
    Text(String),
}

/// Conditions and their values for a dynamically built `WHERE`, with `$n` placeholders.
#[derive(Debug, Default)]
pub(crate) struct Filter {
    conditions: Vec<String>,
    pub(crate) binds: Vec<Bind>,
}

impl Filter {
    /// Adds a value and returns its placeholder.
    pub(crate) fn bind(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    /// Adds a condition; each `?` in it takes the next of `values`.
    pub(crate) fn push(&mut self, sql: &str, values: impl IntoIterator<Item = Bind>) {
        let mut values = values.into_iter();
        let mut out = String::with_capacity(sql.len() + 8);
        for c in sql.chars() {
            match (c, c == '?') {
                (_, true) => {
                    let value = values.next().expect("one value per placeholder");
                    out.push_str(&self.bind(value));
                }
                (c, false) => out.push(c),
            }
        }
        self.conditions.push(out);
    }

    /// `WHERE a AND b`, or nothing.
    pub(crate) fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.conditions.join(" AND "))
        }
    }
}

/// A list stored in one text column as `,a,b,` (so `LIKE '%,a,%'` finds an item).
pub(crate) fn list_column(items: &[String]) -> String {
    let mut out = String::from(",");
    for item in items {
        out.push_str(item);
        out.push(',');
    }
    out
}

/// Reads what [`list_column`] wrote.
pub(crate) fn list_from_column(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// `$first, $first+1, ...`: `count` placeholders.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `($1, $2), ($3, $4), ...`: placeholders for `rows` rows of `columns` values each.
pub(crate) fn value_rows(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|row| format!("({})", placeholders(1 + row * columns, columns)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Binds a list of [`Bind`] values to a query, in order.
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                $crate::store::Bind::Int(v) => query.bind(*v),
                $crate::store::Bind::Text(v) => query.bind(v.clone()),
            };
        }
        query
    }};
}
pub(crate) use bind_all;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_round_trips_through_its_column() {
        let niches = vec!["hotels".to_string(), "coworking".to_string()];
        assert_eq!(list_column(&niches), ",hotels,coworking,");
        assert_eq!(list_from_column(",hotels,coworking,"), niches);
        assert!(list_from_column(",").is_empty());
    }

    #[test]
    fn placeholders_number_rows_of_values_in_order() {
        assert_eq!(placeholders(2, 3), "$2, $3, $4");
        assert_eq!(value_rows(2, 2), "($1, $2), ($3, $4)");
    }
}
