//! The SQL behind [`Store`], written once and expanded for SQLite and PostgreSQL.
//!
//! The statements use `$n` placeholders and types both engines share (TEXT, BIGINT/INTEGER,
//! BLOB/BYTEA), so the two implementations differ only in how a pool is opened and which
//! migrations run.

use std::str::FromStr as _;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::Row as _;

use super::{
    AuditEvent, AuditRecord, KeyRow, KeyStatus, LicenseRow, Store, StoreError, StoreResult, UserRow,
};
use crate::audit::chain_hash;
use crate::auth::Role;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

const KEY_COLUMNS: &str =
    "kid, status, public_key, private_enc, created_at, activated_at, retired_at";
const LICENSE_COLUMNS: &str = "id, kid, token_sha256, customer_email, company, tax_id, tier, \
    kind, product, plan, status, issued_at, expires_at, support_until, claims, created_at";
const USER_COLUMNS: &str = "id, email, role, password_hash, created_at";

/// Turns a unique-constraint violation into a conflict naming `what`.
fn conflict_or(err: sqlx::Error, what: &str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(format!("{what} already exists"))
        }
        _ => StoreError::Database(err),
    }
}

/// SQLite, a file under the data dir (WAL) or in memory.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if missing) the SQLite database at `url`.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let path = options.get_filename();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Database(sqlx::Error::Io(e)))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }
}

/// PostgreSQL, for many instances sharing one database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to the PostgreSQL database at `url`.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        Ok(Self { pool })
    }
}

