//! The overview: what this Studio holds at a glance.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::charts::{Bar, BarChart};
use crate::components::format::datetime;
use crate::serverfns::dashboard::{get_dashboard, DashboardView};
use crate::serverfns::overview::{get_overview, Overview};

fn week_label(start: i64) -> String {
    chrono::DateTime::from_timestamp(start, 0)
        .map(|t| t.format("%d %b").to_string())
        .unwrap_or_default()
}

fn charts(d: DashboardView) -> impl IntoView {
    let weeks = d
        .weeks
        .into_iter()
        .map(|w| Bar {
            label: week_label(w.week),
            value: w.issued,
        })
        .collect();
    let labels = ["< 24 h", "< 7 d", "7–30 d", "≥ 30 d", "never"];
    let freshness = labels
        .iter()
        .zip(d.freshness)
        .map(|(label, value)| Bar {
            label: (*label).to_string(),
            value,
        })
        .collect();
    let anomalies = d.anomalies;
    view! {
        <div class="mt-6 grid gap-4 lg:grid-cols-2">
            <BarChart title="Licenses issued per week" bars=weeks fills=&["#6366f1"]/>
            <BarChart title="Active licenses by last heartbeat" bars=freshness fills=&["#10b981", "#94a3b8", "#eab308", "#ef4444", "#cbd5e1"]/>
        </div>
        <section class="mt-6 rounded-xl border border-slate-200 bg-white p-4" aria-label="Open anomalies">
            <h2 class="mb-2 text-sm font-medium text-slate-600">{format!("Open anomalies ({})", anomalies.len())}</h2>
            {if anomalies.is_empty() {
                view! { <p class="text-sm text-slate-500">"None."</p> }.into_any()
            } else {
                view! { <ul class="space-y-1 text-sm">{anomalies.into_iter().map(|a| view! {
                    <li><a class="font-mono text-indigo-700 hover:underline" href=format!("/licenses/{}", a.license_id)>{a.license_id.clone()}</a>
                        {format!(" — {}: {} ({})", a.kind, a.detail, datetime(a.detected_at))}</li>
                }).collect_view()}</ul> }.into_any()
            }}
        </section>
    }
}

#[component]
fn Card(label: &'static str, children: Children) -> impl IntoView {
    view! {
        <div class="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
            <p class="text-sm text-slate-500">{label}</p>
            <div class="mt-1 text-2xl font-semibold">{children()}</div>
        </div>
    }
}

fn cards(o: Overview) -> impl IntoView {
    let audit = match o.audit_broken_at {
        None => view! { <span class="text-emerald-700">{format!("Verifies ({} rows)", o.audit_rows)}</span> }.into_any(),
        Some(seq) => view! { <span class="text-rose-700">{format!("Broken at row {seq}")}</span> }.into_any(),
    };
    let events = match o.oldest_event_age {
        None => "all published".to_string(),
        Some(age) => format!("{} waiting, oldest {age} s", o.events_waiting),
    };
    view! {
        <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-5">
            <Card label="Licenses issued"><span data-testid="license-count">{o.licenses}</span></Card>
            <Card label="Active signing key">
                <span class="font-mono text-base">{o.active_kid.unwrap_or_else(|| "none".into())}</span>
            </Card>
            <Card label="Audit chain">{audit}</Card>
            <Card label="Database"><span class="text-base">{o.database}</span></Card>
            <Card label="License events"><span class="text-base" data-testid="events-waiting">{events}</span></Card>
        </div>
    }
}

/// Counts, the active key and the audit chain's health.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_overview());
    let dashboard = Resource::new(|| (), |_| get_dashboard());
    view! {
        <Title text="Overview · Tessera"/>
        <h1 class="mb-6 text-2xl font-semibold">"Overview"</h1>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => cards(o).into_any(),
                    Err(e) => view! { <p role="alert" class="text-rose-700">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move { dashboard.await.ok().map(charts) })}
        </Suspense>
    }
}
