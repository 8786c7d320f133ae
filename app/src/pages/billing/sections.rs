//! The parts of `/billing`: the org's licenses, what it may buy or trial, its members.

use leptos::prelude::*;
use tessera_license::vocab::{BillingInterval, LicenseStatus, OrgRole};

use crate::components::csrf::CsrfField;
use crate::components::format::datetime;
use crate::serverfns::billing::{BilledEntry, BillingView, MemberEntry, Offer, OfferPlan};

const CELL: &str = "px-3 py-2 text-sm";
const INPUT: &str = "mt-1 block w-full rounded border border-slate-300 px-2 py-1 text-sm";
const SMALL_BUTTON: &str =
    "rounded border border-slate-300 px-2 py-1 text-xs text-slate-700 hover:bg-slate-100";
const BUTTON: &str =
    "rounded bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700";

fn state(l: &BilledEntry) -> String {
    let mut words = match (l.status, l.expired) {
        (LicenseStatus::Active, true) => "expired".to_string(),
        (status, _) => status.to_string(),
    };
    if l.trial {
        words.push_str(if l.converted {
            " · trial, converted"
        } else {
            " · trial"
        });
    }
    if let Some(sub) = l.subscription.as_deref().filter(|s| *s != "active") {
        words.push_str(&format!(" · subscription {}", sub.replace('_', " ")));
    }
    words
}

fn dates(l: &BilledEntry) -> String {
    match (l.renews_at, l.lapses_at) {
        (Some(at), _) => format!("Renews {}", datetime(at)),
        (None, Some(at)) => format!("Ends {}", datetime(at)),
        (None, None) if l.status == LicenseStatus::Active => "Never expires".into(),
        _ => "—".into(),
    }
}

/// What the license's deployment last reported using, against what it grants.
fn usage(l: &BilledEntry) -> impl IntoView {
    let Some(report) = &l.usage else {
        return view! { <span class="text-xs text-slate-500">"Not reported yet"</span> }.into_any();
    };
    let lines = report
        .lines
        .iter()
        .map(|line| {
            let amount = match line.licensed {
                Some(licensed) => format!("{}: {} / {licensed}", line.label, line.used),
                None => format!("{}: {}", line.label, line.used),
            };
            let over = line
                .licensed
                .is_some_and(|licensed| line.used > licensed)
                .then(|| view! { <span class="ml-1 font-medium text-red-700">"over"</span> });
            view! { <li class="tabular-nums">{amount}{over}</li> }
        })
        .collect_view();
    view! {
        <ul>{lines}</ul>
        <div class="text-xs text-slate-500">{format!("reported {}", datetime(report.reported_at))}</div>
    }
    .into_any()
}

fn license_row(l: &BilledEntry, org: &str, token: &str) -> impl IntoView {
    let plan = l.plan.clone().unwrap_or_else(|| "—".into());
    let resend = (l.status == LicenseStatus::Active && !l.expired).then(|| {
        view! {
            <form method="post" action="/billing">
                <CsrfField token=token.to_string()/>
                <input type="hidden" name="action" value="resend"/>
                <input type="hidden" name="org" value=org.to_string()/>
                <input type="hidden" name="license" value=l.id.clone()/>
                <button type="submit" class=SMALL_BUTTON>"E-mail the token"</button>
            </form>
        }
    });
    view! {
        <tr class="border-t border-slate-100" data-license=l.id.clone()>
            <td class=CELL>{l.product.clone()}<div class="font-mono text-xs text-slate-500">{l.id.clone()}</div></td>
            <td class=CELL>{plan}<div class="text-xs text-slate-500">{l.tier.to_string()}</div></td>
            <td class=CELL data-testid="license-state">{state(l)}</td>
            <td class=format!("{CELL} tabular-nums")>{l.seats}</td>
            <td class=CELL data-testid="license-usage">{usage(l)}</td>
            <td class=CELL data-testid="license-dates">{dates(l)}</td>
            <td class=CELL>{resend}</td>
        </tr>
    }
}

