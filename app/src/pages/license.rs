//! `/license` on a self-hosted install: the installed license, its state with the grace
//! countdown, what it grants, who this deployment is, the vendor's last answer; paste a
//! token to install or rotate it, and check in with the vendor now. Plain forms: works with
//! JavaScript off.

use crate::components::csrf::{use_form_token, CsrfField};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::format::{datetime, maybe_datetime};
use crate::serverfns::licenses::{last_form_outcome, FormOutcome};
use crate::serverfns::selfhost::{license_page, InstalledGrant, LicensePageView};
use tessera_license::vocab::StateName;

const INPUT: &str = "mt-1 w-full rounded border border-slate-300 px-2 py-1.5 font-mono text-xs";

fn state_badge(state: StateName) -> &'static str {
    match state {
        StateName::Active => "bg-emerald-100 text-emerald-800",
        StateName::Grace => "bg-amber-100 text-amber-900",
        StateName::Dormant | StateName::Unlicensed => "bg-slate-200 text-slate-700",
        StateName::Revoked => "bg-rose-100 text-rose-800",
    }
}

fn row(label: &'static str, value: String) -> impl IntoView {
    view! {
        <div class="flex gap-3 border-t border-slate-100 py-1.5 text-sm">
            <dt class="w-44 shrink-0 text-slate-500">{label}</dt>
            <dd class="min-w-0 break-words" data-testid=label>{value}</dd>
        </div>
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "—".into()
    } else {
        items.join(", ")
    }
}

fn grant_rows(grant: &InstalledGrant) -> impl IntoView {
    let caps: Vec<String> = grant
        .caps
        .iter()
        .map(|c| match c.used {
            Some(used) => format!("{} {used} / {}", c.name, c.value),
            None => format!("{} {}", c.name, c.value),
        })
        .collect();
    let seats: Vec<String> = grant
        .seats
        .iter()
        .map(|s| format!("{} ({})", s.plugin, s.grant))
        .collect();
    view! {
        {row("License", grant.license_id.clone())}
        {row("Tier", format!("{} · {}", grant.tier, grant.kind))}
        {row("Customer", grant.customer.clone())}
        {row("Expires", grant.expires_at.map_or_else(|| "never (perpetual)".into(), datetime))}
        {row("Support until", maybe_datetime(grant.support_until))}
        {row("Features", list(&grant.features))}
        {row("Plugins", list(&grant.plugins))}
        {row("Caps", list(&caps))}
        {row("Seats", list(&seats))}
        {row("Domains", list(&grant.domains))}
        {row("Node lock", grant.node_lock.clone().unwrap_or_else(|| "none".into()))}
    }
}

fn vendor_rows(page: &LicensePageView) -> impl IntoView {
    let answer = page.answer.as_ref().map_or_else(
        || "none yet".to_string(),
        |a| {
            let rotated = if a.rotated {
                ", newer token installed"
            } else {
                ""
            };
            format!(
                "{} at {} (via {}{rotated})",
                a.status,
                datetime(a.received_at),
                a.via
            )
        },
    );
    let failure = page
        .last_error
        .clone()
        .map(|e| format!("{e} ({} failed attempt(s) in a row)", page.failures));
    view! {
        {row("Vendor", page.vendor_url.clone().unwrap_or_else(|| "not configured: exchange files".into()))}
        {row("Last heartbeat", maybe_datetime(page.last_attempt_at))}
        {row("Last answer", answer)}
        {failure.map(|f| view! { <p role="alert" class="mt-2 rounded bg-rose-50 px-3 py-2 text-sm text-rose-800" data-testid="heartbeat-failure">{f}</p> })}
    }
}

fn deployment_rows(page: &LicensePageView) -> impl IntoView {
    view! {
        {row("Install id", page.install_id.clone())}
        {row("Fingerprint", page.fingerprint.clone())}
        {row("Signed by key", page.kid.clone().unwrap_or_else(|| "—".into()))}
        {row("Pinned keys", format!("{} ({})", list(&page.pinned_kids), page.keys_source))}
        {row("Token installed", maybe_datetime(page.token_installed_at))}
    }
}

