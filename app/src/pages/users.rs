//! `/users` (sysadmin): who may use the Studio, with what role; create users, change roles,
//! disable and enable accounts, reset passwords. A generated password is shown once.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::csrf::{use_form_token, CsrfField};
use crate::components::format::datetime;
use crate::serverfns::licenses::{last_form_outcome, FormOutcome};
use crate::serverfns::users::{list_users, UserView};
use tessera_license::vocab::Role;

const INPUT: &str = "rounded border border-slate-300 px-2 py-1 text-sm";

fn role_select(selected: Role) -> impl IntoView {
    view! {
        <select name="role" class=INPUT aria-label="Role">
            {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=selected == *r>{r.as_str()}</option> }).collect_view()}
        </select>
    }
}

fn user_row(user: &UserView, token: &str) -> impl IntoView {
    let post = |action: &str| format!("/users/{}/{action}", user.id);
    let (toggle, label) = if user.disabled {
        ("enable", "Enable")
    } else {
        ("disable", "Disable")
    };
    let state = match (user.disabled, user.must_change_password) {
        (true, _) => "disabled",
        (false, true) => "must change password",
        (false, false) => "enabled",
    };
    view! {
        <tr class="border-t border-slate-100 align-top">
            <td class="px-4 py-2 text-sm">{user.email.clone()}</td>
            <td class="px-4 py-2 text-sm" data-testid="user-state">{state}</td>
            <td class="px-4 py-2 text-sm text-slate-600">{datetime(user.created_at)}</td>
            <td class="px-4 py-2">
                <form method="post" action=post("role") class="flex gap-2">
                    <CsrfField token=token.to_string()/>
                    {role_select(user.role)}
                    <button class="rounded bg-slate-800 px-2 py-1 text-xs text-white">"Set role"</button>
                </form>
            </td>
            <td class="flex gap-2 px-4 py-2">
                <form method="post" action=post(toggle)>
                    <CsrfField token=token.to_string()/>
                    <button class="rounded bg-rose-700 px-2 py-1 text-xs text-white">{label}</button>
                </form>
                <form method="post" action=post("reset-password")>
                    <CsrfField token=token.to_string()/>
                    <button class="rounded bg-slate-800 px-2 py-1 text-xs text-white">"Reset password"</button>
                </form>
            </td>
        </tr>
    }
}

fn create_form(token: String) -> impl IntoView {
    view! {
        <form method="post" action="/users/new" class="mt-6 flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-5">
            <CsrfField token/>
            <div>
                <label for="new_email" class="block text-sm">"E-mail"</label>
                <input id="new_email" name="email" type="email" required class=INPUT/>
            </div>
            {role_select(Role::Viewer)}
            <button type="submit" class="rounded bg-indigo-600 px-3 py-1.5 text-sm text-white">"Create user"</button>
            <p class="w-full text-xs text-slate-500">"A password is generated and shown once; the user must choose their own at first sign-in."</p>
        </form>
    }
}

fn outcome_notice(outcome: Option<FormOutcome>) -> impl IntoView {
    match outcome {
        Some(FormOutcome::Password { email, password }) => view! {
            <div role="status" class="mb-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
                {format!("One-time password for {email} (shown once; they must change it at sign-in): ")}
                <code data-testid="one-time-password" class="font-mono">{password}</code>
            </div>
        }.into_any(),
        Some(FormOutcome::Rejected { message, .. }) => view! {
            <p role="alert" class="mb-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800">{message}</p>
        }.into_any(),
        _ => ().into_any(),
    }
}

/// The users page.
#[component]
pub fn UsersPage() -> impl IntoView {
    let users = Resource::new(|| (), |_| list_users());
    let outcome = Resource::new(|| (), |_| last_form_outcome());
    let csrf = use_form_token();
    let query = use_query_map();
    let done = move || query.read().get("done");
    view! {
        <Title text="Users · Tessera"/>
        <h1 class="mb-4 text-2xl font-semibold">"Users"</h1>
        {move || done().map(|d| view! { <p role="status" class="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">{format!("Done: {d}.")}</p> })}
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let token = csrf.value().await;
                let notice = outcome_notice(outcome.await.ok().flatten());
                match users.await {
                    Ok(list) => view! {
                        {notice}
                        <table class="w-full overflow-hidden rounded-xl border border-slate-200 bg-white text-left shadow-sm">
                            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                                <tr><th class="px-4 py-2">"E-mail"</th><th class="px-4 py-2">"State"</th><th class="px-4 py-2">"Created"</th><th class="px-4 py-2">"Role"</th><th class="px-4 py-2">"Actions"</th></tr>
                            </thead>
                            <tbody>{list.iter().map(|u| user_row(u, &token)).collect_view()}</tbody>
                        </table>
                        {create_form(token.clone())}
                    }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-rose-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
