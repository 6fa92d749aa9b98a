//! `PUT /v1/admin/customers/{id}/orders/{order_id}`: create or replace an order.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::app_state::AppState;
use crate::domain::{CustomerId, OrderId};
use crate::error::ErrorCode;
use crate::routes::auth::Admin;
use crate::routes::ApiError;
use crate::store::{NewOrder, OrderItem};

/// Request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderBody {
    status: String,
    tracking: Option<String>,
    items: Vec<OrderItem>,
    total: Total,
    placed_at: String,
}

/// A total given as a JSON number or a string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Total {
    Number(serde_json::Number),
    Text(String),
}

const MAX_FIELD_CHARS: usize = 200;
const MAX_ITEMS: usize = 500;

fn short_text(field: &'static str, code: ErrorCode, value: &str) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > MAX_FIELD_CHARS {
        return Err(ApiError::invalid(
            code,
            format!("{field} must be 1-{MAX_FIELD_CHARS} characters"),
        ));
    }
    Ok(value.to_owned())
}

impl OrderBody {
    fn into_new_order(self, id: OrderId, customer_id: CustomerId) -> Result<NewOrder, ApiError> {
        let total = match self.total {
            Total::Number(n) => n.to_string(),
            Total::Text(t) => t.trim().to_owned(),
        };
        if total
            .parse::<f64>()
            .map_or(true, |t| !t.is_finite() || t < 0.0)
        {
            return Err(ApiError::invalid(
                ErrorCode::InvalidTotal,
                "total must be a non-negative number",
            ));
        }
        if self.placed_at.parse::<jiff::Timestamp>().is_err() {
            return Err(ApiError::invalid(
                ErrorCode::InvalidPlacedAt,
                "placed_at must be an RFC 3339 timestamp",
            ));
        }
        if self.items.len() > MAX_ITEMS {
            return Err(ApiError::invalid(
                ErrorCode::InvalidItems,
                format!("at most {MAX_ITEMS} items"),
            ));
        }
        let items = self
            .items
            .into_iter()
            .map(|item| {
                Ok(OrderItem {
                    name: short_text("item name", ErrorCode::InvalidItems, &item.name)?,
                    qty: item.qty,
                })
            })
            .collect::<Result<_, ApiError>>()?;
        Ok(NewOrder {
            id,
            customer_id,
            status: short_text("status", ErrorCode::InvalidStatus, &self.status)?,
            tracking: self
                .tracking
                .filter(|t| !t.trim().is_empty())
                .map(|t| short_text("tracking", ErrorCode::InvalidTracking, &t))
                .transpose()?,
            items,
            total,
            placed_at: self.placed_at,
        })
    }
}

/// 201 when created, 200 when replaced, 404 for an unknown customer, 409
/// when the order id belongs to another customer.
pub async fn put_order(
    _admin: Admin,
    path: web::Path<(String, String)>,
    body: web::Json<OrderBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (customer, order) = path.into_inner();
    let customer = CustomerId::parse(&customer)
        .map_err(|e| ApiError::invalid(ErrorCode::InvalidCustomerId, e.to_string()))?;
    let order = OrderId::parse(&order)
        .map_err(|e| ApiError::invalid(ErrorCode::InvalidOrderId, e.to_string()))?;
    let new_order = body.into_inner().into_new_order(order.clone(), customer)?;
    let created = state.store.upsert_order(&new_order, "admin").await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(serde_json::json!({ "id": order, "created": created })))
}
