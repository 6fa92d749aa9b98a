//! Consent changes asked for in the chat: applied to the verified customer's
//! consent history, and confirmed in a stored notice in the conversation.

use super::{ConversationError, ConversationService};
use crate::domain::{ConversationId, CustomerId, Purpose};
use crate::guard::LocaleTexts;
use crate::privacy::{change_consent, ConsentChange, ConsentOutcome, PrivacyError};

impl ConversationService {
    /// Applies `change` for `customer` (source `widget`) and tells the
    /// conversation, in the visitor's language, what is now in force.
    pub async fn change_consent_from_chat(
        &self,
        conversation: &ConversationId,
        customer: &CustomerId,
        change: ConsentChange,
    ) -> Result<ConsentOutcome, ConversationError> {
        let outcome = change_consent(&self.store, customer, change, "widget")
            .await
            .map_err(|e| match e {
                PrivacyError::UnknownCustomer => ConversationError::UnknownCustomer,
                PrivacyError::Store(e) => ConversationError::Store(e),
            })?;
        for purpose in &outcome.changed {
            self.metrics
                .consent_changed(*purpose, outcome.granted(*purpose));
        }
        let locale = self
            .store
            .conversation(conversation)
            .await?
            .map(|r| r.locale)
            .unwrap_or(crate::domain::Locale::En);
        let texts = self.notices.get(locale);
        let word = |on: bool| {
            if on {
                texts.consent_on.as_str()
            } else {
                texts.consent_off.as_str()
            }
        };
        let notice = LocaleTexts::fill(
            &LocaleTexts::fill(
                &texts.consent_updated,
                "personalization",
                word(outcome.personalization),
            ),
            "marketing",
            word(outcome.marketing),
        );
        self.post_notice(conversation, &notice).await?;
        Ok(outcome)
    }

    /// The consent in force for `customer` (never given = false), for the
    /// widget's privacy menu: `(personalization, marketing)`.
    pub async fn consent_in_force(
        &self,
        customer: &CustomerId,
    ) -> Result<(bool, bool), ConversationError> {
        let consents = self.store.consents(customer).await?;
        let get = |purpose| consents.get(&purpose).copied().unwrap_or(false);
        Ok((get(Purpose::Personalization), get(Purpose::Marketing)))
    }
}
