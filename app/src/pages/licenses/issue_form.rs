//! `/licenses/new`: every field of a license. A plain form posting to the server, so it works
//! with JavaScript off; the server answers with this page again, showing the token once (or
//! the refusal, with everything typed kept).

use crate::components::csrf::{use_form_token, CsrfField};
use leptos::prelude::*;
use leptos_meta::Title;

use super::SignedToken;
use crate::serverfns::catalog::{catalog_choices, ProductChoice};
use crate::serverfns::licenses::{issue_form_outcome, FormOutcome};
use crate::serverfns::params::Param;
use tessera_license::vocab::{LicenseKind, Tier};

const INPUT: &str = "mt-1 w-full rounded border border-slate-300 px-2 py-1.5 text-sm";

fn field(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    value: String,
    required: bool,
) -> impl IntoView {
    view! {
        <div>
            <label for=name class="block text-sm font-medium text-slate-700">{label}</label>
            <input id=name name=name value=value required=required class=INPUT/>
            {(!hint.is_empty()).then(|| view! { <p class="mt-0.5 text-xs text-slate-500">{hint}</p> })}
        </div>
    }
}

fn choice(
    name: &'static str,
    label: &'static str,
    options: impl Iterator<Item = &'static str>,
    value: &str,
) -> impl IntoView {
    let value = value.to_string();
    view! {
        <div>
            <label for=name class="block text-sm font-medium text-slate-700">{label}</label>
            <select id=name name=name class=INPUT>
                {options.map(|o| view! { <option value=o selected=value == o>{o}</option> }).collect_view()}
            </select>
        </div>
    }
}

/// The product and plan: choices from the catalog, or typed while the catalog is empty.
fn product_and_plan(catalog: &[ProductChoice], product: String, plan: String) -> impl IntoView {
    if catalog.is_empty() {
        return view! {
            {field("product", "Product key", "The token's audience, e.g. studio (add products in /products to choose them here)", product, true)}
            {field("plan", "Plan", "", plan, false)}
        }
        .into_any();
    }
    let products = catalog
        .iter()
        .map(|p| {
            let label = format!("{} ({})", p.name, p.product_key);
            view! { <option value=p.product_key.clone() selected=product == p.product_key>{label}</option> }
        })
        .collect_view();
    let plans = catalog
        .iter()
        .filter(|p| !p.plans.is_empty())
        .map(|p| {
            let options = p
                .plans
                .iter()
                .map(|(key, label)| view! { <option value=key.clone() selected=plan == *key>{label.clone()}</option> })
                .collect_view();
            view! { <optgroup label=p.name.clone()>{options}</optgroup> }
        })
        .collect_view();
    view! {
        <div>
            <label for="product" class="block text-sm font-medium text-slate-700">"Product"</label>
            <select id="product" name="product" class=INPUT>{products}</select>
        </div>
        <div>
            <label for="plan" class="block text-sm font-medium text-slate-700">"Plan"</label>
            <select id="plan" name="plan" class=INPUT>
                <option value="" selected=plan.is_empty()>"(none)"</option>
                {plans}
            </select>
        </div>
    }
    .into_any()
}

fn form(values: Vec<Param>, token: String, catalog: &[ProductChoice]) -> impl IntoView {
    let v = move |name: &str| {
        values
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.clone())
            .unwrap_or_default()
    };
    let checked = |value: String| value == "on";
    view! {
        <form method="post" action="/licenses/new" class="grid gap-4 rounded-xl border border-slate-200 bg-white p-6 sm:grid-cols-2"><CsrfField token/>
            {field("email", "Customer e-mail", "", v("email"), true)}
            {field("company", "Company", "", v("company"), true)}
            {field("tax_id", "Tax id (CIF/VAT)", "", v("tax_id"), false)}
            {product_and_plan(catalog, v("product"), v("plan"))}
            {choice("tier", "Tier", Tier::spellings(), &v("tier"))}
            {choice("kind", "Kind", LicenseKind::spellings(), &v("kind"))}
            <div>
                <label for="expires" class="block text-sm font-medium text-slate-700">"Expires (UTC)"</label>
                <input id="expires" name="expires" type="date" value=v("expires") class=INPUT/>
                <p class="mt-0.5 text-xs text-slate-500">"Empty: perpetual never expires, a trial runs 30 days."</p>
            </div>
            {field("domains", "Domains", "Registrable domains or localhost, comma-separated (required)", v("domains"), true)}
            {choice("support_period", "Extra support", ["", "3mo", "6mo", "12mo", "24mo", "36mo"].into_iter(), &v("support_period"))}
            {field("niches", "Niche packages", "comma-separated", v("niches"), false)}
            {field("plugins", "Licensed plugins", "comma-separated", v("plugins"), false)}
            {field("themes", "Themes", "comma-separated", v("themes"), false)}
            {field("features", "Features", "comma-separated", v("features"), false)}
            {field("seats", "Seats", "plugin.role=N or plugin=N (pool), comma-separated", v("seats"), false)}
            {field("node_lock", "Node lock", "Fingerprint of the one machine allowed", v("node_lock"), false)}
            <div class="flex items-center gap-2">
                <input id="early_adopter" name="early_adopter" type="checkbox" checked=checked(v("early_adopter"))/>
                <label for="early_adopter" class="text-sm">"Early adopter"</label>
            </div>
            <div class="flex items-center gap-2">
                <input id="send_email" name="send_email" type="checkbox" checked=checked(v("send_email"))/>
                <label for="send_email" class="text-sm">"E-mail the token to the customer"</label>
            </div>
            <div class="sm:col-span-2">
                <button type="submit" class="rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700">"Issue license"</button>
            </div>
        </form>
    }
}

/// The issue form, and the outcome of the last submission.
#[component]
pub fn IssueFormPage() -> impl IntoView {
    let outcome = Resource::new(|| (), |_| issue_form_outcome());
    let csrf = use_form_token();
    let choices = Resource::new(|| (), |_| catalog_choices());
    view! {
        <Title text="Issue a license · Tessera"/>
        <h1 class="mb-4 text-2xl font-semibold">"Issue a license"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let token = csrf.value().await;
                let catalog = choices.await.unwrap_or_default();
                match outcome.await {
                    Err(e) => view! { <p role="alert" class="text-rose-700">{e.to_string()}</p> }.into_any(),
                    Ok(Some(signed @ FormOutcome::Signed { .. })) => view! {
                        <SignedToken outcome=signed/>
                        <a href="/licenses/new" class="text-indigo-700 hover:underline">"Issue another"</a>
                    }.into_any(),
                    Ok(Some(FormOutcome::Rejected { message, values })) => view! {
                        <p role="alert" class="mb-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800">{message}</p>
                        {form(values, token, &catalog)}
                    }.into_any(),
                    Ok(_) => form(vec![Param::new("kind", LicenseKind::Perpetual.as_str()), Param::new("tier", Tier::Pro.as_str())], token, &catalog).into_any(),
                }
            })}
        </Suspense>
    }
}
