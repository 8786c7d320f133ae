use tessera_backend::auth::Role;

use crate::helpers::{client, TestApp};
use tessera_backend::both_engines;

fn issue_form<'a>(email: &'a str, domains: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("email", email),
        ("company", "Form Corp"),
        ("tax_id", ""),
        ("product", "studio"),
        ("tier", "pro"),
        ("kind", "perpetual"),
        ("plan", ""),
        ("expires", ""),
        ("domains", domains),
        ("support_period", "12mo"),
        ("niches", "hotels"),
        ("plugins", "crm"),
        ("themes", ""),
        ("features", "sso, audit"),
        ("seats", "crm.agent=5"),
        ("node_lock", ""),
        ("send_email", "on"),
    ]
}

both_engines! {
    async fn the_issue_form_shows_the_token_once_and_keeps_input_on_refusal(app: &TestApp) {
        let operator = app.cookie_for(Role::Operator).await;
        let page = app.post_form("/licenses/new", &operator, &issue_form("buyer@example.com", "example.com")).await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains("This token is shown once"), "{html}");
        let id = html.split("/licenses/lic_").nth(1).unwrap().split('"').next().unwrap();
        let license = app.backend.get_license(&format!("lic_{id}")).await.unwrap();
        assert_eq!(license.company, "Form Corp");
        assert!(html.contains("eyJhbGciOiJFZERTQSI"), "the token is on the page");

        let refused = app.post_form("/licenses/new", &operator, &issue_form("other@example.com", "app.example.com")).await;
        assert_eq!(refused.status(), 422);
        let html = refused.text().await.unwrap();
        assert!(html.contains("subdomain") && html.contains("other@example.com"), "the refusal keeps what was typed");
        assert_eq!(app.backend.store().count_licenses().await.unwrap(), 1);

        let list = client().get(app.url("/licenses?q=buyer")).header("cookie", &operator).send().await.unwrap().text().await.unwrap();
        assert!(list.contains(&format!("lic_{id}")) && list.contains("1 license(s)"));
    }

    async fn revoking_from_the_detail_page_redirects_back_showing_revoked(app: &TestApp) {
        app.backend.generate_key(None, "t").await.ok();
        let operator = app.cookie_for(Role::Operator).await;
        let issued = app.post_form("/licenses/new", &operator, &issue_form("r@example.com", "localhost")).await.text().await.unwrap();
        let id = format!("lic_{}", issued.split("/licenses/lic_").nth(1).unwrap().split('"').next().unwrap());
        let viewer = app.cookie_for(Role::Viewer).await;
        let forbidden = app.post_form(&format!("/licenses/{id}/revoke"), &viewer, &[("reason", "x")]).await;
        assert_eq!(forbidden.status(), 403);
        let empty = app.post_form(&format!("/licenses/{id}/revoke"), &operator, &[("reason", " ")]).await;
        assert_eq!(empty.status(), 422);
        let done = app.post_form(&format!("/licenses/{id}/revoke"), &operator, &[("reason", "chargeback")]).await;
        assert_eq!(done.status(), 303);
        let detail = client().get(app.url(&format!("/licenses/{id}?done=revoke"))).header("cookie", &operator).send().await.unwrap().text().await.unwrap();
        assert!(detail.contains("license-status") && detail.contains(">revoked<") && detail.contains("chargeback"), "{detail}");
        let anonymous = client().post(app.url(&format!("/licenses/{id}/resend"))).send().await.unwrap();
        assert_eq!(anonymous.headers()["location"], "/login");
    }
}
