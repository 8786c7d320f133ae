//! First start: an empty database gets a signing key and an administrator.

use secrecy::SecretString;

use crate::auth::Role;
use crate::{Backend, Result};

/// What the first start created. The password is shown once and never stored in clear.
#[derive(Debug, Default)]
pub struct Bootstrapped {
    pub created_key: Option<String>,
    pub admin: Option<FirstAdmin>,
}

/// The administrator the first start created, with the one-time password it was given.
#[derive(Debug)]
pub struct FirstAdmin {
    pub email: String,
    pub password: SecretString,
}

impl Backend {
    /// Creates a signing key when there is none and an admin when there are no users.
    pub async fn bootstrap(&self) -> Result<Bootstrapped> {
        let mut done = Bootstrapped::default();
        // A self-hosted install signs nothing: it verifies with its vendor's pinned keys.
        let signs = self.config.mode == crate::config::Mode::Vendor;
        if signs && self.store.list_keys().await?.is_empty() {
            done.created_key = Some(self.generate_key(None, "bootstrap").await?.kid);
        }
        if self.store.count_users().await? == 0 {
            let email = self.config.admin_email.clone();
            let created = self
                .create_user(&email, Role::Sysadmin, None, "bootstrap")
                .await?;
            if let Some(password) = created.generated_password {
                done.admin = Some(FirstAdmin {
                    email: created.user.email,
                    password,
                });
            }
        }
        Ok(done)
    }
}
