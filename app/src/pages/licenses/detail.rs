//! `/licenses/:id`: claims, status history, heartbeats, installs, anomalies, support
//! countdown, and the actions (resend, refund, transfer, revoke, multi-install window).

use crate::components::csrf::{use_form_token, CsrfField};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{status_class, SignedToken};
use crate::components::format::{datetime, maybe_datetime};
use crate::serverfns::licenses::{
    last_form_outcome, license_detail, FormOutcome, LicenseDetailView,
};
use tessera_license::vocab::LicenseStatus;

const BOX: &str = "rounded-xl border border-slate-200 bg-white p-5";
const INPUT: &str = "mt-1 w-full rounded border border-slate-300 px-2 py-1.5 text-sm";

fn actions(d: &LicenseDetailView, token: &str) -> impl IntoView {
    let id = d.summary.id.clone();
    let post = move |action: &str| format!("/licenses/{id}/{action}");
    view! {
        <section class=BOX aria-label="Actions">
            <h2 class="mb-3 font-semibold">"Actions"</h2>
            <form method="post" action=post("resend" ) class="mb-4"><CsrfField token=token.to_string()/>
                <button type="submit" class="rounded bg-slate-800 px-3 py-1.5 text-sm text-white">"Resend (re-sign and e-mail)"</button>
            </form>
            <form method="post" action=post("multi-install") class="mb-4"><CsrfField token=token.to_string()/>
                <button type="submit" class="rounded bg-slate-800 px-3 py-1.5 text-sm text-white">"Grant a 7-day multi-install window"</button>
            </form>
            {refund_form(d, &post("refund"), token)}
            <form method="post" action=post("revoke") class="mb-4 space-y-2"><CsrfField token=token.to_string()/>
                <label for="reason" class="block text-sm font-medium">"Reason for revoking"</label>
                <input id="reason" name="reason" required class=INPUT/>
                <button type="submit" class="rounded bg-rose-700 px-3 py-1.5 text-sm text-white">"Revoke"</button>
            </form>
            <form method="post" action=post("transfer") class="space-y-2"><CsrfField token=token.to_string()/>
                <h3 class="text-sm font-semibold">"Transfer to a new owner"</h3>
                <label for="t_email" class="block text-sm">"New owner's e-mail"</label>
                <input id="t_email" name="email" type="email" required class=INPUT/>
                <label for="t_company" class="block text-sm">"New owner's company"</label>
                <input id="t_company" name="company" required class=INPUT/>
                <label for="t_tax_id" class="block text-sm">"New owner's tax id"</label>
                <input id="t_tax_id" name="tax_id" class=INPUT/>
                <div class="flex items-center gap-2"><input id="confirm_revocation" name="confirm_revocation" type="checkbox"/>
                    <label for="confirm_revocation" class="text-sm">"The current owner loses this license"</label></div>
                <div class="flex items-center gap-2"><input id="confirm_new_owner" name="confirm_new_owner" type="checkbox"/>
                    <label for="confirm_new_owner" class="text-sm">"The new owner's details are correct"</label></div>
                <button type="submit" class="rounded bg-slate-800 px-3 py-1.5 text-sm text-white">"Transfer"</button>
            </form>
        </section>
    }
}

/// Refund the license's Stripe payment: offered within 14 days of it; otherwise the button is
/// disabled and says why.
fn refund_form(d: &LicenseDetailView, action: &str, token: &str) -> impl IntoView {
    let (note, allowed) = match d.refund_until {
        Some(until) => (
            format!("Refund the payment in full, until {}", datetime(until)),
            true,
        ),
        None => (format!("No refund: {}", d.refund_refused), false),
    };
    view! {
        <form method="post" action=action.to_string() class="mb-4 space-y-1"><CsrfField token=token.to_string()/>
            <button type="submit" disabled=!allowed aria-describedby="refund_note"
                class="rounded bg-amber-700 px-3 py-1.5 text-sm text-white disabled:cursor-not-allowed disabled:bg-slate-300 disabled:text-slate-600">
                "Refund"</button>
            <p id="refund_note" class="text-sm text-slate-600">{note}</p>
        </form>
    }
}

