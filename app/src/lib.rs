//! Tessera's web app: the HTML shell, the router and the pages. Server functions live in
//! [`serverfns`] and are thin: authorise, call one backend use case, map the error.

pub mod components;
#[cfg(feature = "ssr")]
pub mod error_status;
pub mod pages;
pub mod serverfns;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode};

use components::shell::AppShell;
use pages::audit::AuditPageView;
use pages::billing::BillingPage;
use pages::licenses::{
    detail::LicenseDetailPage, issue_form::IssueFormPage, list::LicenseListPage,
};
use pages::marketplace::{MarketplacePage, MarketplacePluginPage};
use pages::orgs::OrgsPage;
use pages::payments::PaymentsPageView;
use pages::products::ProductsPage;
use pages::signin::{SignInLinkPage, SignInPage};
use pages::webhooks::WebhooksPage;
use pages::{account::AccountPage, license::LicensePage, users::UsersPage};
use pages::{keys::KeysPage, login::LoginPage, not_found::NotFound, overview::OverviewPage};

/// The HTML document every page is rendered into.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App/>
            </body>
        </html>
    }
}

/// The router: the sign-in page, and the signed-in shell with its pages.
///
/// Every route renders fully on the server before it is sent (`SsrMode::Async`), so each page
/// works with JavaScript off.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="leptos" href="/pkg/tessera.css"/>
        <Title text="Tessera"/>
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                <Route path=path!("/signin") view=SignInPage ssr=SsrMode::Async/>
                <Route path=path!("/signin/link") view=SignInLinkPage ssr=SsrMode::Async/>
                <Route path=path!("/billing") view=BillingPage ssr=SsrMode::Async/>
                <ParentRoute path=path!("") view=AppShell ssr=SsrMode::Async>
                    <Route path=path!("") view=OverviewPage ssr=SsrMode::Async/>
                    <Route path=path!("keys") view=KeysPage ssr=SsrMode::Async/>
                    <Route path=path!("users") view=UsersPage ssr=SsrMode::Async/>
                    <Route path=path!("webhooks") view=WebhooksPage ssr=SsrMode::Async/>
                    <Route path=path!("products") view=ProductsPage ssr=SsrMode::Async/>
                    <Route path=path!("payments") view=PaymentsPageView ssr=SsrMode::Async/>
                    <Route path=path!("orgs") view=OrgsPage ssr=SsrMode::Async/>
                    <Route path=path!("account") view=AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("audit") view=AuditPageView ssr=SsrMode::Async/>
                    <Route path=path!("license") view=LicensePage ssr=SsrMode::Async/>
                    <Route path=path!("marketplace") view=MarketplacePage ssr=SsrMode::Async/>
                    <Route path=path!("marketplace/:plugin") view=MarketplacePluginPage ssr=SsrMode::Async/>
                    <Route path=path!("licenses") view=LicenseListPage ssr=SsrMode::Async/>
                    <Route path=path!("licenses/new") view=IssueFormPage ssr=SsrMode::Async/>
                    <Route path=path!("licenses/:id") view=LicenseDetailPage ssr=SsrMode::Async/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
