//! The sign-in page. A plain form posting to `/auth/login`, so it works with JavaScript off.

use crate::components::csrf::{use_form_token, CsrfField};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

fn message(code: &str) -> &'static str {
    match code {
        "invalid" => "The e-mail or password is not right.",
        "signed_out" => "You are signed out.",
        "rate_limited" => "Too many sign-in attempts. Wait a little, then try again.",
        _ => "Signing in failed; please try again.",
    }
}

/// E-mail and password, and why the last attempt failed, if it did.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let notice = move || query.read().get("error").map(|code| message(&code));
    let csrf = use_form_token();
    view! {
        <Title text="Sign in · Tessera"/>
        <main class="flex min-h-screen items-center justify-center px-4">
            <form method="post" action="/auth/login"
                class="w-full max-w-sm space-y-5 rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move { view! { <CsrfField token=csrf.value().await/> } })}
                </Suspense>
                <div>
                    <p class="text-sm font-semibold tracking-tight text-indigo-700">"Tessera"</p>
                    <h1 class="mt-1 text-2xl font-semibold">"Sign in"</h1>
                </div>
                {move || notice().map(|text| view! {
                    <p role="alert" class="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800">{text}</p>
                })}
                <div class="space-y-1">
                    <label for="email" class="block text-sm font-medium text-slate-700">"E-mail"</label>
                    <input id="email" name="email" type="email" required autocomplete="username"
                        class="block w-full rounded-md border border-slate-300 px-3 py-2 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"/>
                </div>
                <div class="space-y-1">
                    <label for="password" class="block text-sm font-medium text-slate-700">"Password"</label>
                    <input id="password" name="password" type="password" required autocomplete="current-password"
                        class="block w-full rounded-md border border-slate-300 px-3 py-2 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"/>
                </div>
                <button type="submit"
                    class="w-full rounded-md bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 focus:outline-none focus:ring-2 focus:ring-indigo-300">
                    "Sign in"
                </button>
            </form>
        </main>
    }
}
