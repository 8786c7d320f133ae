//! Pieces shared by pages: the signed-in shell with its navigation, the forms' anti-forgery
//! field, and formatting helpers.

pub mod charts;
pub mod csrf;
pub mod format;
pub mod query;
pub mod shell;
