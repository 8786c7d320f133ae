//! Unit tests for the entitlement state machine.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::claims::SeatGrant;
use crate::jws::sign;
use crate::test_support::{claims, key, keyset, DAY, NOW};

fn eval_at(claims: &Claims, ctx: &EvalContext<'_>, live: Option<&LiveStatus>) -> Evaluation {
    let k = key("k1");
    evaluate(Some(&sign(claims, &k)), &keyset(&[&k]), ctx, live)
}

fn live(revoked: bool, past_due: bool) -> LiveStatus {
    LiveStatus {
        checked_at: NOW,
        revoked,
        past_due,
        entitlements: None,
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn no_token_means_unlicensed_with_community_caps() {
    let eval = evaluate(None, &keyset(&[&key("k1")]), &EvalContext::at(NOW), None);
    assert_eq!(eval.state, State::Unlicensed);
    assert_eq!(eval.reason, Some(UnlicensedReason::NoToken));
    assert_eq!(eval.effective, Entitlements::community());
    assert_eq!(eval.effective.cap("products"), Some(5));
    assert_eq!(eval.effective.tier, None);
}

#[test]
fn a_valid_subscription_is_active_with_its_signed_entitlements() {
    let eval = eval_at(&claims(), &EvalContext::at(NOW), None);
    assert_eq!(eval.state, State::Active);
    assert_eq!(eval.reason, None);
    assert_eq!(eval.kid.unwrap().as_str(), "k1");
    assert_eq!(eval.effective, Entitlements::from_grant(&claims().lic));
    assert!(eval.effective.has_feature("recurring_billing"));
    assert!(eval.support_active);
}

#[test]
fn an_invalid_token_is_unlicensed_never_a_crash() {
    let eval = evaluate(
        Some("garbage"),
        &keyset(&[&key("k1")]),
        &EvalContext::at(NOW),
        None,
    );
    assert_eq!(eval.state, State::Unlicensed);
    assert_eq!(
        eval.reason,
        Some(UnlicensedReason::Invalid(VerifyError::Malformed))
    );
    assert_eq!(eval.reason.unwrap().code(), "malformed");
    let other_key = evaluate(
        Some(&sign(&claims(), &key("k1"))),
        &keyset(&[&key("k2")]),
        &EvalContext::at(NOW),
        None,
    );
    assert!(matches!(
        other_key.reason,
        Some(UnlicensedReason::Invalid(_))
    ));
}

#[test]
fn a_revoked_license_skips_grace() {
    let eval = eval_at(&claims(), &EvalContext::at(NOW), Some(&live(true, true)));
    assert_eq!(eval.state, State::Revoked);
    assert_eq!(eval.effective, Entitlements::community());
    assert!(!eval.support_active);
    assert!(eval.claims.is_some());
}

#[test]
fn an_expired_subscription_is_in_grace_then_dormant() {
    let exp = claims().exp.unwrap();
    let in_grace = eval_at(&claims(), &EvalContext::at(exp + 3 * DAY), None);
    assert_eq!(
        in_grace.state,
        State::Grace {
            until: exp + DEFAULT_GRACE_SECS
        }
    );
    assert_eq!(in_grace.effective, Entitlements::from_grant(&claims().lic));
    let dormant = eval_at(&claims(), &EvalContext::at(exp + DEFAULT_GRACE_SECS), None);
    assert_eq!(dormant.state, State::Dormant);
    assert_eq!(dormant.effective, Entitlements::community());
    assert_eq!(dormant.claims, Some(claims()));
    let short = eval_at(&claims(), &EvalContext::at(exp + 2 * DAY).grace(DAY), None);
    assert_eq!(short.state, State::Dormant);
}

#[test]
fn an_unsettled_renewal_is_grace_until_expiry() {
    let eval = eval_at(&claims(), &EvalContext::at(NOW), Some(&live(false, true)));
    assert_eq!(
        eval.state,
        State::Grace {
            until: claims().exp.unwrap()
        }
    );
    assert_eq!(eval.state.as_str(), "grace");
    assert!(eval.effective.tier.is_some());
}

#[test]
fn perpetual_licenses_never_lapse() {
    let mut perpetual = claims();
    perpetual.exp = None;
    perpetual.lic.kind = crate::claims::LicenseKind::Perpetual;
    perpetual.lic.support_until = Some(NOW + DAY);
    let years_later = NOW + 10 * 365 * DAY;
    let eval = eval_at(
        &perpetual,
        &EvalContext::at(years_later),
        Some(&live(false, true)),
    );
    assert_eq!(eval.state, State::Active);
    assert!(
        !eval.support_active,
        "support is gated by support_until only"
    );
    assert!(eval_at(&perpetual, &EvalContext::at(NOW), None).support_active);
}

#[test]
fn support_defaults_to_thirty_days_after_issue() {
    let mut c = claims();
    c.lic.support_until = None;
    assert!(support_active(&c, c.iat + BASE_SUPPORT_SECS - 1));
    assert!(!support_active(&c, c.iat + BASE_SUPPORT_SECS));
}

#[test]
fn a_node_locked_license_needs_the_same_fingerprint() {
    let mut locked = claims();
    locked.lic.node_lock = Some("fp-1".to_owned());
    let ok = eval_at(&locked, &EvalContext::at(NOW).fingerprint("fp-1"), None);
    assert_eq!(ok.state, State::Active);
    for ctx in [
        EvalContext::at(NOW).fingerprint("fp-2"),
        EvalContext::at(NOW),
    ] {
        let eval = eval_at(&locked, &ctx, None);
        assert_eq!(eval.state, State::Unlicensed);
        assert_eq!(eval.reason, Some(UnlicensedReason::NodeLockMismatch));
        assert_eq!(eval.effective, Entitlements::community());
    }
}

#[test]
fn a_domain_bound_license_covers_subdomains_but_not_other_domains() {
    let ok = eval_at(
        &claims(),
        &EvalContext::at(NOW).host("app.example.com:8443"),
        None,
    );
    assert_eq!(ok.state, State::Active);
    let eval = eval_at(&claims(), &EvalContext::at(NOW).host("evil.org"), None);
    assert_eq!(
        eval.reason,
        Some(UnlicensedReason::DomainMismatch {
            host: "evil.org".to_owned()
        })
    );
    let ip = eval_at(&claims(), &EvalContext::at(NOW).host("10.0.0.1"), None);
    assert_eq!(ip.state, State::Unlicensed);
    let mut unbound = claims();
    unbound.lic.domains.clear();
    let any = eval_at(&unbound, &EvalContext::at(NOW).host("evil.org"), None);
    assert_eq!(any.state, State::Active);
}

#[test]
fn the_audience_is_checked_when_the_install_names_its_product() {
    let other = ProductKey::parse("other").unwrap();
    let eval = eval_at(&claims(), &EvalContext::at(NOW).audience(&other), None);
    assert_eq!(eval.reason.unwrap().code(), "wrong_audience");
}

#[test]
fn live_entitlements_never_widen_the_signed_ceiling() {
    let wider = Entitlements {
        tier: Some(crate::claims::Tier::Enterprise),
        features: set(&["sso", "white_label"]),
        caps: BTreeMap::from([
            ("products".to_owned(), 10),
            ("rooms".to_owned(), 999),
            ("storage_gb".to_owned(), 1_000),
        ]),
        plugins: set(&["booking", "crm", "extra"]),
        themes: set(&[]),
        niches: set(&["hotels", "clinics"]),
        seats: BTreeMap::from([
            (
                "booking".to_owned(),
                SeatGrant {
                    roles: BTreeMap::from([("editor".to_owned(), 99), ("admin".to_owned(), 9)]),
                    pool: Some(2),
                },
            ),
            ("crm".to_owned(), SeatGrant::default()),
        ]),
    };
    let eff = effective_entitlements(&claims(), Some(&wider));
    assert_eq!(eff.tier, Some(crate::claims::Tier::Pro));
    assert_eq!(eff.features, set(&["sso"]));
    assert_eq!(
        eff.caps,
        BTreeMap::from([("products".to_owned(), 10), ("rooms".to_owned(), 10)])
    );
    assert_eq!(eff.plugins, set(&["booking", "crm"]));
    assert!(eff.themes.is_empty());
    assert_eq!(eff.niches, set(&["hotels"]));
    let booking = &eff.seats["booking"];
    assert_eq!(booking.roles, BTreeMap::from([("editor".to_owned(), 3)]));
    assert_eq!(booking.pool, Some(2));
    assert!(!eff.seats.contains_key("crm"));
}

#[test]
fn live_entitlements_apply_in_grace_but_not_when_dormant() {
    let narrow = LiveStatus {
        entitlements: Some(Entitlements::default()),
        ..live(false, true)
    };
    let eval = eval_at(&claims(), &EvalContext::at(NOW), Some(&narrow));
    assert!(eval.effective.features.is_empty() && eval.effective.plugins.is_empty());
    assert_eq!(
        eval.effective.caps,
        claims().lic.caps,
        "absent live caps do not zero the signed"
    );
}

#[test]
fn the_state_serialises_with_a_snake_case_tag() {
    let json = serde_json::to_string(&State::Grace { until: 5 }).unwrap();
    assert_eq!(json, r#"{"state":"grace","until":5}"#);
    assert_eq!(
        serde_json::to_string(&State::Dormant).unwrap(),
        r#"{"state":"dormant"}"#
    );
    let back: State = serde_json::from_str(&json).unwrap();
    assert_eq!(back, State::Grace { until: 5 });
}
