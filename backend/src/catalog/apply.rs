//! Catalog as code: what a desired catalog changes in the current one, field by field, and
//! the rows and audit entries that make the change.

use std::fmt;

use serde::Serialize;
use tessera_license::vocab::AuditAction;

use super::{Catalog, CatalogSpec, CouponSpec, PlanSpec, ProductSpec};
use crate::store::{AuditEvent, CatalogWrite, CouponRow, PlanRow, ProductRow};
use crate::{Error, Result};

/// Whether a change creates or updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Create,
    Update,
}

/// One change to the catalog: `+ product chat` or `~ plan chat-pro-monthly: unit_amount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub op: ChangeOp,
    /// `product`, `plan` or `coupon`.
    pub what: &'static str,
    /// Its slug, lookup key or code.
    pub key: String,
    /// The fields that change (empty when created).
    pub fields: Vec<String>,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.op {
            ChangeOp::Create => write!(f, "+ {} {}", self.what, self.key),
            ChangeOp::Update => write!(
                f,
                "~ {} {}: {}",
                self.what,
                self.key,
                self.fields.join(", ")
            ),
        }
    }
}

/// The top-level fields whose values differ between `before` and `after`.
fn changed_fields<T: Serialize>(before: &T, after: &T) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return vec!["*".into()];
    };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| k.to_string())
        .collect()
}

fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", hex::encode(rand::random::<[u8; 10]>()))
}

/// Records a change, its row and its audit entry.
struct Planner<'a> {
    actor: &'a str,
    now: i64,
    changes: Vec<Change>,
    write: CatalogWrite,
}

impl Planner<'_> {
    fn note(
        &mut self,
        what: &'static str,
        key: &str,
        fields: Option<Vec<String>>,
        action: (AuditAction, AuditAction),
        subject: &str,
    ) {
        let (op, action) = match &fields {
            None => (ChangeOp::Create, action.0),
            Some(_) => (ChangeOp::Update, action.1),
        };
        let fields = fields.unwrap_or_default();
        self.write.audits.push(AuditEvent {
            at: self.now,
            actor: self.actor.to_string(),
            action,
            subject: subject.to_string(),
            detail: serde_json::json!({ what: key, "fields": fields }),
        });
        self.changes.push(Change {
            op,
            what,
            key: key.to_string(),
            fields,
        });
    }
}

/// What `desired` changes in `current`.
pub(super) fn plan(
    current: &Catalog,
    desired: &CatalogSpec,
    actor: &str,
    now: i64,
) -> Result<(Vec<super::Change>, CatalogWrite)> {
    let mut planner = Planner {
        actor,
        now,
        changes: Vec::new(),
        write: CatalogWrite::default(),
    };
    for product in &desired.products {
        plan_product(&mut planner, current, product)?;
    }
    for coupon in &desired.coupons {
        plan_coupon(&mut planner, current, coupon)?;
    }
    Ok((planner.changes, planner.write))
}

fn plan_product(p: &mut Planner<'_>, current: &Catalog, want: &ProductSpec) -> Result<()> {
    let terms = ProductSpec {
        plans: Vec::new(),
        ..want.clone()
    };
    let existing = current.product(&want.slug);
    let (id, created_at, stripe_product_id) = match existing {
        Some(have) => (have.id.clone(), None, have.stripe_product_id.clone()),
        None => (new_id("prd"), Some(p.now), None),
    };
    let fields = existing.map(|have| changed_fields(&have.spec, &terms));
    if fields.as_ref().is_none_or(|f| !f.is_empty()) {
        p.note(
            "product",
            &want.slug,
            fields,
            (AuditAction::ProductCreated, AuditAction::ProductUpdated),
            &id,
        );
        p.write.products.push(ProductRow {
            id: id.clone(),
            slug: terms.slug.clone(),
            product_key: terms.product_key.clone(),
            name: terms.name.clone(),
            active: i64::from(terms.active),
            internal: i64::from(terms.internal),
            spec: serde_json::to_string(&terms).map_err(|e| Error::Internal(e.into()))?,
            stripe_product_id,
            created_at: created_at.unwrap_or(p.now),
            updated_at: p.now,
        });
    }
    for plan in &want.plans {
        plan_plan(p, current, &id, &want.slug, plan)?;
    }
    Ok(())
}