fn forms(token: String, page: &LicensePageView) -> impl IntoView {
    let installed = page.grant.is_some();
    let check_in = page.vendor_url.is_some() && installed;
    view! {
        <form method="post" action="/license" class="mt-6 rounded-xl border border-slate-200 bg-white p-5">
            <CsrfField token=token.clone()/>
            <input type="hidden" name="action" value="install"/>
            <h2 class="mb-2 font-semibold">"Install or rotate the license token"</h2>
            <label for="token" class="block text-sm">"License token (as the vendor sent it)"</label>
            <textarea id="token" name="token" rows="4" required class=INPUT autocomplete="off" spellcheck="false"></textarea>
            <p class="mt-1 text-xs text-slate-500">"It is checked here, offline, against the vendor's pinned keys. A token that does not fit this deployment is refused and the installed one stays."</p>
            <button type="submit" class="mt-3 rounded bg-indigo-600 px-3 py-1.5 text-sm text-white">"Install"</button>
        </form>
        {check_in.then(|| view! {
            <form method="post" action="/license" class="mt-3">
                <CsrfField token=token.clone()/>
                <input type="hidden" name="action" value="heartbeat"/>
                <button type="submit" class="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm">"Check in with the vendor now"</button>
            </form>
        })}
        <section class="mt-6 rounded-xl border border-slate-200 bg-white p-5">
            <h2 class="mb-2 font-semibold">"No network? Exchange files with the vendor"</h2>
            <p class="text-sm text-slate-600">
                {installed.then(|| view! { "1. " <a href="/license/request" class="text-indigo-700 hover:underline" download="tessera-heartbeat-request.json">"Download a heartbeat request"</a> })}
                {(!installed).then_some("1. Install a token first; then download a heartbeat request here")}
                " (it holds this install's token: carry it privately). 2. The vendor answers it on the license's page or with "
                <code>"tessera license answer FILE"</code> ". 3. Paste the answer file here:"
            </p>
            <form method="post" action="/license" class="mt-2">
                <CsrfField token=token/>
                <input type="hidden" name="action" value="answer"/>
                <label for="answer" class="block text-sm">"Answer file"</label>
                <textarea id="answer" name="answer" rows="4" required class=INPUT></textarea>
                <button type="submit" class="mt-2 rounded bg-indigo-600 px-3 py-1.5 text-sm text-white">"Import the answer"</button>
            </form>
        </section>
    }
}

fn page_body(
    page: &LicensePageView,
    token: String,
    refused: Option<String>,
    done: Option<String>,
) -> impl IntoView {
    let badge = format!(
        "rounded px-2 py-0.5 text-sm font-medium {}",
        state_badge(page.state)
    );
    let countdown = page
        .grace_until
        .map(|until| format!("grace until {}", datetime(until)));
    view! {
        {done.map(|d| view! { <p role="status" class="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">{format!("Done: {d}.")}</p> })}
        {refused.map(|m| view! { <p role="alert" class="mb-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800" data-testid="refusal">{m}</p> })}
        {page.banner.clone().map(|b| view! { <p role="status" class="mb-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="banner">{b}</p> })}
        <div class="mb-4 flex items-center gap-3">
            <span class=badge data-testid="state">{page.state.as_str()}</span>
            {countdown.map(|c| view! { <span class="text-sm text-amber-800">{c}</span> })}
            {page.clock_behind.then(|| view! { <span class="text-sm text-slate-500">"(this machine's clock is behind the latest time seen; the later time counts)"</span> })}
        </div>
        {page.problem.clone().map(|p| view! { <p class="mb-4 text-sm text-slate-700" data-testid="problem">{p}</p> })}
        <div class="grid gap-4 md:grid-cols-2">
            <section class="rounded-xl border border-slate-200 bg-white p-5">
                <h2 class="mb-2 font-semibold">"What the license grants"</h2>
                <dl>{page.grant.as_ref().map(grant_rows)}</dl>
                {page.grant.is_none().then(|| view! { <p class="text-sm text-slate-500">"No license token is installed."</p> })}
            </section>
            <section class="rounded-xl border border-slate-200 bg-white p-5">
                <h2 class="mb-2 font-semibold">"This deployment"</h2>
                <dl>{deployment_rows(page)}{vendor_rows(page)}</dl>
            </section>
        </div>
        {page.can_install.then(|| forms(token, page))}
    }
}

/// The installed license and its forms.
#[component]
pub fn LicensePage() -> impl IntoView {
    let page = Resource::new(|| (), |_| license_page());
    let csrf = use_form_token();
    let outcome = Resource::new(|| (), |_| last_form_outcome());
    let query = use_query_map();
    let done = move || query.read().get("done");
    view! {
        <Title text="License · Tessera"/>
        <h1 class="mb-4 text-2xl font-semibold">"License"</h1>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let token = csrf.value().await;
                let refused = match outcome.await.ok().flatten() { Some(FormOutcome::Rejected { message, .. }) => Some(message), _ => None };
                match page.await {
                    Ok(page) => page_body(&page, token, refused, done()).into_any(),
                    Err(e) => view! { <p role="alert" class="text-rose-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
