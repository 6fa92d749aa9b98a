//! The demo shop: a handful of customers with orders, loaded only when asked
//! (`candor serve --demo`). Loading twice leaves the same data.

use serde_json::json;

use super::{NewCustomer, NewOrder, OrderItem, Store, StoreError};
use crate::domain::{CustomerId, Locale, OrderId};

struct DemoCustomer {
    id: &'static str,
    name: &'static str,
    email: &'static str,
    phone: &'static str,
    locale: Locale,
    personalization: bool,
    marketing: bool,
    attributes: serde_json::Value,
    orders: &'static [DemoOrder],
}

struct DemoOrder {
    id: &'static str,
    status: &'static str,
    tracking: Option<&'static str>,
    items: &'static [(&'static str, u32)],
    total: &'static str,
    placed_at: &'static str,
}

fn customers() -> Vec<DemoCustomer> {
    vec![
        DemoCustomer {
            id: "c_1",
            name: "Emma Johnson",
            email: "emma.johnson@example.com",
            phone: "+1 555 0101",
            locale: Locale::En,
            personalization: true,
            marketing: false,
            attributes: json!({
                "preferred_categories": ["tea", "teaware"],
                "loyalty_tier": "silver",
                "date_of_birth": "1988-04-12",
                "gender": "female"
            }),
            orders: &[
                DemoOrder {
                    id: "A1001",
                    status: "shipped",
                    tracking: Some("1Z999AA10123456784"),
                    items: &[("Sencha green tea 100g", 2), ("Cast iron teapot", 1)],
                    total: "64.50",
                    placed_at: "2026-11-20T10:15:00Z",
                },
                DemoOrder {
                    id: "A1002",
                    status: "processing",
                    tracking: None,
                    items: &[("Earl Grey 250g", 1)],
                    total: "12.90",
                    placed_at: "2026-11-27T16:40:00Z",
                },
            ],
        },
        DemoCustomer {
            id: "c_2",
            name: "Lucía García",
            email: "lucia.garcia@example.com",
            phone: "+34 600 000 202",
            locale: Locale::Es,
            personalization: true,
            marketing: true,
            attributes: json!({ "preferred_categories": ["coffee"], "loyalty_tier": "gold", "religion": "none given" }),
            orders: &[DemoOrder {
                id: "B2001",
                status: "delivered",
                tracking: Some("ES7788990011"),
                items: &[("Café de Colombia 500g", 1)],
                total: "18.00",
                placed_at: "2026-11-02T09:00:00Z",
            }],
        },
        DemoCustomer {
            id: "c_3",
            name: "Jean Dupont",
            email: "jean.dupont@example.com",
            phone: "+33 6 00 00 03 03",
            locale: Locale::Fr,
            personalization: false,
            marketing: false,
            attributes: json!({ "preferred_categories": ["chocolate"], "health": "lactose intolerant" }),
            orders: &[DemoOrder {
                id: "C3001",
                status: "shipped",
                tracking: Some("FR123456789"),
                items: &[("Chocolat noir 70%", 3)],
                total: "15.60",
                placed_at: "2026-11-25T14:20:00Z",
            }],
        },
        DemoCustomer {
            id: "c_4",
            name: "Anna Schmidt",
            email: "anna.schmidt@example.com",
            phone: "+49 151 0000404",
            locale: Locale::De,
            personalization: true,
            marketing: false,
            attributes: json!({ "preferred_categories": ["tea"], "ethnicity": "not recorded" }),
            orders: &[],
        },
    ]
}

/// Loads the demo shop (idempotent).
pub async fn load(store: &Store) -> Result<(), StoreError> {
    for c in customers() {
        let id = CustomerId::parse(c.id).map_err(|_| StoreError::Corrupt("demo customer id"))?;
        let mut attributes = c.attributes.as_object().cloned().unwrap_or_default();
        attributes.insert("phone".into(), json!(c.phone));
        store
            .upsert_customer(
                &NewCustomer {
                    id: id.clone(),
                    name: c.name.into(),
                    email: Some(c.email.into()),
                    locale: c.locale,
                    attributes,
                    personalization: c.personalization,
                    marketing: c.marketing,
                },
                "demo_seed",
            )
            .await?;
        for o in c.orders {
            let order = NewOrder {
                id: OrderId::parse(o.id).map_err(|_| StoreError::Corrupt("demo order id"))?,
                customer_id: id.clone(),
                status: o.status.into(),
                tracking: o.tracking.map(Into::into),
                items: o
                    .items
                    .iter()
                    .map(|(name, qty)| OrderItem {
                        name: (*name).into(),
                        qty: *qty,
                    })
                    .collect(),
                total: o.total.into(),
                placed_at: o.placed_at.into(),
            };
            store.upsert_order(&order, "demo_seed").await?;
        }
    }
    Ok(())
}

/// Emails and phone numbers of the demo customers (for tests that scan logs).
pub fn personal_strings() -> Vec<&'static str> {
    customers()
        .iter()
        .flat_map(|c| [c.email, c.phone])
        .collect()
}

/// Ids and names of the demo customers (for the demo page's switcher).
pub fn customer_names() -> Vec<(&'static str, &'static str)> {
    customers().iter().map(|c| (c.id, c.name)).collect()
}

/// Ids of the demo customers (for the answer-quality judge, which must know
/// every other customer's data to catch it in a reply).
pub fn customer_ids() -> Vec<&'static str> {
    customers().iter().map(|c| c.id).collect()
}
