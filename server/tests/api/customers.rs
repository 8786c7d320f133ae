//! Customers sign in with a one-time link through a real SMTP server: once, for 15 minutes,
//! in the browser that asked; they reach `/billing` and nothing of the Studio.

use tessera_backend::testing::{Engine, Fixture, SmtpServer};

use crate::authz::{call_from, BEARER_ONLY, ROUTES};
use crate::customers_support::{
    ask_link, customer_cookie, get, open_signin, org, redeem, token_in,
};
use crate::helpers::{TestApp, ORIGIN};
use tessera_backend::both_engines;

/// A server that mails through a real SMTP server.
struct Mailing {
    app: TestApp,
    smtp: SmtpServer,
}

impl Fixture for Mailing {
    fn start(engine: Engine) -> impl std::future::Future<Output = Self> {
        Self::open(engine)
    }
}

impl Mailing {
    async fn open(engine: Engine) -> Self {
        let smtp = SmtpServer::start();
        let port = smtp.port;
        let app = TestApp::spawn_with(engine, |c| {
            c.smtp_url = Some(format!("smtp://127.0.0.1:{port}").into());
        })
        .await;
        Self { app, smtp }
    }
}

both_engines! {
    async fn a_sign_in_link_works_once_for_fifteen_minutes_in_the_browser_that_asked(m: &Mailing) {
        let app = &m.app;
        org(app, "Acme GmbH", "Owner@Acme.example").await;
        let asking = open_signin(app).await;
        assert_eq!(ask_link(app, &asking, "owner@acme.example").await, "/signin?sent=1");
        let message = m.smtp.wait_for(1).remove(0);
        assert!(message.contains("To: owner@acme.example"), "{message}");
        assert!(message.contains("15 minutes"), "{message}");
        let token = token_in(&message).expect("the message carries a link");
        assert!(token.len() >= 43, "{token}");
        // The link's page signs nobody in by itself (a mail scanner may open it).
        let (status, page) = get(app, &format!("/signin/link?token={token}"), "").await;
        assert_eq!(status, 200);
        assert!(page.contains(&format!("value=\"{token}\"")), "{page}");
        // Another browser, and a browser without a sign-in cookie, are refused...
        let other = open_signin(app).await;
        let (to, session) = redeem(app, Some(&other.cookie), &token).await;
        assert_eq!((to.as_str(), session), ("/signin?error=link_other_browser", None));
        let (to, _) = redeem(app, None, &token).await;
        assert_eq!(to, "/signin?error=link_other_browser");
        // ...and that used nothing up: the browser that asked signs in.
        let (to, session) = redeem(app, Some(&asking.cookie), &token).await;
        assert_eq!(to, "/billing");
        let session = session.expect("a customer session cookie");
        assert!(session.starts_with("tessera_customer="), "{session}");
        let (status, billing) = get(app, "/billing", &session).await;
        assert_eq!(status, 200);
        assert!(billing.contains("Acme GmbH") && billing.contains("owner@acme.example"));
        // Once only.
        let (to, session) = redeem(app, Some(&asking.cookie), &token).await;
        assert_eq!((to.as_str(), session), ("/signin?error=link_used", None));
        // A link older than 15 minutes is refused.
        ask_link(app, &asking, "owner@acme.example").await;
        let late = token_in(&m.smtp.wait_for(2)[1]).unwrap();
        app.db.sql(&["UPDATE sign_in_links SET created_at = created_at - 901, expires_at = expires_at - 901 WHERE used_at IS NULL"]).await;
        let (to, _) = redeem(app, Some(&asking.cookie), &late).await;
        assert_eq!(to, "/signin?error=link_expired");
        // Made-up links are not valid.
        let (to, _) = redeem(app, Some(&asking.cookie), "not-a-link").await;
        assert_eq!(to, "/signin?error=link_unknown");
    }

    async fn asking_never_tells_whether_an_address_is_a_customer(m: &Mailing) {
        let app = &m.app;
        org(app, "Acme GmbH", "owner@acme.example").await;
        let browser = open_signin(app).await;
        assert_eq!(ask_link(app, &browser, "nobody@elsewhere.example").await, "/signin?sent=1");
        assert_eq!(ask_link(app, &browser, "owner@acme.example").await, "/signin?sent=1");
        let messages = m.smtp.wait_for(1);
        assert!(messages.iter().all(|msg| !msg.contains("nobody@elsewhere.example")));
        // Five links per address per 15 minutes; more are answered the same and not sent.
        for _ in 0..5 {
            assert_eq!(ask_link(app, &browser, "owner@acme.example").await, "/signin?sent=1");
        }
        assert_eq!(m.smtp.wait_for(5).len(), 5);
        let store = app.backend.store();
        let owner = store.customer_by_email("owner@acme.example").await.unwrap().unwrap();
        assert_eq!(store.count_sign_in_links(&owner.id, 0).await.unwrap(), 5, "the sixth request made no link");
        assert_eq!(ask_link(app, &browser, "not an address").await, "/signin?error=invalid_email");
    }
}

both_engines! {
    async fn a_customer_reaches_billing_and_nothing_of_the_studio(app: &TestApp) {
        org(app, "Acme GmbH", "owner@acme.example").await;
        let customer = customer_cookie(app, "owner@acme.example").await;
        for page in ["/", "/licenses", "/keys", "/users", "/payments", "/orgs", "/account"] {
            assert_eq!(get(app, page, &customer).await, (303, "/billing".to_string()), "{page}");
        }
        // The vendor has no /license page: a customer asking for it lands on /billing.
        assert_eq!(get(app, "/license", &customer).await, (303, "/billing".to_string()));
        // Every page, form, server function and API route of the Studio refuses them.
        let mut wrong = Vec::new();
        for (method, path, body, _) in ROUTES.iter().filter(|r| r.3.is_some()) {
            let (status, location) = call_from(app, method, path, *body, Some(&customer), ORIGIN).await;
            let refused = matches!(status, 401 | 403) || ["/login", "/billing"].contains(&location.as_str());
            if !refused {
                wrong.push(format!("{method} {path}: {status} {location}"));
            }
        }
        for (method, path, body) in BEARER_ONLY {
            let (status, _) = call_from(app, method, path, *body, Some(&customer), ORIGIN).await;
            if status != 401 {
                wrong.push(format!("{method} {path}: {status}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        // Staff sessions are no customer's: /billing refuses them.
        let staff = app.cookie_for(tessera_backend::auth::Role::Sysadmin).await;
        let (status, _) = get(app, "/billing", &staff).await;
        assert_eq!(status, 401);
        // Anonymous visitors of /billing, or of the self-hosted /license, are sent to the
        // customer's sign-in; a staff member still finds no /license on a vendor install.
        assert_eq!(get(app, "/billing", "").await, (303, "/signin".to_string()));
        assert_eq!(get(app, "/license", "").await, (303, "/signin".to_string()));
        assert_eq!(get(app, "/license", &staff).await.0, 404);
        // Signing out ends the session.
        let out = app.post_form("/auth/logout", &customer, &[]).await;
        assert_eq!(out.headers()["location"], "/signin?error=signed_out");
        assert_eq!(get(app, "/billing", &customer).await, (303, "/signin".to_string()));
    }
}
