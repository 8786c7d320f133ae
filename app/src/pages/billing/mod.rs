//! `/billing`: a customer's view of one org: its licenses with plan, seats, state and renewal
//! or lapse date, a banner while a payment is retried, what it may buy or trial, and its
//! members. Owners buy, trial and manage members; every member reads and may have a
//! license's token e-mailed again. Plain forms posting to `/billing`, so it works with
//! JavaScript off.

mod payments;
mod sections;

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;

use crate::components::csrf::{use_form_token, CsrfField};
use crate::serverfns::billing::{billing_page, BillingView, Purchase};
use crate::serverfns::licenses::{last_form_outcome, FormOutcome};
use payments::payment_side;
use sections::{licenses_table, members, offers};

fn purchase_notice(purchase: Option<Purchase>) -> impl IntoView {
    purchase.map(|p| match (p.finished, p.license_id) {
        (true, Some(id)) => view! {
            <p role="status" data-testid="purchase" class="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
                {format!("Thank you: your purchase is complete. License {id} is below; its token was e-mailed to you.")}
            </p>
        }
        .into_any(),
        _ => view! {
            // Asked again every few seconds, with or without JavaScript.
            <Meta http_equiv="refresh" content="3"/>
            <p role="status" data-testid="purchase" class="mb-4 rounded-md bg-sky-50 px-3 py-2 text-sm text-sky-900">
                "Finishing your purchase… this page refreshes until your license is ready."
            </p>
        }
        .into_any(),
    })
}

fn header(view_: &BillingView, token: String) -> impl IntoView {
    let switch = (view_.orgs.len() > 1).then(|| {
        let links = view_
            .orgs
            .iter()
            .map(|o| {
                let href = format!("/billing?org={}", o.slug);
                let current = (o.slug == view_.slug).then_some("page");
                view! { <a href=href aria-current=current class="text-indigo-700 hover:underline aria-[current=page]:font-semibold">{o.name.clone()}</a> }
            })
            .collect_view();
        view! { <nav aria-label="Orgs" class="flex gap-3 text-sm">{links}</nav> }
    });
    view! {
        <header class="mb-6 flex flex-wrap items-center justify-between gap-3 border-b border-slate-200 pb-4">
            <div>
                <p class="text-sm font-semibold tracking-tight text-indigo-700">"Billing"</p>
                <h1 class="text-2xl font-semibold">{view_.name.clone()}</h1>
                <p class="text-sm text-slate-600">{format!("Billing e-mail: {}", view_.billing_email)}</p>
            </div>
            {switch}
            <div class="flex items-center gap-3 text-sm">
                <span data-testid="signed-in-as" class="text-slate-600">{view_.email.clone()}</span>
                <span class="rounded bg-slate-100 px-2 py-0.5 text-xs font-medium uppercase text-slate-600">
                    {if view_.owner { "owner" } else { "member" }}
                </span>
                <form method="post" action="/auth/logout"><CsrfField token/>
                    <button type="submit" class="rounded px-2 py-1 text-slate-600 hover:bg-slate-100">"Sign out"</button>
                </form>
            </div>
        </header>
    }
}

/// The billing page.
#[component]
pub fn BillingPage() -> impl IntoView {
    let query = use_query_map();
    let args = move || {
        let q = query.read();
        (q.get("org").unwrap_or_default(), q.get("checkout"))
    };
    let page = Resource::new(args, |(org, checkout)| billing_page(org, checkout));
    let outcome = Resource::new(|| (), |_| last_form_outcome());
    let csrf = use_form_token();
    let done = move || query.read().get("done");
    view! {
        <Title text="Billing · Tessera"/>
        <main class="mx-auto max-w-5xl px-4 py-8">
            <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let token = csrf.value().await;
                    let rejected = match outcome.await.ok().flatten() {
                        Some(FormOutcome::Rejected { message, .. }) => Some(view! {
                            <p role="alert" class="mb-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800">{message}</p>
                        }),
                        _ => None,
                    };
                    match page.await {
                        Ok(v) => view! {
                            {header(&v, token.clone())}
                            {done().map(|d| view! { <p role="status" class="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">{format!("Done: {d}.")}</p> })}
                            {rejected}
                            {purchase_notice(v.purchase.clone())}
                            {v.past_due.then(|| view! {
                                <p role="alert" data-testid="past-due" class="mb-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
                                    "A payment failed and Stripe is retrying it. Update your card to keep your license running."
                                </p>
                            })}
                            {licenses_table(&v, &token)}
                            {payment_side(&v, &token)}
                            {offers(&v, &token)}
                            {members(&v, &token)}
                        }.into_any(),
                        Err(e) => view! {
                            <p role="alert" class="text-rose-700">{e.to_string()}</p>
                            <p class="mt-2 text-sm"><a class="text-indigo-700 hover:underline" href="/signin">"Sign in"</a></p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}
