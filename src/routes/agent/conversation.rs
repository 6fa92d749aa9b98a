//! `GET /v1/agent/conversations/{id}`: transcript, the customer context an
//! agent may see, the handoff reason, a short summary and the handoff log.
//! Every view is audited.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::{conversation_id, AgentAuth};
use crate::app_state::AppState;
use crate::conversation::summarize;
use crate::domain::{CustomerId, Purpose};
use crate::routes::ApiError;
use crate::store::{AuditCode, AuditEvent, ConversationState};

/// 200 for a queued conversation or one the agent holds; 409 otherwise.
pub async fn get_conversation(
    agent: AgentAuth,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = conversation_id(&path)?;
    let record = state
        .store
        .conversation(&id)
        .await?
        .ok_or(ApiError::NotFound("conversation"))?;
    let mine = record.agent_id.as_deref() == Some(agent.0.id.as_str());
    if !(record.state == ConversationState::Queued || mine) {
        return Err(ApiError::Conflict(
            "this conversation is not assigned to you",
        ));
    }
    let transcript = state.store.messages_after(&id, 0).await?;
    let customer = match record.customer_id.as_deref().map(CustomerId::parse) {
        Some(Ok(customer_id)) => customer_context(&state, &customer_id).await?,
        _ => json!(null),
    };
    state
        .store
        .record_audit(AuditEvent {
            code: AuditCode::AgentViewedConversation,
            actor: &format!("agent:{}", agent.0.id),
            customer_id: record.customer_id.as_deref(),
            conversation_id: Some(id.as_str()),
            detail: json!({ "customer_context": !customer.is_null() }),
        })
        .await?;
    Ok(HttpResponse::Ok().json(json!({
        "conversation_id": id,
        "state": record.state,
        "locale": record.locale,
        "handoff_reason": record.handoff_reason,
        "summary": summarize(&transcript),
        "customer": customer,
        "transcript": transcript,
        "handoff_events": state.store.handoff_events(&id).await?,
    })))
}

/// Support-purpose context: profile, orders and the consent in force
/// (never given = false), protected attributes (the defaults and
/// `[personalization] extra_protected_fields`) removed.
async fn customer_context(
    state: &AppState,
    id: &CustomerId,
) -> Result<serde_json::Value, ApiError> {
    let Some(customer) = state.store.customer(id).await? else {
        return Ok(json!(null));
    };
    let orders = state.store.orders(id).await?;
    let consents = state.store.consents(id).await?;
    let consent = |purpose| consents.get(&purpose).copied().unwrap_or(false);
    Ok(json!({
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "locale": customer.locale,
        "attributes": state.protected_fields.strip(&customer.attributes),
        "orders": orders,
        "consent": {
            "personalization": consent(Purpose::Personalization),
            "marketing": consent(Purpose::Marketing),
        },
    }))
}
