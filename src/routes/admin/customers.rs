//! `PUT /v1/admin/customers/{id}`: create or replace a customer profile.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::app_state::AppState;
use crate::domain::{CustomerId, Locale};
use crate::error::ErrorCode;
use crate::routes::auth::Admin;
use crate::routes::ApiError;
use crate::store::NewCustomer;

/// Request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerBody {
    name: String,
    email: Option<String>,
    locale: Option<String>,
    #[serde(default)]
    attributes: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    consent: ConsentBody,
}

/// Consent flags in the body; absent flags mean "not given".
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    #[serde(default)]
    personalization: bool,
    #[serde(default)]
    marketing: bool,
}

const MAX_NAME_CHARS: usize = 200;
const MAX_EMAIL_CHARS: usize = 254;

impl CustomerBody {
    fn into_new_customer(self, id: CustomerId) -> Result<NewCustomer, ApiError> {
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(ApiError::invalid(
                ErrorCode::InvalidName,
                format!("name must be 1-{MAX_NAME_CHARS} characters"),
            ));
        }
        let email = self
            .email
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty());
        if let Some(email) = &email {
            let plausible = email.chars().count() <= MAX_EMAIL_CHARS
                && email
                    .split_once('@')
                    .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
                && !email.chars().any(char::is_whitespace);
            if !plausible {
                return Err(ApiError::invalid(
                    ErrorCode::InvalidEmail,
                    "email is not a valid address",
                ));
            }
        }
        Ok(NewCustomer {
            id,
            name,
            email,
            locale: Locale::from_tag(self.locale.as_deref()),
            attributes: self.attributes,
            personalization: self.consent.personalization,
            marketing: self.consent.marketing,
        })
    }
}

/// 201 when created, 200 when replaced.
pub async fn put_customer(
    _admin: Admin,
    path: web::Path<String>,
    body: web::Json<CustomerBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = CustomerId::parse(&path)
        .map_err(|e| ApiError::invalid(ErrorCode::InvalidCustomerId, e.to_string()))?;
    let customer = body.into_inner().into_new_customer(id.clone())?;
    let created = state.store.upsert_customer(&customer, "admin").await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(serde_json::json!({ "id": id, "created": created })))
}
