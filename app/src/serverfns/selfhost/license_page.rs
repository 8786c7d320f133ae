use leptos::prelude::*;

use super::LicensePageView;

/// The installed license as `/license` shows it. Any signed-in user reads it; sysadmins may
/// install a token.
#[server(prefix = "/api", endpoint = "license_page")]
pub async fn license_page() -> Result<LicensePageView, ServerFnError> {
    use super::{CapEntry, InstalledGrant, SeatEntry, VendorAnswerEntry};
    use crate::serverfns::guard::{authorise, map_error};
    use tessera_backend::auth::Role;

    let (backend, user) = authorise(Role::Viewer)?;
    let view = backend.install_view_now().await.map_err(map_error)?;
    let used = backend
        .usage_report()
        .await
        .map_err(map_error)?
        .map(|usage| usage.caps)
        .unwrap_or_default();
    let grant = view.claims.as_ref().map(|c| {
        let lic = &c.lic;
        InstalledGrant {
            license_id: c.sub.to_string(),
            tier: lic.tier,
            kind: lic.kind,
            customer: format!("{} · {}", lic.customer.company, lic.customer.email),
            expires_at: c.exp,
            support_until: lic.support_until,
            features: lic.features.clone(),
            plugins: lic.plugins.clone(),
            caps: lic
                .caps
                .iter()
                .map(|(name, value)| CapEntry {
                    name: name.clone(),
                    value: *value,
                    used: used.get(name).copied(),
                })
                .collect(),
            seats: lic
                .seats
                .iter()
                .map(|(plugin, seats)| {
                    let mut parts: Vec<String> = seats
                        .roles
                        .iter()
                        .map(|(r, n)| format!("{r}: {n}"))
                        .collect();
                    parts.extend(seats.pool.map(|pool| format!("pool of {pool}")));
                    SeatEntry {
                        plugin: plugin.clone(),
                        grant: parts.join(", "),
                    }
                })
                .collect(),
            domains: lic.domains.iter().map(ToString::to_string).collect(),
            node_lock: lic.node_lock.clone(),
        }
    });
    Ok(LicensePageView {
        state: view.state,
        grace_until: view.grace_until,
        banner: view.banner.clone(),
        problem: view.problem.as_ref().map(|(_, message)| message.clone()),
        grant,
        support_active: view.support_active,
        kid: view.kid.clone(),
        install_id: view.install_id.clone(),
        fingerprint: view.fingerprint.clone(),
        token_installed_at: view.token_installed_at,
        pinned_kids: view.pinned_kids.clone(),
        keys_source: view.keys_source.clone(),
        clock_behind: view.clock_behind,
        vendor_url: view.vendor_url.clone(),
        last_attempt_at: view.last_attempt_at,
        last_success_at: view.last_success_at,
        last_error: view.last_error.clone(),
        failures: view.failures,
        answer: view.verdict.as_ref().map(|v| VendorAnswerEntry {
            status: v.status.to_string(),
            received_at: v.received_at,
            via: v.via.clone(),
            rotated: v.rotated,
        }),
        can_install: user.role.allows(Role::Sysadmin),
    })
}
