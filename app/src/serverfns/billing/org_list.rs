use leptos::prelude::*;

use super::OrgEntry;

/// Every customer org with its members and license count (operators).
#[server(prefix = "/api", endpoint = "org_list")]
pub async fn org_list() -> Result<Vec<OrgEntry>, ServerFnError> {
    use super::MemberEntry;
    use crate::serverfns::guard::{authorise, map_error};
    use tessera_backend::auth::Role;

    let (backend, _) = authorise(Role::Operator)?;
    let mut entries = Vec::new();
    for org in backend.orgs().await.map_err(map_error)? {
        let members = backend.org_members(&org.id).await.map_err(map_error)?;
        entries.push(OrgEntry {
            slug: org.slug,
            name: org.name,
            billing_email: org.billing_email,
            stripe_customer: org.stripe_customer_id,
            created_at: org.created_at,
            licenses: org.licenses,
            members: members
                .into_iter()
                .map(|m| MemberEntry {
                    customer_id: m.customer_id,
                    email: m.email,
                    role: m.role,
                })
                .collect(),
        });
    }
    Ok(entries)
}
