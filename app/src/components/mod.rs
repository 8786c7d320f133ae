//! Pieces shared by pages: the signed-in shell with its navigation, and formatting helpers.

pub mod charts;
pub mod format;
pub mod query;
pub mod shell;
