//! Users, roles, passwords (argon2) and database-backed sign-in sessions.
//!
//! A session cookie carries 32 random bytes; the database keeps only their SHA-256, so a
//! leaked database cannot be replayed as a cookie.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::distributions::{Alphanumeric, DistString as _};
use rand::RngCore as _;
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tessera_license::Email;

use crate::store::{AuditAction, AuditEvent, UserRow};
use crate::{login_guard, now, Backend, Error, Result};

/// Shortest password a person may choose.
pub const MIN_PASSWORD_LEN: usize = 12;

pub use tessera_license::vocab::Role;

/// The signed-in user, as requests and pages see it. No secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthUser {
    pub id: String,
    pub email: String,
    pub role: Role,
    /// Signed in with a generated or reset password: every page but choosing a new one is
    /// closed until it is changed.
    pub must_change_password: bool,
}

impl AuthUser {
    /// Refuses unless this user's role includes `required`.
    pub fn require(&self, required: Role) -> Result<()> {
        if self.role.allows(required) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }
}

impl From<&UserRow> for AuthUser {
    fn from(row: &UserRow) -> Self {
        Self {
            id: row.id.clone(),
            email: row.email.clone(),
            role: row.role,
            must_change_password: row.must_change_password,
        }
    }
}

/// The anti-forgery token a page puts in each of its forms (field `csrf`): an HMAC, under a
/// key derived from the KEK, of the cookie that authenticates the browser (the session
/// cookie, or before sign-in the sign-in form's own cookie). A page on another site cannot
/// read it, and database access alone cannot compute it. The server puts it in the request's
/// extensions for the pages to render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormToken(pub String);

/// A new session: the cookie value (handed to the browser once) and its user.
#[derive(Debug)]
pub struct NewSession {
    pub cookie_value: SecretString,
    pub user: AuthUser,
    pub expires_at: i64,
}

/// A user that was just created; `generated_password` is set when none was given.
#[derive(Debug)]
pub struct CreatedUser {
    pub user: AuthUser,
    pub generated_password: Option<SecretString>,
}

pub(crate) fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(anyhow::anyhow!("argon2 hashing failed: {e}")))
}

pub(crate) fn password_matches(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Sign-in names are e-mails compared without regard to case.
pub(crate) fn login_name(email: &str) -> std::result::Result<String, tessera_license::IdError> {
    Email::parse(email).map(|e| e.as_ref().to_lowercase())
}

pub(crate) fn session_digest(cookie_value: &str) -> String {
    hex::encode(Sha256::digest(cookie_value.as_bytes()))
}

/// A hash to verify against when the e-mail is unknown, so both paths cost the same.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy-password-never-valid").unwrap_or_default())
}

impl Backend {
    /// Creates a user. Without a password one is generated and returned once.
    pub async fn create_user(
        &self,
        email: &str,
        role: Role,
        password: Option<SecretString>,
        actor: &str,
    ) -> Result<CreatedUser> {
        let email = login_name(email).map_err(|e| Error::invalid(e.to_string()))?;
        let generated = password.is_none();
        let password = password.unwrap_or_else(|| {
            SecretString::from(Alphanumeric.sample_string(&mut rand::rngs::OsRng, 20))
        });
        if password.expose_secret().chars().count() < MIN_PASSWORD_LEN {
            return Err(Error::invalid(format!(
                "the password must be at least {MIN_PASSWORD_LEN} characters"
            )));
        }
        let password_hash = hash_password(password.expose_secret())?;
        let row = UserRow {
            id: format!("usr_{}", hex::encode(random_bytes::<12>())),
            email,
            role,
            password_hash,
            created_at: now(),
            disabled_at: None,
            // Whoever saw a generated password (the CLI's operator, a sysadmin) must not
            // keep knowing it.
            must_change_password: generated,
        };
        let audit = AuditEvent {
            at: row.created_at,
            actor: actor.to_string(),
            action: AuditAction::UserCreated,
            subject: row.id.clone(),
            detail: serde_json::json!({ "after": { "email": row.email, "role": role.as_str() } }),
        };
        self.store.insert_user(&row, &audit).await?;
        Ok(CreatedUser {
            user: AuthUser::from(&row),
            generated_password: generated.then_some(password),
        })
    }

