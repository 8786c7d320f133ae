//! The overview: what this Studio holds at a glance.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::serverfns::overview::{get_overview, Overview};

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
    view! {
        <div class="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <Card label="Licenses issued"><span data-testid="license-count">{o.licenses}</span></Card>
            <Card label="Active signing key">
                <span class="font-mono text-base">{o.active_kid.unwrap_or_else(|| "none".into())}</span>
            </Card>
            <Card label="Audit chain">{audit}</Card>
            <Card label="Database"><span class="text-base">{o.database}</span></Card>
        </div>
    }
}

/// Counts, the active key and the audit chain's health.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| get_overview());
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
    }
}
