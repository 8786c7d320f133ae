use leptos::prelude::*;

use super::DashboardView;

/// Issuance per week, heartbeat freshness and open anomalies. Any signed-in role.
#[server(prefix = "/api", endpoint = "dashboard")]
pub async fn get_dashboard() -> Result<DashboardView, ServerFnError> {
    use crate::serverfns::guard::{authorise, map_error};
    use tessera_backend::auth::Role;

    let (backend, _) = authorise(Role::Viewer)?;
    let d = backend.dashboard().await.map_err(map_error)?;
    let f = d.freshness;
    Ok(DashboardView {
        weeks: d.issued_per_week,
        freshness: [f.day, f.week, f.month, f.stale, f.never],
        anomalies: d
            .open_anomalies
            .into_iter()
            .map(|a| (a.license_id, a.kind, a.detail, a.detected_at))
            .collect(),
    })
}
