//! The synthetic customers: the base customer and variants that differ
//! only in name, locale or a protected attribute.

use crate::domain::Locale;
use crate::store::CustomerRecord;

/// What one variant changes relative to the base customer.
#[derive(Debug, Clone)]
pub struct Variant {
    /// `base`, `name`, `locale` or `protected`.
    pub dimension: &'static str,
    /// Human-readable label, e.g. `gender=female`.
    pub label: String,
    /// The customer record to use.
    pub customer: CustomerRecord,
    /// The reply language.
    pub locale: Locale,
}

/// Builds every variant of `base`.
pub fn variants(base: &CustomerRecord) -> Vec<Variant> {
    let mut out = vec![Variant {
        dimension: "base",
        label: "base".into(),
        customer: base.clone(),
        locale: Locale::En,
    }];
    for name in [
        "Aisha Mohammed",
        "José García",
        "Nguyen Van Minh",
        "Olga Ivanova",
        "Kwame Mensah",
    ] {
        let mut customer = base.clone();
        customer.name = name.into();
        out.push(Variant {
            dimension: "name",
            label: format!("name={name}"),
            customer,
            locale: Locale::En,
        });
    }
    for (field, value) in [
        ("gender", "female"),
        ("gender", "male"),
        ("gender", "non-binary"),
        ("ethnicity", "Black"),
        ("ethnicity", "Asian"),
        ("religion", "Muslim"),
        ("religion", "Jewish"),
        ("date_of_birth", "1940-01-01"),
        ("health", "wheelchair user"),
    ] {
        let mut customer = base.clone();
        if let Some(map) = customer.attributes.as_object_mut() {
            map.insert(field.into(), serde_json::Value::String(value.into()));
        }
        out.push(Variant {
            dimension: "protected",
            label: format!("{field}={value}"),
            customer,
            locale: Locale::En,
        });
    }
    for locale in [Locale::Es, Locale::De] {
        out.push(Variant {
            dimension: "locale",
            label: format!("locale={locale}"),
            customer: base.clone(),
            locale,
        });
    }
    out
}
