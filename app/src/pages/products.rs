//! `/products` (sysadmin): the catalog — products with their plans, coupons, and how much of
//! this Tessera's caps they use — with forms to add a product, a plan or a coupon and to
//! activate or deactivate each. Plain forms posted to the page itself (`action=`); the
//! catalog file (`tessera catalog apply`) changes everything else.

use crate::components::csrf::{use_form_token, CsrfField};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::serverfns::catalog::{list_products, CouponEntry, ProductEntry, ProductsView};
use crate::serverfns::licenses::{last_form_outcome, FormOutcome};
use crate::serverfns::params::Param;
use tessera_license::vocab::{BillingInterval, Tier};

const INPUT: &str = "mt-1 w-full rounded border border-slate-300 px-2 py-1.5 text-sm";
const SMALL_BUTTON: &str = "rounded border border-slate-300 px-2 py-1 text-xs";

/// The values typed into the refused form, to show them again.
type Typed = std::sync::Arc<Vec<Param>>;

fn typed(values: &Typed, form: &str, name: &str) -> String {
    let posted = values
        .iter()
        .find(|p| p.name == "action")
        .map(|p| p.value.as_str());
    if posted != Some(form) {
        return String::new();
    }
    values
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.value.clone())
        .unwrap_or_default()
}

// Each field sits inside its label: every product card has the same fields, so ids would repeat.
fn input(name: &'static str, label: &'static str, value: String, required: bool) -> impl IntoView {
    view! {
        <label class="block text-sm">{label}
            <input name=name value=value required=required class=INPUT/>
        </label>
    }
}

fn select(
    name: &'static str,
    label: &'static str,
    options: impl Iterator<Item = &'static str>,
    value: &str,
) -> impl IntoView {
    let value = value.to_string();
    view! {
        <label class="block text-sm">{label}
            <select name=name class=INPUT>
                {options.map(|o| view! { <option value=o selected=value == o>{o}</option> }).collect_view()}
            </select>
        </label>
    }
}

fn toggle(
    token: &str,
    action: &'static str,
    key_name: &'static str,
    key: String,
    active: bool,
) -> impl IntoView {
    view! {
        <form method="post" action="/products" class="inline"><CsrfField token=token.to_string()/>
            <input type="hidden" name="action" value=action/>
            <input type="hidden" name=key_name value=key/>
            <input type="hidden" name="active" value=if active { "false" } else { "true" }/>
            <button class=SMALL_BUTTON>{if active { "Deactivate" } else { "Activate" }}</button>
        </form>
    }
}

