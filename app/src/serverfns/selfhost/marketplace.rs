use leptos::prelude::*;

use super::MarketplaceView;

/// Every registered plugin with its seats, and the banner in force. Any signed-in user.
#[server(prefix = "/api", endpoint = "marketplace")]
pub async fn marketplace() -> Result<MarketplaceView, ServerFnError> {
    use crate::serverfns::guard::{authorise, map_error};
    use tessera_backend::auth::Role;

    let (backend, user) = authorise(Role::Viewer)?;
    let view = backend.install_view_now().await.map_err(map_error)?;
    let plugins = backend.all_plugin_seats().await.map_err(map_error)?;
    Ok(MarketplaceView {
        state: view.state,
        banner: view.banner.clone(),
        billing_url: view
            .vendor_url
            .as_ref()
            .map(|url| format!("{}/billing", url.trim_end_matches('/'))),
        plugins: plugins.iter().map(card).collect(),
        can_grant: user.role.allows(Role::Operator),
    })
}

/// One plugin with its holders; 404 when it never registered.
#[server(prefix = "/api", endpoint = "marketplace_plugin")]
pub async fn marketplace_plugin(plugin: String) -> Result<MarketplaceView, ServerFnError> {
    use crate::serverfns::guard::{authorise, map_error};
    use tessera_backend::auth::Role;

    let (backend, user) = authorise(Role::Viewer)?;
    let view = backend.install_view_now().await.map_err(map_error)?;
    let seats = backend.plugin_seats(&plugin).await.map_err(map_error)?;
    Ok(MarketplaceView {
        state: view.state,
        banner: view.banner.clone(),
        billing_url: view
            .vendor_url
            .as_ref()
            .map(|url| format!("{}/billing", url.trim_end_matches('/'))),
        plugins: vec![card(&seats)],
        can_grant: user.role.allows(Role::Operator),
    })
}

#[cfg(feature = "ssr")]
fn card(seats: &tessera_backend::selfhost::seats::PluginSeats) -> super::PluginCard {
    use super::{HolderEntry, PluginCard, RoleEntry};
    PluginCard {
        plugin: seats.roles.plugin.clone(),
        used: seats.usage.used,
        limit: seats.usage.limit,
        over: seats.usage.over,
        roles: seats
            .usage
            .per_role
            .iter()
            .map(|r| RoleEntry {
                name: r.role.clone(),
                billable: r.billable,
                used: r.used,
                limit: r.limit,
                over: r.over,
            })
            .collect(),
        holders: seats
            .holders
            .iter()
            .map(|g| HolderEntry {
                user: g.user_id.clone(),
                role: g.role.clone(),
                granted_at: g.granted_at,
            })
            .collect(),
    }
}
