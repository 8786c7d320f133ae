//! The vendor's Licenses panel: list, issue form, detail with actions.

pub mod detail;
pub mod issue_form;
pub mod list;

use leptos::prelude::*;
use tessera_license::vocab::LicenseStatus;

use crate::serverfns::licenses::FormOutcome;

/// Badge classes for a license status.
pub fn status_class(status: LicenseStatus) -> &'static str {
    match status {
        LicenseStatus::Active => {
            "rounded bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800"
        }
        LicenseStatus::Revoked | LicenseStatus::Refunded => {
            "rounded bg-rose-100 px-2 py-0.5 text-xs font-medium text-rose-800"
        }
        LicenseStatus::Transferred => {
            "rounded bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700"
        }
    }
}

/// A freshly signed token, shown once with a copy button.
#[component]
pub fn SignedToken(outcome: FormOutcome) -> impl IntoView {
    let FormOutcome::Signed {
        license_id,
        token,
        mail_error,
        what,
    } = outcome
    else {
        return ().into_any();
    };
    let copy = "navigator.clipboard.writeText(document.getElementById('token').value)";
    view! {
        <section class="mb-6 rounded-xl border border-emerald-200 bg-emerald-50 p-5" aria-label="New token">
            <h2 class="font-semibold text-emerald-900">{what}" — license "<a class="underline" href=format!("/licenses/{license_id}")>{license_id.clone()}</a></h2>
            <p class="mt-1 text-sm text-emerald-900">"This token is shown once. Copy it now; it is not stored."</p>
            <label for="token" class="mt-3 block text-sm font-medium">"Token"</label>
            <textarea id="token" readonly rows="4" class="mt-1 w-full rounded border border-emerald-300 bg-white p-2 font-mono text-xs" data-testid="token">{token}</textarea>
            <button type="button" onclick=copy class="mt-2 rounded bg-emerald-700 px-3 py-1 text-sm text-white">"Copy"</button>
            {mail_error.map(|e| view! { <p role="alert" class="mt-2 text-sm text-rose-800">{e}</p> })}
        </section>
    }
    .into_any()
}
