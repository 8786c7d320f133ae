//! Users and sign-in sessions.

use async_trait::async_trait;
use sqlx::Row as _;

use super::{
    conflict_or, AuditEvent, PostgresStore, SqliteStore, StoreError, StoreResult, UserRow,
};
use crate::auth::Role;

/// Users and their sessions.
#[async_trait]
pub trait UserStore {
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
}

const COLUMNS: &str = "id, email, role, password_hash, created_at";

macro_rules! user_store {
    ($store:ident, $row:ty) => {
        impl $store {
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
        }

        #[async_trait]
        impl UserStore for $store {
            async fn insert_user(&self, user: &UserRow, audit: &AuditEvent) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                let sql = format!("INSERT INTO users ({COLUMNS}) VALUES ($1, $2, $3, $4, $5)");
                sqlx::query(&sql)
                    .bind(&user.id)
                    .bind(&user.email)
                    .bind(user.role.as_str())
                    .bind(&user.password_hash)
                    .bind(user.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, &format!("a user with e-mail {}", user.email)))?;
                self.append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<UserRow>> {
                let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
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
        }
    };
}

user_store!(SqliteStore, sqlx::sqlite::SqliteRow);
user_store!(PostgresStore, sqlx::postgres::PgRow);
