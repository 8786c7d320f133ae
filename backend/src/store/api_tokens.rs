//! API tokens: the record behind each bearer JWT (its id is the JWT's `jti`), so tokens can
//! be listed and revoked. The JWT itself is never stored.

use async_trait::async_trait;
use serde::Serialize;
use tessera_license::vocab::Scope;

use super::chain::ChainHead;
use super::{
    conflict_or, AuditAction, AuditEvent, RowsAffected, SqlStore, StoreError, StoreResult,
};

/// An API token's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: String,
    pub name: String,
    /// Stored space-separated (as the JWT's `scope` claim).
    #[sqlx(try_from = "String")]
    pub scopes: Scopes,
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

/// The scopes of a token, in order, without duplicates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Scopes(pub Vec<Scope>);

impl Scopes {
    /// Whether `scope` is one of them.
    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }
}

impl std::fmt::Display for Scopes {
    /// Space-separated, as stored and as a JWT's `scope` claim.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let words: Vec<&str> = self.0.iter().map(|s| s.as_str()).collect();
        f.write_str(&words.join(" "))
    }
}

impl TryFrom<String> for Scopes {
    type Error = tessera_license::vocab::UnknownVariant;

    fn try_from(column: String) -> Result<Self, Self::Error> {
        column
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

const COLUMNS: &str = "id, name, scopes, created_by, created_at, expires_at, revoked_at";

#[async_trait]
impl<DB> ApiTokenStore for SqlStore<DB>
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
    for<'r> ApiTokenRow: sqlx::FromRow<'r, DB::Row>,
{
    async fn insert_api_token(&self, t: &ApiTokenRow, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO api_tokens ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(&t.id)
        .bind(&t.name)
        .bind(t.scopes.to_string())
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
        Ok(
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn list_api_tokens(&self) -> StoreResult<Vec<ApiTokenRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM api_tokens ORDER BY created_at DESC, id"
        ))
        .fetch_all(&self.pool)
        .await?)
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
