//! The consented context: the only way personal data reaches a prompt.

use std::collections::HashMap;

use super::{FieldPolicy, WhyRecord};
use crate::domain::Purpose;
use crate::store::{CustomerRecord, OrderRecord};

/// The most orders a prompt sees when the question names none.
const MAX_ORDERS: usize = 5;

/// Personal data cleared for one turn: the verified customer's own data,
/// only for purposes they consented to (support needs no consent), only
/// the fields each purpose allows, never a protected field.
///
/// Fields are private and the only constructors are [`ConsentedContext::none`]
/// and [`ConsentedContext::assemble`], which takes the customer, their
/// current consent and the purposes of the turn.
#[derive(Debug, Clone)]
pub struct ConsentedContext {
    lines: Vec<String>,
    why: WhyRecord,
}

impl ConsentedContext {
    /// No personal data (anonymous or unverified visitors, or a question
    /// that needs none).
    pub fn none() -> Self {
        Self {
            lines: Vec::new(),
            why: WhyRecord::default(),
        }
    }

    /// Builds the context for a verified customer's turn.
    ///
    /// `consents` is the customer's current consent per purpose; `purposes`
    /// are what the question needs; `named_orders` are order ids the question
    /// mentions (then only those orders are used).
    pub fn assemble(
        customer: &CustomerRecord,
        orders: &[OrderRecord],
        consents: &HashMap<Purpose, bool>,
        purposes: &[Purpose],
        named_orders: &[String],
        policy: &FieldPolicy,
    ) -> Self {
        let mut context = Self::none();
        for &purpose in purposes {
            let allowed =
                purpose == Purpose::Support || consents.get(&purpose).copied().unwrap_or(false);
            if !allowed {
                continue;
            }
            let mut used = false;
            for field in policy.fields(purpose) {
                used |= context.add_field(field, customer, orders, named_orders);
            }
            if used && !context.why.purposes.contains(&purpose) {
                context.why.purposes.push(purpose);
            }
        }
        context
    }

    fn add_field(
        &mut self,
        field: &str,
        customer: &CustomerRecord,
        orders: &[OrderRecord],
        named_orders: &[String],
    ) -> bool {
        if self.why.fields.iter().any(|f| f == field) {
            return true;
        }
        let added = match field {
            "name" => {
                self.lines.push(format!("Customer name: {}", customer.name));
                true
            }
            "orders" => {
                let chosen = choose_orders(orders, named_orders);
                for order in &chosen {
                    self.lines.push(describe_order(order));
                    self.why.records.push(format!("order:{}", order.id));
                }
                !chosen.is_empty()
            }
            "purchase_history" => {
                let items: Vec<_> = orders
                    .iter()
                    .flat_map(|o| o.items.iter().map(|i| i.name.as_str()))
                    .collect();
                if !items.is_empty() {
                    self.lines
                        .push(format!("Previously bought: {}", items.join(", ")));
                }
                !items.is_empty()
            }
            attribute => match customer.attributes.get(attribute) {
                Some(value) if !value.is_null() => {
                    self.lines
                        .push(format!("{}: {}", attribute.replace('_', " "), plain(value)));
                    true
                }
                _ => false,
            },
        };
        if added {
            self.why.fields.push(field.to_owned());
        }
        added
    }

    /// Lines for the system prompt (empty when nothing personal is used).
    pub fn prompt_lines(&self) -> &[String] {
        &self.lines
    }

    /// What this context contributes to the reply's `why` record.
    pub fn why(&self) -> &WhyRecord {
        &self.why
    }

    /// Whether any personal data is in it.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

fn choose_orders<'a>(orders: &'a [OrderRecord], named: &[String]) -> Vec<&'a OrderRecord> {
    let named: Vec<_> = orders
        .iter()
        .filter(|o| named.iter().any(|n| n.eq_ignore_ascii_case(&o.id)))
        .collect();
    if named.is_empty() {
        orders.iter().take(MAX_ORDERS).collect()
    } else {
        named
    }
}

fn describe_order(order: &OrderRecord) -> String {
    let items: Vec<_> = order
        .items
        .iter()
        .map(|i| format!("{} x{}", i.name, i.qty))
        .collect();
    let tracking = order
        .tracking
        .as_deref()
        .map(|t| format!(", tracking number {t}"))
        .unwrap_or_default();
    format!(
        "Order {}: status {}{tracking}, items: {}, total {}, placed {}",
        order.id,
        order.status,
        items.join(", "),
        order.total,
        order.placed_at.get(..10).unwrap_or(&order.placed_at)
    )
}

fn plain(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}
