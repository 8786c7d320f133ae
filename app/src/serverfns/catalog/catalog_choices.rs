use leptos::prelude::*;

use super::ProductChoice;

/// The active products and their active plans, for the issue form. Operator and up.
#[server(prefix = "/api", endpoint = "catalog_choices")]
pub async fn catalog_choices() -> Result<Vec<ProductChoice>, ServerFnError> {
    use crate::serverfns::guard::{authorise, map_error};
    use tessera_backend::auth::Role;

    let (backend, _) = authorise(Role::Operator)?;
    let catalog = backend.catalog().await.map_err(map_error)?;
    Ok(catalog
        .products
        .into_iter()
        .filter(|p| p.spec.active)
        .map(|p| ProductChoice {
            product_key: p.spec.product_key,
            name: p.spec.name,
            plans: p
                .plans
                .into_iter()
                .filter(|l| l.spec.active)
                .map(|l| {
                    let label = format!(
                        "{} ({}, {})",
                        l.spec.lookup_key, l.spec.tier, l.spec.interval
                    );
                    (l.spec.lookup_key, label)
                })
                .collect(),
        })
        .collect())
}
