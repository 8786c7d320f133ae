//! Server functions, one per file, grouped by feature. Each one authorises the caller, calls
//! one backend use case and maps its error.

pub mod audit;
pub mod billing;
pub mod catalog;
pub mod dashboard;
#[cfg(feature = "ssr")]
pub(crate) mod guard;
pub mod keys;
pub mod licenses;
pub mod overview;
pub mod params;
pub mod payments;
pub mod selfhost;
pub mod session;
pub mod users;
pub mod webhooks;
