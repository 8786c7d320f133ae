//! A self-hosted install and its vendor, both real: heartbeats over HTTP to a vendor server
//! (revocation, renewal of a dormant install) and air-gapped request and answer files.

use serde_json::Value;
use tessera_backend::auth::Role;
use tessera_backend::both_engines;

use crate::helpers::{client, SelfHostApp, TestApp};
use crate::self_host::licensed;

mod over_the_network {
    use super::*;
    use tessera_license::vocab::StateName;

    fn localhost_license() -> tessera_backend::licenses::IssueRequest {
        let mut request = crate::helpers::sample_license();
        request.domains = vec![tessera_license::Domain::parse("localhost").unwrap()];
        request.features = vec!["sso".into()];
        request
    }

    both_engines! {
        async fn an_install_heartbeats_to_its_vendor_who_sees_it_and_whose_revocation_lands_at_once(vendor: &TestApp) {
            let issued = vendor.backend.issue_license(&localhost_license(), "test").await.unwrap();
            let (_db, install, _jwks) = vendor.install_of("studio").await;
            install.install_license(&issued.token, "operator").await.unwrap();

            let view = install.heartbeat_vendor().await.unwrap();
            assert_eq!(view.state, StateName::Active);
            assert_eq!(view.failures, 0);
            assert!(view.last_success_at.is_some());
            let verdict = view.verdict.as_ref().unwrap();
            assert_eq!((verdict.status.as_str(), verdict.via.as_str()), ("active", "network"));

            // The vendor's panel shows the install by its id, with the keys it pins.
            vendor.backend.flush_heartbeats().await.unwrap();
            let detail = vendor.backend.license_detail(&issued.license.id).await.unwrap();
            assert_eq!(detail.installs.len(), 1);
            assert_eq!(detail.installs[0].install_id, view.install_id);
            let published = vendor.backend.jwks().await.unwrap();
            let pinned: Vec<String> = published.keys.iter().map(|k| k.kid.to_string()).collect();
            assert_eq!(detail.heartbeats[0].accepted_kids.0, pinned);

            // The vendor revokes: the next heartbeat turns the install revoked, with no grace.
            vendor.backend.revoke_license(&issued.license.id, "refunded", "test").await.unwrap();
            let revoked = install.heartbeat_vendor().await.unwrap();
            assert_eq!(revoked.state, StateName::Revoked);
            assert!(!revoked.effective.has_feature("sso"));
        }

        async fn a_renewal_reaches_a_dormant_install_and_brings_it_back(vendor: &TestApp) {
            let mut request = localhost_license();
            request.kind = tessera_license::LicenseKind::Subscription;
            request.expires_at = Some(tessera_backend::now() + 30 * 86_400);
            let issued = vendor.backend.issue_license(&request, "test").await.unwrap();
            let exp = issued.claims.exp.unwrap();
            let (db, install, _jwks) = vendor.install_of("studio").await;
            install.install_license(&issued.token, "operator").await.unwrap();
            install.heartbeat_vendor().await.unwrap();
            vendor.backend.flush_heartbeats().await.unwrap();

            // The install has lived past expiry and grace: dormant, whatever the clock says.
            db.store().await.raise_latest_seen(exp + 15 * 86_400).await.unwrap();
            assert_eq!(install.install_view_now().await.unwrap().state, StateName::Dormant);

            // Renewed a second later (installs seen before the renewal get the new token).
            tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
            let renewed_until = exp + 365 * 86_400;
            vendor.backend.renew_license(&issued.license.id, renewed_until, "test").await.unwrap();
            let back = install.heartbeat_vendor().await.unwrap();
            assert_eq!(back.state, StateName::Active);
            assert_eq!(back.claims.as_ref().unwrap().exp, Some(renewed_until));
            assert!(back.verdict.as_ref().unwrap().rotated);
            assert!(back.effective.has_feature("sso"));
        }
    }
}

mod without_a_network {
    use super::*;
    use tessera_license::vocab::StateName;

    both_engines! {
        async fn request_and_answer_files_carry_status_and_revocation_to_an_air_gapped_install(vendor: &TestApp) {
            let mut request = crate::helpers::sample_license();
            request.domains = vec![tessera_license::Domain::parse("localhost").unwrap()];
            let issued = vendor.backend.issue_license(&request, "test").await.unwrap();
            let other = vendor.backend.issue_license(&request, "test").await.unwrap();
            let (_db, install, _jwks) = vendor.install_of("studio").await;
            install.install_license(&issued.token, "operator").await.unwrap();
            let cookie = vendor.cookie_for(Role::Operator).await;

            // The vendor's operator answers the request on the license's page.
            let answer_for = |id: String, file: String| {
                let cookie = cookie.clone();
                async move {
                    let response = vendor.post_form(&format!("/licenses/{id}"), &cookie, &[("action", "answer"), ("request", &file)]).await;
                    let status = response.status().as_u16();
                    let disposition = response.headers().get("content-disposition").map(|v| v.to_str().unwrap().to_string());
                    (status, disposition, response.text().await.unwrap())
                }
            };
            let file = install.heartbeat_request_file().await.unwrap();
            let (status, disposition, answer) = answer_for(issued.license.id.clone(), file.clone()).await;
            assert_eq!(status, 200, "{answer}");
            assert!(disposition.unwrap().contains("tessera-heartbeat-answer.json"));
            let view = install.import_answer_file(&answer).await.unwrap();
            assert_eq!(view.state, StateName::Active);
            assert_eq!(view.verdict.as_ref().unwrap().via, "file");
            let detail = vendor.backend.license_detail(&issued.license.id).await.unwrap();
            assert_eq!(detail.installs[0].install_id, view.install_id, "the vendor sees the install");

            // A request answered on another license's page is refused.
            let (status, _, page) = answer_for(other.license.id.clone(), file.clone()).await;
            assert_eq!(status, 422);
            assert!(page.contains("not ") && page.contains(&other.license.id));

            // Revocation reaches the install with no network at all.
            vendor.backend.revoke_license(&issued.license.id, "chargeback", "test").await.unwrap();
            let (_, _, answer) = answer_for(issued.license.id.clone(), install.heartbeat_request_file().await.unwrap()).await;
            assert_eq!(install.import_answer_file(&answer).await.unwrap().state, StateName::Revoked);

            // Files that are not answers are refused and change nothing.
            for bad in [file.as_str(), "{}", "not json", &"x".repeat(70_000)] {
                assert!(matches!(install.import_answer_file(bad).await, Err(tessera_backend::Error::Invalid(_))));
            }
        }

        async fn the_license_page_exports_a_request_and_refuses_a_bad_answer(host: &SelfHostApp) {
            let app = &host.app;
            let cookie = app.sign_in(&app.admin_email, &app.admin_password).await;
            let none = client().get(app.url("/license/request")).header("cookie", &cookie).send().await.unwrap();
            assert_eq!(none.status(), 409, "no token, no request");
            licensed(host).await;
            let download = client().get(app.url("/license/request")).header("cookie", &cookie).send().await.unwrap();
            assert_eq!(download.status(), 200);
            assert!(download.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
            let file: Value = download.json().await.unwrap();
            assert_eq!(file["kind"], "tessera.heartbeat_request");
            assert_eq!(file["request"]["fingerprint"], "fp-test-deployment");
            let refused = app.post_form("/license", &cookie, &[("action", "answer"), ("answer", &file.to_string())]).await;
            assert_eq!(refused.status(), 422);
            assert!(refused.text().await.unwrap().contains("not a tessera.heartbeat_answer file"));
        }
    }
}
