//! Customers, their orders and their consent history.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::audit::{self, AuditCode, AuditEvent};
use super::{now_ms, Store, StoreError};
use crate::domain::{CustomerId, Locale, OrderId, Purpose};

/// A customer profile to create or replace.
#[derive(Debug, Clone)]
pub struct NewCustomer {
    /// The shop's id for the customer.
    pub id: CustomerId,
    /// Display name.
    pub name: String,
    /// Contact email, if known.
    pub email: Option<String>,
    /// Preferred language.
    pub locale: Locale,
    /// Free-form profile fields (the personalization layer filters them).
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// Consent to personalization.
    pub personalization: bool,
    /// Consent to marketing.
    pub marketing: bool,
}

/// A stored customer profile.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerRecord {
    /// The shop's id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Contact email.
    pub email: Option<String>,
    /// Preferred language code.
    pub locale: String,
    /// Profile fields.
    pub attributes: serde_json::Value,
}

/// One line of an order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OrderItem {
    /// Product name.
    pub name: String,
    /// Quantity.
    pub qty: u32,
}

/// An order to create or replace.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// The shop's order id.
    pub id: OrderId,
    /// Whose order it is.
    pub customer_id: CustomerId,
    /// Status text, e.g. "shipped".
    pub status: String,
    /// Carrier tracking number.
    pub tracking: Option<String>,
    /// Lines.
    pub items: Vec<OrderItem>,
    /// Total as the shop formats it (e.g. "42.50").
    pub total: String,
    /// When it was placed (RFC 3339).
    pub placed_at: String,
}

/// A stored order.
#[derive(Debug, Clone, Serialize)]
pub struct OrderRecord {
    /// Order id.
    pub id: String,
    /// Status text.
    pub status: String,
    /// Tracking number.
    pub tracking: Option<String>,
    /// Lines.
    pub items: Vec<OrderItem>,
    /// Total.
    pub total: String,
    /// When it was placed.
    pub placed_at: String,
}

type CustomerRow = (String, String, Option<String>, String, String);
type OrderRow = (String, String, Option<String>, String, String, String);

impl Store {
    /// Creates or replaces a customer and records consent changes, all in one
    /// transaction with its audit entries. Returns whether it was created.
    pub async fn upsert_customer(
        &self,
        customer: &NewCustomer,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE customers SET name = $1, email = $2, locale = $3, attributes = $4, \
             updated_at = $5 WHERE id = $6",
        )
        .bind(&customer.name)
        .bind(customer.email.as_deref())
        .bind(customer.locale.code())
        .bind(serde_json::Value::Object(customer.attributes.clone()).to_string())
        .bind(now)
        .bind(customer.id.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let created = updated == 0;
        if created {
            sqlx::query(
                "INSERT INTO customers (id, name, email, locale, attributes, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6)",
            )
            .bind(customer.id.as_str())
            .bind(&customer.name)
            .bind(customer.email.as_deref())
            .bind(customer.locale.code())
            .bind(serde_json::Value::Object(customer.attributes.clone()).to_string())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        audit::record(
            &mut tx,
            AuditEvent {
                code: AuditCode::CustomerUpserted,
                actor,
                customer_id: Some(customer.id.as_str()),
                conversation_id: None,
                detail: serde_json::json!({ "created": created }),
            },
        )
        .await?;
        let current = current_consents(&mut tx, customer.id.as_str()).await?;
        for (purpose, granted) in [
            (Purpose::Personalization, customer.personalization),
            (Purpose::Marketing, customer.marketing),
        ] {
            if current.get(&purpose).copied() != Some(granted) {
                append_consent(&mut tx, customer.id.as_str(), purpose, granted, actor).await?;
            }
        }
        tx.commit().await?;
        Ok(created)
    }

    /// The customer profile, if stored.
    pub async fn customer(&self, id: &CustomerId) -> Result<Option<CustomerRecord>, StoreError> {
        let row: Option<CustomerRow> = sqlx::query_as(
            "SELECT id, name, email, locale, attributes FROM customers WHERE id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(id, name, email, locale, attributes)| {
            Ok(CustomerRecord {
                id,
                name,
                email,
                locale,
                attributes: serde_json::from_str(&attributes)
                    .map_err(|_| StoreError::Corrupt("customer attributes"))?,
            })
        })
        .transpose()
    }

