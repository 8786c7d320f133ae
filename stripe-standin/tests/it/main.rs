//! The stand-in's checkout, billing and webhooks: its answers read by async-stripe's typed
//! models (`models`), the hosted page (`checkout`), subscriptions, refunds and disputes
//! (`billing`), the customer portal (`portal`), and how events are delivered (`webhooks`).

mod billing;
mod checkout;
mod common;
mod models;
mod portal;
mod webhooks;
