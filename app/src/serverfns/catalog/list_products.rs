use leptos::prelude::*;

use super::ProductsView;

/// The whole catalog, and how much of the tier's caps it uses. Sysadmin only.
#[server(prefix = "/api", endpoint = "list_products")]
pub async fn list_products() -> Result<ProductsView, ServerFnError> {
    use super::{CouponEntry, PlanEntry, ProductEntry};
    use crate::serverfns::guard::{authorise, map_error};
    use tessera_backend::auth::Role;
    use tessera_backend::catalog::money;

    let (backend, _) = authorise(Role::Sysadmin)?;
    let catalog = backend.catalog().await.map_err(map_error)?;
    let caps = backend.catalog_caps().await.map_err(map_error)?;
    let products: Vec<ProductEntry> = catalog
        .products
        .iter()
        .map(|p| {
            let s = &p.spec;
            ProductEntry {
                slug: s.slug.clone(),
                name: s.name.clone(),
                product_key: s.product_key.clone(),
                active: s.active,
                internal: s.internal,
                domain_required: s.domain_required,
                features: s.features.clone(),
                seats: match s.seats.max {
                    Some(max) => format!("{}–{max} seats", s.seats.min),
                    None => format!("from {} seat(s)", s.seats.min),
                },
                trial: s.trial.map(|t| {
                    format!(
                        "{} days, then {} days before the same group may trial again",
                        t.days, t.cooldown_days
                    )
                }),
                plans: p
                    .plans
                    .iter()
                    .map(|l| PlanEntry {
                        lookup_key: l.spec.lookup_key.clone(),
                        tier: l.spec.tier,
                        interval: l.spec.interval,
                        price: money(l.spec.unit_amount, &l.spec.currency),
                        seats_included: l.spec.seats_included,
                        extra_seat: l
                            .spec
                            .extra_seat_unit_amount
                            .map(|a| money(a, &l.spec.currency)),
                        active: l.spec.active,
                        stripe_price_id: l.stripe_price_id.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    let coupons: Vec<CouponEntry> = catalog
        .coupons
        .iter()
        .map(|c| {
            let s = &c.spec;
            let mut rules = Vec::new();
            if !s.tiers.is_empty() {
                rules.push(format!(
                    "tiers {}",
                    s.tiers
                        .iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            match (s.min_seats, s.max_seats) {
                (Some(min), Some(max)) => rules.push(format!("{min}–{max} seats")),
                (Some(min), None) => rules.push(format!("at least {min} seats")),
                (None, Some(max)) => rules.push(format!("at most {max} seats")),
                (None, None) => {}
            }
            rules.push(match s.max_redemptions {
                Some(max) => format!("used {} of {max}", c.redemptions),
                None => format!("used {}", c.redemptions),
            });
            if let Some(at) = s.expires_at {
                rules.push(format!("expires {}", at.format("%Y-%m-%d")));
            }
            CouponEntry {
                code: s.code.clone(),
                discount: s.discount_text(),
                rules: rules.join(" · "),
                public: s.public,
                active: s.active,
            }
        })
        .collect();
    let of = |used: usize, cap: Option<i64>, what: &str| match cap {
        Some(cap) => format!("{used} of {cap} {what}"),
        None => format!("{used} {what}"),
    };
    let active_products = products.iter().filter(|p| p.active).count();
    let most_plans = products
        .iter()
        .map(|p| p.plans.iter().filter(|l| l.active).count())
        .max()
        .unwrap_or(0);
    let usage = vec![
        format!("Caps of {}", caps.source),
        of(active_products, caps.products, "active products"),
        of(
            most_plans,
            caps.plans_per_product,
            "active plans in the fullest product",
        ),
        of(
            coupons.iter().filter(|c| c.active).count(),
            caps.active_coupons,
            "active coupons",
        ),
        if caps.recurring_billing {
            "recurring billing on".into()
        } else {
            "recurring billing off".into()
        },
    ];
    Ok(ProductsView {
        products,
        coupons,
        usage,
    })
}
