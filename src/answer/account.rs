//! Account facts in words: the stored values of the customer's orders put
//! into the locale's templates (`[answers]` in `prompts/locales/<code>.toml`),
//! exactly as stored. No model is involved.

use super::lexicon::OrderField;
use crate::guard::{AnswerTexts, LocaleTexts};
use crate::store::OrderRecord;

/// Statuses that mean the order has left the shop.
const SHIPPED_STATUSES: [&str; 4] = ["shipped", "delivered", "returned", "refunded"];

/// Whether `order` has left the shop (or will never ship).
pub fn has_shipped(order: &OrderRecord) -> bool {
    let status = order.status.trim().to_lowercase();
    SHIPPED_STATUSES.contains(&status.as_str()) || status == "cancelled"
}

/// The status in the locale's words, or as stored when the locale has no word for it.
pub fn status_words<'a>(texts: &'a AnswerTexts, order: &'a OrderRecord) -> &'a str {
    texts
        .statuses
        .get(&order.status.trim().to_lowercase())
        .map_or(order.status.as_str(), String::as_str)
}

/// The date part of a stored timestamp (`2026-11-20T10:15:00Z` -> `2026-11-20`).
pub fn date_placed(order: &OrderRecord) -> &str {
    order.placed_at.get(..10).unwrap_or(&order.placed_at)
}

fn fill(template: &str, order: &OrderRecord, texts: &AnswerTexts) -> String {
    let items: Vec<String> = order
        .items
        .iter()
        .map(|i| format!("{} x{}", i.name, i.qty))
        .collect();
    let mut text = LocaleTexts::fill(template, "order", &order.id);
    text = LocaleTexts::fill(&text, "status", status_words(texts, order));
    text = LocaleTexts::fill(&text, "tracking", order.tracking.as_deref().unwrap_or(""));
    text = LocaleTexts::fill(&text, "items", &items.join(", "));
    text = LocaleTexts::fill(&text, "total", &order.total);
    LocaleTexts::fill(&text, "date", date_placed(order))
}

/// The sentences answering `fields` about one order.
pub fn describe(texts: &AnswerTexts, order: &OrderRecord, fields: &[OrderField]) -> Vec<String> {
    let mut sentences = Vec::new();
    let mut push = |template: &str| {
        let sentence = fill(template, order, texts);
        if !sentences.contains(&sentence) {
            sentences.push(sentence);
        }
    };
    for field in fields {
        match field {
            OrderField::Status | OrderField::Arrival => {
                push(&texts.order_status);
                if order.tracking.is_some() {
                    push(&texts.order_tracking);
                }
            }
            OrderField::Tracking => match order.tracking {
                Some(_) => push(&texts.order_tracking),
                None => push(&texts.order_no_tracking),
            },
            OrderField::Items => push(&texts.order_items),
            OrderField::Total => push(&texts.order_total),
            OrderField::Placed => push(&texts.order_placed),
        }
    }
    sentences
}

/// A list of orders with their statuses ("A1001 (shipped), A1002 (being processed)").
pub fn order_list(texts: &AnswerTexts, orders: &[&OrderRecord]) -> String {
    orders
        .iter()
        .map(|o| fill(&texts.order_line, o, texts))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which of `orders` have not shipped yet, in words.
pub fn unshipped(texts: &AnswerTexts, orders: &[OrderRecord]) -> String {
    let waiting: Vec<&OrderRecord> = orders.iter().filter(|o| !has_shipped(o)).collect();
    if waiting.is_empty() {
        let all: Vec<&OrderRecord> = orders.iter().collect();
        LocaleTexts::fill(
            &texts.orders_all_shipped,
            "orders",
            &order_list(texts, &all),
        )
    } else {
        LocaleTexts::fill(
            &texts.orders_unshipped,
            "orders",
            &order_list(texts, &waiting),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Locale;
    use crate::guard::Notices;
    use crate::store::OrderItem;

    fn a1001() -> OrderRecord {
        OrderRecord {
            id: "A1001".into(),
            status: "shipped".into(),
            tracking: Some("1Z999AA10123456784".into()),
            items: vec![
                OrderItem {
                    name: "Sencha green tea 100g".into(),
                    qty: 2,
                },
                OrderItem {
                    name: "Cast iron teapot".into(),
                    qty: 1,
                },
            ],
            total: "64.50".into(),
            placed_at: "2026-11-20T10:15:00Z".into(),
        }
    }

    #[test]
    fn stored_values_are_stated_exactly() {
        let notices = Notices::builtin().expect("texts");
        let en = &notices.get(Locale::En).answers;
        let order = a1001();
        let text = describe(
            en,
            &order,
            &[OrderField::Total, OrderField::Placed, OrderField::Items],
        )
        .join(" ");
        assert_eq!(
            text,
            "The total of your order A1001 was 64.50. You placed order A1001 on 2026-11-20. \
             Your order A1001 contains: Sencha green tea 100g x2, Cast iron teapot x1."
        );
        let es = &notices.get(Locale::Es).answers;
        assert_eq!(
            describe(es, &order, &[OrderField::Tracking]),
            ["El número de seguimiento de tu pedido A1001 es 1Z999AA10123456784."]
        );
    }

    #[test]
    fn unknown_statuses_are_shown_as_stored() {
        let notices = Notices::builtin().expect("texts");
        let en = &notices.get(Locale::En).answers;
        let mut order = a1001();
        order.status = "awaiting pickup".into();
        order.tracking = None;
        assert_eq!(
            describe(en, &order, &[OrderField::Tracking]),
            ["Your order A1001 has no tracking number yet: it is awaiting pickup."]
        );
        assert_eq!(
            unshipped(en, &[order]),
            "These orders of yours have not shipped yet: A1001 (awaiting pickup)."
        );
    }
}
