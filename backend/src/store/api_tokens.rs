//! API tokens: the record behind each bearer JWT (its id is the JWT's `jti`), so tokens can
//! be listed and revoked. The JWT itself is never stored.

use async_trait::async_trait;
use serde::Serialize;
use sqlx::Row as _;
use tessera_license::vocab::Scope;

use super::{conflict_or, AuditEvent, PostgresStore, SqliteStore, StoreError, StoreResult};

/// An API token's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiTokenRow {
    pub id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

/// API tokens.
#[async_trait]
pub trait ApiTokenStore {
    /// Records a newly minted token.
    async fn insert_api_token(&self, token: &ApiTokenRow, audit: &AuditEvent) -> StoreResult<()>;
    /// One token by id (`jti`).
    async fn get_api_token(&self, id: &str) -> StoreResult<Option<ApiTokenRow>>;
    /// All tokens, newest first.
    async fn list_api_tokens(&self) -> StoreResult<Vec<ApiTokenRow>>;
    /// Revokes a token.
    async fn revoke_api_token(&self, id: &str, audit: &AuditEvent) -> StoreResult<()>;
}

/// Scopes as stored (and as a JWT's `scope` claim): space-separated.
pub fn scope_column(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

const COLUMNS: &str = "id, name, scopes, created_by, created_at, expires_at, revoked_at";

macro_rules! api_token_store {
    ($store:ident, $row:ty) => {
        impl $store {
            fn api_token_from_row(row: &$row) -> StoreResult<ApiTokenRow> {
                let scopes: &str = row.try_get("scopes")?;
                Ok(ApiTokenRow {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    scopes: scopes
                        .split(' ')
                        .filter(|s| !s.is_empty())
                        .map(|s| s.parse().map_err(|e| StoreError::Corrupt(format!("{e}"))))
                        .collect::<StoreResult<_>>()?,
                    created_by: row.try_get("created_by")?,
                    created_at: row.try_get("created_at")?,
                    expires_at: row.try_get("expires_at")?,
                    revoked_at: row.try_get("revoked_at")?,
                })
            }
        }

        #[async_trait]
        impl ApiTokenStore for $store {
            async fn insert_api_token(
                &self,
                t: &ApiTokenRow,
                audit: &AuditEvent,
            ) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                sqlx::query(&format!(
                    "INSERT INTO api_tokens ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                ))
                .bind(&t.id)
                .bind(&t.name)
                .bind(scope_column(&t.scopes))
                .bind(&t.created_by)
                .bind(t.created_at)
                .bind(t.expires_at)
                .bind(t.revoked_at)
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict_or(e, &format!("API token {}", t.id)))?;
                self.append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_api_token(&self, id: &str) -> StoreResult<Option<ApiTokenRow>> {
                let row = sqlx::query(&format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::api_token_from_row).transpose()
            }

            async fn list_api_tokens(&self) -> StoreResult<Vec<ApiTokenRow>> {
                let rows = sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM api_tokens ORDER BY created_at DESC, id"
                ))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(Self::api_token_from_row).collect()
            }

            async fn revoke_api_token(&self, id: &str, audit: &AuditEvent) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                let done = sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                )
                .bind(audit.at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound(format!("active API token {id}")));
                }
                self.append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

api_token_store!(SqliteStore, sqlx::sqlite::SqliteRow);
api_token_store!(PostgresStore, sqlx::postgres::PgRow);
