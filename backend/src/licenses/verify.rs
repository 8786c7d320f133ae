//! Checking a presented token: the one verification `tessera license verify` and the server
//! share. Offline against given keys ([`verify_token`]), or against this server's keys and
//! its record of the license ([`Backend::verify_license_token`]).

use serde::Serialize;
use tessera_license::jws::{self, VerifyOptions};
use tessera_license::keys::KeySet;
use tessera_license::{Claims, ProductKey};

use crate::store::LicenseStatus;
use crate::{now, Backend, Result};

/// A token that verified: who signed it and what it grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// The key that signed it.
    pub kid: Option<String>,
    pub claims: Claims,
    /// What this server has recorded about the license, when it issued it.
    pub stored_status: Option<LicenseStatus>,
}

/// Why a presented token is not a usable license, with a stable code for programs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{message}")]
pub struct TokenRefused {
    /// `bad_signature`, `expired`, `wrong_audience`, `revoked`, ... (the verifier's codes).
    pub code: &'static str,
    pub message: String,
}

/// Verifies `token` against `keys` at `at`: signature, header, claims, time, and `audience`
/// when given.
pub fn verify_token(
    token: &str,
    keys: &KeySet,
    audience: Option<&str>,
    at: i64,
) -> std::result::Result<Verification, TokenRefused> {
    let mut opts = VerifyOptions::at(at);
    if let Some(aud) = audience {
        let aud = ProductKey::parse(aud).map_err(|e| TokenRefused {
            code: "wrong_audience",
            message: format!("audience: {e}"),
        })?;
        opts = opts.audience(aud);
    }
    let verified = jws::verify(token, keys, &opts).map_err(|e| TokenRefused {
        code: e.code(),
        message: e.to_string(),
    })?;
    Ok(Verification {
        kid: verified.kid.map(|k| k.as_ref().to_string()),
        claims: verified.claims,
        stored_status: None,
    })
}

impl Backend {
    /// Verifies a token against this server's keys; a license this server has ended
    /// (revoked, refunded, transferred) is refused as `revoked`.
    pub async fn verify_license_token(
        &self,
        token: &str,
        audience: Option<&str>,
    ) -> Result<std::result::Result<Verification, TokenRefused>> {
        let keys = self.verification_keys().await?;
        let mut verified = match verify_token(token, &keys, audience, now()) {
            Ok(verified) => verified,
            Err(refused) => return Ok(Err(refused)),
        };
        let stored = self.store.get_license(verified.claims.sub.as_ref()).await?;
        verified.stored_status = stored.map(|row| row.status);
        Ok(match verified.stored_status {
            Some(status) if status != LicenseStatus::Active => Err(TokenRefused {
                code: "revoked",
                message: format!("license {} is {status}", verified.claims.sub),
            }),
            _ => Ok(verified),
        })
    }
}
