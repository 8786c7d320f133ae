//! `/licenses`: search, filters, sort and keyset pages.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::status_class;
use crate::components::format::{datetime, maybe_datetime};
use crate::components::query::{href_with, query_params};
use crate::serverfns::licenses::{list_licenses, LicenseSummary};
use tessera_license::vocab::{
    Freshness, LicenseKind, LicenseSort, StatusFilter, SupportFilter, Tier,
};

/// One choice of a filter: the word sent and the text shown.
struct Choice {
    value: &'static str,
    text: &'static str,
}

/// "any" (no filter), then every word of a vocabulary, shown as itself.
fn any_of<T: Copy>(words: &[T], spelling: fn(T) -> &'static str) -> Vec<Choice> {
    let any = Choice {
        value: "",
        text: "any",
    };
    let words = words.iter().map(|w| Choice {
        value: spelling(*w),
        text: spelling(*w),
    });
    std::iter::once(any).chain(words).collect()
}

fn select(
    name: &'static str,
    label: &'static str,
    options: Vec<Choice>,
    current: &str,
) -> impl IntoView {
    let current = current.to_string();
    view! {
        <div>
            <label for=name class="block text-xs font-medium text-slate-600">{label}</label>
            <select id=name name=name class="mt-1 rounded border border-slate-300 px-2 py-1 text-sm">
                {options.into_iter().map(|c| view! { <option value=c.value selected=current == c.value>{c.text}</option> }).collect_view()}
            </select>
        </div>
    }
}

/// How the heartbeat filter reads on the page.
fn freshness_text(f: Freshness) -> &'static str {
    match f {
        Freshness::Day => "< 24 h",
        Freshness::Week => "< 7 d",
        Freshness::Stale => "> 30 d or never",
    }
}

/// Heartbeat freshness as a coloured dot: < 24 h green, < 7 d grey, 7–30 d yellow, ≥ 30 d red.
fn freshness_dot(last: Option<i64>, now: i64) -> impl IntoView {
    let (class, label) = match last.map(|t| now - t) {
        None => ("bg-slate-200", "never"),
        Some(age) if age < 86_400 => ("bg-emerald-500", "< 24 h"),
        Some(age) if age < 7 * 86_400 => ("bg-slate-400", "< 7 d"),
        Some(age) if age < 30 * 86_400 => ("bg-yellow-400", "7–30 d"),
        Some(_) => ("bg-rose-500", "≥ 30 d"),
    };
    view! { <span class=format!("mr-1 inline-block h-2 w-2 rounded-full {class}") title=label aria-label=format!("heartbeat {label}")></span> }
}

fn row(l: LicenseSummary, now: i64) -> impl IntoView {
    view! {
        <tr class="border-t border-slate-100 hover:bg-slate-50">
            <td class="px-3 py-2 font-mono text-xs"><a class="text-indigo-700 hover:underline" href=format!("/licenses/{}", l.id)>{l.id.clone()}</a></td>
            <td class="px-3 py-2"><span class=status_class(l.status)>{l.status.as_str()}</span></td>
            <td class="px-3 py-2 text-sm">{l.company}<div class="text-xs text-slate-500">{l.email}</div></td>
            <td class="px-3 py-2 text-sm">{l.tier.as_str()}" · "{l.kind.as_str()}</td>
            <td class="px-3 py-2 text-sm text-slate-600">{datetime(l.created_at)}</td>
            <td class="px-3 py-2 text-sm text-slate-600">{l.expires_at.map_or_else(|| "never".to_string(), datetime)}</td>
            <td class="px-3 py-2 text-sm text-slate-600">{freshness_dot(l.last_heartbeat_at, now)}{maybe_datetime(l.last_heartbeat_at)}</td>
        </tr>
    }
}

