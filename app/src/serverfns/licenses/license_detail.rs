use leptos::prelude::*;

use super::LicenseDetailView;

/// Everything about one license. Any signed-in role.
#[server(prefix = "/api", endpoint = "license_detail")]
pub async fn license_detail(
    id: String,
    installs_page: Option<i64>,
) -> Result<LicenseDetailView, ServerFnError> {
    use super::{AnomalyEntry, HeartbeatEntry, HistoryEntry, InstallEntry};
    use crate::serverfns::guard::{authorise, map_error};
    use tessera_backend::auth::Role;
    use tessera_backend::licenses::query::INSTALLS_PER_PAGE;

    let (backend, user) = authorise(Role::Viewer)?;
    let d = backend
        .license_detail_page(&id, installs_page.unwrap_or(0))
        .await
        .map_err(map_error)?;
    let l = d.license;
    let (refund_until, refund_refused) = match d.refund {
        tessera_backend::commerce::Refundable::Until { until, .. } => (Some(until), String::new()),
        tessera_backend::commerce::Refundable::No(why) => (None, why),
    };
    Ok(LicenseDetailView {
        refund_until,
        refund_refused,
        can_act: user.role.allows(Role::Operator),
        tax_id: l.tax_id.clone(),
        product: l.product.clone(),
        plan: l.plan.clone(),
        kid: l.kid.clone(),
        rotate_before_retire: d.rotate_before_retire,
        support_until: l.support_until,
        support_left_days: d.support_left_secs.map(|s| s.div_euclid(86_400)),
        revoke_reason: l.revoke_reason.clone(),
        multi_install_until: l.multi_install_until,
        replaced_by: l.replaced_by.clone(),
        transferred_from: l.transferred_from.clone(),
        claims_json: serde_json::to_string_pretty(&l.claims).unwrap_or_default(),
        summary: l.into(),
        history: d
            .history
            .into_iter()
            .map(|h| HistoryEntry {
                at: h.at,
                action: h.action,
                actor: h.actor,
                detail: h.detail,
            })
            .collect(),
        heartbeats: d
            .heartbeats
            .into_iter()
            .map(|h| HeartbeatEntry {
                at: h.at,
                install_id: h.install_id,
                version: h.version,
                ip: h.ip,
                kid: h.kid,
            })
            .collect(),
        installs_total: d.installs_total,
        installs_page: d.installs_page,
        installs_pages: (d.installs_total + INSTALLS_PER_PAGE - 1) / INSTALLS_PER_PAGE,
        installs: d
            .installs
            .into_iter()
            .map(|i| InstallEntry {
                install_id: i.install_id,
                first_seen: i.first_seen,
                last_seen: i.last_seen,
                last_version: i.last_version,
            })
            .collect(),
        anomalies: d.anomalies.into_iter().map(AnomalyEntry::from).collect(),
    })
}
