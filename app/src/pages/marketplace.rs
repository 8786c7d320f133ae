//! `/marketplace` on a self-hosted install: each plugin's seats `X / N`, its billable and
//! free roles and who holds them; `/marketplace/{plugin}` grants and revokes roles through
//! the same turnstile as the API. Plain forms: works with JavaScript off.

use crate::components::csrf::{use_form_token, CsrfField};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::format::datetime;
use crate::serverfns::licenses::{last_form_outcome, FormOutcome};
use crate::serverfns::selfhost::{marketplace, marketplace_plugin, MarketplaceView, PluginCard};

const INPUT: &str = "mt-1 w-full rounded border border-slate-300 px-2 py-1.5 text-sm";

fn seats_text(card: &PluginCard) -> String {
    match card.limit {
        Some(limit) => format!("{} / {limit} seats", card.used),
        None => "free roles only".into(),
    }
}

fn limit_text(limit: Option<u32>, billable: bool) -> String {
    match (billable, limit) {
        (false, _) => "free".into(),
        (true, Some(limit)) => format!("billable · {limit} licensed"),
        (true, None) => "billable · from the pool".into(),
    }
}

fn banners(view: &MarketplaceView) -> impl IntoView {
    let billing = view.billing_url.clone();
    view! {
        {view.banner.clone().map(|b| view! { <p role="status" class="mb-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="banner">{b}</p> })}
        {billing.map(|url| view! { <p class="mb-4 text-sm"><a class="text-indigo-700 hover:underline" href=url>"Manage billing"</a>" — buy more seats from the vendor."</p> })}
    }
}

fn over_note(card: &PluginCard) -> impl IntoView {
    card.over.then(|| view! {
        <p role="alert" class="mt-2 rounded bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="over">
            "More seats are in use than the license allows. Nobody loses access; new billable roles are refused until enough are revoked."
        </p>
    })
}

fn card_view(card: &PluginCard) -> impl IntoView {
    let href = format!("/marketplace/{}", card.plugin);
    let roles = card
        .roles
        .iter()
        .map(|r| {
            format!(
                "{} ({}, {} held)",
                r.name,
                limit_text(r.limit, r.billable),
                r.used
            )
        })
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <li class="rounded-xl border border-slate-200 bg-white p-5">
            <div class="flex items-baseline justify-between">
                <a href=href class="text-lg font-semibold text-indigo-700 hover:underline">{card.plugin.clone()}</a>
                <span class="text-sm font-medium" data-testid="seats">{seats_text(card)}</span>
            </div>
            <p class="mt-1 text-sm text-slate-600">{roles}</p>
            {over_note(card)}
        </li>
    }
}

/// Every plugin and its seats.
#[component]
pub fn MarketplacePage() -> impl IntoView {
    let view_data = Resource::new(|| (), |_| marketplace());
    view! {
        <Title text="Marketplace · Tessera"/>
        <h1 class="mb-4 text-2xl font-semibold">"Marketplace"</h1>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Ok(data) => view! {
                        {banners(&data)}
                        {data.plugins.is_empty().then(|| view! { <p class="text-sm text-slate-500">"No plugin has declared its roles yet (PUT /api/v1/plugins/{plugin})."</p> })}
                        <ul class="grid gap-4 md:grid-cols-2">{data.plugins.iter().map(card_view).collect_view()}</ul>
                    }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-rose-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn grant_form(card: &PluginCard, token: &str) -> impl IntoView {
    let action = format!("/marketplace/{}", card.plugin);
    let options = card
        .roles
        .iter()
        .map(|r| {
            let label = format!(
                "{} ({})",
                r.name,
                if r.billable { "billable" } else { "free" }
            );
            view! { <option value=r.name.clone()>{label}</option> }
        })
        .collect_view();
    view! {
        <form method="post" action=action class="mt-6 rounded-xl border border-slate-200 bg-white p-5">
            <CsrfField token=token.to_string()/>
            <input type="hidden" name="action" value="grant"/>
            <h2 class="mb-2 font-semibold">"Grant a role"</h2>
            <label for="user" class="block text-sm">"User (the product's user id)"</label>
            <input id="user" name="user" required class=INPUT/>
            <label for="role" class="mt-2 block text-sm">"Role"</label>
            <select id="role" name="role" class=INPUT>{options}</select>
            <button type="submit" class="mt-3 rounded bg-indigo-600 px-3 py-1.5 text-sm text-white">"Grant"</button>
        </form>
    }
}

fn holders_table(card: &PluginCard, token: Option<&str>) -> impl IntoView {
    let action = format!("/marketplace/{}", card.plugin);
    let rows = card
        .holders
        .iter()
        .map(|h| {
            let revoke = token.map(|token| view! {
                <form method="post" action=action.clone()>
                    <CsrfField token=token.to_string()/>
                    <input type="hidden" name="action" value="revoke"/>
                    <input type="hidden" name="user" value=h.user.clone()/>
                    <input type="hidden" name="role" value=h.role.clone()/>
                    <button class="rounded bg-rose-700 px-2 py-1 text-xs text-white">"Revoke"</button>
                </form>
            });
            view! {
                <tr class="border-t border-slate-100">
                    <td class="px-4 py-2 text-sm">{h.user.clone()}</td>
                    <td class="px-4 py-2 font-mono text-sm">{h.role.clone()}</td>
                    <td class="px-4 py-2 text-sm text-slate-600">{datetime(h.granted_at)}</td>
                    <td class="px-4 py-2">{revoke}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="mt-4 w-full overflow-hidden rounded-xl border border-slate-200 bg-white text-left shadow-sm" data-testid="holders">
            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                <tr><th class="px-4 py-2">"User"</th><th class="px-4 py-2">"Role"</th><th class="px-4 py-2">"Granted"</th><th class="px-4 py-2"></th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// One plugin: seats per role, holders, grant and revoke.
#[component]
pub fn MarketplacePluginPage() -> impl IntoView {
    let params = use_params_map();
    let plugin = move || params.read().get("plugin").unwrap_or_default();
    let data = Resource::new(plugin, marketplace_plugin);
    let csrf = use_form_token();
    let outcome = Resource::new(|| (), |_| last_form_outcome());
    let query = use_query_map();
    let done = move || query.read().get("done");
    view! {
        <Title text="Marketplace · Tessera"/>
        <p class="mb-2 text-sm"><a class="text-indigo-700 hover:underline" href="/marketplace">"← Marketplace"</a></p>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let token = csrf.value().await;
                let refused = match outcome.await.ok().flatten() { Some(FormOutcome::Rejected { message, .. }) => Some(message), _ => None };
                match data.await {
                    Ok(data) => {
                        let Some(card) = data.plugins.first().cloned() else { return ().into_any() };
                        let grant_token = data.can_grant.then_some(token.as_str());
                        view! {
                            <h1 class="mb-2 text-2xl font-semibold">{card.plugin.clone()}</h1>
                            <p class="mb-4 text-lg font-medium" data-testid="seats">{seats_text(&card)}</p>
                            {done().map(|d| view! { <p role="status" class="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">{format!("Done: {d}.")}</p> })}
                            {refused.map(|m| view! { <p role="alert" class="mb-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800" data-testid="refusal">{m}</p> })}
                            {banners(&data)}
                            {over_note(&card)}
                            <ul class="mt-2 text-sm">
                                {card.roles.iter().map(|r| view! { <li>{format!("{}: {} held · {}", r.name, r.used, limit_text(r.limit, r.billable))}</li> }).collect_view()}
                            </ul>
                            {holders_table(&card, grant_token)}
                            {data.can_grant.then(|| grant_form(&card, &token))}
                        }.into_any()
                    }
                    Err(e) => view! { <p role="alert" class="text-rose-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
