use leptos::prelude::*;

use super::KeyView;

/// Every signing key, newest first, with its adoption by installs. Sysadmin only.
#[server(prefix = "/api", endpoint = "list_keys")]
pub async fn list_keys() -> Result<Vec<KeyView>, ServerFnError> {
    use crate::serverfns::guard::{authorise, map_error};
    use tessera_backend::auth::Role;

    let (backend, _) = authorise(Role::Sysadmin)?;
    let keys = backend.list_keys().await.map_err(map_error)?;
    let adoption = backend.key_adoption().await.map_err(map_error)?;
    Ok(keys
        .into_iter()
        .map(|k| {
            let a = adoption.iter().find(|a| a.kid == k.kid);
            KeyView {
                heartbeats: a.map_or(0, |a| a.heartbeats),
                accepting: a.map_or(0, |a| a.accepting),
                live_licenses: a.map_or(0, |a| a.live_licenses),
                kid: k.kid,
                status: k.status,
                can_sign: k.can_sign,
                created_at: k.created_at,
                activated_at: k.activated_at,
                retired_at: k.retired_at,
            }
        })
        .collect())
}
