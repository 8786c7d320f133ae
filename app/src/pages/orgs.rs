//! `/orgs` (operators): the vendor's customer orgs, their members and license counts, and a
//! form to create one with its owner (who then signs in at `/signin`).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::csrf::{use_form_token, CsrfField};
use crate::components::format::datetime;
use crate::serverfns::billing::{org_list, OrgEntry};
use crate::serverfns::licenses::{last_form_outcome, FormOutcome};

const CELL: &str = "px-3 py-2 text-sm align-top";
const INPUT: &str = "mt-1 block rounded border border-slate-300 px-2 py-1 text-sm";

fn org_row(o: OrgEntry) -> impl IntoView {
    let members = o
        .members
        .into_iter()
        .map(|m| view! { <li>{format!("{} ({})", m.email, m.role)}</li> })
        .collect_view();
    let slug = o.slug.clone();
    view! {
        <tr class="border-t border-slate-100" data-org=slug>
            <td class=CELL>{o.name}<div class="font-mono text-xs text-slate-500">{o.slug}</div></td>
            <td class=CELL>{o.billing_email}<div class="font-mono text-xs text-slate-500">{o.stripe_customer.unwrap_or_default()}</div></td>
            <td class=CELL><ul>{members}</ul></td>
            <td class=format!("{CELL} tabular-nums")>{o.licenses}</td>
            <td class=CELL>{datetime(o.created_at)}</td>
        </tr>
    }
}

fn create_form(token: String) -> impl IntoView {
    view! {
        <form method="post" action="/orgs" class="mt-6 flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4">
            <CsrfField token/>
            <input type="hidden" name="action" value="create"/>
            <label class="text-xs text-slate-600">"Name"<input name="name" required class=INPUT/></label>
            <label class="text-xs text-slate-600">"Slug (optional)"<input name="slug" class=INPUT/></label>
            <label class="text-xs text-slate-600">"Owner's e-mail"<input name="owner" type="email" required class=INPUT/></label>
            <button type="submit" class="rounded bg-slate-800 px-3 py-1.5 text-sm text-white">"Create org"</button>
        </form>
    }
}

/// The orgs page.
#[component]
pub fn OrgsPage() -> impl IntoView {
    let orgs = Resource::new(|| (), |_| org_list());
    let outcome = Resource::new(|| (), |_| last_form_outcome());
    let csrf = use_form_token();
    let query = use_query_map();
    let done = move || query.read().get("done");
    view! {
        <Title text="Orgs · Tessera"/>
        <h1 class="mb-4 text-2xl font-semibold">"Customer orgs"</h1>
        {move || done().map(|d| view! { <p role="status" class="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">{format!("Done: {d}.")}</p> })}
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let token = csrf.value().await;
                let rejected = match outcome.await.ok().flatten() {
                    Some(FormOutcome::Rejected { message, .. }) => Some(view! {
                        <p role="alert" class="mb-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800">{message}</p>
                    }),
                    _ => None,
                };
                match orgs.await {
                    Ok(list) => view! {
                        {rejected}
                        <table class="w-full overflow-hidden rounded-xl border border-slate-200 bg-white text-left shadow-sm">
                            <thead class="bg-slate-50 text-xs uppercase text-slate-500"><tr>
                                <th class="px-3 py-2">"Org"</th><th class="px-3 py-2">"Billing"</th><th class="px-3 py-2">"Members"</th>
                                <th class="px-3 py-2">"Licenses"</th><th class="px-3 py-2">"Created"</th>
                            </tr></thead>
                            <tbody>{list.into_iter().map(org_row).collect_view()}</tbody>
                        </table>
                        {create_form(token)}
                    }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-rose-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
