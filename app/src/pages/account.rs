//! `/account`: the signed-in user's own account: change the password (required first after a
//! generated or reset one), and sign out everywhere.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::csrf::{use_form_token, CsrfField};
use crate::serverfns::licenses::{last_form_outcome, FormOutcome};
use crate::serverfns::session::whoami;

const BOX: &str = "rounded-xl border border-slate-200 bg-white p-5";
const INPUT: &str = "mt-1 w-full rounded border border-slate-300 px-2 py-1.5 text-sm";

fn password_form(token: String) -> impl IntoView {
    view! {
        <form method="post" action="/account/password" class=format!("{BOX} space-y-3")>
            <CsrfField token/>
            <h2 class="font-semibold">"Change your password"</h2>
            <div>
                <label for="current" class="block text-sm">"Current password"</label>
                <input id="current" name="current" type="password" required autocomplete="current-password" class=INPUT/>
            </div>
            <div>
                <label for="new" class="block text-sm">"New password (at least 12 characters)"</label>
                <input id="new" name="new" type="password" required minlength="12" autocomplete="new-password" class=INPUT/>
            </div>
            <div>
                <label for="confirm" class="block text-sm">"New password again"</label>
                <input id="confirm" name="confirm" type="password" required minlength="12" autocomplete="new-password" class=INPUT/>
            </div>
            <button type="submit" class="rounded bg-indigo-600 px-3 py-1.5 text-sm text-white">"Change password"</button>
            <p class="text-xs text-slate-500">"Your other sessions end; this one stays signed in."</p>
        </form>
    }
}

fn everywhere_form(token: String) -> impl IntoView {
    view! {
        <form method="post" action="/account/sign-out-everywhere" class=BOX>
            <CsrfField token/>
            <h2 class="mb-2 font-semibold">"Sign out everywhere"</h2>
            <p class="mb-3 text-sm text-slate-600">"Ends every session of yours, on every device, this one included."</p>
            <button type="submit" class="rounded bg-slate-800 px-3 py-1.5 text-sm text-white">"Sign out everywhere"</button>
        </form>
    }
}

/// The account page.
#[component]
pub fn AccountPage() -> impl IntoView {
    let me = Resource::new(|| (), |_| whoami());
    let outcome = Resource::new(|| (), |_| last_form_outcome());
    let csrf = use_form_token();
    let query = use_query_map();
    let done = move || query.read().get("done");
    view! {
        <Title text="Your account · Tessera"/>
        <h1 class="mb-4 text-2xl font-semibold">"Your account"</h1>
        {move || done().map(|d| view! { <p role="status" class="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">{format!("Done: {d}.")}</p> })}
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let token = csrf.value().await;
                let refused = match outcome.await.ok().flatten() {
                    Some(FormOutcome::Rejected { message, .. }) => Some(message),
                    _ => None,
                };
                let me = me.await.ok().flatten();
                let must_change = me.as_ref().is_some_and(|m| m.must_change_password);
                view! {
                    {me.map(|m| view! { <p class="mb-4 text-sm text-slate-600">{format!("{} · {}", m.email, m.role.as_str())}</p> })}
                    {must_change.then(|| view! {
                        <p role="alert" data-testid="must-change" class="mb-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
                            "Your password was generated for you. Choose your own before going on."
                        </p>
                    })}
                    {refused.map(|m| view! { <p role="alert" class="mb-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800">{m}</p> })}
                    <div class="grid gap-4 md:grid-cols-2">
                        {password_form(token.clone())}
                        {everywhere_form(token)}
                    </div>
                }
            })}
        </Suspense>
    }
}
