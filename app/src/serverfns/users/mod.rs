//! Users of the Studio as the users page shows them.

mod list_users;

pub use list_users::*;
use serde::{Deserialize, Serialize};

use tessera_license::vocab::Role;

/// One user: never a password or a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub created_at: i64,
    pub disabled: bool,
    pub must_change_password: bool,
}
