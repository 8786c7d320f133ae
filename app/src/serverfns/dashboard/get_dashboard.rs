use leptos::prelude::*;

use super::DashboardView;

/// Issuance per week, heartbeat freshness and open anomalies. Any signed-in role.
#[server(prefix = "/api", endpoint = "dashboard")]
pub async fn get_dashboard() -> Result<DashboardView, ServerFnError> {
    use super::WeekBar;
    use crate::serverfns::guard::{authorise, map_error};
    use crate::serverfns::licenses::AnomalyEntry;
    use tessera_backend::auth::Role;

    let (backend, _) = authorise(Role::Viewer)?;
    let d = backend.dashboard().await.map_err(map_error)?;
    let f = d.freshness;
    Ok(DashboardView {
        weeks: d
            .issued_per_week
            .into_iter()
            .map(|w| WeekBar {
                week: w.week,
                issued: w.n,
            })
            .collect(),
        freshness: [f.day, f.week, f.month, f.stale, f.never],
        anomalies: d
            .open_anomalies
            .into_iter()
            .map(AnomalyEntry::from)
            .collect(),
    })
}