macro_rules! sql_store {
    ($store:ident, $db:ty, $row:ty, $name:literal, $migrations:ident) => {
        impl $store {
            fn key_from_row(row: &$row) -> StoreResult<KeyRow> {
                Ok(KeyRow {
                    kid: row.try_get("kid")?,
                    status: KeyStatus::parse(row.try_get::<&str, _>("status")?)?,
                    public_key: row.try_get("public_key")?,
                    private_enc: row.try_get("private_enc")?,
                    created_at: row.try_get("created_at")?,
                    activated_at: row.try_get("activated_at")?,
                    retired_at: row.try_get("retired_at")?,
                })
            }

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
                })
            }

            fn user_from_row(row: &$row) -> StoreResult<UserRow> {
                let role: &str = row.try_get("role")?;
                Ok(UserRow {
                    id: row.try_get("id")?,
                    email: row.try_get("email")?,
                    role: Role::parse(role)
                        .map_err(|_| StoreError::Corrupt(format!("user role {role:?}")))?,
                    password_hash: row.try_get("password_hash")?,
                    created_at: row.try_get("created_at")?,
                })
            }

            /// Appends `event` to the hash chain inside `tx`. The head row's update serialises
            /// concurrent writers on both engines.
            async fn append_audit(
                tx: &mut sqlx::Transaction<'_, $db>,
                event: &AuditEvent,
            ) -> StoreResult<()> {
                let head = sqlx::query(
                    "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
                )
                .fetch_one(&mut **tx)
                .await?;
                let seq: i64 = head.try_get("seq")?;
                let prev: String = head.try_get("hash")?;
                let detail = event.detail.to_string();
                let hash = chain_hash(
                    &prev, seq, event.at, &event.actor, &event.action, &event.subject, &detail,
                );
                sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
                    .bind(&hash)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(seq)
                .bind(event.at)
                .bind(&event.actor)
                .bind(&event.action)
                .bind(&event.subject)
                .bind(&detail)
                .bind(&prev)
                .bind(&hash)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            async fn set_key_status(
                &self,
                kid: &str,
                status: KeyStatus,
                audit: &AuditEvent,
            ) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                if status == KeyStatus::Active {
                    sqlx::query(
                        "UPDATE signing_keys SET status = 'accepted' WHERE status = 'active'",
                    )
                    .execute(&mut *tx)
                    .await?;
                }
                let column = match status {
                    KeyStatus::Retired => "retired_at",
                    _ => "activated_at",
                };
                let sql = format!(
                    "UPDATE signing_keys SET status = $1, {column} = $2 WHERE kid = $3"
                );
                let done = sqlx::query(&sql)
                    .bind(status.as_str())
                    .bind(audit.at)
                    .bind(kid)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!("key {kid}")));
                }
                Self::append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }
        }

        #[async_trait]
        impl Store for $store {
            fn backend_name(&self) -> &'static str {
                $name
            }

            async fn migrate(&self) -> StoreResult<()> {
                $migrations.run(&self.pool).await?;
                Ok(())
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn insert_key(&self, key: &KeyRow, audit: &AuditEvent) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                let sql = format!(
                    "INSERT INTO signing_keys ({KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                );
                sqlx::query(&sql)
                    .bind(&key.kid)
                    .bind(key.status.as_str())
                    .bind(&key.public_key)
                    .bind(&key.private_enc)
                    .bind(key.created_at)
                    .bind(key.activated_at)
                    .bind(key.retired_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, &format!("key {} (or an active key)", key.kid)))?;
                Self::append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_keys(&self) -> StoreResult<Vec<KeyRow>> {
                let sql = format!(
                    "SELECT {KEY_COLUMNS} FROM signing_keys ORDER BY created_at DESC, kid"
                );
                let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
                rows.iter().map(Self::key_from_row).collect()
            }

            async fn get_key(&self, kid: &str) -> StoreResult<Option<KeyRow>> {
                let sql = format!("SELECT {KEY_COLUMNS} FROM signing_keys WHERE kid = $1");
                let row = sqlx::query(&sql).bind(kid).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::key_from_row).transpose()
            }

            async fn activate_key(&self, kid: &str, audit: &AuditEvent) -> StoreResult<()> {
                self.set_key_status(kid, KeyStatus::Active, audit).await
            }

            async fn retire_key(&self, kid: &str, audit: &AuditEvent) -> StoreResult<()> {
                self.set_key_status(kid, KeyStatus::Retired, audit).await
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

            async fn insert_license(&self, l: &LicenseRow, audit: &AuditEvent) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                let sql = format!(
                    "INSERT INTO licenses ({LICENSE_COLUMNS}) VALUES \
                     ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
                );
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
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, &format!("license {}", l.id)))?;
                Self::append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_license(&self, id: &str) -> StoreResult<Option<LicenseRow>> {
                let sql = format!("SELECT {LICENSE_COLUMNS} FROM licenses WHERE id = $1");
                let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::license_from_row).transpose()
            }

            async fn count_licenses(&self) -> StoreResult<i64> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM licenses")
                    .fetch_one(&self.pool)
                    .await?;
                Ok(row.try_get("n")?)
            }

            async fn insert_user(&self, user: &UserRow, audit: &AuditEvent) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                let sql =
                    format!("INSERT INTO users ({USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5)");
                sqlx::query(&sql)
                    .bind(&user.id)
                    .bind(&user.email)
                    .bind(user.role.as_str())
                    .bind(&user.password_hash)
                    .bind(user.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, &format!("a user with e-mail {}", user.email)))?;
                Self::append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<UserRow>> {
                let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
                let row = sqlx::query(&sql).bind(email).fetch_optional(&self.pool).await?;
                row.as_ref().map(Self::user_from_row).transpose()
            }

            async fn count_users(&self) -> StoreResult<i64> {
                let row =
                    sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(&self.pool).await?;
                Ok(row.try_get("n")?)
            }

            async fn insert_session(
                &self,
                token_sha256: &str,
                user_id: &str,
                created_at: i64,
                expires_at: i64,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO sessions (token_sha256, user_id, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(token_sha256)
                .bind(user_id)
                .bind(created_at)
                .bind(expires_at)
                .execute(&self.pool)
                .await
                .map_err(|e| conflict_or(e, "session"))?;
                Ok(())
            }

            async fn session_user(
                &self,
                token_sha256: &str,
                now: i64,
            ) -> StoreResult<Option<UserRow>> {
                let row = sqlx::query(
                    "SELECT u.id, u.email, u.role, u.password_hash, u.created_at FROM sessions s \
                     JOIN users u ON u.id = s.user_id WHERE s.token_sha256 = $1 AND s.expires_at > $2",
                )
                    .bind(token_sha256)
                    .bind(now)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::user_from_row).transpose()
            }

            async fn delete_session(&self, token_sha256: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1")
                    .bind(token_sha256)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn audit_page(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditRecord>> {
                let rows = sqlx::query(
                    "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log \
                     WHERE seq > $1 ORDER BY seq LIMIT $2",
                )
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(AuditRecord {
                            seq: row.try_get("seq")?,
                            at: row.try_get("at")?,
                            actor: row.try_get("actor")?,
                            action: row.try_get("action")?,
                            subject: row.try_get("subject")?,
                            detail: row.try_get("detail")?,
                            prev_hash: row.try_get("prev_hash")?,
                            hash: row.try_get("hash")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

sql_store!(
    SqliteStore,
    sqlx::Sqlite,
    sqlx::sqlite::SqliteRow,
    "sqlite",
    SQLITE_MIGRATIONS
);
sql_store!(
    PostgresStore,
    sqlx::Postgres,
    sqlx::postgres::PgRow,
    "postgres",
    POSTGRES_MIGRATIONS
);
