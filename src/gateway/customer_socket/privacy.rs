//! The consent and data-rights frames, for a verified customer whose
//! signature may still exercise those rights: `consent`, `privacy_export`
//! and `privacy_erase`, all served through the conversation layer.

use super::{Connection, Gone};
use crate::domain::{ConversationId, CustomerId};
use crate::error::ErrorCode;
use crate::gateway::protocol::ServerFrame;
use crate::gateway::unix_now;
use crate::privacy::{ConsentChange, Requester};

impl Connection {
    /// The verified customer whose signature may still exercise data
    /// rights, or an error frame (`not_verified`, `signature_expired`,
    /// `signature_expiry_required`).
    async fn verified_customer(&mut self) -> Result<Option<CustomerId>, Gone> {
        let Some(customer) = self.customer.clone() else {
            self.send_error(
                ErrorCode::NotVerified,
                "only a verified customer can do this (send a signed hello)",
            )
            .await?;
            return Ok(None);
        };
        match self
            .ctx
            .signatures
            .check_rights(customer.signature, unix_now())
        {
            Ok(()) => Ok(Some(customer.id)),
            Err(error) => {
                self.send_error(error.code(), error.to_string()).await?;
                Ok(None)
            }
        }
    }

    pub(super) async fn on_consent(
        &mut self,
        conversation: &ConversationId,
        change: ConsentChange,
    ) -> Result<(), Gone> {
        let Some(customer) = self.verified_customer().await? else {
            return Ok(());
        };
        match self
            .ctx
            .conversations
            .change_consent_from_chat(conversation, &customer, change)
            .await
        {
            Ok(outcome) => {
                let frame = ServerFrame::Consent {
                    personalization: outcome.personalization,
                    marketing: outcome.marketing,
                };
                self.send(&frame).await
            }
            Err(error) => {
                self.send_error(error.code(), "the consent change could not be saved")
                    .await
            }
        }
    }

    pub(super) async fn on_privacy_export(&mut self) -> Result<(), Gone> {
        let Some(customer) = self.verified_customer().await? else {
            return Ok(());
        };
        match self
            .ctx
            .conversations
            .export_customer(&customer, Requester::Customer)
            .await
        {
            Ok(data) => self.send(&ServerFrame::PrivacyExport { data }).await,
            Err(error) => {
                self.send_error(error.code(), "the export could not be prepared")
                    .await
            }
        }
    }

    /// Erases the verified customer; the conversation goes with it, so the
    /// socket closes after confirming.
    pub(super) async fn on_privacy_erase(&mut self) -> Result<(), Gone> {
        let Some(customer) = self.verified_customer().await? else {
            return Ok(());
        };
        match self
            .ctx
            .conversations
            .erase_customer(&customer, Requester::Customer)
            .await
        {
            Ok(_) => {
                self.send(&ServerFrame::PrivacyErased {}).await?;
                Err(Gone)
            }
            Err(error) => {
                self.send_error(error.code(), "the erasure could not be completed")
                    .await
            }
        }
    }
}