/// An install with no network brings a request file; its answer (newest token, status) is
/// downloaded and carried back. Offered for every status: a revocation must reach it too.
fn airgap_form(d: &LicenseDetailView, token: &str) -> impl IntoView {
    let action = format!("/licenses/{}", d.summary.id);
    view! {
        <form method="post" action=action class=format!("{BOX} mt-4 space-y-2")><CsrfField token=token.to_string()/>
            <input type="hidden" name="action" value="answer"/>
            <h2 class="font-semibold">"Answer an air-gapped install"</h2>
            <label for="airgap_request" class="block text-sm">"Paste the install's heartbeat request file"</label>
            <textarea id="airgap_request" name="request" rows="4" required class=INPUT></textarea>
            <button type="submit" class="rounded bg-slate-800 px-3 py-1.5 text-sm text-white">"Download the answer file"</button>
        </form>
    }
}

fn facts(d: &LicenseDetailView) -> impl IntoView {
    let s = &d.summary;
    let support = match d.support_left_days {
        Some(days) if days >= 0 => {
            format!("{} ({days} days left)", maybe_datetime(d.support_until))
        }
        Some(days) => format!("ended {} days ago", -days),
        None => "—".into(),
    };
    let rows = vec![
        (
            "Customer",
            format!(
                "{} <{}>{}",
                s.company,
                s.email,
                d.tax_id
                    .as_ref()
                    .map(|t| format!(" · {t}"))
                    .unwrap_or_default()
            ),
        ),
        (
            "Product",
            format!(
                "{} · {} · {}{}",
                d.product,
                s.tier,
                s.kind,
                d.plan
                    .as_ref()
                    .map(|p| format!(" · {p}"))
                    .unwrap_or_default()
            ),
        ),
        ("Issued", datetime(s.created_at)),
        (
            "Expires",
            s.expires_at
                .map_or_else(|| "never (perpetual)".into(), datetime),
        ),
        ("Support", support),
        ("Last heartbeat", maybe_datetime(s.last_heartbeat_at)),
        (
            "Multi-install window",
            maybe_datetime(d.multi_install_until),
        ),
    ];
    view! {
        <dl class="grid grid-cols-3 gap-2 text-sm">
            {rows.into_iter().map(|(k, v)| view! { <dt class="text-slate-500">{k}</dt><dd class="col-span-2">{v}</dd> }).collect_view()}
            <dt class="text-slate-500">"Kid"</dt>
            <dd class="col-span-2 font-mono">{d.kid.clone()}
                {d.rotate_before_retire.then(|| view! { <span class="ml-2 rounded bg-amber-100 px-2 py-0.5 font-sans text-xs text-amber-800">"rotate before retire"</span> })}
            </dd>
        </dl>
    }
}

/// Newer/older links through the installs, when there is more than one page.
fn installs_pager(d: &LicenseDetailView) -> impl IntoView {
    let id = &d.summary.id;
    let link = |page: i64, label: &'static str| {
        view! { <a class="text-indigo-700 hover:underline" href=format!("/licenses/{id}?installs={page}")>{label}</a> }
    };
    (d.installs_pages > 1).then(|| {
        view! {
            <p class="mt-2 flex gap-4 text-sm" aria-label="Install pages">
                {(d.installs_page > 0).then(|| link(d.installs_page - 1, "← Newer installs"))}
                <span class="text-slate-500">{format!("page {} of {}", d.installs_page + 1, d.installs_pages)}</span>
                {(d.installs_page + 1 < d.installs_pages).then(|| link(d.installs_page + 1, "Older installs →"))}
            </p>
        }
    })
}

