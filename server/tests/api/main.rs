//! HTTP tests: the real router on port 0 with a fresh database, on SQLite and PostgreSQL.

mod accounts;
mod authz;
mod authz_table;
mod billing_purchase;
mod catalog;
mod csrf;
mod customers;
mod customers_support;
mod forms;
mod helpers;
mod hostile;
mod json_shapes;
mod metrics;
mod orgs;
mod pages;
mod payments;
mod public;
mod refunds;
mod rest;
mod self_host;
mod self_host_vendor;
mod selling;
mod selling_install;
mod sign_in;
#[path = "../support/snapshot.rs"]
mod snapshot;
mod stripe_fixtures;
mod stripe_support;
mod three_doors;
mod trials;
mod usage;
mod webhooks;
