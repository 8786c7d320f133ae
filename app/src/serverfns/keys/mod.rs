//! Signing keys as the keys page shows them.

mod list_keys;

pub use list_keys::*;
use serde::{Deserialize, Serialize};
use tessera_license::vocab::KeyStatus;

/// One key: never its private part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyView {
    pub kid: String,
    pub status: KeyStatus,
    pub can_sign: bool,
    pub created_at: i64,
    pub activated_at: Option<i64>,
    pub retired_at: Option<i64>,
    /// Heartbeats of the last 7 days, and how many of them accept this key.
    pub heartbeats: i64,
    pub accepting: i64,
    /// Active, unexpired licenses this key signed.
    pub live_licenses: i64,
}
