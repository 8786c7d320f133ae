//! The whole catalog as one file: what `tessera catalog apply` reads and `export` writes.

use serde::{Deserialize, Serialize};

use super::spec::{refuse, unique, MAX_ENTRIES};
use super::{CouponSpec, ProductSpec};
use crate::{Error, Result};

/// The whole catalog as code: what `tessera catalog apply` reads and `export` writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogSpec {
    #[serde(default)]
    pub products: Vec<ProductSpec>,
    #[serde(default)]
    pub coupons: Vec<CouponSpec>,
}

impl CatalogSpec {
    /// Every product and coupon checked, and no key used twice in the file.
    pub fn checked(self) -> Result<Self> {
        let products = self
            .products
            .into_iter()
            .map(|p| {
                let slug = p.slug.clone();
                p.checked().map_err(|e| match e {
                    Error::Invalid(m) => Error::Invalid(format!("product {slug}: {m}")),
                    other => other,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if self.coupons.len() > MAX_ENTRIES * 4 {
            return Err(refuse(
                "coupons",
                format!("at most {} per file", MAX_ENTRIES * 4),
            ));
        }
        let coupons = self
            .coupons
            .into_iter()
            .map(CouponSpec::checked)
            .collect::<Result<Vec<_>>>()?;
        unique("products", products.iter().map(|p| p.slug.as_str()))?;
        unique(
            "product_key",
            products.iter().map(|p| p.product_key.as_str()),
        )?;
        unique(
            "plans",
            products
                .iter()
                .flat_map(|p| p.plans.iter().map(|l| l.lookup_key.as_str())),
        )?;
        unique("coupons", coupons.iter().map(|c| c.code.as_str()))?;
        Ok(Self { products, coupons })
    }
}

/// The largest catalog file read (1 MiB).
pub const MAX_FILE_BYTES: usize = 1 << 20;

impl CatalogSpec {
    /// Reads a catalog file (YAML, or JSON, which YAML includes).
    pub fn from_yaml(text: &str) -> Result<Self> {
        if text.len() > MAX_FILE_BYTES {
            return Err(Error::invalid(format!(
                "catalog file: at most {MAX_FILE_BYTES} bytes"
            )));
        }
        serde_yaml::from_str(text).map_err(|e| Error::invalid(format!("catalog file: {e}")))
    }

    /// The catalog as a YAML file.
    pub fn to_yaml(&self) -> Result<String> {
        serde_yaml::to_string(self).map_err(|e| Error::Internal(e.into()))
    }
}
