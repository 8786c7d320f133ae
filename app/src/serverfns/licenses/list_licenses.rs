use leptos::prelude::*;

use super::LicenseListPage;

/// A filtered page of licenses. Any signed-in role.
#[server(prefix = "/api", endpoint = "list_licenses", input = leptos::server_fn::codec::Json)]
pub async fn list_licenses(
    params: Vec<(String, String)>,
) -> Result<LicenseListPage, ServerFnError> {
    use super::LicenseSummary;
    use crate::serverfns::guard::{authorise, map_error};
    use tessera_backend::auth::Role;
    use tessera_backend::store::{
        Freshness, LicenseCursor, LicenseQuery, LicenseSort, StatusFilter, SupportFilter,
    };

    let (backend, user) = authorise(Role::Viewer)?;
    let get = |key: &str| {
        params
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let query = LicenseQuery {
        search: get("q"),
        status: get("status").and_then(|s| match s.as_str() {
            "active" => Some(StatusFilter::Active),
            "expired" => Some(StatusFilter::Expired),
            "revoked" => Some(StatusFilter::Revoked),
            "refunded" => Some(StatusFilter::Refunded),
            "transferred" => Some(StatusFilter::Transferred),
            _ => None,
        }),
        tier: get("tier"),
        kind: get("kind"),
        niche: get("niche"),
        support: get("support").and_then(|s| match s.as_str() {
            "active" => Some(SupportFilter::Active),
            "expired" => Some(SupportFilter::Expired),
            _ => None,
        }),
        freshness: get("heartbeat").and_then(|s| match s.as_str() {
            "24h" => Some(Freshness::Day),
            "7d" => Some(Freshness::Week),
            "stale" => Some(Freshness::Stale),
            _ => None,
        }),
        sort: match get("sort").as_deref() {
            Some("oldest") => LicenseSort::Oldest,
            Some("company") => LicenseSort::Company,
            _ => LicenseSort::Newest,
        },
        after: get("after").as_deref().and_then(LicenseCursor::decode),
        limit: 50,
        ..LicenseQuery::default()
    };
    let page = backend.list_licenses(query).await.map_err(map_error)?;
    Ok(LicenseListPage {
        can_issue: user.role.allows(Role::Operator),
        now: tessera_backend::now(),
        total: page.total,
        total_capped: page.total_capped,
        next: page.next.map(|c| c.encode()),
        rows: page
            .rows
            .into_iter()
            .map(|r| LicenseSummary {
                id: r.id,
                status: r.status,
                tier: r.tier,
                kind: r.kind,
                company: r.company,
                email: r.customer_email,
                created_at: r.created_at,
                expires_at: r.expires_at,
                last_heartbeat_at: r.last_heartbeat_at,
            })
            .collect(),
    })
}
