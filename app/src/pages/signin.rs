//! A customer's sign-in: ask for a link (`/signin`), then confirm it (`/signin/link`). Plain
//! forms, so both work with JavaScript off.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::csrf::{use_form_token, CsrfField};

const CARD: &str =
    "w-full max-w-sm space-y-5 rounded-xl border border-slate-200 bg-white p-8 shadow-sm";
const BUTTON: &str = "w-full rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 focus:outline-none focus:ring-2 focus:ring-indigo-300";

/// What `/signin?error=…` or `?sent=1` says.
fn notice(code: &str) -> (&'static str, bool) {
    match code {
        "sent" => (
            "If that address belongs to a customer, a sign-in link is on its way. It works for 15 minutes, once, in this browser.",
            false,
        ),
        "signed_out" => ("You are signed out.", false),
        "invalid_email" => ("That is not an e-mail address.", true),
        "link_used" => ("That sign-in link was used already. Ask for a new one.", true),
        "link_expired" => ("That sign-in link expired. Ask for a new one.", true),
        "link_other_browser" => (
            "That sign-in link was asked for in another browser. Open it there, or ask for a new one here.",
            true,
        ),
        "link_unknown" => ("That sign-in link is not valid. Ask for a new one.", true),
        _ => ("Signing in failed; please try again.", true),
    }
}

/// Asks for a sign-in link by e-mail.
#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let said = move || {
        let q = query.read();
        q.get("error")
            .or_else(|| q.get("sent").map(|_| "sent".to_string()))
            .map(|code| notice(&code))
    };
    let csrf = use_form_token();
    view! {
        <Title text="Sign in to billing · Tessera"/>
        <main class="flex min-h-screen items-center justify-center px-4">
            <form method="post" action="/auth/signin-link" class=CARD>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move { view! { <CsrfField token=csrf.value().await/> } })}
                </Suspense>
                <div>
                    <p class="text-sm font-semibold tracking-tight text-indigo-700">"Billing"</p>
                    <h1 class="mt-1 text-2xl font-semibold">"Sign in"</h1>
                    <p class="mt-1 text-sm text-slate-600">"We e-mail you a link; no password needed."</p>
                </div>
                {move || said().map(|(text, bad)| {
                    let (role, class) = if bad {
                        ("alert", "rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800")
                    } else {
                        ("status", "rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900")
                    };
                    view! { <p role=role class=class>{text}</p> }
                })}
                <label class="block space-y-1">
                    <span class="block text-sm font-medium text-slate-700">"E-mail"</span>
                    <input name="email" type="email" required autocomplete="email"
                        class="block w-full rounded-md border border-slate-300 px-3 py-2 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"/>
                </label>
                <button type="submit" class=BUTTON>"E-mail me a sign-in link"</button>
            </form>
        </main>
    }
}

/// Where a sign-in link lands: one button that uses it (a link followed by a mail scanner
/// uses nothing up).
#[component]
pub fn SignInLinkPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let csrf = use_form_token();
    view! {
        <Title text="Sign in to billing · Tessera"/>
        <main class="flex min-h-screen items-center justify-center px-4">
            <form method="post" action="/auth/signin" class=CARD>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move { view! { <CsrfField token=csrf.value().await/> } })}
                </Suspense>
                <input type="hidden" name="token" value=token/>
                <div>
                    <p class="text-sm font-semibold tracking-tight text-indigo-700">"Billing"</p>
                    <h1 class="mt-1 text-2xl font-semibold">"Sign in"</h1>
                </div>
                <button type="submit" class=BUTTON>"Continue to billing"</button>
                <p class="text-sm text-slate-600"><a class="text-indigo-700 hover:underline" href="/signin">"Ask for a new link"</a></p>
            </form>
        </main>
    }
}
