//! The customer's orders cleared for answering their own order questions.

use super::{FieldPolicy, WhyRecord};
use crate::domain::Purpose;
use crate::store::OrderRecord;

/// A verified customer's orders, cleared for the `support` purpose: it can
/// only be built when the shop's allow-list gives `support` the `orders`
/// field (support needs no consent: it is the customer's own question).
#[derive(Debug, Clone)]
pub struct SupportOrders {
    orders: Vec<OrderRecord>,
}

impl SupportOrders {
    /// Clears `orders` (the customer's own, newest first) under `policy`;
    /// `None` when the shop does not let support read orders.
    pub fn clear(orders: Vec<OrderRecord>, policy: &FieldPolicy) -> Option<Self> {
        let mut fields = policy.fields(Purpose::Support);
        fields.any(|f| f == "orders").then_some(Self { orders })
    }

    /// The orders, newest first.
    pub fn orders(&self) -> &[OrderRecord] {
        &self.orders
    }

    /// The `why` record of an answer that states facts from `citations`
    /// (`order:<id>` and `kb:<id>`).
    pub fn why(citations: &[String]) -> WhyRecord {
        let records: Vec<String> = citations
            .iter()
            .filter(|c| c.starts_with("order:"))
            .cloned()
            .collect();
        let personal = !records.is_empty();
        WhyRecord {
            purposes: if personal {
                vec![Purpose::Support]
            } else {
                Vec::new()
            },
            fields: if personal {
                vec!["orders".into()]
            } else {
                Vec::new()
            },
            records,
            ..WhyRecord::default()
        }
    }
}
