//! One storage interface, two backends (SQLite and PostgreSQL) generated from the same SQL.
//!
//! Every mutation that matters takes the [`AuditEvent`] describing it and writes the change
//! and its hash-chained audit row in one transaction.

mod sql;

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;

pub use sql::{PostgresStore, SqliteStore};

use crate::auth::Role;

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
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Result of a storage call.
pub type StoreResult<T> = Result<T, StoreError>;

/// Lifecycle of a signing key (DESIGN.md, "Keys").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// Signs new tokens; exactly one at a time.
    Active,
    /// Verifies tokens and is published in the JWKS, signs nothing.
    Accepted,
    /// Kept for history; no unexpired license uses it.
    Retired,
}

impl KeyStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Active => "active",
            KeyStatus::Accepted => "accepted",
            KeyStatus::Retired => "retired",
        }
    }

    fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "active" => Ok(KeyStatus::Active),
            "accepted" => Ok(KeyStatus::Accepted),
            "retired" => Ok(KeyStatus::Retired),
            other => Err(StoreError::Corrupt(format!("key status {other:?}"))),
        }
    }
}

/// A signing key row. The private part, when present, is sealed under the KEK.
#[derive(Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LicenseRow {
    pub id: String,
    pub kid: String,
    pub token_sha256: String,
    pub customer_email: String,
    pub company: String,
    pub tax_id: Option<String>,
    pub tier: String,
    pub kind: String,
    pub product: String,
    pub plan: Option<String>,
    pub status: String,
    pub issued_at: i64,
    pub expires_at: Option<i64>,
    pub support_until: Option<i64>,
    /// The signed claims, as JSON.
    pub claims: String,
    pub created_at: i64,
}

/// A user of the Studio. The password is stored only as an argon2 PHC string.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub password_hash: String,
    pub created_at: i64,
}

impl Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// What happened, by whom, to what: one audit row to append.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// Before/after or other context, as JSON.
    pub detail: serde_json::Value,
}

/// A stored audit row with its place in the hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The storage interface every backend implements.
#[async_trait]
pub trait Store: Send + Sync + Debug {
    /// `sqlite` or `postgres`.
    fn backend_name(&self) -> &'static str;
    /// Applies pending migrations.
    async fn migrate(&self) -> StoreResult<()>;
    /// Answers whether the database is reachable.
    async fn ping(&self) -> StoreResult<()>;

    /// Adds a key; a second `active` key is a conflict.
    async fn insert_key(&self, key: &KeyRow, audit: &AuditEvent) -> StoreResult<()>;
    /// All keys, newest first.
    async fn list_keys(&self) -> StoreResult<Vec<KeyRow>>;
    /// One key by kid.
    async fn get_key(&self, kid: &str) -> StoreResult<Option<KeyRow>>;
    /// Makes `kid` the active key; the previous active key becomes accepted.
    async fn activate_key(&self, kid: &str, audit: &AuditEvent) -> StoreResult<()>;
    /// Marks `kid` retired.
    async fn retire_key(&self, kid: &str, audit: &AuditEvent) -> StoreResult<()>;
    /// Licenses signed by `kid` that are not expired at `now` and not revoked.
    async fn count_live_licenses_for_kid(&self, kid: &str, now: i64) -> StoreResult<i64>;

    /// Persists an issued license.
    async fn insert_license(&self, license: &LicenseRow, audit: &AuditEvent) -> StoreResult<()>;
    /// One license by id.
    async fn get_license(&self, id: &str) -> StoreResult<Option<LicenseRow>>;
    /// Number of licenses.
    async fn count_licenses(&self) -> StoreResult<i64>;

    /// Adds a user; a taken e-mail is a conflict.
    async fn insert_user(&self, user: &UserRow, audit: &AuditEvent) -> StoreResult<()>;
    /// One user by (normalised) e-mail.
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<UserRow>>;
    /// Number of users.
    async fn count_users(&self) -> StoreResult<i64>;

    /// Records a sign-in session by the SHA-256 of its cookie value.
    async fn insert_session(
        &self,
        token_sha256: &str,
        user_id: &str,
        created_at: i64,
        expires_at: i64,
    ) -> StoreResult<()>;
    /// The user behind an unexpired session.
    async fn session_user(&self, token_sha256: &str, now: i64) -> StoreResult<Option<UserRow>>;
    /// Ends a session.
    async fn delete_session(&self, token_sha256: &str) -> StoreResult<()>;

    /// Audit rows with `seq > after`, oldest first.
    async fn audit_page(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditRecord>>;
}

/// Opens the database named by `url` (`sqlite:` or `postgres://`). Does not migrate.
pub async fn connect(url: &str) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("postgres") {
        Ok(Arc::new(PostgresStore::connect(url).await?))
    } else {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    }
}
