//! `/audit` (operators): the trail, filterable, and whether its hash chain verifies.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::format::datetime;
use crate::components::query::{href_with, query_params};
use crate::serverfns::audit::{audit_trail, AuditPage, AuditRow, ChainBreak};

const INPUT: &str = "mt-1 rounded border border-slate-300 px-2 py-1 text-sm";

fn row(r: AuditRow) -> impl IntoView {
    view! {
        <tr class="border-t border-slate-100 align-top">
            <td class="px-3 py-2 text-xs text-slate-500">{r.seq}</td>
            <td class="px-3 py-2 text-sm">{datetime(r.at)}</td>
            <td class="px-3 py-2 text-sm">{r.actor}</td>
            <td class="px-3 py-2 text-sm font-medium">{r.action.as_str()}</td>
            <td class="px-3 py-2 font-mono text-xs">{r.subject}</td>
            <td class="px-3 py-2"><pre class="max-w-md overflow-x-auto text-xs text-slate-600">{r.detail}</pre></td>
        </tr>
    }
}

fn chain(page: &AuditPage) -> impl IntoView {
    match &page.broken {
        None => view! { <p role="status" class="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900" data-testid="chain">
            {format!("The hash chain verifies: {} rows, each linked to the one before.", page.chain_rows)}</p> }.into_any(),
        Some(ChainBreak { seq, reason }) => view! { <p role="alert" class="mb-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800" data-testid="chain">
            {format!("The hash chain is broken at row {seq}: {reason}.")}</p> }.into_any(),
    }
}

/// The audit trail.
#[component]
pub fn AuditPageView() -> impl IntoView {
    let query = use_query_map();
    let params = query_params();
    let page = Resource::new(params, audit_trail);
    let value = move |key: &str| query.read().get(key).unwrap_or_default();
    view! {
        <Title text="Audit · Tessera"/>
        <h1 class="mb-4 text-2xl font-semibold">"Audit trail"</h1>
        <form method="get" action="/audit" class="mb-4 flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4">
            <div><label for="subject" class="block text-xs font-medium text-slate-600">"Subject"</label><input id="subject" name="subject" value=value("subject") class=INPUT/></div>
            <div><label for="actor" class="block text-xs font-medium text-slate-600">"Actor"</label><input id="actor" name="actor" value=value("actor") class=INPUT/></div>
            <div><label for="action" class="block text-xs font-medium text-slate-600">"Action starts with"</label><input id="action" name="action" value=value("action") class=INPUT/></div>
            <button type="submit" class="rounded bg-slate-800 px-3 py-1.5 text-sm text-white">"Filter"</button>
        </form>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => {
                        let older = p.next_before.map(|before| {
                            view! { <a class="text-indigo-700 hover:underline" href=href_with("/audit", &params(), "before", &before.to_string())>"Older →"</a> }
                        });
                        view! {
                            {chain(&p)}
                            <table class="w-full overflow-hidden rounded-xl border border-slate-200 bg-white text-left shadow-sm">
                                <thead class="bg-slate-50 text-xs uppercase text-slate-500"><tr>
                                    <th class="px-3 py-2">"#"</th><th class="px-3 py-2">"When"</th><th class="px-3 py-2">"Who"</th>
                                    <th class="px-3 py-2">"Action"</th><th class="px-3 py-2">"Subject"</th><th class="px-3 py-2">"Before / after"</th>
                                </tr></thead>
                                <tbody>{p.rows.into_iter().map(row).collect_view()}</tbody>
                            </table>
                            <div class="mt-3">{older}</div>
                        }.into_any()
                    }
                    Err(e) => view! { <p role="alert" class="text-rose-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
