//! Who is signed in.

mod form_token;
mod whoami;

pub use form_token::*;
use serde::{Deserialize, Serialize};
pub use whoami::*;

/// A role as the browser sees it (mirrors the backend's roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    Viewer,
    Operator,
    Sysadmin,
}

impl RoleName {
    /// Whether this role includes `required`.
    pub fn allows(self, required: RoleName) -> bool {
        self >= required
    }

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleName::Viewer => "viewer",
            RoleName::Operator => "operator",
            RoleName::Sysadmin => "sysadmin",
        }
    }
}

#[cfg(feature = "ssr")]
impl From<tessera_backend::auth::Role> for RoleName {
    fn from(role: tessera_backend::auth::Role) -> Self {
        use tessera_backend::auth::Role;
        match role {
            Role::Viewer => RoleName::Viewer,
            Role::Operator => RoleName::Operator,
            Role::Sysadmin => RoleName::Sysadmin,
        }
    }
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub role: RoleName,
    /// Signed in with a generated or reset password: must choose a new one first.
    pub must_change_password: bool,
    /// The anti-forgery token for this session's forms (the navigation's sign-out form).
    pub form_token: String,
}
