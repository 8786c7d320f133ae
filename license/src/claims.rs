//! The token's claims: registered JWT claims plus Tessera's private `lic` grant.
//!
//! Optional collections default when absent so tokens from other issuers (or older Tessera
//! versions) still parse; unknown fields are ignored for the same reason.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::{Domain, Email, LicenseId, ProductKey};
pub use crate::vocab::{LicenseKind, Tier, UnknownVariant};

/// The full claim set of a license token. Times are unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer: the vendor's URL.
    pub iss: String,
    /// Subject: the license id.
    pub sub: LicenseId,
    /// Audience: the product key.
    pub aud: ProductKey,
    /// Issued at.
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expiry; absent for perpetual licenses.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub exp: Option<i64>,
    /// Unique token id (a re-sign gets a fresh one).
    pub jti: String,
    /// What the license grants.
    pub lic: LicenseGrant,
}

/// Tessera's private claims: what the license grants and to whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseGrant {
    /// The commercial tier.
    pub tier: Tier,
    /// Perpetual, subscription or trial.
    pub kind: LicenseKind,
    /// The catalog plan this was sold under, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Feature flags unlocked.
    #[serde(default)]
    pub features: Vec<String>,
    /// Numeric caps (e.g. `rooms`, `storage_gb`, `products`).
    #[serde(default)]
    pub caps: BTreeMap<String, i64>,
    /// Plugins unlocked.
    #[serde(default)]
    pub plugins: Vec<String>,
    /// Themes unlocked.
    #[serde(default)]
    pub themes: Vec<String>,
    /// Niches (vertical packs) unlocked.
    #[serde(default)]
    pub niches: Vec<String>,
    /// Seats per plugin.
    #[serde(default)]
    pub seats: BTreeMap<String, SeatGrant>,
    /// Registrable domains the install may serve; empty means unbound.
    #[serde(default)]
    pub domains: Vec<Domain>,
    /// Install fingerprint the license is locked to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_lock: Option<String>,
    /// End of support; absent means the base support window after `iat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_until: Option<i64>,
    /// Whether this is a trial.
    #[serde(default)]
    pub trial: bool,
    /// Who the license belongs to.
    pub customer: Customer,
}

/// The license holder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// Contact email.
    pub email: Email,
    /// Company name (may be empty for individuals).
    #[serde(default)]
    pub company: String,
    /// VAT or other tax id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_id: Option<String>,
}

/// Seats granted for one plugin: a count per billable role, and/or a pool shared by all
/// billable roles.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatGrant {
    /// Distinct users allowed per billable role.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub roles: BTreeMap<String, u32>,
    /// Distinct users allowed across all billable roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<u32>,
}

/// A claim set that parses but is not coherent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsError {
    /// `iss` is empty.
    #[error("iss must not be empty")]
    EmptyIssuer,
    /// `jti` is empty.
    #[error("jti must not be empty")]
    EmptyJti,
    /// `exp` is before `nbf`, so the token is never valid.
    #[error("exp ({exp}) is before nbf ({nbf}); the token would never be valid")]
    ExpiresBeforeValid {
        /// Not before.
        nbf: i64,
        /// Expiry.
        exp: i64,
    },
    /// A cap is negative.
    #[error("cap {name:?} is negative ({value})")]
    NegativeCap {
        /// The cap's name.
        name: String,
        /// Its value.
        value: i64,
    },
}

impl Claims {
    /// Checks the claims are coherent: non-empty `iss` and `jti`, `nbf <= exp`, caps ≥ 0.
    pub fn validate(&self) -> Result<(), ClaimsError> {
        if self.iss.is_empty() {
            return Err(ClaimsError::EmptyIssuer);
        }
        if self.jti.is_empty() {
            return Err(ClaimsError::EmptyJti);
        }
        if let Some(exp) = self.exp {
            if exp < self.nbf {
                return Err(ClaimsError::ExpiresBeforeValid { nbf: self.nbf, exp });
            }
        }
        if let Some((name, value)) = self.lic.caps.iter().find(|(_, v)| **v < 0) {
            return Err(ClaimsError::NegativeCap {
                name: name.clone(),
                value: *value,
            });
        }
        Ok(())
    }

    /// Whether the license never expires (no `exp`).
    pub fn is_perpetual(&self) -> bool {
        self.exp.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal_json() -> serde_json::Value {
        serde_json::json!({
            "iss": "https://vendor.example", "sub": "lic_01HZX3T7Q4M8Y6K2B9C5D0E1F2",
            "aud": "tessera", "iat": 100, "nbf": 100, "jti": "j1",
            "lic": { "tier": "pro", "kind": "perpetual", "customer": { "email": "a@b.co" } }
        })
    }

    #[test]
    fn tokens_with_missing_optional_fields_still_parse() {
        let claims: Claims = serde_json::from_value(minimal_json()).unwrap();
        assert_eq!(claims.exp, None);
        assert!(claims.lic.features.is_empty() && claims.lic.seats.is_empty());
        assert!(claims.is_perpetual());
        assert_eq!(claims.validate(), Ok(()));
    }

    #[test]
    fn an_absent_exp_is_not_serialised() {
        let claims: Claims = serde_json::from_value(minimal_json()).unwrap();
        let json = serde_json::to_value(&claims).unwrap();
        assert!(json.get("exp").is_none());
    }

    #[test]
    fn invalid_ids_inside_claims_are_refused() {
        let mut json = minimal_json();
        json["lic"]["domains"] = serde_json::json!(["app.example.com"]);
        let err = serde_json::from_value::<Claims>(json)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("bind the registrable domain example.com"),
            "{err}"
        );
    }

    #[test]
    fn incoherent_claims_fail_validation() {
        let mut claims: Claims = serde_json::from_value(minimal_json()).unwrap();
        claims.exp = Some(50);
        assert!(matches!(
            claims.validate(),
            Err(ClaimsError::ExpiresBeforeValid { .. })
        ));
        claims.exp = None;
        claims.jti.clear();
        assert_eq!(claims.validate(), Err(ClaimsError::EmptyJti));
        claims.jti = "j".into();
        claims.lic.caps.insert("rooms".into(), -1);
        assert!(matches!(
            claims.validate(),
            Err(ClaimsError::NegativeCap { .. })
        ));
    }
}
