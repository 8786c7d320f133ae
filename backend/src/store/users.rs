//! Users and sign-in sessions. Every change to an account writes its audit row in the same
//! transaction; disabling an account or resetting its password ends its sessions in it too.

use async_trait::async_trait;

use super::chain::ChainHead;
use super::{
    conflict_or, AuditAction, AuditEvent, RowsAffected, SqlStore, StoreError, StoreResult, UserRow,
};
use tessera_license::vocab::Role;

/// A change to one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountChange {
    /// A new role.
    Role(Role),
    /// Disabled (`Some(at)`) or enabled again (`None`); disabling ends every session.
    Disabled(Option<i64>),
    /// A new password hash, and whether it must be replaced at the next sign-in. Sessions
    /// other than `keep_session` (a session's SHA-256) end.
    Password {
        hash: String,
        must_change: bool,
        keep_session: Option<String>,
    },
}

/// Users and their sessions.
#[async_trait]
pub trait UserStore {
    /// Adds a user; a taken e-mail is a conflict.
    async fn insert_user(&self, user: &UserRow, audit: &AuditEvent) -> StoreResult<()>;
    /// One user by (normalised) e-mail.
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<UserRow>>;
    /// One user by id.
    async fn get_user(&self, id: &str) -> StoreResult<Option<UserRow>>;
    /// Every user, by e-mail.
    async fn list_users(&self) -> StoreResult<Vec<UserRow>>;
    /// Number of users.
    async fn count_users(&self) -> StoreResult<i64>;
    /// Applies `change` to user `id`. When `keep_sysadmin` is set, the change is refused (a
    /// conflict) if no enabled sysadmin would remain — checked in the same transaction, so two
    /// sysadmins cannot demote each other at once.
    async fn change_account(
        &self,
        id: &str,
        change: &AccountChange,
        keep_sysadmin: bool,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Records a sign-in session by the SHA-256 of its cookie value.
    async fn insert_session(
        &self,
        token_sha256: &str,
        user_id: &str,
        created_at: i64,
        expires_at: i64,
    ) -> StoreResult<()>;
    /// The enabled user behind an unexpired session.
    async fn session_user(&self, token_sha256: &str, now: i64) -> StoreResult<Option<UserRow>>;
    /// Ends a session.
    async fn delete_session(&self, token_sha256: &str) -> StoreResult<()>;
    /// Ends every session of a user; answers how many.
    async fn delete_sessions_of(&self, user_id: &str) -> StoreResult<u64>;
    /// Deletes sessions expired before `now`; answers how many.
    async fn purge_expired_sessions(&self, now: i64) -> StoreResult<u64>;
}

const COLUMNS: &str =
    "id, email, role, password_hash, created_at, disabled_at, must_change_password";

/// A `users` row as stored (`must_change_password` is 0 or 1 on both engines).
#[derive(sqlx::FromRow)]
pub struct UserRecord {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub password_hash: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    pub must_change_password: i64,
}

impl std::fmt::Debug for UserRecord {
    /// Never the password hash.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl From<UserRecord> for UserRow {
    fn from(r: UserRecord) -> Self {
        Self {
            id: r.id,
            email: r.email,
            role: r.role,
            password_hash: r.password_hash,
            created_at: r.created_at,
            disabled_at: r.disabled_at,
            must_change_password: r.must_change_password != 0,
        }
    }
}

impl<DB> SqlStore<DB>
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
    for<'q> Role: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> UserRecord: sqlx::FromRow<'r, DB::Row>,
{
    async fn apply_change(
        tx: &mut sqlx::Transaction<'_, DB>,
        id: &str,
        change: &AccountChange,
    ) -> StoreResult<u64> {
        let done =
            match change {
                AccountChange::Role(role) => {
                    sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                        .bind(*role)
                        .bind(id)
                        .execute(&mut **tx)
                        .await?
                }
                AccountChange::Disabled(at) => {
                    sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
                        .bind(*at)
                        .bind(id)
                        .execute(&mut **tx)
                        .await?
                }
                AccountChange::Password {
                    hash, must_change, ..
                } => sqlx::query(
                    "UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3",
                )
                .bind(hash)
                .bind(i64::from(*must_change))
                .bind(id)
                .execute(&mut **tx)
                .await?,
            };
        let ends_sessions = match change {
            AccountChange::Disabled(Some(_)) => Some(None),
            AccountChange::Password { keep_session, .. } => Some(keep_session.as_deref()),
            _ => None,
        };
        if let Some(keep) = ends_sessions {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_sha256 <> $2")
                .bind(id)
                .bind(keep.unwrap_or(""))
                .execute(&mut **tx)
                .await?;
        }
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl<DB> UserStore for SqlStore<DB>
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
    for<'q> Role: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'r> UserRecord: sqlx::FromRow<'r, DB::Row>,
{
    async fn insert_user(&self, user: &UserRow, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        let sql = format!("INSERT INTO users ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)");
        sqlx::query(&sql)
            .bind(&user.id)
            .bind(&user.email)
            .bind(user.role)
            .bind(&user.password_hash)
            .bind(user.created_at)
            .bind(user.disabled_at)
            .bind(i64::from(user.must_change_password))
            .execute(&mut *tx)
            .await
            .map_err(|e| conflict_or(e, &format!("a user with e-mail {}", user.email)))?;
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<UserRow>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
        let record: Option<UserRecord> = sqlx::query_as(&sql)
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        Ok(record.map(Into::into))
    }

    async fn get_user(&self, id: &str) -> StoreResult<Option<UserRow>> {
        let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
        let record: Option<UserRecord> = sqlx::query_as(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(record.map(Into::into))
    }

    async fn list_users(&self) -> StoreResult<Vec<UserRow>> {
        let sql = format!("SELECT {COLUMNS} FROM users ORDER BY email");
        let records: Vec<UserRecord> = sqlx::query_as(&sql).fetch_all(&self.pool).await?;
        Ok(records.into_iter().map(Into::into).collect())
    }

    async fn count_users(&self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn change_account(
        &self,
        id: &str,
        change: &AccountChange,
        keep_sysadmin: bool,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        // Taking the audit head's row lock first serialises account changes (and every
        // other audited change), so the sysadmin count below cannot race.
        sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        if Self::apply_change(&mut tx, id, change).await? == 0 {
            return Err(StoreError::NotFound(format!("user {id}")));
        }
        if keep_sysadmin {
            let left: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM users WHERE role = 'sysadmin' AND disabled_at IS NULL",
            )
            .fetch_one(&mut *tx)
            .await?;
            if left == 0 {
                return Err(StoreError::Conflict(
                    "this would leave no enabled sysadmin".into(),
                ));
            }
        }
        self.append_audit(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
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

    async fn session_user(&self, token_sha256: &str, now: i64) -> StoreResult<Option<UserRow>> {
        let record: Option<UserRecord> = sqlx::query_as(
            "SELECT u.id, u.email, u.role, u.password_hash, u.created_at, u.disabled_at, \
             u.must_change_password FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
        )
        .bind(token_sha256)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(record.map(Into::into))
    }

    async fn delete_session(&self, token_sha256: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE token_sha256 = $1")
            .bind(token_sha256)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_sessions_of(&self, user_id: &str) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn purge_expired_sessions(&self, now: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
