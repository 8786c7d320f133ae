//! Signing keys (sysadmin): which key signs, which verify, which are retired; how far installs
//! have adopted each key; and the rotation actions.

use crate::components::csrf::{use_form_token, CsrfField};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::format::{datetime, maybe_datetime};
use crate::serverfns::keys::{list_keys, KeyView};
use crate::serverfns::licenses::{last_form_outcome, FormOutcome};
use tessera_license::vocab::KeyStatus;

const INPUT: &str = "mt-1 w-full rounded border border-slate-300 px-2 py-1.5 text-sm";
/// Activating is safe once this share of recent heartbeats accepts the key.
const SAFE_SHARE: f64 = 0.95;

fn status_badge(status: KeyStatus) -> &'static str {
    match status {
        KeyStatus::Active => "bg-emerald-100 text-emerald-800",
        KeyStatus::Accepted => "bg-sky-100 text-sky-800",
        KeyStatus::Retired => "bg-slate-100 text-slate-600",
    }
}

fn adoption(key: &KeyView) -> impl IntoView {
    if key.heartbeats == 0 {
        return view! { <span class="text-slate-500">"no heartbeats yet"</span> }.into_any();
    }
    let share = key.accepting as f64 / key.heartbeats as f64;
    let class = if share >= SAFE_SHARE {
        "text-emerald-700"
    } else {
        "text-amber-700"
    };
    let note = if share >= SAFE_SHARE {
        " · safe to activate"
    } else {
        ""
    };
    view! { <span class=class>{format!("{:.1}% of {} heartbeats{note}", share * 100.0, key.heartbeats)}</span> }.into_any()
}

fn key_row(key: &KeyView, token: &str) -> impl IntoView {
    let badge = format!(
        "rounded px-2 py-0.5 text-xs font-medium {}",
        status_badge(key.status)
    );
    let can_activate = key.can_sign && key.status == KeyStatus::Accepted;
    let can_retire = key.status == KeyStatus::Accepted;
    let activate = format!("/keys/{}/activate", key.kid);
    let retire = format!("/keys/{}/retire", key.kid);
    view! {
        <tr class="border-t border-slate-100 align-top">
            <td class="px-4 py-2 font-mono text-sm">{key.kid.clone()}</td>
            <td class="px-4 py-2"><span class=badge>{key.status.as_str()}</span></td>
            <td class="px-4 py-2 text-sm">{if key.can_sign { "signs" } else { "verify-only" }}</td>
            <td class="px-4 py-2 text-sm">{adoption(key)}</td>
            <td class="px-4 py-2 text-sm">{key.live_licenses}</td>
            <td class="px-4 py-2 text-sm text-slate-600">{datetime(key.created_at)}<br/>{maybe_datetime(key.activated_at)}</td>
            <td class="px-4 py-2 text-sm">
                {can_activate.then(|| view! { <form method="post" action=activate><CsrfField token=token.to_string()/><button class="rounded bg-slate-800 px-2 py-1 text-xs text-white">"Activate"</button></form> })}
                {can_retire.then(|| view! { <form method="post" action=retire class="mt-1"><CsrfField token=token.to_string()/><button class="rounded bg-rose-700 px-2 py-1 text-xs text-white">"Retire"</button></form> })}
            </td>
        </tr>
    }
}

fn forms(token: &str) -> impl IntoView {
    view! {
        <div class="mt-6 grid gap-4 md:grid-cols-2">
            <form method="post" action="/keys/generate" class="rounded-xl border border-slate-200 bg-white p-5"><CsrfField token=token.to_string()/>
                <h2 class="mb-2 font-semibold">"Generate a key"</h2>
                <label for="gen_kid" class="block text-sm">"Key id (optional)"</label>
                <input id="gen_kid" name="kid" class=INPUT/>
                <p class="mt-1 text-xs text-slate-500">"A new key starts as accepted: published and verifying, signing nothing until you activate it."</p>
                <button type="submit" class="mt-3 rounded bg-indigo-600 px-3 py-1.5 text-sm text-white">"Generate"</button>
            </form>
            <form method="post" action="/keys/import" class="rounded-xl border border-slate-200 bg-white p-5"><CsrfField token=token.to_string()/>
                <h2 class="mb-2 font-semibold">"Import a PEM"</h2>
                <label for="pem" class="block text-sm">"PKCS#8 private key or SPKI public key"</label>
                <textarea id="pem" name="pem" rows="4" required class=INPUT></textarea>
                <label for="imp_kid" class="block text-sm">"Key id (optional)"</label>
                <input id="imp_kid" name="kid" class=INPUT/>
                <button type="submit" class="mt-3 rounded bg-indigo-600 px-3 py-1.5 text-sm text-white">"Import"</button>
            </form>
        </div>
    }
}

/// The key table, adoption and rotation actions.
#[component]
pub fn KeysPage() -> impl IntoView {
    let keys = Resource::new(|| (), |_| list_keys());
    let csrf = use_form_token();
    let outcome = Resource::new(|| (), |_| last_form_outcome());
    let query = use_query_map();
    let done = move || query.read().get("done");
    view! {
        <Title text="Signing keys · Tessera"/>
        <h1 class="mb-2 text-2xl font-semibold">"Signing keys"</h1>
        <p class="mb-4 text-sm text-slate-600">
            "Public keys are published at " <a class="text-indigo-700 hover:underline" href="/.well-known/jwks.json">"/.well-known/jwks.json"</a>
            ". Rotate: generate (accepted) → wait until ≥ 95% of recent heartbeats accept it → activate → retire the old key once no unexpired license uses it."
        </p>
        {move || done().map(|d| view! { <p role="status" class="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">{format!("Done: {d}.")}</p> })}
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let token = csrf.value().await;
                let refused = match outcome.await.ok().flatten() { Some(FormOutcome::Rejected { message, .. }) => Some(message), _ => None };
                match keys.await {
                    Ok(list) => view! {
                        {refused.map(|m| view! { <p role="alert" class="mb-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800">{m}</p> })}
                        <table class="w-full overflow-hidden rounded-xl border border-slate-200 bg-white text-left shadow-sm">
                            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                                <tr>
                                    <th class="px-4 py-2">"Kid"</th><th class="px-4 py-2">"Status"</th>
                                    <th class="px-4 py-2">"Use"</th><th class="px-4 py-2">"Adoption (7 d)"</th>
                                    <th class="px-4 py-2">"Live licenses"</th><th class="px-4 py-2">"Created / activated"</th><th class="px-4 py-2">"Actions"</th>
                                </tr>
                            </thead>
                            <tbody>{list.iter().map(|key| key_row(key, &token)).collect_view()}</tbody>
                        </table>
                        {forms(&token)}
                    }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-rose-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
