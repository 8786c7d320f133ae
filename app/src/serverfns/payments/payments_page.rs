use leptos::prelude::*;

use super::PaymentList;
use crate::serverfns::params::Param;

/// A page of payments, newest first, filtered by `from`, `to` (dates), `product` and
/// `company` (its start); totals per currency. Operators.
#[server(prefix = "/api", endpoint = "payments_page", input = leptos::server_fn::codec::Json)]
pub async fn payments_page(params: Vec<Param>) -> Result<PaymentList, ServerFnError> {
    use super::{CurrencyTotal, PaymentEntry};
    use crate::serverfns::guard::{authorise, map_error};
    use crate::serverfns::params::value_of;
    use tessera_backend::auth::Role;
    use tessera_backend::catalog::money;
    use tessera_backend::commerce::payments::PaymentFilter;

    let (backend, _) = authorise(Role::Operator)?;
    let get = |name: &str| value_of(&params, name);
    let filter = PaymentFilter {
        from: get("from"),
        to: get("to"),
        product: get("product"),
        company: get("company"),
        after: get("after"),
    };
    let page = backend.payments(&filter).await.map_err(map_error)?;
    let catalog = backend.catalog().await.map_err(map_error)?;
    Ok(PaymentList {
        rows: page
            .rows
            .into_iter()
            .map(|p| PaymentEntry {
                amount: money(p.amount, &p.currency),
                refunded: money(p.amount_refunded, &p.currency),
                id: p.id,
                paid_at: p.paid_at,
                license_id: p.license_id,
                product: p.product,
                company: p.company,
                email: p.email,
                status: p.status,
            })
            .collect(),
        totals: page
            .totals
            .into_iter()
            .map(|t| CurrencyTotal {
                count: t.count,
                amount: money(t.amount, &t.currency),
                refunded: money(t.refunded, &t.currency),
            })
            .collect(),
        next: page.next,
        products: catalog
            .products
            .into_iter()
            .map(|p| p.spec.product_key)
            .collect(),
    })
}
