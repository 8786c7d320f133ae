//! Signing keys (sysadmin): which key signs, which verify, which are retired.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::format::{datetime, maybe_datetime};
use crate::serverfns::keys::{list_keys, KeyView};

fn status_badge(status: &str) -> &'static str {
    match status {
        "active" => "bg-emerald-100 text-emerald-800",
        "accepted" => "bg-sky-100 text-sky-800",
        _ => "bg-slate-100 text-slate-600",
    }
}

fn key_row(key: KeyView) -> impl IntoView {
    let badge = format!(
        "rounded px-2 py-0.5 text-xs font-medium {}",
        status_badge(&key.status)
    );
    view! {
        <tr class="border-t border-slate-100">
            <td class="px-4 py-2 font-mono text-sm">{key.kid}</td>
            <td class="px-4 py-2"><span class=badge>{key.status}</span></td>
            <td class="px-4 py-2 text-sm">{if key.can_sign { "signs" } else { "verify-only" }}</td>
            <td class="px-4 py-2 text-sm text-slate-600">{datetime(key.created_at)}</td>
            <td class="px-4 py-2 text-sm text-slate-600">{maybe_datetime(key.activated_at)}</td>
            <td class="px-4 py-2 text-sm text-slate-600">{maybe_datetime(key.retired_at)}</td>
        </tr>
    }
}

/// The key table. Keys are managed with `tessera keys ...`.
#[component]
pub fn KeysPage() -> impl IntoView {
    let keys = Resource::new(|| (), |_| list_keys());
    view! {
        <Title text="Signing keys · Tessera"/>
        <h1 class="mb-2 text-2xl font-semibold">"Signing keys"</h1>
        <p class="mb-6 text-sm text-slate-600">
            "Public keys are published at " <a class="text-indigo-700 hover:underline" href="/.well-known/jwks.json">"/.well-known/jwks.json"</a>
            ". Manage keys with " <code class="rounded bg-slate-100 px-1">"tessera keys"</code> "."
        </p>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match keys.await {
                    Ok(list) => view! {
                        <table class="w-full overflow-hidden rounded-xl border border-slate-200 bg-white text-left shadow-sm">
                            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                                <tr>
                                    <th class="px-4 py-2">"Kid"</th><th class="px-4 py-2">"Status"</th>
                                    <th class="px-4 py-2">"Use"</th><th class="px-4 py-2">"Created"</th>
                                    <th class="px-4 py-2">"Activated"</th><th class="px-4 py-2">"Retired"</th>
                                </tr>
                            </thead>
                            <tbody>{list.into_iter().map(key_row).collect_view()}</tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-rose-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
