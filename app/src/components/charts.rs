//! Server-rendered SVG charts: no script needed, readable with JavaScript off.

use leptos::prelude::*;

const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 150.0;
const LABEL_SPACE: f64 = 18.0;

/// One labelled count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: i64,
}

/// A bar chart of labelled counts. `fills` colour the bars in turn.
#[component]
pub fn BarChart(
    title: &'static str,
    bars: Vec<Bar>,
    fills: &'static [&'static str],
) -> impl IntoView {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let slot = WIDTH / bars.len().max(1) as f64;
    let summary = bars
        .iter()
        .map(|b| format!("{}: {}", b.label, b.value))
        .collect::<Vec<_>>()
        .join(", ");
    let rects = bars
        .into_iter()
        .enumerate()
        .map(|(i, Bar { label, value: n })| {
            let h = (n as f64 / max) * (HEIGHT - LABEL_SPACE * 2.0);
            let x = i as f64 * slot + slot * 0.15;
            let y = HEIGHT - LABEL_SPACE - h;
            let fill = fills[i % fills.len()];
            view! {
                <g>
                    <rect x=x y=y width=slot * 0.7 height=h fill=fill rx="2"/>
                    <text x=x + slot * 0.35 y=y - 3.0 text-anchor="middle" font-size="10" fill="#334155">{n}</text>
                    <text x=x + slot * 0.35 y=HEIGHT - 4.0 text-anchor="middle" font-size="9" fill="#64748b">{label}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class="rounded-xl border border-slate-200 bg-white p-4">
            <figcaption class="mb-2 text-sm font-medium text-slate-600">{title}</figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=format!("{title}: {summary}") class="w-full">
                <title>{format!("{title}: {summary}")}</title>
                {rects}
            </svg>
        </figure>
    }
}
