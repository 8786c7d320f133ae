//! `/payments` (operators): money received through Stripe, filtered by dates, product and
//! company, with totals per currency, older pages, and the same rows as CSV.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::format::datetime;
use crate::components::query::{href, href_with, query_params};
use crate::serverfns::payments::{payments_page, CurrencyTotal, PaymentEntry};

const INPUT: &str = "mt-1 rounded border border-slate-300 px-2 py-1 text-sm";
const CELL: &str = "px-3 py-2 text-sm";

fn row(p: PaymentEntry) -> impl IntoView {
    let license = format!("/licenses/{}", p.license_id);
    view! {
        <tr class="border-t border-slate-100">
            <td class=CELL>{datetime(p.paid_at)}</td>
            <td class=CELL><a class="font-mono text-xs text-indigo-700 hover:underline" href=license>{p.license_id.clone()}</a></td>
            <td class=CELL>{p.product}</td>
            <td class=CELL>{p.company}<div class="text-xs text-slate-500">{p.email}</div></td>
            <td class=format!("{CELL} text-right tabular-nums")>{p.amount}</td>
            <td class=CELL>{p.status.as_str()}</td>
            <td class=format!("{CELL} text-right tabular-nums")>{p.refunded}</td>
        </tr>
    }
}

fn total(t: CurrencyTotal) -> impl IntoView {
    view! {
        <li class="rounded-lg border border-slate-200 bg-white px-4 py-2">
            <span class="text-lg font-semibold tabular-nums">{t.amount}</span>
            <span class="ml-2 text-sm text-slate-600">{format!("{} payments, {} refunded", t.count, t.refunded)}</span>
        </li>
    }
}

/// The payments page.
#[component]
pub fn PaymentsPageView() -> impl IntoView {
    let query = use_query_map();
    let params = query_params();
    let page = Resource::new(params, payments_page);
    let value = move |key: &str| query.read().get(key).unwrap_or_default();
    // The export takes the filters, not the page.
    let csv = move || {
        let filters: Vec<_> = params().into_iter().filter(|p| p.name != "after").collect();
        href("/payments.csv", &filters)
    };
    view! {
        <Title text="Payments · Tessera"/>
        <h1 class="mb-4 text-2xl font-semibold">"Payments"</h1>
        <form method="get" action="/payments" class="mb-4 flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4">
            <div><label for="from" class="block text-xs font-medium text-slate-600">"From"</label><input id="from" name="from" type="date" value=value("from") class=INPUT/></div>
            <div><label for="to" class="block text-xs font-medium text-slate-600">"To"</label><input id="to" name="to" type="date" value=value("to") class=INPUT/></div>
            <div><label for="product" class="block text-xs font-medium text-slate-600">"Product"</label><input id="product" name="product" value=value("product") list="product_keys" class=INPUT/></div>
            <div><label for="company" class="block text-xs font-medium text-slate-600">"Company starts with"</label><input id="company" name="company" value=value("company") class=INPUT/></div>
            <button type="submit" class="rounded bg-slate-800 px-3 py-1.5 text-sm text-white">"Filter"</button>
            <a class="text-sm text-indigo-700 hover:underline" href=csv>"Download CSV"</a>
        </form>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => {
                        let older = p.next.clone().map(|after| {
                            view! { <a class="text-indigo-700 hover:underline" href=href_with("/payments", &params(), "after", &after)>"Older →"</a> }
                        });
                        let empty = p.rows.is_empty().then(|| view! { <p class="my-3 text-sm text-slate-600">"No payments match."</p> });
                        let keys = p.products.clone();
                        view! {
                            <datalist id="product_keys">{keys.into_iter().map(|k| view! { <option value=k/> }).collect_view()}</datalist>
                            <ul aria-label="Totals" class="mb-4 flex flex-wrap gap-3">{p.totals.into_iter().map(total).collect_view()}</ul>
                            {empty}
                            <table class="w-full overflow-hidden rounded-xl border border-slate-200 bg-white text-left shadow-sm">
                                <thead class="bg-slate-50 text-xs uppercase text-slate-500"><tr>
                                    <th class="px-3 py-2">"Paid"</th><th class="px-3 py-2">"License"</th><th class="px-3 py-2">"Product"</th>
                                    <th class="px-3 py-2">"Customer"</th><th class="px-3 py-2 text-right">"Amount"</th>
                                    <th class="px-3 py-2">"Status"</th><th class="px-3 py-2 text-right">"Refunded"</th>
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
