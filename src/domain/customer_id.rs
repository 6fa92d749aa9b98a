//! The shop's identifier of a customer (as the shop's own systems know it).

/// A customer identifier: 1..=128 characters of `[A-Za-z0-9_.:-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct CustomerId(String);

super::identifier_newtype!(CustomerId, "customer id");