/// The org's licenses.
pub(super) fn licenses_table(v: &BillingView, token: &str) -> impl IntoView {
    let rows = v
        .licenses
        .iter()
        .map(|l| license_row(l, &v.slug, token))
        .collect_view();
    let empty = v.licenses.is_empty().then(|| {
        view! { <p class="text-sm text-slate-600">"No licenses yet: buy a plan or start a trial below."</p> }
    });
    view! {
        <section aria-labelledby="licenses" class="mb-8">
            <h2 id="licenses" class="mb-2 text-lg font-semibold">"Licenses"</h2>
            {empty}
            <table class="w-full overflow-hidden rounded-xl border border-slate-200 bg-white text-left shadow-sm">
                <thead class="bg-slate-50 text-xs uppercase text-slate-500"><tr>
                    <th class="px-3 py-2">"Product"</th><th class="px-3 py-2">"Plan"</th><th class="px-3 py-2">"State"</th>
                    <th class="px-3 py-2">"Seats"</th><th class="px-3 py-2">"Usage"</th><th class="px-3 py-2">"Renewal"</th><th class="px-3 py-2"></th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

fn every(interval: BillingInterval) -> &'static str {
    match interval {
        BillingInterval::Month => " / month",
        BillingInterval::Year => " / year",
        BillingInterval::Once => " once",
    }
}

fn plan_form(offer: &Offer, plan: &OfferPlan, org: &str, token: &str) -> impl IntoView {
    let label = format!(
        "Buy {} — {}{}",
        plan.lookup_key,
        plan.price,
        every(plan.interval)
    );
    let seats_note = match &plan.extra_seat {
        Some(extra) => format!(
            "{} seats included, {extra} per extra seat",
            plan.seats_included
        ),
        None => format!("{} seats", plan.seats_included),
    };
    let domains = offer.domain_required.then(|| {
        view! {
            <label class="block text-xs text-slate-600">"Domains (comma-separated)"
                <input name="domains" required class=INPUT/>
            </label>
        }
    });
    view! {
        <form method="post" action="/billing" class="space-y-2 rounded-lg border border-slate-200 p-3" data-plan=plan.lookup_key.clone()>
            <CsrfField token=token.to_string()/>
            <input type="hidden" name="action" value="buy"/>
            <input type="hidden" name="org" value=org.to_string()/>
            <input type="hidden" name="product" value=offer.slug.clone()/>
            <input type="hidden" name="plan" value=plan.lookup_key.clone()/>
            <p class="text-sm font-medium">{format!("{} · {}", plan.tier, plan.lookup_key)}</p>
            <p class="text-lg font-semibold tabular-nums">{format!("{}{}", plan.price, every(plan.interval))}</p>
            <p class="text-xs text-slate-600">{seats_note}</p>
            <label class="block text-xs text-slate-600">"Seats"
                <input name="seats" type="number" min=plan.seats_included value=plan.seats_included class=INPUT/>
            </label>
            <label class="block text-xs text-slate-600">"Coupon"
                <input name="coupon" class=INPUT/>
            </label>
            {domains}
            <button type="submit" class=BUTTON aria-label=label>"Buy"</button>
        </form>
    }
}

fn offer_card(offer: &Offer, org: &str, token: &str) -> impl IntoView {
    let trial = offer.trial_days.map(|days| {
        view! {
            <form method="post" action="/billing" class="mb-3">
                <CsrfField token=token.to_string()/>
                <input type="hidden" name="action" value="trial"/>
                <input type="hidden" name="org" value=org.to_string()/>
                <input type="hidden" name="product" value=offer.slug.clone()/>
                <button type="submit" class=SMALL_BUTTON>{format!("Start a free trial ({days} days) of {}", offer.name)}</button>
            </form>
        }
    });
    let coupons = (!offer.coupons.is_empty())
        .then(|| view! { <p class="mb-2 text-xs text-slate-600">{format!("Coupons: {}", offer.coupons.join(", "))}</p> });
    let plans = offer
        .plans
        .iter()
        .map(|p| plan_form(offer, p, org, token))
        .collect_view();
    view! {
        <article class="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
            <h3 class="mb-2 font-semibold">{offer.name.clone()}</h3>
            {trial}
            {coupons}
            <div class="grid gap-3 sm:grid-cols-2">{plans}</div>
        </article>
    }
}

/// What the org may buy or trial (owners).
pub(super) fn offers(v: &BillingView, token: &str) -> impl IntoView {
    v.owner.then(|| {
        let cards = v
            .offers
            .iter()
            .map(|o| offer_card(o, &v.slug, token))
            .collect_view();
        view! {
            <section aria-labelledby="plans" class="mb-8">
                <h2 id="plans" class="mb-2 text-lg font-semibold">"Plans"</h2>
                <p class="mb-3 text-sm text-slate-600">"Prices before tax; a coupon's discount is applied at checkout."</p>
                <div class="space-y-4">{cards}</div>
            </section>
        }
    })
}

fn member_row(m: &MemberEntry, v: &BillingView, token: &str) -> impl IntoView {
    let remove = (v.owner && m.email != v.email).then(|| {
        view! {
            <form method="post" action="/billing">
                <CsrfField token=token.to_string()/>
                <input type="hidden" name="action" value="remove"/>
                <input type="hidden" name="org" value=v.slug.clone()/>
                <input type="hidden" name="member" value=m.customer_id.clone()/>
                <button type="submit" class=SMALL_BUTTON aria-label=format!("Remove {}", m.email)>"Remove"</button>
            </form>
        }
    });
    view! {
        <tr class="border-t border-slate-100">
            <td class=CELL>{m.email.clone()}</td>
            <td class=CELL>{m.role.to_string()}</td>
            <td class=CELL>{remove}</td>
        </tr>
    }
}

/// The org's members, and (owners) inviting someone.
pub(super) fn members(v: &BillingView, token: &str) -> impl IntoView {
    let rows = v
        .members
        .iter()
        .map(|m| member_row(m, v, token))
        .collect_view();
    let invite = v.owner.then(|| {
        view! {
            <form method="post" action="/billing" class="mt-3 flex flex-wrap items-end gap-3">
                <CsrfField token=token.to_string()/>
                <input type="hidden" name="action" value="invite"/>
                <input type="hidden" name="org" value=v.slug.clone()/>
                <label class="text-xs text-slate-600">"E-mail"<input name="email" type="email" required class=INPUT/></label>
                <label class="text-xs text-slate-600">"Role"
                    <select name="role" class=INPUT>
                        <option value=OrgRole::Member.as_str()>"member (reads)"</option>
                        <option value=OrgRole::Owner.as_str()>"owner (buys, manages members)"</option>
                    </select>
                </label>
                <button type="submit" class=BUTTON>"Invite"</button>
            </form>
        }
    });
    view! {
        <section aria-labelledby="members" class="mb-8">
            <h2 id="members" class="mb-2 text-lg font-semibold">"Members"</h2>
            <table class="w-full overflow-hidden rounded-xl border border-slate-200 bg-white text-left shadow-sm">
                <tbody>{rows}</tbody>
            </table>
            {invite}
        </section>
    }
}
