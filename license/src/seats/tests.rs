//! Unit tests for the seat turnstile and usage.

use std::collections::BTreeMap;

use super::*;

fn booking() -> PluginRoles {
    let role = |name: &str, billable| RoleDef {
        name: name.to_owned(),
        billable,
    };
    PluginRoles {
        plugin: "booking".to_owned(),
        roles: vec![
            role("editor", true),
            role("manager", true),
            role("viewer", false),
        ],
    }
}

fn hold(user: &str, role: &str) -> Holding {
    Holding {
        user: user.to_owned(),
        role: role.to_owned(),
    }
}

fn per_role(editors: u32, managers: u32) -> SeatGrant {
    SeatGrant {
        roles: BTreeMap::from([
            ("editor".to_owned(), editors),
            ("manager".to_owned(), managers),
        ]),
        pool: None,
    }
}

fn pool(n: u32) -> SeatGrant {
    SeatGrant {
        roles: BTreeMap::new(),
        pool: Some(n),
    }
}

#[test]
fn seats_count_distinct_users_holding_a_billable_role() {
    let holdings = [
        hold("ann", "editor"),
        hold("ann", "manager"),
        hold("bob", "viewer"),
    ];
    assert_eq!(seats(&booking(), &holdings), 1);
    assert_eq!(seats(&booking(), &[]), 0);
}

#[test]
fn the_per_role_turnstile_refuses_the_seat_beyond_the_count() {
    let grant = per_role(2, 1);
    let holdings = [hold("ann", "editor"), hold("bob", "editor")];
    let err = grant_role(&booking(), Some(&grant), &holdings, "cy", "editor").unwrap_err();
    assert_eq!(
        err,
        SeatError::SeatLimitReached {
            plugin: "booking".to_owned(),
            role: Some("editor".to_owned()),
            limit: 2,
            used: 2,
        }
    );
    assert_eq!(err.code(), "seat_limit_reached");
    assert!(grant_role(&booking(), Some(&grant), &holdings, "cy", "manager").is_ok());
}

#[test]
fn the_pool_turnstile_counts_users_not_roles() {
    let grant = pool(2);
    let holdings = [hold("ann", "editor"), hold("bob", "manager")];
    let err = grant_role(&booking(), Some(&grant), &holdings, "cy", "editor").unwrap_err();
    assert!(matches!(
        err,
        SeatError::SeatLimitReached {
            role: None,
            limit: 2,
            used: 2,
            ..
        }
    ));
    // ann already takes a seat, so a second billable role costs nothing.
    assert!(grant_role(&booking(), Some(&grant), &holdings, "ann", "manager").is_ok());
}

#[test]
fn a_role_count_and_a_pool_both_apply() {
    let grant = SeatGrant {
        roles: BTreeMap::from([("editor".to_owned(), 5)]),
        pool: Some(1),
    };
    let holdings = [hold("ann", "editor")];
    let err = grant_role(&booking(), Some(&grant), &holdings, "bob", "editor").unwrap_err();
    assert!(matches!(
        err,
        SeatError::SeatLimitReached { role: None, .. }
    ));
}

#[test]
fn free_roles_are_always_granted() {
    let holdings: Vec<Holding> = (0..50).map(|i| hold(&format!("u{i}"), "viewer")).collect();
    assert!(grant_role(&booking(), None, &holdings, "new", "viewer").is_ok());
}

#[test]
fn regranting_a_held_role_is_idempotent_even_when_over() {
    let holdings = [hold("ann", "editor"), hold("bob", "editor")];
    assert!(grant_role(
        &booking(),
        Some(&per_role(1, 0)),
        &holdings,
        "ann",
        "editor"
    )
    .is_ok());
}

#[test]
fn a_billable_role_without_a_grant_has_no_seats() {
    let err = grant_role(&booking(), None, &[], "ann", "editor").unwrap_err();
    assert!(matches!(
        err,
        SeatError::SeatLimitReached {
            limit: 0,
            used: 0,
            ..
        }
    ));
    let err = grant_role(&booking(), Some(&per_role(1, 0)), &[], "ann", "manager").unwrap_err();
    assert!(matches!(err, SeatError::SeatLimitReached { limit: 0, .. }));
    let listed_elsewhere = SeatGrant {
        roles: BTreeMap::from([("editor".to_owned(), 3)]),
        pool: None,
    };
    let err = grant_role(&booking(), Some(&listed_elsewhere), &[], "ann", "manager").unwrap_err();
    assert!(matches!(err, SeatError::SeatLimitReached { limit: 0, .. }));
}

#[test]
fn an_unknown_role_is_refused_by_name() {
    let err = grant_role(&booking(), Some(&pool(9)), &[], "ann", "owner").unwrap_err();
    assert_eq!(err.to_string(), r#"plugin "booking" has no role "owner""#);
    assert_eq!(err.code(), "unknown_role");
}

#[test]
fn a_downgrade_below_current_holders_shows_over_without_removing_anyone() {
    let holdings = [
        hold("ann", "editor"),
        hold("bob", "editor"),
        hold("cy", "viewer"),
    ];
    let used = usage(&booking(), Some(&per_role(1, 1)), &holdings);
    assert_eq!(used.used, 2);
    assert_eq!(used.limit, Some(2));
    assert!(used.over, "the editor role is over its count");
    let editor = &used.per_role[0];
    assert_eq!((editor.used, editor.limit, editor.over), (2, Some(1), true));
    let viewer = &used.per_role[2];
    assert_eq!(
        (viewer.billable, viewer.limit, viewer.over),
        (false, None, false)
    );
    assert_eq!(holdings.len(), 3);
}

#[test]
fn pool_usage_reports_the_pool_as_the_limit() {
    let holdings = [
        hold("ann", "editor"),
        hold("ann", "manager"),
        hold("bob", "manager"),
    ];
    let used = usage(&booking(), Some(&pool(1)), &holdings);
    assert_eq!((used.used, used.limit, used.over), (2, Some(1), true));
    assert!(used.per_role.iter().all(|r| r.limit.is_none()));
    let fits = usage(&booking(), Some(&pool(3)), &holdings);
    assert!(!fits.over);
}

#[test]
fn a_plugin_with_only_free_roles_has_no_limit() {
    let plugin = PluginRoles {
        plugin: "wiki".to_owned(),
        roles: vec![RoleDef {
            name: "reader".to_owned(),
            billable: false,
        }],
    };
    let used = usage(&plugin, None, &[hold("ann", "reader")]);
    assert_eq!((used.used, used.limit, used.over), (0, None, false));
}
