//! `/v1/admin/*`: the shop's own systems push customers, orders and
//! knowledge-base entries.

pub mod agents;
pub mod customers;
pub mod kb;
pub mod orders;
