//! Two orgs never see each other: every `/billing` page, form and server function, called
//! by a customer of one org about the other, answers "not found" and changes nothing; a
//! member reads and an owner changes. Staff see orgs on `/orgs`.

use tessera_backend::auth::Role;
use tessera_backend::customers::trials::TrialInput;

use crate::authz::{call_from, FORM};
use crate::customers_support::{customer_cookie, example_catalog, get, org};
use crate::helpers::{TestApp, ORIGIN};
use tessera_backend::both_engines;

/// Two orgs, each with a trial license of `chat`; answers (acme's, globex's) license ids.
async fn two_orgs(app: &TestApp) -> (String, String) {
    example_catalog(app).await;
    org(app, "Acme GmbH", "owner@acme.example").await;
    org(app, "Globex", "owner@globex.example").await;
    let trial = TrialInput {
        product: "chat".into(),
        ..TrialInput::default()
    };
    let mut ids = Vec::new();
    for group in ["acme-gmbh", "globex"] {
        let issued = app
            .backend
            .start_group_trial(group, &trial, "test")
            .await
            .unwrap();
        ids.push(issued.license.id);
    }
    (ids.remove(0), ids.remove(0))
}

async fn audit_rows(app: &TestApp) -> usize {
    app.backend
        .audit_trail(&Default::default(), None, 1000)
        .await
        .unwrap()
        .len()
}