fn plan_plan(
    p: &mut Planner<'_>,
    current: &Catalog,
    product_id: &str,
    slug: &str,
    want: &PlanSpec,
) -> Result<()> {
    let existing = current
        .products
        .iter()
        .flat_map(|product| product.plans.iter().map(move |plan| (product, plan)))
        .find(|(_, plan)| plan.spec.lookup_key == want.lookup_key);
    if let Some((owner, _)) = existing.filter(|(owner, _)| owner.id != product_id) {
        return Err(Error::Conflict(format!(
            "plan {} belongs to product {}; a lookup key names one plan",
            want.lookup_key, owner.spec.slug
        )));
    }
    let fields = existing.map(|(_, have)| changed_fields(&have.spec, want));
    if fields.as_ref().is_some_and(Vec::is_empty) {
        return Ok(());
    }
    let (id, stripe_price_id, stripe_extra_seat_price_id) = match existing {
        // Stripe prices cannot change their amount: a changed price is a new Stripe price
        // (made by the next `tessera stripe sync-products`), so the old one is forgotten.
        Some((_, have)) => {
            let repriced = have.spec.unit_amount != want.unit_amount
                || have.spec.currency != want.currency
                || have.spec.interval != want.interval
                || have.spec.extra_seat_unit_amount != want.extra_seat_unit_amount;
            let keep = |id: &Option<String>| id.clone().filter(|_| !repriced);
            (
                have.id.clone(),
                keep(&have.stripe_price_id),
                keep(&have.stripe_extra_seat_price_id),
            )
        }
        None => (new_id("pln"), None, None),
    };
    p.note(
        "plan",
        &want.lookup_key,
        fields,
        (AuditAction::PlanCreated, AuditAction::PlanUpdated),
        &format!("{slug}/{}", want.lookup_key),
    );
    p.write.plans.push(PlanRow {
        id,
        product_id: product_id.to_string(),
        lookup_key: want.lookup_key.clone(),
        tier: want.tier,
        billing_interval: want.interval,
        unit_amount: want.unit_amount,
        currency: want.currency.clone(),
        seats_included: i64::from(want.seats_included),
        extra_seat_unit_amount: want.extra_seat_unit_amount,
        active: i64::from(want.active),
        stripe_price_id,
        stripe_extra_seat_price_id,
        created_at: p.now,
        updated_at: p.now,
    });
    Ok(())
}

fn plan_coupon(p: &mut Planner<'_>, current: &Catalog, want: &CouponSpec) -> Result<()> {
    let existing = current.coupons.iter().find(|c| c.spec.code == want.code);
    let fields = existing.map(|have| changed_fields(&have.spec, want));
    if fields.as_ref().is_some_and(Vec::is_empty) {
        return Ok(());
    }
    let (id, redemptions) =
        existing.map_or_else(|| (new_id("cpn"), 0), |c| (c.id.clone(), c.redemptions));
    p.note(
        "coupon",
        &want.code,
        fields,
        (AuditAction::CouponCreated, AuditAction::CouponUpdated),
        &id,
    );
    p.write.coupons.push(CouponRow {
        id,
        code: want.code.clone(),
        active: i64::from(want.active),
        public: i64::from(want.public),
        spec: serde_json::to_string(want).map_err(|e| Error::Internal(e.into()))?,
        redemptions,
        created_at: p.now,
        updated_at: p.now,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_fields_that_differ_are_named() {
        #[derive(Serialize)]
        struct T {
            a: u8,
            b: &'static str,
        }
        assert_eq!(
            changed_fields(&T { a: 1, b: "x" }, &T { a: 2, b: "x" }),
            ["a"]
        );
        assert!(changed_fields(&T { a: 1, b: "x" }, &T { a: 1, b: "x" }).is_empty());
    }

    #[test]
    fn a_change_reads_as_a_diff_line() {
        let created = Change {
            op: ChangeOp::Create,
            what: "product",
            key: "chat".into(),
            fields: vec![],
        };
        assert_eq!(created.to_string(), "+ product chat");
        let updated = Change {
            op: ChangeOp::Update,
            what: "plan",
            key: "chat-pro".into(),
            fields: vec!["active".into(), "unit_amount".into()],
        };
        assert_eq!(updated.to_string(), "~ plan chat-pro: active, unit_amount");
    }
}
