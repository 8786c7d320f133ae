//! Accounts of the Studio: a user changes their own password or signs out everywhere; a
//! sysadmin lists users, changes roles, disables and enables accounts (a disabled user's
//! sessions end at once) and resets passwords (the user must choose a new one at the next
//! sign-in). There is always at least one enabled sysadmin.

use std::net::IpAddr;

use rand::distributions::{Alphanumeric, DistString as _};
use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};

use crate::auth::{hash_password, login_name, session_digest, AuthUser, Role, MIN_PASSWORD_LEN};
use crate::store::{AccountChange, AuditAction, AuditEvent, UserRow};
use crate::{now, Backend, Error, Result};

/// A user as the users page and the CLI show it: no secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub created_at: i64,
    pub disabled: bool,
    pub must_change_password: bool,
}

impl From<&UserRow> for UserInfo {
    fn from(row: &UserRow) -> Self {
        Self {
            id: row.id.clone(),
            email: row.email.clone(),
            role: row.role,
            created_at: row.created_at,
            disabled: row.disabled_at.is_some(),
            must_change_password: row.must_change_password,
        }
    }
}

fn audit(
    actor: &str,
    action: AuditAction,
    user: &UserRow,
    after: &serde_json::Value,
) -> AuditEvent {
    AuditEvent {
        at: now(),
        actor: actor.to_string(),
        action,
        subject: user.id.clone(),
        detail: serde_json::json!({
            "before": { "email": user.email, "role": user.role.as_str(), "disabled": user.disabled_at.is_some() },
            "after": after,
        }),
    }
}

fn new_password_ok(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(Error::invalid(format!(
            "new password: at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    crate::input::printable("new password", password)
}

impl Backend {
    async fn user_row(&self, id: &str) -> Result<UserRow> {
        self.store
            .get_user(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("user {id:?}")))
    }

    /// One user by id.
    pub async fn user(&self, id: &str) -> Result<UserInfo> {
        Ok(UserInfo::from(&self.user_row(id).await?))
    }

    /// One user by e-mail (for the CLI).
    pub async fn user_by_email(&self, email: &str) -> Result<UserInfo> {
        let email = login_name(email).map_err(|e| Error::invalid(e.to_string()))?;
        let row = self
            .store
            .find_user_by_email(&email)
            .await?
            .ok_or_else(|| Error::NotFound(format!("user {email}")))?;
        Ok(UserInfo::from(&row))
    }

    /// Every user, by e-mail.
    pub async fn list_users(&self) -> Result<Vec<UserInfo>> {
        Ok(self
            .store
            .list_users()
            .await?
            .iter()
            .map(UserInfo::from)
            .collect())
    }

    /// Changes the signed-in user's own password after checking the current one (bounded and
    /// backed off like a sign-in). Every other session of theirs ends; `session` (the cookie
    /// value of the one in use) stays.
    pub async fn change_own_password(
        &self,
        user: &AuthUser,
        current: &SecretString,
        new: &SecretString,
        session: Option<&str>,
        ip: IpAddr,
    ) -> Result<()> {
        let row = self.user_row(&user.id).await?;
        self.login_guard.admit(Some(&row.email), ip)?;
        if !self
            .login_guard
            .check(current.expose_secret(), &row.password_hash)
            .await?
        {
            self.login_guard.failed(Some(&row.email), ip);
            tracing::warn!(user.id = %row.id, client.ip = %ip, "password change refused: wrong current password");
            return Err(Error::invalid(
                "current password: that is not your password",
            ));
        }
        self.login_guard.forget(&row.email);
        new_password_ok(new.expose_secret())?;
        if new.expose_secret() == current.expose_secret() {
            return Err(Error::invalid(
                "new password: choose one you have not been using",
            ));
        }
        let change = AccountChange::Password {
            hash: hash_password(new.expose_secret())?,
            must_change: false,
            keep_session: session.map(session_digest),
        };
        let event = audit(
            &user.email,
            AuditAction::UserPasswordChanged,
            &row,
            &serde_json::json!({}),
        );
        self.store
            .change_account(&row.id, &change, false, &event)
            .await?;
        tracing::info!(user.id = %row.id, "password changed");
        Ok(())
    }

    /// Ends every session of `user_id` (this one included).
    pub async fn sign_out_everywhere(&self, user_id: &str) -> Result<u64> {
        let ended = self.store.delete_sessions_of(user_id).await?;
        tracing::info!(user.id = %user_id, sessions = ended, "signed out everywhere");
        Ok(ended)
    }

    /// Gives user `id` a new role; never leaves the Studio without an enabled sysadmin.
    pub async fn set_user_role(&self, id: &str, role: Role, actor: &str) -> Result<UserInfo> {
        let row = self.user_row(id).await?;
        let after = serde_json::json!({ "role": role.as_str() });
        let event = audit(actor, AuditAction::UserRoleChanged, &row, &after);
        self.store
            .change_account(id, &AccountChange::Role(role), true, &event)
            .await?;
        Ok(UserInfo::from(&self.user_row(id).await?))
    }

    /// Disables (ending every session at once) or enables user `id`.
    pub async fn set_user_disabled(
        &self,
        id: &str,
        disabled: bool,
        actor: &str,
    ) -> Result<UserInfo> {
        let row = self.user_row(id).await?;
        let (action, at) = if disabled {
            (AuditAction::UserDisabled, Some(now()))
        } else {
            (AuditAction::UserEnabled, None)
        };
        let event = audit(
            actor,
            action,
            &row,
            &serde_json::json!({ "disabled": disabled }),
        );
        self.store
            .change_account(id, &AccountChange::Disabled(at), disabled, &event)
            .await?;
        Ok(UserInfo::from(&self.user_row(id).await?))
    }

    /// Gives user `id` a generated password, shown once; their sessions end and they must
    /// choose a new password at the next sign-in.
    pub async fn reset_user_password(&self, id: &str, actor: &str) -> Result<SecretString> {
        let row = self.user_row(id).await?;
        let password = SecretString::from(Alphanumeric.sample_string(&mut rand::rngs::OsRng, 20));
        let change = AccountChange::Password {
            hash: hash_password(password.expose_secret())?,
            must_change: true,
            keep_session: None,
        };
        let event = audit(
            actor,
            AuditAction::UserPasswordReset,
            &row,
            &serde_json::json!({ "must_change_password": true }),
        );
        self.store
            .change_account(id, &change, false, &event)
            .await?;
        Ok(password)
    }

    /// Deletes expired sessions (nightly in `serve`).
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        Ok(self.store.purge_expired_sessions(now()).await?)
    }
}
