use leptos::prelude::*;

use super::Overview;

/// License and key counts, the audit chain's health and the event backlog. Any signed-in
/// role.
#[server(prefix = "/api", endpoint = "overview")]
pub async fn get_overview() -> Result<Overview, ServerFnError> {
    use crate::serverfns::guard::{authorise, map_error};
    use tessera_backend::audit::ChainStatus;
    use tessera_backend::auth::Role;
    use tessera_backend::store::KeyStatus;

    let (backend, _) = authorise(Role::Viewer)?;
    let keys = backend.list_keys().await.map_err(map_error)?;
    let licenses = backend.count_licenses().await.map_err(map_error)?;
    let (audit_rows, audit_broken_at) =
        match backend.audit_chain_status().await.map_err(map_error)? {
            ChainStatus::Intact { rows } => (rows, None),
            ChainStatus::Broken { seq, .. } => (seq - 1, Some(seq)),
        };
    let backlog = backend.outbox_backlog().await.map_err(map_error)?;
    Ok(Overview {
        events_waiting: backlog.count,
        oldest_event_age: backlog
            .oldest
            .map(|at| (tessera_backend::now() - at).max(0)),
        licenses,
        active_kid: keys
            .iter()
            .find(|k| k.status == KeyStatus::Active)
            .map(|k| k.kid.clone()),
        keys: keys.len(),
        audit_broken_at,
        audit_rows,
        database: backend.store().backend_name().to_string(),
    })
}
