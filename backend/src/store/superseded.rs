//! Tokens a license no longer uses (replaced by a resend or a renewal), and the installs
//! a heartbeat needs to know about to decide whether a newer token may be handed over.

use async_trait::async_trait;
use serde::Serialize;
use sqlx::Row as _;

use super::{PostgresStore, SqliteStore, StoreError, StoreResult};

/// Why a license's token was replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Supersede {
    /// Re-signed by a resend, usually because the token may have leaked: the old token is dead.
    Resent,
    /// Re-signed with a later expiry: installs seen before may pick the newer token up.
    Renewed,
}

impl Supersede {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Supersede::Resent => "resent",
            Supersede::Renewed => "renewed",
        }
    }

    fn parse(s: &str) -> StoreResult<Self> {
        match s {
            "resent" => Ok(Supersede::Resent),
            "renewed" => Ok(Supersede::Renewed),
            other => Err(StoreError::Corrupt(format!("supersede reason {other:?}"))),
        }
    }
}

/// A token that was replaced, found by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupersededToken {
    pub license_id: String,
    pub superseded_at: i64,
    pub reason: Supersede,
}

/// Superseded tokens and install history.
#[async_trait]
pub trait SupersededStore {
    /// The superseded token with this SHA-256, if any.
    async fn superseded_token(&self, token_sha256: &str) -> StoreResult<Option<SupersededToken>>;
    /// When `install_id` first heartbeated for `license_id`, if it ever did.
    async fn install_first_seen(
        &self,
        license_id: &str,
        install_id: &str,
    ) -> StoreResult<Option<i64>>;
}

macro_rules! superseded_store {
    ($store:ident) => {
        #[async_trait]
        impl SupersededStore for $store {
            async fn superseded_token(
                &self,
                token_sha256: &str,
            ) -> StoreResult<Option<SupersededToken>> {
                let row = sqlx::query(
                    "SELECT license_id, superseded_at, reason FROM superseded_tokens \
                     WHERE token_sha256 = $1",
                )
                .bind(token_sha256)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    Ok(SupersededToken {
                        license_id: r.try_get("license_id")?,
                        superseded_at: r.try_get("superseded_at")?,
                        reason: Supersede::parse(r.try_get("reason")?)?,
                    })
                })
                .transpose()
            }

            async fn install_first_seen(
                &self,
                license_id: &str,
                install_id: &str,
            ) -> StoreResult<Option<i64>> {
                let row = sqlx::query(
                    "SELECT first_seen FROM installs WHERE license_id = $1 AND install_id = $2",
                )
                .bind(license_id)
                .bind(install_id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| r.try_get("first_seen").map_err(Into::into))
                    .transpose()
            }
        }
    };
}

superseded_store!(SqliteStore);
superseded_store!(PostgresStore);