    /// Checks an e-mail and password from `ip` and opens a session. Unknown e-mail and wrong
    /// password are the same [`Error::Unauthorized`], after the same amount of work. Refused
    /// at once with [`Error::RateLimited`] while the account or the IP is backing off after
    /// failures, or when every password checker is busy and the queue is full.
    pub async fn login(
        &self,
        email: &str,
        password: &SecretString,
        ip: std::net::IpAddr,
    ) -> Result<NewSession> {
        let normalised = login_name(email).ok();
        let row = match &normalised {
            Some(email) => self.store.find_user_by_email(email).await?,
            None => None,
        };
        let account = row.as_ref().map(|r| r.email.as_str());
        self.login_guard.admit(account, ip)?;
        let phc = row
            .as_ref()
            .map_or(decoy_hash(), |r| r.password_hash.as_str());
        let matches = self
            .login_guard
            .check(password.expose_secret(), phc)
            .await?;
        let row = match (row, matches) {
            (Some(row), true) if row.disabled_at.is_none() => row,
            (row, _) => {
                let account = row.as_ref().map(|r| r.email.as_str());
                self.login_guard.failed(account, ip);
                // Never the password; the e-mail as typed helps to spot a targeted account.
                tracing::warn!(
                    client.ip = %ip,
                    user.known = row.is_some(),
                    login.email = %normalised.as_deref().unwrap_or("(not an e-mail)"),
                    "sign-in failed"
                );
                return Err(Error::Unauthorized);
            }
        };
        self.login_guard.succeeded(&row.email);
        let cookie_value = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
        let created = now();
        let expires_at = created + self.config.session_hours * 3600;
        self.store
            .insert_session(&session_digest(&cookie_value), &row.id, created, expires_at)
            .await?;
        tracing::info!(user.id = %row.id, client.ip = %ip, "signed in");
        Ok(NewSession {
            cookie_value: cookie_value.into(),
            user: AuthUser::from(&row),
            expires_at,
        })
    }

    /// The form token bound to a browser's cookie value (see [`FormToken`]).
    pub fn form_token(&self, cookie_value: &str) -> FormToken {
        use hmac::{Hmac, Mac as _};
        let key = self.kek.derive("tessera form token v1");
        let mut mac = <Hmac<Sha256> as hmac::digest::KeyInit>::new_from_slice(key.as_ref())
            .expect("HMAC takes keys of any length");
        mac.update(cookie_value.as_bytes());
        FormToken(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }

    /// Whether `presented` is the form token of `cookie_value`, compared in constant time.
    pub fn form_token_matches(&self, cookie_value: &str, presented: &str) -> bool {
        use subtle_eq::ct_eq;
        ct_eq(
            self.form_token(cookie_value).0.as_bytes(),
            presented.as_bytes(),
        )
    }

    /// A fresh random value for the sign-in form's cookie.
    pub fn new_form_cookie(&self) -> String {
        URL_SAFE_NO_PAD.encode(random_bytes::<32>())
    }

    /// Sign-in counters since start (for `/metrics`).
    pub fn sign_in_counters(&self) -> &login_guard::SignInCounters {
        &self.login_guard.counters
    }

    /// The user behind a session cookie, if the session is open.
    pub async fn session_user(&self, cookie_value: &str) -> Result<Option<AuthUser>> {
        let row = self
            .store
            .session_user(&session_digest(cookie_value), now())
            .await?;
        Ok(row.as_ref().map(AuthUser::from))
    }

    /// Ends the session behind a cookie.
    pub async fn logout(&self, cookie_value: &str) -> Result<()> {
        Ok(self
            .store
            .delete_session(&session_digest(cookie_value))
            .await?)
    }
}

mod subtle_eq {
    /// Equal lengths and bytes, without stopping at the first difference.
    pub(super) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_include_the_ones_below_them() {
        assert!(Role::Sysadmin.allows(Role::Operator));
        assert!(Role::Operator.allows(Role::Viewer));
        assert!(!Role::Viewer.allows(Role::Operator));
        assert!(!Role::Operator.allows(Role::Sysadmin));
    }

    #[test]
    fn a_password_hash_verifies_only_its_password() {
        let phc = hash_password("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(password_matches("correct horse battery", &phc));
        assert!(!password_matches("correct horse batterY", &phc));
    }
}
