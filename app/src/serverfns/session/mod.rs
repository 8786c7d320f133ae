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

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub role: RoleName,
}
