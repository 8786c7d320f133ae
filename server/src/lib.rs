//! The `tessera` binary's library: the HTTP server ([`web`]) and the command line ([`cli`]).
//!
//! Layers (DESIGN.md): this crate wires `app` (pages, server functions) and `backend` (use
//! cases) to axum and clap; it holds no business rules of its own.

pub mod cli;
pub mod input;
pub mod shutdown;
pub mod views;
pub mod web;