fn product_view(p: &ProductEntry, token: &str, values: &Typed) -> impl IntoView {
    let flags = [
        (!p.active).then_some("inactive"),
        p.internal.then_some("internal"),
        p.domain_required.then_some("domain required"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let plans = p
        .plans
        .iter()
        .map(|l| {
            view! {
                <tr class="border-t border-slate-100" data-testid="plan">
                    <td class="px-3 py-1.5 font-mono text-xs">{l.lookup_key.clone()}</td>
                    <td class="px-3 py-1.5 text-sm">{l.tier.as_str()}</td>
                    <td class="px-3 py-1.5 text-sm">{l.interval.as_str()}</td>
                    <td class="px-3 py-1.5 text-sm">{format!("{} for {} seat(s)", l.price, l.seats_included)}</td>
                    <td class="px-3 py-1.5 text-sm">{l.extra_seat.clone().map_or_else(|| "—".to_string(), |s| format!("{s} / extra seat"))}</td>
                    <td class="px-3 py-1.5 text-xs text-slate-500">{l.stripe_price_id.clone().unwrap_or_else(|| "not synced to Stripe".into())}</td>
                    <td class="px-3 py-1.5 text-sm">{if l.active { "active" } else { "inactive" }}</td>
                    <td class="px-3 py-1.5">{toggle(token, "plan_active", "lookup_key", l.lookup_key.clone(), l.active)}</td>
                </tr>
            }
        })
        .collect_view();
    let is_this = typed(values, "plan", "product") == p.slug;
    let v = |name: &str| {
        if is_this {
            typed(values, "plan", name)
        } else {
            String::new()
        }
    };
    view! {
        <section class="mb-4 rounded-xl border border-slate-200 bg-white p-5" data-testid="product">
            <div class="flex items-baseline justify-between gap-3">
                <div>
                    <h2 class="font-semibold">{p.name.clone()}</h2>
                    <p class="text-xs text-slate-500">{format!("{} · aud {} · {}", p.slug, p.product_key, p.seats)}</p>
                    {(!flags.is_empty()).then(|| view! { <p class="text-xs text-amber-700">{flags.clone()}</p> })}
                    {(!p.features.is_empty()).then(|| view! { <p class="text-xs text-slate-600">{format!("Features: {}", p.features.join(", "))}</p> })}
                    {p.trial.clone().map(|t| view! { <p class="text-xs text-slate-600">{format!("Trial: {t}")}</p> })}
                </div>
                {toggle(token, "product_active", "slug", p.slug.clone(), p.active)}
            </div>
            <table class="mt-3 w-full text-left">
                <thead class="text-xs uppercase text-slate-500">
                    <tr><th class="px-3 py-1">"Lookup key"</th><th class="px-3 py-1">"Tier"</th><th class="px-3 py-1">"Interval"</th><th class="px-3 py-1">"Price"</th><th class="px-3 py-1">"Extra seats"</th><th class="px-3 py-1">"Stripe"</th><th class="px-3 py-1">"Status"</th><th class="px-3 py-1"></th></tr>
                </thead>
                <tbody>{plans}</tbody>
            </table>
            <details class="mt-3" open=is_this>
                <summary class="cursor-pointer text-sm text-indigo-700">{format!("Add a plan to {}", p.name)}</summary>
                <form method="post" action="/products" class="mt-2 grid gap-3 sm:grid-cols-4"><CsrfField token=token.to_string()/>
                    <input type="hidden" name="action" value="plan"/>
                    <input type="hidden" name="product" value=p.slug.clone()/>
                    {input("lookup_key", "Lookup key", v("lookup_key"), true)}
                    {select("tier", "Tier", Tier::spellings().filter(|t| *t != "trial"), &v("tier"))}
                    {select("interval", "Interval", BillingInterval::spellings(), &v("interval"))}
                    {input("currency", "Currency", if is_this { v("currency") } else { "eur".into() }, true)}
                    {input("price", "Price (e.g. 49.00)", v("price"), true)}
                    {input("seats_included", "Seats included", if is_this { v("seats_included") } else { "1".into() }, true)}
                    {input("extra_seat_price", "Price per extra seat (empty: none)", v("extra_seat_price"), false)}
                    <div class="flex items-end"><button type="submit" class="rounded bg-indigo-600 px-3 py-1.5 text-sm text-white">"Add plan"</button></div>
                </form>
            </details>
        </section>
    }
}

fn new_product_form(token: &str, values: &Typed) -> impl IntoView {
    let v = |name: &str| typed(values, "product", name);
    view! {
        <form method="post" action="/products" class="mb-8 grid gap-3 rounded-xl border border-slate-200 bg-white p-5 sm:grid-cols-3"><CsrfField token=token.to_string()/>
            <input type="hidden" name="action" value="product"/>
            <h2 class="font-semibold sm:col-span-3">"New product"</h2>
            {input("slug", "Slug (a-z 0-9 -)", v("slug"), true)}
            {input("name", "Name", v("name"), true)}
            {input("product_key", "Product key (the token's aud)", v("product_key"), true)}
            {input("features", "Features (comma-separated)", v("features"), false)}
            {input("seats_min", "Seats: at least", v("seats_min"), false)}
            {input("seats_max", "Seats: at most (empty: no limit)", v("seats_max"), false)}
            {input("trial_days", "Trial days (empty: no trial)", v("trial_days"), false)}
            {input("trial_cooldown_days", "Days before a group may trial again", v("trial_cooldown_days"), false)}
            {input("max_license_total", "Most one-off licenses ever sold (empty: no limit)", v("max_license_total"), false)}
            <div class="flex items-center gap-2"><input type="checkbox" id="internal" name="internal" checked=v("internal") == "on"/><label for="internal" class="text-sm">"Internal (never listed publicly)"</label></div>
            <div class="flex items-center gap-2"><input type="checkbox" id="domain_required" name="domain_required" checked=v("domain_required") == "on"/><label for="domain_required" class="text-sm">"Licenses must bind a domain"</label></div>
            <div class="sm:col-span-3"><button type="submit" class="rounded bg-indigo-600 px-3 py-1.5 text-sm text-white">"Create product"</button></div>
        </form>
    }
}

fn coupons_view(coupons: &[CouponEntry], token: &str, values: &Typed) -> impl IntoView {
    let v = |name: &str| typed(values, "coupon", name);
    let rows = coupons
        .iter()
        .map(|c| {
            view! {
                <tr class="border-t border-slate-100" data-testid="coupon">
                    <td class="px-3 py-1.5 font-mono text-sm">{c.code.clone()}</td>
                    <td class="px-3 py-1.5 text-sm">{c.discount.clone()}</td>
                    <td class="px-3 py-1.5 text-sm text-slate-600">{c.rules.clone()}</td>
                    <td class="px-3 py-1.5 text-sm">{if c.public { "public" } else { "private" }}</td>
                    <td class="px-3 py-1.5 text-sm">{if c.active { "active" } else { "inactive" }}</td>
                    <td class="px-3 py-1.5">{toggle(token, "coupon_active", "code", c.code.clone(), c.active)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="rounded-xl border border-slate-200 bg-white p-5">
            <h2 class="mb-2 font-semibold">"Coupons"</h2>
            <table class="w-full text-left"><tbody>{rows}</tbody></table>
            <form method="post" action="/products" class="mt-4 grid gap-3 sm:grid-cols-4"><CsrfField token=token.to_string()/>
                <input type="hidden" name="action" value="coupon"/>
                {input("code", "Code", v("code"), true)}
                {input("percent_off", "Percent off", v("percent_off"), false)}
                {input("amount_off", "Or amount off (e.g. 10.00)", v("amount_off"), false)}
                {input("coupon_currency", "Currency of the amount", v("coupon_currency"), false)}
                {input("tiers", "Tiers (comma-separated; empty: all)", v("tiers"), false)}
                {input("min_seats", "At least seats", v("min_seats"), false)}
                {input("max_seats", "At most seats", v("max_seats"), false)}
                {input("max_redemptions", "Most redemptions", v("max_redemptions"), false)}
                {input("expires", "Expires (YYYY-MM-DD)", v("expires"), false)}
                <div class="flex items-center gap-2"><input type="checkbox" id="public" name="public" checked=v("public") == "on"/><label for="public" class="text-sm">"Public (storefronts may show it)"</label></div>
                <div class="flex items-end"><button type="submit" class="rounded bg-indigo-600 px-3 py-1.5 text-sm text-white">"Create coupon"</button></div>
            </form>
        </section>
    }
}

fn catalog_view(list: &ProductsView, token: &str, values: &Typed) -> impl IntoView {
    view! {
        <p class="mb-4 text-sm text-slate-600" data-testid="usage">{list.usage.join(" · ")}</p>
        {list.products.is_empty().then(|| view! { <p class="mb-4 text-slate-500">"No products yet."</p> })}
        {list.products.iter().map(|p| product_view(p, token, values)).collect_view()}
        {new_product_form(token, values)}
        {coupons_view(&list.coupons, token, values)}
    }
}

/// The catalog and its forms.
#[component]
pub fn ProductsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| list_products());
    let csrf = use_form_token();
    let outcome = Resource::new(|| (), |_| last_form_outcome());
    let query = use_query_map();
    let done = move || query.read().get("done");
    view! {
        <Title text="Products · Tessera"/>
        <h1 class="mb-2 text-2xl font-semibold">"Products"</h1>
        <p class="mb-4 text-sm text-slate-600">"What you sell: products (a license's product key and terms), their plans (a price per tier and interval, named by a Stripe lookup key) and coupons. The catalog file (tessera catalog apply) can change every field."</p>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let token = csrf.value().await;
                let (refused, values) = match outcome.await.ok().flatten() {
                    Some(FormOutcome::Rejected { message, values }) => (Some(message), values),
                    _ => (None, Vec::new()),
                };
                let values: Typed = std::sync::Arc::new(values);
                match data.await {
                    Ok(list) => view! {
                        {done().map(|d| view! { <p role="status" class="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">{format!("Done: {d}.")}</p> })}
                        {refused.map(|m| view! { <p role="alert" class="mb-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800">{m}</p> })}
                        {catalog_view(&list, &token, &values)}
                    }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-rose-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
