//! One module per page (or per feature, as the app grows).

pub mod account;
pub mod audit;
pub mod billing;
pub mod keys;
pub mod license;
pub mod licenses;
pub mod login;
pub mod marketplace;
pub mod not_found;
pub mod orgs;
pub mod overview;
pub mod payments;
pub mod products;
pub mod signin;
pub mod users;
pub mod webhooks;
