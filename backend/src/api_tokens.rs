//! Bearer tokens for the internal API: HS256 JWTs with scopes, signed with a key derived from
//! the KEK. Each token's `jti` has a row, so tokens can be listed and revoked; the JWT itself
//! is shown once and never stored.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac as _};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::store::{ApiTokenRow, AuditAction, AuditEvent, Scopes};
use crate::{now, Backend, Error, Result};
use tessera_license::vocab::{spelled, Scope};

const AUDIENCE: &str = "tessera-api";
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
const PURPOSE: &str = "tessera api-token signing v1";

#[derive(Debug, Serialize, Deserialize)]
struct TokenClaims {
    iss: String,
    aud: String,
    sub: String,
    jti: String,
    scope: String,
    iat: i64,
    exp: i64,
}

/// Who is calling the API, and what they may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiPrincipal {
    pub token_id: String,
    pub name: String,
    pub scopes: Scopes,
}

impl ApiPrincipal {
    /// Refuses unless the token carries `scope`.
    pub fn require(&self, scope: Scope) -> Result<()> {
        if self.scopes.contains(scope) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// The actor recorded in the audit log.
    pub fn actor(&self) -> String {
        format!("api:{}", self.name)
    }
}

/// A minted token: its record, and the JWT (shown once).
#[derive(Debug)]
pub struct MintedToken {
    pub record: ApiTokenRow,
    pub jwt: String,
}

impl Backend {
    fn api_mac(&self) -> Hmac<Sha256> {
        <Hmac<Sha256> as hmac::Mac>::new_from_slice(self.kek.derive(PURPOSE).as_ref())
            .expect("HMAC takes keys of any length")
    }

    /// Mints an API token named `name` with `scopes`, valid for `ttl_secs`.
    pub async fn create_api_token(
        &self,
        name: &str,
        scopes: &[Scope],
        ttl_secs: i64,
        actor: &str,
    ) -> Result<MintedToken> {
        let name = name.trim();
        if name.is_empty() || name.len() > 64 {
            return Err(Error::invalid("name: 1 to 64 characters"));
        }
        if scopes.is_empty() {
            return Err(Error::invalid(format!(
                "scope: give at least one of {}",
                spelled(Scope::ALL)
            )));
        }
        if !(60..=5 * 365 * 86_400).contains(&ttl_secs) {
            return Err(Error::invalid("expires: between one minute and five years"));
        }
        let at = now();
        let mut scopes = scopes.to_vec();
        scopes.sort();
        scopes.dedup();
        let record = ApiTokenRow {
            id: format!("tok_{}", hex::encode(rand::random::<[u8; 12]>())),
            name: name.to_string(),
            scopes: Scopes(scopes),
            created_by: actor.to_string(),
            created_at: at,
            expires_at: at + ttl_secs,
            revoked_at: None,
        };
        let claims = TokenClaims {
            iss: self.config.public_url.clone(),
            aud: AUDIENCE.into(),
            sub: record.name.clone(),
            jti: record.id.clone(),
            scope: record.scopes.to_string(),
            iat: at,
            exp: record.expires_at,
        };
        let payload = serde_json::to_vec(&claims).map_err(|e| Error::Internal(e.into()))?;
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(HEADER),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let mut mac = self.api_mac();
        mac.update(input.as_bytes());
        let jwt = format!(
            "{input}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        );
        let audit = AuditEvent {
            at,
            actor: actor.to_string(),
            action: AuditAction::ApiTokenCreated,
            subject: record.id.clone(),
            detail: serde_json::json!({ "after": { "name": record.name, "scopes": record.scopes, "expires_at": record.expires_at } }),
        };
        self.store.insert_api_token(&record, &audit).await?;
        Ok(MintedToken { record, jwt })
    }

    /// Checks a bearer token: signature, audience, expiry, and that it is not revoked.
    pub async fn authenticate_api_token(&self, jwt: &str) -> Result<ApiPrincipal> {
        let claims = self.decode_api_token(jwt).ok_or(Error::Unauthorized)?;
        if claims.aud != AUDIENCE || claims.exp <= now() {
            return Err(Error::Unauthorized);
        }
        let record = self
            .store
            .get_api_token(&claims.jti)
            .await?
            .ok_or(Error::Unauthorized)?;
        if record.revoked_at.is_some() || record.expires_at <= now() {
            return Err(Error::Unauthorized);
        }
        Ok(ApiPrincipal {
            token_id: record.id,
            name: record.name,
            scopes: record.scopes,
        })
    }

    fn decode_api_token(&self, jwt: &str) -> Option<TokenClaims> {
        if jwt.len() > 4096 {
            return None;
        }
        let mut parts = jwt.split('.');
        let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || URL_SAFE_NO_PAD.decode(header).ok()? != HEADER.as_bytes() {
            return None;
        }
        let mut mac = self.api_mac();
        mac.update(&jwt.as_bytes()[..header.len() + 1 + payload.len()]);
        mac.verify_slice(&URL_SAFE_NO_PAD.decode(signature).ok()?)
            .ok()?;
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }

    /// Every API token's record (never the JWT).
    pub async fn list_api_tokens(&self) -> Result<Vec<ApiTokenRow>> {
        Ok(self.store.list_api_tokens().await?)
    }

    /// Revokes an API token at once.
    pub async fn revoke_api_token(&self, id: &str, actor: &str) -> Result<()> {
        let audit = AuditEvent {
            at: now(),
            actor: actor.to_string(),
            action: AuditAction::ApiTokenRevoked,
            subject: id.to_string(),
            detail: serde_json::json!({ "after": { "revoked": true } }),
        };
        Ok(self.store.revoke_api_token(id, &audit).await?)
    }
}
