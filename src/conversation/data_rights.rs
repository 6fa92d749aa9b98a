//! The customer's data rights as the conversation layer offers them to the
//! edges: export reads through the privacy room; erasure makes the store
//! forget the customer, and so does the engine (its caches hold the
//! conversations' text in memory).

use super::service::ConversationService;
use crate::domain::CustomerId;
use crate::privacy::{self, PrivacyError, Requester};
use crate::store::ErasureCounts;

impl ConversationService {
    /// Everything held about `customer` (see [`privacy::export_customer`]).
    pub async fn export_customer(
        &self,
        customer: &CustomerId,
        requester: Requester,
    ) -> Result<serde_json::Value, PrivacyError> {
        privacy::export_customer(&self.store, customer, requester).await
    }

    /// Erases `customer` (see [`privacy::erase_customer`]) and drops the
    /// engine's caches of their conversations.
    pub async fn erase_customer(
        &self,
        customer: &CustomerId,
        requester: Requester,
    ) -> Result<ErasureCounts, PrivacyError> {
        let conversations = self.store.conversation_ids_of(customer).await?;
        let counts = privacy::erase_customer(&self.store, customer, requester).await?;
        for conversation in &conversations {
            self.forget_everywhere(conversation.as_str());
        }
        Ok(counts)
    }
}