fn tables(d: &LicenseDetailView) -> impl IntoView {
    view! {
        <section class=BOX aria-label="Anomalies">
            <h2 class="mb-2 font-semibold">"Anomalies"</h2>
            {if d.anomalies.is_empty() { view! { <p class="text-sm text-slate-500">"None."</p> }.into_any() } else {
                view! { <ul class="text-sm">{d.anomalies.iter().map(|a| view! { <li class="text-amber-800">{format!("{} — {}: {}", datetime(a.detected_at), a.kind, a.detail)}</li> }).collect_view()}</ul> }.into_any()
            }}
        </section>
        <section class=BOX aria-label="Installs">
            <h2 class="mb-2 font-semibold">{format!("Installs seen ({})", d.installs_total)}</h2>
            <ul class="text-sm">{d.installs.iter().map(|i| view! { <li><span class="font-mono">{i.install_id.clone()}</span>{format!(" — v{}, first {}, last {}", i.last_version, datetime(i.first_seen), datetime(i.last_seen))}</li> }).collect_view()}</ul>
            {installs_pager(d)}
        </section>
        <section class=BOX aria-label="Heartbeats">
            <h2 class="mb-2 font-semibold">"Last heartbeats"</h2>
            <table class="w-full text-left text-sm"><tbody>
                {d.heartbeats.iter().map(|h| view! { <tr><td>{datetime(h.at)}</td><td class="font-mono">{h.install_id.clone()}</td><td>{h.version.clone()}</td><td>{h.ip.clone()}</td><td class="font-mono">{h.kid.clone().unwrap_or_default()}</td></tr> }).collect_view()}
            </tbody></table>
        </section>
        <section class=BOX aria-label="History">
            <h2 class="mb-2 font-semibold">"Status history"</h2>
            <ul class="space-y-1 text-sm">{d.history.iter().map(|h| view! { <li><span class="font-medium">{h.action.as_str()}</span>{format!(" by {}, {}", h.actor, datetime(h.at))}<pre class="overflow-x-auto text-xs text-slate-500">{h.detail.clone()}</pre></li> }).collect_view()}</ul>
        </section>
        <section class=BOX aria-label="Claims">
            <h2 class="mb-2 font-semibold">"Signed claims"</h2>
            <pre class="overflow-x-auto text-xs">{d.claims_json.clone()}</pre>
        </section>
    }
}

/// One license.
#[component]
pub fn LicenseDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let installs_page = move || {
        query
            .read()
            .get("installs")
            .and_then(|p| p.parse::<i64>().ok())
    };
    let detail = Resource::new(
        move || (id(), installs_page()),
        |(id, page)| license_detail(id, page),
    );
    let outcome = Resource::new(|| (), |_| last_form_outcome());
    let csrf = use_form_token();
    let done = move || query.read().get("done");
    view! {
        <Title text="License · Tessera"/>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let token = csrf.value().await;
                let signed = outcome.await.ok().flatten();
                let rejected = match &signed { Some(FormOutcome::Rejected { message, .. }) => Some(message.clone()), _ => None };
                match detail.await {
                    Ok(d) => view! {
                        <div class="mb-4 flex items-center gap-3">
                            <h1 class="font-mono text-xl font-semibold">{d.summary.id.clone()}</h1>
                            <span class=status_class(d.summary.status) data-testid="license-status">{d.summary.status.as_str()}</span>
                            {d.revoke_reason.clone().map(|r| view! { <span class="text-sm text-slate-600">{format!("({r})")}</span> })}
                        </div>
                        {done().map(|what| view! { <p role="status" class="mb-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">{format!("Done: {what}.")}</p> })}
                        {rejected.map(|m| view! { <p role="alert" class="mb-4 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-800">{m}</p> })}
                        {signed.filter(|o| matches!(o, FormOutcome::Signed { .. })).map(|o| view! { <SignedToken outcome=o/> })}
                        {d.replaced_by.clone().map(|n| view! { <p class="mb-4 text-sm">"Transferred to "<a class="text-indigo-700 underline" href=format!("/licenses/{n}")>{n.clone()}</a></p> })}
                        <div class="grid gap-4 lg:grid-cols-3">
                            <div class="space-y-4 lg:col-span-2">
                                <section class=BOX>{facts(&d)}</section>
                                {tables(&d)}
                            </div>
                            <div>
                                {(d.can_act && d.summary.status == LicenseStatus::Active).then(|| actions(&d, &token))}
                                {d.can_act.then(|| airgap_form(&d, &token))}
                            </div>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-rose-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
