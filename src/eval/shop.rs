//! The shop's data as the judge sees it: the knowledge-base files' text (all
//! locales) and every demo customer's profile and orders, read through the
//! store. What a case may state is the knowledge base, its own customer's
//! records and its own turns; another customer's identifiers never.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::EvalError;
use super::values::ValueSet;
use crate::domain::CustomerId;
use crate::store::{demo, Store};

/// One customer's records, flattened for the judge.
#[derive(Debug, Clone, Default)]
pub struct CustomerFacts {
    /// Every stored text of the customer: profile fields and orders.
    pub texts: Vec<String>,
    /// What identifies the customer or their orders: name, email, phone,
    /// order ids, tracking numbers.
    pub identifiers: Vec<String>,
}

/// The knowledge base and the customers.
#[derive(Debug, Clone, Default)]
pub struct ShopData {
    /// Every knowledge-base file's text, concatenated.
    pub knowledge: String,
    /// By customer id.
    pub customers: BTreeMap<String, CustomerFacts>,
}

impl ShopData {
    /// Reads `<prompts_dir>/kb/*.md` and the demo customers from `store`.
    pub async fn load(prompts_dir: &Path, store: &Store) -> Result<Self, EvalError> {
        let knowledge = read_knowledge(&prompts_dir.join("kb"))?;
        let mut customers = BTreeMap::new();
        for id in demo::customer_ids() {
            let parsed = CustomerId::parse(id)
                .map_err(|_| EvalError::Startup(format!("demo customer id {id:?}")))?;
            let Some(profile) = store.customer(&parsed).await? else {
                continue;
            };
            let orders = store.orders(&parsed).await?;
            let mut facts = CustomerFacts::default();
            facts.texts.push(profile.name.clone());
            facts.identifiers.push(profile.name);
            if let Some(email) = profile.email {
                facts.texts.push(email.clone());
                facts.identifiers.push(email);
            }
            flatten(&profile.attributes, &mut facts.texts);
            if let Some(phone) = profile.attributes.get("phone").and_then(|p| p.as_str()) {
                facts.identifiers.push(phone.to_owned());
            }
            for order in orders {
                facts.identifiers.push(order.id.clone());
                facts.identifiers.extend(order.tracking.clone());
                facts
                    .texts
                    .extend([order.id, order.status, order.total, order.placed_at]);
                facts.texts.extend(order.tracking);
                for item in order.items {
                    facts.texts.push(format!("{} {}", item.qty, item.name));
                }
            }
            customers.insert(id.to_owned(), facts);
        }
        Ok(Self {
            knowledge,
            customers,
        })
    }

    /// Values the knowledge base and `customer`'s records vouch for.
    pub fn vouched(&self, customer: Option<&str>) -> ValueSet {
        let mut set = ValueSet::default();
        set.add_text(&self.knowledge);
        if let Some(facts) = customer.and_then(|c| self.customers.get(c)) {
            for text in &facts.texts {
                set.add_text(text);
            }
        }
        set
    }

    /// Identifiers of every demo customer other than `customer`.
    pub fn others_identifiers<'a>(
        &'a self,
        customer: Option<&'a str>,
    ) -> impl Iterator<Item = &'a str> + 'a {
        self.customers
            .iter()
            .filter(move |(id, _)| Some(id.as_str()) != customer)
            .flat_map(|(_, facts)| facts.identifiers.iter().map(String::as_str))
    }
}

fn read_knowledge(dir: &Path) -> Result<String, EvalError> {
    let read = |path: &Path, source| EvalError::Read {
        path: path.to_owned(),
        source,
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| read(dir, e))? {
        let path = entry.map_err(|e| read(dir, e))?.path();
        if path.extension().and_then(|e| e.to_str()) == Some("md") {
            paths.push(path);
        }
    }
    paths.sort();
    let mut text = String::new();
    for path in paths {
        text += &std::fs::read_to_string(&path).map_err(|e| read(&path, e))?;
        text.push('\n');
    }
    Ok(text)
}

/// Every string and number inside a JSON value.
fn flatten(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Number(n) => out.push(n.to_string()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| flatten(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| flatten(v, out)),
        serde_json::Value::Bool(_) | serde_json::Value::Null => {}
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::cases::load_dir;
    use super::super::server::{demo_store, ScratchDir};
    use super::super::values::extract;
    use super::*;

    /// Every expected value of the labelled set is the shop's own data: a
    /// reply made of exactly the expected values states nothing the judge
    /// would call hallucinated (a typo in a label fails here, not in a run).
    #[tokio::test]
    async fn the_labelled_expectations_are_vouched_for_by_the_shops_data() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = ScratchDir::new().expect("scratch");
        let store = demo_store(&dir).await.expect("demo");
        let shop = ShopData::load(&root.join("prompts"), &store)
            .await
            .expect("shop");
        assert_eq!(shop.customers.len(), 4);
        assert!(shop.customers["c_1"]
            .identifiers
            .contains(&"1Z999AA10123456784".to_owned()));
        assert!(shop.customers["c_4"]
            .identifiers
            .contains(&"+49 151 0000404".to_owned()));
        let cases = load_dir(&root.join("tests/data/eval")).expect("cases");
        for case in cases {
            let mut vouched = shop.vouched(case.customer.as_deref());
            for turn in &case.turns {
                vouched.add_text(turn);
            }
            for value in &case.expect {
                for stated in extract(value) {
                    assert!(vouched.vouches_for(&stated), "{}: {value}", case.id);
                }
            }
        }
    }

    #[tokio::test]
    async fn another_customers_totals_and_tracking_are_not_vouched_for() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let dir = ScratchDir::new().expect("scratch");
        let store = demo_store(&dir).await.expect("demo");
        let shop = ShopData::load(&root.join("prompts"), &store)
            .await
            .expect("shop");
        // No customer's (or an anonymous visitor's) data vouches for
        // another customer's identifiers, totals or dates.
        let owners: Vec<Option<&str>> = std::iter::once(None)
            .chain(shop.customers.keys().map(|k| Some(k.as_str())))
            .collect();
        for owner in owners {
            let vouched = shop.vouched(owner);
            let foreign = shop.others_identifiers(owner).chain([
                "64.50",
                "12.90",
                "18.00",
                "15.60",
                "2026-11-20",
                "2026-11-27",
                "2026-11-02",
                "2026-11-25",
            ]);
            for value in foreign {
                let mine = owner
                    .is_some_and(|o| shop.customers[o].texts.iter().any(|t| t.contains(value)));
                if !mine {
                    assert!(
                        extract(value).iter().all(|s| !vouched.vouches_for(s)),
                        "{owner:?}: {value}"
                    );
                }
            }
        }
        let others: Vec<&str> = shop.others_identifiers(Some("c_1")).collect();
        assert!(others.contains(&"Lucía García") && !others.contains(&"A1001"));
    }
}
