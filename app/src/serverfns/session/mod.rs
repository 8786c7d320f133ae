//! Who is signed in.

mod form_token;
mod whoami;

pub use form_token::*;
use serde::{Deserialize, Serialize};
use tessera_license::vocab::Role;
pub use whoami::*;

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub role: Role,
    /// Signed in with a generated or reset password: must choose a new one first.
    pub must_change_password: bool,
    /// The anti-forgery token for this session's forms (the navigation's sign-out form).
    pub form_token: String,
    /// This install is a customer's self-hosted one (`/license`, `/marketplace`), not the
    /// vendor's (`/licenses`, `/keys`).
    pub self_hosted: bool,
}
