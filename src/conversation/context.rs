//! Building the consented context of a turn: the verified customer's own
//! data, for the purposes the question needs and they consented to.
//! Every use of customer data for a prompt is audited with its purposes.

use super::{ConversationError, ConversationService};
use crate::domain::CustomerId;
use crate::personalization::{contains_token, ConsentedContext};
use crate::store::{AuditCode, AuditEvent, ConversationRecord};

impl ConversationService {
    /// The context for answering `question` in `record`'s conversation.
    /// Anonymous and unverified visitors get [`ConsentedContext::none`].
    pub(super) async fn consented_context(
        &self,
        record: &ConversationRecord,
        question: &str,
    ) -> Result<ConsentedContext, ConversationError> {
        let Some(id) = record
            .customer_id
            .as_deref()
            .and_then(|c| CustomerId::parse(c).ok())
        else {
            return Ok(ConsentedContext::none());
        };
        let Some(customer) = self.store.customer(&id).await? else {
            return Ok(ConsentedContext::none());
        };
        let orders = self.store.orders(&id).await?;
        let order_ids: Vec<String> = orders.iter().map(|o| o.id.clone()).collect();
        let purposes = self.personalization.keywords.detect(question, &order_ids);
        if purposes.is_empty() {
            return Ok(ConsentedContext::none());
        }
        let consents = self.store.consents(&id).await?;
        let upper = question.to_uppercase();
        let named: Vec<String> = order_ids
            .into_iter()
            .filter(|o| contains_token(&upper, &o.to_uppercase()))
            .collect();
        let context = ConsentedContext::assemble(
            &customer,
            &orders,
            &consents,
            &purposes,
            &named,
            &self.personalization.policy,
        );
        if !context.is_empty() {
            let why = context.why();
            self.store
                .record_audit(AuditEvent {
                    code: AuditCode::ContextRead,
                    actor: "system",
                    customer_id: Some(id.as_str()),
                    conversation_id: Some(record.id.as_str()),
                    detail: serde_json::json!({ "purposes": why.purposes, "fields": why.fields, "records": why.records }),
                })
                .await?;
        }
        Ok(context)
    }
}
