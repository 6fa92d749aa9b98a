//! The shop's identifier of an order.

/// An order identifier: 1..=128 characters of `[A-Za-z0-9_.:-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct OrderId(String);

super::identifier_newtype!(OrderId, "order id");