both_engines! {
    async fn one_org_never_sees_or_changes_another(app: &TestApp) {
        let (acme_license, globex_license) = two_orgs(app).await;
        let acme = customer_cookie(app, "owner@acme.example").await;
        let (status, page) = get(app, "/billing", &acme).await;
        assert_eq!(status, 200);
        assert!(page.contains(&acme_license) && !page.contains(&globex_license));
        assert!(!page.contains("Globex"));
        // Globex's page, server function and every form, asked by Acme's owner.
        let (status, page) = get(app, "/billing?org=globex", &acme).await;
        assert_eq!(status, 404);
        assert!(!page.contains(&globex_license) && !page.contains("owner@globex.example"));
        let globex_owner = app.backend.org_with_members("globex").await.unwrap().1[0].customer_id.clone();
        let before = audit_rows(app).await;
        let forms = [
            format!("action=resend&org=globex&license={globex_license}"),
            "action=trial&org=globex&product=chat".to_string(),
            "action=invite&org=globex&email=spy%40acme.example&role=owner".to_string(),
            format!("action=remove&org=globex&member={globex_owner}"),
            "action=buy&org=globex&product=chat&plan=chat-pro-monthly&seats=3".to_string(),
            // Acme's own org, another org's license.
            format!("action=resend&org=acme-gmbh&license={globex_license}"),
        ];
        let mut wrong = Vec::new();
        for form in &forms {
            let (status, _) = call_from(app, "POST", "/billing", Some((FORM, form)), Some(&acme), ORIGIN).await;
            if status != 404 {
                wrong.push(format!("{form}: {status}"));
            }
        }
        let (status, _) = call_from(app, "POST", "/api/billing_page", Some((FORM, "org=globex")), Some(&acme), ORIGIN).await;
        if status != 404 {
            wrong.push(format!("billing_page org=globex: {status}"));
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        assert_eq!(audit_rows(app).await, before, "nothing changed");
        let (_, members) = app.backend.org_with_members("globex").await.unwrap();
        assert_eq!(members.len(), 1);
        // The same forms from another site are refused before they are read.
        let (status, _) = call_from(app, "POST", "/billing", Some((FORM, "action=trial&org=acme-gmbh&product=chat")), Some(&acme), "https://evil.example").await;
        assert_eq!(status, 403);
        let (status, _) = call_from(app, "POST", "/api/billing_page", Some((FORM, "org=")), Some(&acme), "https://evil.example").await;
        assert_eq!(status, 403);
    }

    async fn a_member_reads_and_only_an_owner_changes(app: &TestApp) {
        let (acme_license, _) = two_orgs(app).await;
        let owner = customer_cookie(app, "owner@acme.example").await;
        let invited = app.post_form("/billing", &owner, &[("action", "invite"), ("org", "acme-gmbh"), ("email", "Reader@Acme.example"), ("role", "member")]).await;
        assert_eq!(invited.status(), 303);
        assert!(invited.headers()["location"].to_str().unwrap().contains("reader%40acme.example+is+a+member"));
        let reader = customer_cookie(app, "reader@acme.example").await;
        let (status, page) = get(app, "/billing", &reader).await;
        assert_eq!(status, 200);
        assert!(page.contains(&acme_license) && page.contains("reader@acme.example"));
        assert!(!page.contains("Start a free trial") && !page.contains(">Invite<"), "no owner forms for a member");
        let reader_id = app.backend.org_with_members("acme-gmbh").await.unwrap().1.iter().find(|m| m.email == "reader@acme.example").unwrap().customer_id.clone();
        let owner_id = app.backend.org_with_members("acme-gmbh").await.unwrap().1.iter().find(|m| m.email == "owner@acme.example").unwrap().customer_id.clone();
        for form in [
            vec![("action", "trial"), ("product", "chat")],
            vec![("action", "invite"), ("email", "x@acme.example"), ("role", "member")],
            vec![("action", "remove"), ("member", owner_id.as_str())],
            vec![("action", "buy"), ("product", "chat"), ("plan", "chat-pro-monthly")],
        ] {
            let mut fields = form.clone();
            fields.push(("org", "acme-gmbh"));
            let answer = app.post_form("/billing", &reader, &fields).await;
            assert_eq!(answer.status(), 409, "{form:?}");
            assert!(answer.text().await.unwrap().contains("only an owner of Acme GmbH"));
        }
        // A member may have a license's token e-mailed again (to its holder).
        let resent = app.post_form("/billing", &reader, &[("action", "resend"), ("org", "acme-gmbh"), ("license", &acme_license)]).await;
        assert_eq!(resent.status(), 303);
        assert!(resent.headers()["location"].to_str().unwrap().contains("owner%40acme.example"));
        // The last owner stays; a member is removed.
        let last = app.post_form("/billing", &owner, &[("action", "remove"), ("org", "acme-gmbh"), ("member", &owner_id)]).await;
        assert_eq!(last.status(), 409);
        assert!(last.text().await.unwrap().contains("at least one owner"));
        let removed = app.post_form("/billing", &owner, &[("action", "remove"), ("org", "acme-gmbh"), ("member", &reader_id)]).await;
        assert_eq!(removed.status(), 303);
        let (status, _) = get(app, "/billing", &reader).await;
        assert_eq!(status, 404, "a removed member sees the org no more");
    }

    async fn staff_list_orgs_with_their_members_and_create_them(app: &TestApp) {
        two_orgs(app).await;
        let operator = app.cookie_for(Role::Operator).await;
        let (status, page) = get(app, "/orgs", &operator).await;
        assert_eq!(status, 200);
        assert!(page.contains("Acme GmbH") && page.contains("owner@globex.example (owner)"));
        let created = app.post_form("/orgs", &operator, &[("action", "create"), ("name", "Initech"), ("owner", "Bill@Initech.example")]).await;
        assert_eq!(created.headers()["location"], "/orgs?done=created%20initech");
        let taken = app.post_form("/orgs", &operator, &[("action", "create"), ("name", "Initech Again"), ("slug", "initech"), ("owner", "x@initech.example")]).await;
        assert_eq!(taken.status(), 409);
        let bad = app.post_form("/orgs", &operator, &[("action", "create"), ("name", "X"), ("slug", "Not A Slug"), ("owner", "x@initech.example")]).await;
        assert_eq!(bad.status(), 422);
        let (_, members) = app.backend.org_with_members("initech").await.unwrap();
        assert_eq!(members[0].email, "bill@initech.example");
        let viewer = app.cookie_for(Role::Viewer).await;
        assert_eq!(get(app, "/orgs", &viewer).await.0, 403);
        let (status, _) = call_from(app, "POST", "/api/org_list", Some((FORM, "")), Some(&viewer), ORIGIN).await;
        assert_eq!(status, 403);
    }
}
