//! The authorisation table's rows: every page, form, server function and API route with the
//! least role that may call it (see `authz.rs`).

use tessera_backend::auth::Role;

/// Who may call: `None` is anyone.
pub(crate) type Min = Option<Role>;

pub(crate) const FORM: &str = "application/x-www-form-urlencoded";
pub(crate) const JSON: &str = "application/json";

/// (method, path, body, least role). Bodies are harmless: missing ids or empty input.
/// A request body: content type and text.
pub(crate) type Body = Option<(&'static str, &'static str)>;

pub(crate) const ROUTES: &[(&str, &str, Body, Min)] = &[
    ("GET", "/healthz", None, None),
    ("GET", "/.well-known/jwks.json", None, None),
    ("GET", "/login", None, None),
    ("GET", "/signin", None, None),
    ("GET", "/signin/link?token=x", None, None),
    ("GET", "/orgs", None, Some(Role::Operator)),
    (
        "POST",
        "/orgs",
        Some((FORM, "action=create&name=&owner=")),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/api/org_list",
        Some((FORM, "")),
        Some(Role::Operator),
    ),
    ("GET", "/api/openapi.json", None, None),
    ("GET", "/api/docs", None, None),
    ("GET", "/api/v1/products", None, None),
    ("GET", "/api/v1/products/missing", None, None),
    ("GET", "/", None, Some(Role::Viewer)),
    ("GET", "/payments", None, Some(Role::Operator)),
    ("GET", "/payments.csv", None, Some(Role::Operator)),
    ("GET", "/licenses", None, Some(Role::Viewer)),
    ("GET", "/licenses/new", None, Some(Role::Operator)),
    ("GET", "/licenses/lic_missing", None, Some(Role::Viewer)),
    ("GET", "/audit", None, Some(Role::Operator)),
    ("GET", "/keys", None, Some(Role::Sysadmin)),
    ("GET", "/account", None, Some(Role::Viewer)),
    ("GET", "/users", None, Some(Role::Sysadmin)),
    ("GET", "/webhooks", None, Some(Role::Sysadmin)),
    ("GET", "/products", None, Some(Role::Sysadmin)),
    (
        "POST",
        "/account/password",
        Some((FORM, "current=wrong%20password%20here&new=x&confirm=y")),
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/users/new",
        Some((FORM, "email=&role=viewer")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/users/usr_missing/role",
        Some((FORM, "role=viewer")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/users/usr_missing/disable",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/users/usr_missing/enable",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/users/usr_missing/reset-password",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/licenses/new",
        Some((FORM, "email=")),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/licenses/lic_missing/revoke",
        Some((FORM, "reason=x")),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/licenses/lic_missing/refund",
        Some((FORM, "")),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/licenses/lic_missing/resend",
        Some((FORM, "")),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/licenses/lic_missing/transfer",
        Some((FORM, "email=")),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/licenses/lic_missing/multi-install",
        Some((FORM, "")),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/licenses/lic_missing",
        Some((FORM, "action=answer&request=nope")),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/webhooks",
        Some((FORM, "action=redeliver&delivery=whd_missing")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/products",
        Some((FORM, "action=plan_active&lookup_key=missing&active=true")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/keys/generate",
        Some((FORM, "kid=bad%20kid")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/keys/import",
        Some((FORM, "pem=nope")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/keys/missing/activate",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/keys/missing/retire",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    ("POST", "/api/whoami", Some((FORM, "")), None),
    ("POST", "/api/form_token", Some((FORM, "")), None),
    ("POST", "/api/last_form_outcome", Some((FORM, "")), None),
    (
        "POST",
        "/api/issue_form_outcome",
        Some((FORM, "")),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/api/overview",
        Some((FORM, "")),
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/api/dashboard",
        Some((FORM, "")),
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/api/list_licenses",
        Some((JSON, r#"{"params":[]}"#)),
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/api/license_detail",
        Some((FORM, "id=lic_missing")),
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/api/audit_trail",
        Some((JSON, r#"{"params":[]}"#)),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/api/list_keys",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/api/list_users",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/api/list_webhooks",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/api/list_products",
        Some((FORM, "")),
        Some(Role::Sysadmin),
    ),
    (
        "POST",
        "/api/payments_page",
        Some((JSON, r#"{"params":[]}"#)),
        Some(Role::Operator),
    ),
    (
        "POST",
        "/api/catalog_choices",
        Some((FORM, "")),
        Some(Role::Operator),
    ),
    // A self-hosted install's page (404 here for those allowed; see `self_host.rs`).
    (
        "POST",
        "/api/license_page",
        Some((FORM, "")),
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/api/marketplace",
        Some((FORM, "")),
        Some(Role::Viewer),
    ),
    (
        "POST",
        "/api/marketplace_plugin",
        Some((FORM, "plugin=booking")),
        Some(Role::Viewer),
    ),
    // Last: it ends the caller's sessions.
    (
        "POST",
        "/account/sign-out-everywhere",
        Some((FORM, "")),
        Some(Role::Viewer),
    ),
];

/// The internal API takes bearer tokens only: a session cookie of any role is not enough.
/// Routes for a signed-in customer only: anonymous callers and every Studio role are refused
/// (`orgs.rs` checks one org against another).
pub(crate) const CUSTOMER_ONLY: &[(&str, &str, Body)] = &[
    ("GET", "/billing", None),
    (
        "POST",
        "/billing",
        Some((FORM, "action=resend&org=&license=lic_missing")),
    ),
    ("POST", "/api/billing_page", Some((FORM, "org="))),
];

pub(crate) const BEARER_ONLY: &[(&str, &str, Body)] = &[
    ("POST", "/api/v1/trials/acme", Some((JSON, "{}"))),
    ("GET", "/api/v1/groups/acme/licenses", None),
    ("GET", "/api/v1/licenses?email=a@example.com", None),
    ("POST", "/api/v1/licenses", Some((JSON, "{}"))),
    ("GET", "/api/v1/licenses/lic_missing", None),
    (
        "POST",
        "/api/v1/licenses/lic_missing/revoke",
        Some((JSON, r#"{"reason":"x"}"#)),
    ),
    (
        "POST",
        "/api/v1/licenses/lic_missing/transfer",
        Some((JSON, "{}")),
    ),
    (
        "POST",
        "/api/v1/licenses/lic_missing/resend",
        Some((JSON, "{}")),
    ),
    (
        "POST",
        "/api/v1/licenses/lic_missing/renew",
        Some((JSON, r#"{"expires_at":"2030-01-01"}"#)),
    ),
    (
        "POST",
        "/api/v1/licenses/lic_missing/refund",
        Some((JSON, "{}")),
    ),
    ("POST", "/api/v1/checkout-sessions", Some((JSON, "{}"))),
    ("GET", "/api/v1/checkout-sessions/cs_missing", None),
    ("GET", "/api/v1/payments/verify/lic_missing", None),
    ("GET", "/api/v1/webhooks", None),
    (
        "POST",
        "/api/v1/webhooks",
        Some((JSON, r#"{"url":"https://crm.example.com/hook"}"#)),
    ),
    (
        "POST",
        "/api/v1/webhook-deliveries/whd_missing/redeliver",
        Some((JSON, "{}")),
    ),
];
