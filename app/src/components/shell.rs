//! The signed-in layout: a header with the navigation this user's role may see, and the page.

use crate::components::csrf::CsrfField;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

use crate::serverfns::session::{whoami, Me};
use tessera_license::vocab::Role;

/// Which installs serve a page.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Surface {
    Both,
    Vendor,
    SelfHosted,
}

/// A navigation entry, the least role that sees it, and where it exists.
struct NavItem {
    href: &'static str,
    label: &'static str,
    min_role: Role,
    surface: Surface,
}

const NAV: &[NavItem] = &[
    NavItem {
        href: "/license",
        label: "License",
        min_role: Role::Viewer,
        surface: Surface::SelfHosted,
    },
    NavItem {
        href: "/marketplace",
        label: "Marketplace",
        min_role: Role::Viewer,
        surface: Surface::SelfHosted,
    },
    NavItem {
        href: "/",
        label: "Overview",
        min_role: Role::Viewer,
        surface: Surface::Vendor,
    },
    NavItem {
        href: "/licenses",
        label: "Licenses",
        min_role: Role::Viewer,
        surface: Surface::Vendor,
    },
    NavItem {
        href: "/audit",
        label: "Audit",
        min_role: Role::Operator,
        surface: Surface::Both,
    },
    NavItem {
        href: "/payments",
        label: "Payments",
        min_role: Role::Operator,
        surface: Surface::Vendor,
    },
    NavItem {
        href: "/orgs",
        label: "Orgs",
        min_role: Role::Operator,
        surface: Surface::Vendor,
    },
    NavItem {
        href: "/products",
        label: "Products",
        min_role: Role::Sysadmin,
        surface: Surface::Vendor,
    },
    NavItem {
        href: "/keys",
        label: "Signing keys",
        min_role: Role::Sysadmin,
        surface: Surface::Vendor,
    },
    NavItem {
        href: "/webhooks",
        label: "Webhooks",
        min_role: Role::Sysadmin,
        surface: Surface::Vendor,
    },
    NavItem {
        href: "/users",
        label: "Users",
        min_role: Role::Sysadmin,
        surface: Surface::Both,
    },
];

/// Header, navigation by role, sign-out, and the routed page below.
#[component]
pub fn AppShell() -> impl IntoView {
    let me = Resource::new(|| (), |_| whoami());
    view! {
        <header class="border-b border-slate-200 bg-white">
            <div class="mx-auto flex max-w-6xl items-center gap-6 px-6 py-3">
                <a href="/" class="text-lg font-semibold tracking-tight text-indigo-700">"Tessera"</a>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        me.await.ok().flatten().map(|me| view! { <Nav me/> })
                    })}
                </Suspense>
            </div>
        </header>
        <main class="mx-auto max-w-6xl px-6 py-8">
            <Outlet/>
        </main>
    }
}

#[component]
fn Nav(me: Me) -> impl IntoView {
    let token = me.form_token.clone();
    let links = NAV
        .iter()
        .filter(|item| me.role.allows(item.min_role))
        .filter(|item| match item.surface {
            Surface::Both => true,
            Surface::Vendor => !me.self_hosted,
            Surface::SelfHosted => me.self_hosted,
        })
        .map(|item| {
            view! {
                <A href=item.href attr:class="text-sm font-medium text-slate-600 hover:text-indigo-700 aria-[current=page]:text-indigo-700">
                    {item.label}
                </A>
            }
        })
        .collect_view();
    view! {
        <nav aria-label="Main" class="flex flex-1 items-center gap-5">{links}</nav>
        <div class="flex items-center gap-3 text-sm">
            <a href="/account" class="text-slate-500 hover:text-indigo-700" data-testid="signed-in-as">{me.email}</a>
            <span class="rounded bg-slate-100 px-2 py-0.5 text-xs font-medium uppercase text-slate-600">
                {me.role.as_str()}
            </span>
            <form method="post" action="/auth/logout"><CsrfField token/>
                <button type="submit" class="rounded px-2 py-1 text-slate-600 hover:bg-slate-100">"Sign out"</button>
            </form>
        </div>
    }
}
