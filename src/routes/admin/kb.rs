//! `/v1/admin/kb`: the shop's knowledge base.
//!
//! - `PUT /v1/admin/kb/{entry_id}` `{"title","text","locale"}` -> 201 created
//!   / 200 replaced, `{"id","created"}`. Text or a title holding a
//!   credential value (a password, key or token) is refused with 400
//!   `credential_in_text`: entries reach prompts and replies.
//! - `DELETE /v1/admin/kb/{entry_id}` -> 200 `{"id","deleted":true}`, then 404.
//! - `GET /v1/admin/kb` -> `{"entries":[{"id","title","text","locale","updated_at"}]}`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::app_state::AppState;
use crate::error::ErrorCode;
use crate::knowledge::{
    parse_locale, EntryError, EntrySource, KbEntryId, KnowledgeError, NewKbEntry,
};
use crate::prompt::credentials::is_credential_line;
use crate::routes::auth::Admin;
use crate::routes::ApiError;

/// Request body of `PUT`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryBody {
    title: String,
    text: String,
    locale: String,
}

fn entry_id(raw: &str) -> Result<KbEntryId, ApiError> {
    KbEntryId::parse(raw).map_err(|e| ApiError::invalid(ErrorCode::InvalidEntryId, e.to_string()))
}

fn api_error(error: KnowledgeError) -> ApiError {
    match error {
        KnowledgeError::Store(e) => e.into(),
        other => ApiError::Internal(other.into()),
    }
}

impl EntryBody {
    fn into_new_entry(self, id: KbEntryId) -> Result<NewKbEntry, ApiError> {
        let locale = parse_locale(&self.locale).ok_or_else(|| {
            ApiError::invalid(
                ErrorCode::InvalidLocale,
                "locale must be one of en es fr de pt it nl",
            )
        })?;
        let entry = NewKbEntry::new(id, &self.title, &self.text, locale, EntrySource::Api)
            .map_err(|e| match e {
                EntryError::Title => ApiError::invalid(ErrorCode::InvalidTitle, e.to_string()),
                EntryError::Text => ApiError::invalid(ErrorCode::InvalidText, e.to_string()),
            })?;
        let lines = std::iter::once(entry.title()).chain(entry.text().lines());
        if let Some(line) = lines.clone().position(is_credential_line) {
            let place = if line == 0 {
                "the title".to_owned()
            } else {
                format!("line {line} of the text")
            };
            return Err(ApiError::invalid(
                ErrorCode::CredentialInText,
                format!("{place} holds a credential value (a password, key or token); knowledge-base text reaches customers"),
            ));
        }
        Ok(entry)
    }
}

/// 201 when created, 200 when replaced.
pub async fn put_entry(
    _admin: Admin,
    path: web::Path<String>,
    body: web::Json<EntryBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = entry_id(&path)?;
    let entry = body.into_inner().into_new_entry(id.clone())?;
    let created = state
        .knowledge
        .put(&entry, "admin")
        .await
        .map_err(api_error)?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(serde_json::json!({ "id": id, "created": created })))
}

/// 200, or 404 `not_found` when there is no such entry.
pub async fn delete_entry(
    _admin: Admin,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = entry_id(&path)?;
    state
        .knowledge
        .delete(&id, "admin")
        .await
        .map_err(api_error)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "id": id, "deleted": true })))
}

/// Every entry, by id.
pub async fn list_entries(
    _admin: Admin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let entries = state.knowledge.list().await.map_err(api_error)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "entries": entries })))
}