/// The license list.
#[component]
pub fn LicenseListPage() -> impl IntoView {
    let query = use_query_map();
    let params = query_params();
    let page = Resource::new(params, list_licenses);
    let value = move |key: &str| query.read().get(key).unwrap_or_default();
    let filters = move || {
        view! {
            <form method="get" action="/licenses" class="mb-4 flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4">
                <div class="grow">
                    <label for="q" class="block text-xs font-medium text-slate-600">"Search"</label>
                    <input id="q" name="q" type="search" value=value("q") placeholder="e-mail, company, tax id or license id" class="mt-1 w-full rounded border border-slate-300 px-2 py-1 text-sm"/>
                </div>
                {select("status", "Status", any_of(StatusFilter::ALL, StatusFilter::as_str), &value("status"))}
                {select("tier", "Tier", any_of(Tier::ALL, Tier::as_str), &value("tier"))}
                {select("kind", "Kind", any_of(LicenseKind::ALL, LicenseKind::as_str), &value("kind"))}
                {select("support", "Support", any_of(SupportFilter::ALL, SupportFilter::as_str), &value("support"))}
                {select("heartbeat", "Heartbeat", any_of(Freshness::ALL, Freshness::as_str).into_iter().map(|c| Choice { text: c.value.parse().map_or(c.text, freshness_text), ..c }).collect(), &value("heartbeat"))}
                {select("sort", "Sort", LicenseSort::ALL.iter().map(|s| Choice { value: s.as_str(), text: s.as_str() }).collect(), &value("sort"))}
                <div>
                    <label for="niche" class="block text-xs font-medium text-slate-600">"Niche"</label>
                    <input id="niche" name="niche" value=value("niche") class="mt-1 w-28 rounded border border-slate-300 px-2 py-1 text-sm"/>
                </div>
                <button type="submit" class="rounded bg-slate-800 px-3 py-1.5 text-sm text-white">"Apply"</button>
            </form>
        }
    };
    // One Suspense reads the page's resource: the same resource read in two of them is
    // reported upstream to leave a server render unfinished now and then (leptos-rs/leptos#4851).
    view! {
        <Title text="Licenses · Tessera"/>
        <Suspense fallback=|| view! { <p class="text-slate-500">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let loaded = page.await;
                let can_issue = loaded.as_ref().is_ok_and(|p| p.can_issue);
                let header = view! {
                    <div class="mb-4 flex items-center justify-between">
                        <h1 class="text-2xl font-semibold">"Licenses"</h1>
                        {can_issue.then(|| view! {
                            <a href="/licenses/new" class="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700">"Issue a license"</a>
                        })}
                    </div>
                    {filters()}
                };
                let results = match loaded {
                    Ok(p) => {
                        let next = p.next.map(|cursor| {
                            view! { <a class="text-indigo-700 hover:underline" href=href_with("/licenses", &params(), "after", &cursor)>"Next page →"</a> }
                        });
                        view! {
                            <p class="mb-2 text-sm text-slate-600" data-testid="license-total">{if p.total_capped { format!("{}+ licenses", p.total) } else { format!("{} license(s)", p.total) }}</p>
                            <table class="w-full overflow-hidden rounded-xl border border-slate-200 bg-white text-left shadow-sm">
                                <thead class="bg-slate-50 text-xs uppercase text-slate-500"><tr>
                                    <th class="px-3 py-2">"License"</th><th class="px-3 py-2">"Status"</th><th class="px-3 py-2">"Customer"</th>
                                    <th class="px-3 py-2">"Tier"</th><th class="px-3 py-2">"Issued"</th><th class="px-3 py-2">"Expires"</th><th class="px-3 py-2">"Last heartbeat"</th>
                                </tr></thead>
                                <tbody>{p.rows.into_iter().map(|l| row(l, p.now)).collect_view()}</tbody>
                            </table>
                            <div class="mt-3">{next}</div>
                        }.into_any()
                    }
                    Err(e) => view! { <p role="alert" class="text-rose-700">{e.to_string()}</p> }.into_any(),
                };
                view! { {header} {results} }
            })}
        </Suspense>
    }
}
