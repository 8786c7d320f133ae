//! `/webhooks` (sysadmin): the vendor's endpoints for license events, their recent
//! deliveries with the status each answered, redelivery, enable and disable, and adding an
//! endpoint (its signing secret shown once). Plain forms posted to the page itself.

use crate::components::csrf::{use_form_token, CsrfField};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::format::datetime;
use crate::serverfns::licenses::{last_form_outcome, FormOutcome};
use crate::serverfns::webhooks::{list_webhooks, EndpointEntry, WebhooksView};
use tessera_license::vocab::DeliveryStatus;

const INPUT: &str = "mt-1 w-full rounded border border-slate-300 px-2 py-1.5 text-sm";

fn status_class(status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Delivered => "text-emerald-700",
        DeliveryStatus::Pending => "text-amber-700",
        DeliveryStatus::Failed => "text-rose-700",
    }
}

fn endpoint_view(e: &EndpointEntry, token: &str) -> impl IntoView {
    let wants = if e.events.is_empty() {
        "every event".to_string()
    } else {
        e.events.join(", ")
    };
    let (toggle, toggle_label) = if e.enabled {
        ("disable", "Disable")
    } else {
        ("enable", "Enable")
    };
    let rows = e
        .deliveries
        .iter()
        .map(|d| {
            view! {
                <tr class="border-t border-slate-100">
                    <td class="px-3 py-1.5 font-mono text-xs">{d.event_id.clone()}</td>
                    <td class=format!("px-3 py-1.5 text-sm {}", status_class(d.status))>{d.status.as_str()}</td>
                    <td class="px-3 py-1.5 text-sm">{d.attempts}</td>
                    <td class="px-3 py-1.5 text-sm" data-testid="last-answer">{d.last_answer.clone()}</td>
                    <td class="px-3 py-1.5 text-sm text-slate-600">{datetime(d.created_at)}</td>
                    <td class="px-3 py-1.5">
                        <form method="post" action="/webhooks"><CsrfField token=token.to_string()/>
                            <input type="hidden" name="action" value="redeliver"/>
                            <input type="hidden" name="delivery" value=d.id.clone()/>
                            <button class="rounded bg-slate-800 px-2 py-1 text-xs text-white">"Redeliver"</button>
                        </form>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="mb-4 rounded-xl border border-slate-200 bg-white p-5" data-testid="endpoint">
            <div class="flex items-baseline justify-between gap-3">
                <div>
                    <p class="font-mono text-sm">{e.url.clone()}</p>
                    <p class="text-xs text-slate-500">{format!("{} · {wants} · {}", e.id, if e.enabled { "enabled" } else { "disabled" })}</p>
                </div>
                <form method="post" action="/webhooks"><CsrfField token=token.to_string()/>
                    <input type="hidden" name="action" value=toggle/>
                    <input type="hidden" name="endpoint" value=e.id.clone()/>
                    <button class="rounded border border-slate-300 px-2 py-1 text-xs">{toggle_label}</button>
                </form>
            </div>
            <table class="mt-3 w-full text-left">
                <thead class="text-xs uppercase text-slate-500">
                    <tr><th class="px-3 py-1">"Event"</th><th class="px-3 py-1">"Status"</th><th class="px-3 py-1">"Attempts"</th><th class="px-3 py-1">"Last answer"</th><th class="px-3 py-1">"Created"</th><th class="px-3 py-1"></th></tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

fn add_form(view_data: &WebhooksView, token: &str) -> impl IntoView {
    let boxes = view_data
        .event_types
        .iter()
        .map(|t| {
            let id = format!("event-{}", t.replace('.', "-"));
            view! {
                <div class="flex items-center gap-2">
                    <input type="checkbox" id=id.clone() name="events" value=t.clone()/>
                    <label for=id class="font-mono text-sm">{t.clone()}</label>
                </div>
            }
        })
        .collect_view();
    view! {
        <form method="post" action="/webhooks" class="rounded-xl border border-slate-200 bg-white p-5"><CsrfField token=token.to_string()/>
            <input type="hidden" name="action" value="add"/>
            <h2 class="mb-2 font-semibold">"Add an endpoint"</h2>
            <label for="url" class="block text-sm">"URL (https; http only to localhost)"</label>
            <input id="url" name="url" required class=INPUT/>
            <p class="mt-2 text-sm">"Events (none ticked: every event)"</p>
            {boxes}
            <button type="submit" class="mt-3 rounded bg-indigo-600 px-3 py-1.5 text-sm text-white">"Add endpoint"</button>
        </form>
    }
}

/// The endpoints, their deliveries and the forms.
#[component]
pub fn WebhooksPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| list_webhooks());
    let csrf = use_form_token();
    let outcome = Resource::new(|| (), |_| last_form_outcome());
    let query = use_query_map();
    let done = move || query.read().get("done");
    view! {
        <Title text="Webhooks · Tessera"/>
        <h1 class="mb-2 text-2xl font-semibold">"Webhooks"</h1>
        <p class="mb-4 text-sm text-slate-600">"License events, signed per the Standard Webhooks specification (webhook-id, webhook-timestamp, webhook-signature), retried for about three days."</p>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let token = csrf.value().await;
                let outcome = outcome.await.ok().flatten();
                let (refused, secret) = match outcome {
                    Some(FormOutcome::Rejected { message, .. }) => (Some(message), None),
                    Some(FormOutcome::Secret { endpoint, secret }) => (None, Some((endpoint, secret))),
                    _ => (None, None),
                };
                match data.await {
                    Ok(list) => view! {
                        {done().map(|d| view! { <p role="status" class="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">{format!("Done: {d}.")}</p> })}
                        {refused.map(|m| view! { <p role="alert" class="mb-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800">{m}</p> })}
                        {secret.map(|(endpoint, secret)| view! {
                            <div role="status" class="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
                                <p>{format!("Added {endpoint}. Its signing secret is shown once: store it where the receiver verifies signatures.")}</p>
                                <input readonly class="mt-1 w-full rounded border px-2 py-1 font-mono text-xs" data-testid="secret" value=secret/>
                            </div>
                        })}
                        {list.endpoints.iter().map(|e| endpoint_view(e, &token)).collect_view()}
                        {add_form(&list, &token)}
                    }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-rose-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
