//! Tokens a license no longer uses (replaced by a resend or a renewal), and the installs
//! a heartbeat needs to know about to decide whether a newer token may be handed over.

use async_trait::async_trait;
use tessera_license::vocab::SupersedeReason;

use super::{PostgresStore, SqliteStore, StoreResult};

/// A token that was replaced, found by its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SupersededToken {
    pub license_id: String,
    pub superseded_at: i64,
    pub reason: SupersedeReason,
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
                Ok(sqlx::query_as(
                    "SELECT license_id, superseded_at, reason FROM superseded_tokens \
                     WHERE token_sha256 = $1",
                )
                .bind(token_sha256)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn install_first_seen(
                &self,
                license_id: &str,
                install_id: &str,
            ) -> StoreResult<Option<i64>> {
                Ok(sqlx::query_scalar(
                    "SELECT first_seen FROM installs WHERE license_id = $1 AND install_id = $2",
                )
                .bind(license_id)
                .bind(install_id)
                .fetch_optional(&self.pool)
                .await?)
            }
        }
    };
}

superseded_store!(SqliteStore);
superseded_store!(PostgresStore);
