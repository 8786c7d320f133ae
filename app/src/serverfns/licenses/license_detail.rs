use leptos::prelude::*;

use super::LicenseDetailView;

/// Everything about one license. Any signed-in role.
#[server(prefix = "/api", endpoint = "license_detail")]
pub async fn license_detail(
    id: String,
    installs_page: Option<i64>,
) -> Result<LicenseDetailView, ServerFnError> {
    use super::LicenseSummary;
    use crate::serverfns::guard::{authorise, map_error};
    use tessera_backend::auth::Role;

    let (backend, user) = authorise(Role::Viewer)?;
    let d = backend
        .license_detail_page(&id, installs_page.unwrap_or(0))
        .await
        .map_err(map_error)?;
    let l = d.license;
    Ok(LicenseDetailView {
        can_act: user.role.allows(Role::Operator),
        summary: LicenseSummary {
            id: l.id,
            status: l.status,
            tier: l.tier,
            kind: l.kind,
            company: l.company,
            email: l.customer_email,
            created_at: l.created_at,
            expires_at: l.expires_at,
            last_heartbeat_at: l.last_heartbeat_at,
        },
        tax_id: l.tax_id,
        product: l.product,
        plan: l.plan,
        kid: l.kid,
        rotate_before_retire: d.rotate_before_retire,
        support_until: l.support_until,
        support_left_days: d.support_left_secs.map(|s| s.div_euclid(86_400)),
        revoke_reason: l.revoke_reason,
        multi_install_until: l.multi_install_until,
        replaced_by: l.replaced_by,
        transferred_from: l.transferred_from,
        claims_json: serde_json::to_string_pretty(&d.claims).unwrap_or_default(),
        history: d
            .history
            .into_iter()
            .map(|h| (h.at, h.action, h.actor, h.detail))
            .collect(),
        heartbeats: d
            .heartbeats
            .into_iter()
            .map(|h| (h.at, h.install_id, h.version, h.ip, h.kid))
            .collect(),
        installs_total: d.installs_total,
        installs_page: d.installs_page,
        installs_pages: (d.installs_total + tessera_backend::licenses::query::INSTALLS_PER_PAGE
            - 1)
            / tessera_backend::licenses::query::INSTALLS_PER_PAGE,
        installs: d
            .installs
            .into_iter()
            .map(|i| (i.install_id, i.first_seen, i.last_seen, i.last_version))
            .collect(),
        anomalies: d
            .anomalies
            .into_iter()
            .map(|a| (a.kind, a.detail, a.detected_at))
            .collect(),
    })
}
