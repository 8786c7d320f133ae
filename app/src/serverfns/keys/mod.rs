//! Signing keys as the keys page shows them.

mod list_keys;

pub use list_keys::*;
use serde::{Deserialize, Serialize};

/// One key: never its private part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyView {
    pub kid: String,
    pub status: String,
    pub can_sign: bool,
    pub created_at: i64,
    pub activated_at: Option<i64>,
    pub retired_at: Option<i64>,
}
