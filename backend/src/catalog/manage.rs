//! The catalog's use cases: read it, change it (as a whole file or one item at a time),
//! and the caps it is counted against.

use tessera_license::vocab::StateName;

use super::{apply, Catalog, CatalogCaps, CatalogSpec, Change, CouponSpec, PlanSpec, ProductSpec};
use crate::store::StoreError;
use crate::{Backend, Error, Result};

impl Backend {
    /// Activates or deactivates the product called `slug`.
    pub async fn set_product_active(
        &self,
        slug: &str,
        active: bool,
        actor: &str,
    ) -> Result<Vec<Change>> {
        let catalog = self.catalog().await?;
        let product = catalog
            .product(slug)
            .ok_or_else(|| Error::NotFound(format!("product {slug}")))?;
        self.save_product(
            ProductSpec {
                active,
                ..product.spec.clone()
            },
            actor,
        )
        .await
    }

    /// Activates or deactivates the plan `lookup_key`.
    pub async fn set_plan_active(
        &self,
        lookup_key: &str,
        active: bool,
        actor: &str,
    ) -> Result<Vec<Change>> {
        let catalog = self.catalog().await?;
        let (product, plan) = catalog
            .products
            .iter()
            .find_map(|p| {
                p.plans
                    .iter()
                    .find(|l| l.spec.lookup_key == lookup_key)
                    .map(|l| (p, l))
            })
            .ok_or_else(|| Error::NotFound(format!("plan {lookup_key}")))?;
        self.save_plan(
            &product.spec.slug,
            PlanSpec {
                active,
                ..plan.spec.clone()
            },
            actor,
        )
        .await
    }

    /// Activates or deactivates the coupon `code`.
    pub async fn set_coupon_active(
        &self,
        code: &str,
        active: bool,
        actor: &str,
    ) -> Result<Vec<Change>> {
        let catalog = self.catalog().await?;
        let coupon = catalog
            .coupons
            .iter()
            .find(|c| c.spec.code == code.trim().to_ascii_uppercase())
            .ok_or_else(|| Error::NotFound(format!("coupon {code}")))?;
        self.save_coupon(
            CouponSpec {
                active,
                ..coupon.spec.clone()
            },
            actor,
        )
        .await
    }

    /// A license that names a catalog plan must be for that plan's product and tier (a plan
    /// name the catalog does not know is kept as it was typed).
    pub(crate) async fn check_catalog_plan(
        &self,
        req: &crate::licenses::IssueRequest,
    ) -> Result<()> {
        let Some(plan) = req.plan.as_deref() else {
            return Ok(());
        };
        let catalog = self.catalog().await?;
        let found = catalog.products.iter().find_map(|p| {
            p.plans
                .iter()
                .find(|l| l.spec.lookup_key == plan)
                .map(|l| (p, l))
        });
        let Some((product, listed)) = found else {
            return Ok(());
        };
        if product.spec.product_key != req.product.as_ref() || listed.spec.tier != req.tier {
            return Err(Error::invalid(format!(
                "plan: {plan} is a {} plan of product {}; choose that product and tier, or another plan",
                listed.spec.tier, product.spec.product_key
            )));
        }
        Ok(())
    }

    /// The caps this Tessera runs under: its own license's while it is active or in grace,
    /// else the free Creator tier's.
    pub async fn catalog_caps(&self) -> Result<CatalogCaps> {
        if self.licensee().is_err() {
            return Ok(CatalogCaps::creator());
        }
        let view = self.install_view().await?;
        let licensed = matches!(view.state, StateName::Active | StateName::Grace);
        Ok(match &view.claims {
            Some(claims) if licensed => CatalogCaps::licensed(&view.effective, claims.sub.as_ref()),
            _ => CatalogCaps::creator(),
        })
    }

    /// The whole catalog (staff).
    pub async fn catalog(&self) -> Result<Catalog> {
        self.vendor_only()?;
        let (products, plans, coupons) = self.store.catalog().await?;
        Catalog::from_rows(products, &plans, coupons)
    }

    /// Makes the catalog hold what `spec` says: creates what is missing, changes what
    /// differs, leaves what the file does not name. Answers the changes (none: nothing to
    /// do); with `dry_run` nothing is written.
    pub async fn apply_catalog(
        &self,
        spec: CatalogSpec,
        actor: &str,
        dry_run: bool,
    ) -> Result<Vec<Change>> {
        self.vendor_only()?;
        let spec = spec.checked()?;
        let current = self.catalog().await?;
        let (changes, write) = apply::plan(&current, &spec, actor, crate::time::now())?;
        if !dry_run && !changes.is_empty() {
            let caps = self.catalog_caps().await?;
            let lift = if caps.source.starts_with("Tessera license") {
                ""
            } else {
                ", or install a Tessera license (TESSERA_LICENSE) to lift the cap"
            };
            self.store
                .write_catalog(&write, &caps)
                .await
                .map_err(|e| match e {
                    StoreError::CapReached { cap, limit } => Error::CapReached(format!(
                        "{cap}: {} allows {limit}; deactivate one first{lift}",
                        caps.source
                    )),
                    other => other.into(),
                })?;
        }
        Ok(changes)
    }

    /// Creates or changes one product (its plans are left as they are).
    pub async fn save_product(&self, product: ProductSpec, actor: &str) -> Result<Vec<Change>> {
        let spec = CatalogSpec {
            products: vec![ProductSpec {
                plans: Vec::new(),
                ..product
            }],
            coupons: Vec::new(),
        };
        self.apply_catalog(spec, actor, false).await
    }

    /// Creates or changes one plan of the product called `slug`.
    pub async fn save_plan(&self, slug: &str, plan: PlanSpec, actor: &str) -> Result<Vec<Change>> {
        let catalog = self.catalog().await?;
        let product = catalog
            .product(slug)
            .ok_or_else(|| Error::NotFound(format!("product {slug}")))?;
        let spec = CatalogSpec {
            products: vec![ProductSpec {
                plans: vec![plan],
                ..product.spec.clone()
            }],
            coupons: Vec::new(),
        };
        self.apply_catalog(spec, actor, false).await
    }

    /// Creates or changes one coupon.
    pub async fn save_coupon(&self, coupon: CouponSpec, actor: &str) -> Result<Vec<Change>> {
        let spec = CatalogSpec {
            products: Vec::new(),
            coupons: vec![coupon],
        };
        self.apply_catalog(spec, actor, false).await
    }
}
