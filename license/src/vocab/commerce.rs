//! The words of selling and customers: billing intervals, checkout and payment states, and
//! the roles people hold in a customer org.

use super::vocabulary;

vocabulary!(
    /// How often a plan charges.
    BillingInterval, "billing interval", {
        /// Every month, until cancelled.
        Month = month,
        /// Every year, until cancelled.
        Year = year,
        /// Once: a perpetual license.
        Once = once,
    }
);

vocabulary!(
    /// Where a Stripe Checkout that Tessera started stands.
    CheckoutStatus, "checkout status", {
        /// Created; the customer has not paid yet.
        Pending = pending,
        /// Paid; its license is issued.
        Completed = completed,
        /// Stripe let it expire unpaid.
        Expired = expired,
    }
);

vocabulary!(
    /// Where a payment stands.
    PaymentStatus, "payment status", {
        /// Money received.
        Paid = paid,
        /// Given back, in whole or in part.
        Refunded = refunded,
        /// The card holder disputed it.
        Disputed = disputed,
    }
);

vocabulary!(
    /// What a member of a customer org may do there.
    OrgRole, "org role", {
        /// Reads the org's plan, licenses and invoices.
        Member = member,
        /// Also buys, changes plans, manages billing and members.
        Owner = owner,
    }
);
