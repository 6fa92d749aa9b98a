//! Which of the customer's orders a question is about: an order id or
//! tracking number it names, a product it mentions, "my last order", or
//! the order the previous answer was about.

use std::sync::OnceLock;

use regex::Regex;

use crate::guard::phrases::normalize;
use crate::store::OrderRecord;

/// What the question says about which order it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderRef {
    /// These orders of the customer's (named by id, tracking number or product).
    Orders(Vec<String>),
    /// It names an order id that is not on the customer's account.
    Unknown(String),
    /// It names none: the caller decides (previous answer, only order, all).
    Unnamed,
}

fn id_like() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"#?[A-Za-z0-9][A-Za-z0-9_\-]*[A-Za-z0-9]").unwrap_or_else(|_| unreachable!())
    })
}

fn measurement() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)^\d+(g|gr|kg|mg|ml|cl|l|cm|mm|m|oz|lb|lbs|x|st|pcs|h|min|pm|am|th|st|nd|rd|e)$",
        )
        .unwrap_or_else(|_| unreachable!())
    })
}

/// Tokens of `text` shaped like an order id or tracking number: at least
/// three digits and four characters, not a measurement ("100g"), not a
/// bare year; a bare number needs four digits.
pub fn id_tokens(text: &str) -> Vec<String> {
    id_like()
        .find_iter(text)
        .filter_map(|m| {
            let hashed = m.as_str().starts_with('#');
            let token = m.as_str().trim_start_matches('#');
            let digits = token.chars().filter(char::is_ascii_digit).count();
            let letters = token.chars().filter(char::is_ascii_alphabetic).count();
            let year = letters == 0
                && token.len() == 4
                && (token.starts_with("19") || token.starts_with("20"));
            // 2026-11-20, 3-5, 555-0101: dates, ranges and phone parts.
            let dashed_number = letters == 0 && token.contains('-');
            let plausible = digits >= 3
                && !dashed_number
                && token.len() >= 4
                && !measurement().is_match(token)
                && (letters > 0 || digits >= 4)
                && (hashed || !year);
            plausible.then(|| token.to_owned())
        })
        .collect()
}

/// Letters and digits only, uppercase: `hx-7790` and `HX7790` compare equal.
fn key(token: &str) -> String {
    token
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Words that name nothing in particular in an item name.
const ITEM_STOPWORDS: [&str; 12] = [
    "the", "and", "with", "for", "de", "del", "la", "le", "du", "der", "die", "das",
];

/// Resolves `text` against the customer's `orders` (newest first).
pub fn resolve(text: &str, orders: &[OrderRecord]) -> OrderRef {
    let item_words: Vec<String> = orders
        .iter()
        .flat_map(|o| o.items.iter().map(|i| i.name.as_str()))
        .flat_map(|name| {
            normalize(name)
                .split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let tokens: Vec<String> = id_tokens(text)
        .into_iter()
        // "Sencha green tea 100g" is a product, not an order number.
        .filter(|t| !item_words.contains(&normalize(t)))
        .collect();
    let mut named: Vec<String> = Vec::new();
    let mut unknown = None;
    for token in &tokens {
        let k = key(token);
        let found = orders
            .iter()
            .find(|o| key(&o.id) == k || o.tracking.as_deref().is_some_and(|t| key(t) == k));
        match found {
            Some(order) if !named.contains(&order.id) => named.push(order.id.clone()),
            Some(_) => {}
            None => unknown = unknown.or(Some(token.clone())),
        }
    }
    if !named.is_empty() {
        return OrderRef::Orders(named);
    }
    if let Some(token) = unknown {
        return OrderRef::Unknown(token);
    }
    let by_product = orders_by_product(text, orders);
    if by_product.is_empty() {
        OrderRef::Unnamed
    } else {
        OrderRef::Orders(by_product)
    }
}

/// Orders holding an item whose distinctive words the question uses
/// ("my teapot order" -> the order with the cast iron teapot).
pub fn orders_by_product(text: &str, orders: &[OrderRecord]) -> Vec<String> {
    let normalized = normalize(text);
    let words: Vec<&str> = normalized.split_whitespace().collect();
    let mut hits: Vec<String> = Vec::new();
    for order in orders {
        let mentioned = order.items.iter().any(|item| {
            normalize(&item.name).split_whitespace().any(|w| {
                w.len() >= 4
                    && !w.chars().any(|c| c.is_ascii_digit())
                    && !ITEM_STOPWORDS.contains(&w)
                    && words
                        .iter()
                        .any(|q| *q == w || (q.len() >= 4 && w.starts_with(*q)))
            })
        });
        if mentioned && !hits.contains(&order.id) {
            hits.push(order.id.clone());
        }
    }
    // A word every order shares ("tea" in a tea shop) names none of them.
    if hits.len() == orders.len() && orders.len() > 1 {
        return Vec::new();
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::OrderItem;

    fn order(id: &str, tracking: Option<&str>, items: &[&str]) -> OrderRecord {
        OrderRecord {
            id: id.into(),
            status: "shipped".into(),
            tracking: tracking.map(Into::into),
            items: items
                .iter()
                .map(|name| OrderItem {
                    name: (*name).into(),
                    qty: 1,
                })
                .collect(),
            total: "1.00".into(),
            placed_at: "2026-11-20T10:15:00Z".into(),
        }
    }

    fn orders() -> Vec<OrderRecord> {
        vec![
            order("A1002", None, &["Earl Grey 250g"]),
            order(
                "A1001",
                Some("1Z999AA10123456784"),
                &["Sencha green tea 100g", "Cast iron teapot"],
            ),
        ]
    }

    #[test]
    fn order_ids_are_found_but_not_amounts_dates_or_weights() {
        assert_eq!(id_tokens("Where is order HX-7790?"), ["HX-7790"]);
        assert_eq!(id_tokens("status of #1234 please"), ["1234"]);
        assert_eq!(
            id_tokens("I paid 54.00 on 2026-11-20 for 100g"),
            Vec::<String>::new()
        );
        assert_eq!(id_tokens("my order from 2025"), Vec::<String>::new());
        assert_eq!(id_tokens("a1001"), ["a1001"]);
    }

    #[test]
    fn questions_resolve_to_the_customers_own_orders() {
        let orders = orders();
        assert_eq!(
            resolve("where is a1001?", &orders),
            OrderRef::Orders(vec!["A1001".into()])
        );
        assert_eq!(
            resolve("is 1Z999AA10123456784 on its way", &orders),
            OrderRef::Orders(vec!["A1001".into()])
        );
        assert_eq!(
            resolve("Where is my order HX-0000?", &orders),
            OrderRef::Unknown("HX-0000".into())
        );
        assert_eq!(
            resolve("what about my teapot order", &orders),
            OrderRef::Orders(vec!["A1001".into()])
        );
        assert_eq!(
            resolve("when does the Earl Grey arrive", &orders),
            OrderRef::Orders(vec!["A1002".into()])
        );
        assert_eq!(
            resolve("status of the Sencha green tea 100g order", &orders),
            OrderRef::Orders(vec!["A1001".into()])
        );
        assert_eq!(resolve("where is my order?", &orders), OrderRef::Unnamed);
    }
}