    /// The customer's current consent per consentable purpose (absent = never given).
    pub async fn consents(&self, id: &CustomerId) -> Result<HashMap<Purpose, bool>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        current_consents(&mut conn, id.as_str()).await
    }

    /// Records that `customer` granted or withdrew consent to `purpose`.
    /// Appends to the consent history (with a `consent_changed` audit entry,
    /// in one transaction) only when the latest recorded state differs, and
    /// returns whether it did. `source` names the channel (`privacy_api`,
    /// `widget`, ...) and is also the audit actor. An unknown customer is
    /// `NotFound`; `Purpose::Support` takes no consent and is a `Conflict`.
    pub async fn set_consent(
        &self,
        customer: &CustomerId,
        purpose: Purpose,
        granted: bool,
        source: &str,
    ) -> Result<bool, StoreError> {
        if !Purpose::CONSENTABLE.contains(&purpose) {
            return Err(StoreError::Conflict("this purpose takes no consent"));
        }
        let mut tx = self.pool.begin().await?;
        // A no-op write first: it finds the customer and locks their row (the
        // SQLite write lock), so concurrent changes cannot both append.
        let found = sqlx::query("UPDATE customers SET updated_at = updated_at WHERE id = $1")
            .bind(customer.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if found == 0 {
            return Err(StoreError::NotFound("customer"));
        }
        let current = current_consents(&mut tx, customer.as_str()).await?;
        if current.get(&purpose).copied() == Some(granted) {
            return Ok(false);
        }
        append_consent(&mut tx, customer.as_str(), purpose, granted, source).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Creates or replaces an order. An order id already held by another
    /// customer is a conflict, never a silent move.
    pub async fn upsert_order(&self, order: &NewOrder, actor: &str) -> Result<bool, StoreError> {
        let items =
            serde_json::to_string(&order.items).map_err(|_| StoreError::Corrupt("order items"))?;
        let mut tx = self.pool.begin().await?;
        // A write first: it takes SQLite's write lock before anything is read,
        // so the transaction cannot fail upgrading a stale read snapshot.
        let customer_exists =
            sqlx::query("UPDATE customers SET updated_at = updated_at WHERE id = $1")
                .bind(order.customer_id.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if customer_exists == 0 {
            return Err(StoreError::NotFound("customer"));
        }
        let owner: Option<(String,)> =
            sqlx::query_as("SELECT customer_id FROM orders WHERE id = $1")
                .bind(order.id.as_str())
                .fetch_optional(&mut *tx)
                .await?;
        let created = match owner {
            Some((owner,)) if owner != order.customer_id.as_str() => {
                return Err(StoreError::Conflict("order id belongs to another customer"))
            }
            Some(_) => {
                sqlx::query(
                    "UPDATE orders SET status = $1, tracking = $2, items = $3, total = $4, \
                     placed_at = $5, updated_at = $6 WHERE id = $7",
                )
                .bind(&order.status)
                .bind(order.tracking.as_deref())
                .bind(&items)
                .bind(&order.total)
                .bind(&order.placed_at)
                .bind(now_ms())
                .bind(order.id.as_str())
                .execute(&mut *tx)
                .await?;
                false
            }
            None => {
                sqlx::query(
                    "INSERT INTO orders (id, customer_id, status, tracking, items, total, placed_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(order.id.as_str())
                .bind(order.customer_id.as_str())
                .bind(&order.status)
                .bind(order.tracking.as_deref())
                .bind(&items)
                .bind(&order.total)
                .bind(&order.placed_at)
                .bind(now_ms())
                .execute(&mut *tx)
                .await?;
                true
            }
        };
        audit::record(
            &mut tx,
            AuditEvent {
                code: AuditCode::OrderUpserted,
                actor,
                customer_id: Some(order.customer_id.as_str()),
                conversation_id: None,
                detail: serde_json::json!({ "order_id": order.id.as_str(), "created": created }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// The customer's orders, newest first.
    pub async fn orders(&self, customer: &CustomerId) -> Result<Vec<OrderRecord>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        orders_on(&mut conn, customer.as_str()).await
    }
}

/// The orders of `customer_id` on `conn` (a pooled connection or a
/// transaction), newest first.
pub(super) async fn orders_on(
    conn: &mut sqlx::AnyConnection,
    customer_id: &str,
) -> Result<Vec<OrderRecord>, StoreError> {
    let rows: Vec<OrderRow> = sqlx::query_as(
        "SELECT id, status, tracking, items, total, placed_at FROM orders \
         WHERE customer_id = $1 ORDER BY placed_at DESC, id",
    )
    .bind(customer_id)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, status, tracking, items, total, placed_at)| {
            Ok(OrderRecord {
                id,
                status,
                tracking,
                items: serde_json::from_str(&items)
                    .map_err(|_| StoreError::Corrupt("order items"))?,
                total,
                placed_at,
            })
        })
        .collect()
}

async fn current_consents(
    conn: &mut sqlx::AnyConnection,
    customer_id: &str,
) -> Result<HashMap<Purpose, bool>, StoreError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT c.purpose, c.granted FROM consents c WHERE c.customer_id = $1 AND c.id = \
         (SELECT MAX(id) FROM consents d WHERE d.customer_id = c.customer_id AND d.purpose = c.purpose)",
    )
    .bind(customer_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(purpose, granted)| Purpose::parse(&purpose).map(|p| (p, granted != 0)))
        .collect())
}

/// Notice version recorded with consent changes made through this build.
pub const NOTICE_VERSION: &str = "2026-11";

async fn append_consent(
    conn: &mut sqlx::AnyConnection,
    customer_id: &str,
    purpose: Purpose,
    granted: bool,
    source: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO consents (customer_id, purpose, granted, source, notice_version, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(customer_id)
    .bind(purpose.as_str())
    .bind(i64::from(granted))
    .bind(source)
    .bind(NOTICE_VERSION)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        AuditEvent {
            code: AuditCode::ConsentChanged,
            actor: source,
            customer_id: Some(customer_id),
            conversation_id: None,
            detail: serde_json::json!({ "purpose": purpose.as_str(), "granted": granted }),
        },
    )
    .await
}
