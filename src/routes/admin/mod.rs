//! `/v1/admin/*`: the shop's own systems push customers and orders.

pub mod agents;
pub mod customers;
pub mod orders;
