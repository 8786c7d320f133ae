use leptos::prelude::*;

use super::LicenseListPage;
use crate::serverfns::params::Param;

/// A filtered page of licenses. Any signed-in role. Filters are the list page's query
/// parameters; a blank or unknown word reads as no filter.
#[server(prefix = "/api", endpoint = "list_licenses", input = leptos::server_fn::codec::Json)]
pub async fn list_licenses(params: Vec<Param>) -> Result<LicenseListPage, ServerFnError> {
    use crate::serverfns::guard::{authorise, map_error};
    use crate::serverfns::params::{value_of, word_of};
    use tessera_backend::auth::Role;
    use tessera_backend::store::{LicenseCursor, LicenseQuery};

    let (backend, user) = authorise(Role::Viewer)?;
    let query = LicenseQuery {
        search: value_of(&params, "q"),
        status: word_of(&params, "status"),
        tier: word_of(&params, "tier"),
        kind: word_of(&params, "kind"),
        niche: value_of(&params, "niche"),
        support: word_of(&params, "support"),
        freshness: word_of(&params, "heartbeat"),
        sort: word_of(&params, "sort").unwrap_or_default(),
        after: value_of(&params, "after")
            .as_deref()
            .and_then(LicenseCursor::decode),
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
        rows: page.rows.into_iter().map(Into::into).collect(),
    })
}
