//! `/billing`'s payment side, read from Stripe: the invoices with their PDFs, the card the
//! last payment used, and "Manage billing" (Stripe's billing portal, owners).

use leptos::prelude::*;

use crate::components::csrf::CsrfField;
use crate::components::format::datetime;
use crate::serverfns::billing::{BillingView, InvoiceEntry};

const CELL: &str = "px-3 py-2 text-sm";

fn invoice_row(i: &InvoiceEntry) -> impl IntoView {
    let pdf = i.pdf.clone().map(|href| {
        view! { <a class="text-indigo-700 hover:underline" href=href>"PDF"</a> }
    });
    view! {
        <tr class="border-t border-slate-100">
            <td class=CELL>{i.number.clone()}</td>
            <td class=CELL>{datetime(i.created)}</td>
            <td class=format!("{CELL} text-right tabular-nums")>{i.amount.clone()}</td>
            <td class=CELL>{i.status.clone()}</td>
            <td class=CELL>{pdf}</td>
        </tr>
    }
}

/// Invoices, card and "Manage billing".
pub(super) fn payment_side(v: &BillingView, token: &str) -> impl IntoView {
    let manage = (v.owner && v.stripe_customer).then(|| {
        view! {
            <form method="post" action="/billing">
                <CsrfField token=token.to_string()/>
                <input type="hidden" name="action" value="portal"/>
                <input type="hidden" name="org" value=v.slug.clone()/>
                <button type="submit" class="rounded bg-slate-800 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-900">
                    "Manage billing"
                </button>
            </form>
        }
    });
    let unavailable = v.stripe_unavailable.clone().map(|why| {
        view! { <p role="alert" class="mb-2 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">{why}</p> }
    });
    let card = v.card.clone().unwrap_or_else(|| "—".into());
    let invoices = if v.invoices.is_empty() {
        view! { <p class="text-sm text-slate-600">"No invoices yet."</p> }.into_any()
    } else {
        view! {
            <table aria-label="Invoices" class="w-full overflow-hidden rounded-xl border border-slate-200 bg-white text-left shadow-sm">
                <thead class="bg-slate-50 text-xs uppercase text-slate-500"><tr>
                    <th class="px-3 py-2">"Number"</th><th class="px-3 py-2">"Date"</th>
                    <th class="px-3 py-2 text-right">"Amount"</th><th class="px-3 py-2">"Status"</th><th class="px-3 py-2"></th>
                </tr></thead>
                <tbody>{v.invoices.iter().map(invoice_row).collect_view()}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby="payments" class="mb-8">
            <div class="mb-2 flex items-center justify-between">
                <h2 id="payments" class="text-lg font-semibold">"Invoices and payment method"</h2>
                {manage}
            </div>
            {unavailable}
            <p class="mb-3 text-sm text-slate-700">"Payment method: "<span data-testid="card">{card}</span></p>
            {invoices}
        </section>
    }
}
