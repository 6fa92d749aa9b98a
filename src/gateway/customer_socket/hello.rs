//! The `hello` frame: verifies the customer's signature, opens (or
//! resumes) the conversation, sends `welcome` and replays the backlog.

use super::{Connection, Gone, SentSeqs, VerifiedCustomer};
use crate::conversation::{ConversationError, OpenRequest, Resume};
use crate::domain::{ConversationId, CustomerId, Locale};
use crate::error::ErrorCode;
use crate::gateway::protocol::{ConsentState, CustomerClaim, ServerFrame};
use crate::gateway::{unix_now, SignatureError};

impl Connection {
    pub(super) async fn on_hello(
        &mut self,
        locale: Option<&str>,
        customer: Option<CustomerClaim>,
        conversation_id: Option<String>,
        last_seq: Option<i64>,
    ) -> Result<(), Gone> {
        let locale = Locale::from_tag(locale);
        let (verified, refused) = match customer.map(|c| self.verify(&c)) {
            None => (None, None),
            Some(Ok(customer)) => (Some(customer), None),
            Some(Err(error)) => (None, Some(error)),
        };
        let resume = match conversation_id.as_deref().map(ConversationId::parse) {
            None => None,
            Some(Ok(conversation_id)) => Some(Resume {
                conversation_id,
                last_seq: last_seq.unwrap_or(0).max(0),
            }),
            Some(Err(_)) => {
                return self
                    .send_error(
                        ErrorCode::InvalidFrame,
                        "hello: conversation_id is not a valid id",
                    )
                    .await;
            }
        };
        let opened = match self
            .ctx
            .conversations
            .open(OpenRequest {
                locale,
                customer: verified.as_ref().map(|c| c.id.clone()),
                resume,
            })
            .await
        {
            Ok(opened) => opened,
            Err(error) => {
                tracing::error!(%error, "could not open a conversation");
                return self
                    .send_error(error.code(), "the conversation could not be opened")
                    .await;
            }
        };
        self.sent = SentSeqs::up_to(
            opened
                .backlog
                .first()
                .map_or(opened.record.last_seq, |m| m.seq - 1),
        );
        self.conversation = Some(opened.record.id.clone());
        self.customer = verified.clone();
        self.events = Some(opened.events);
        let consent = match &verified {
            Some(customer) => self
                .ctx
                .conversations
                .consent_in_force(&customer.id)
                .await
                .ok()
                .map(|(personalization, marketing)| ConsentState {
                    personalization,
                    marketing,
                }),
            None => None,
        };
        self.send(&ServerFrame::Welcome {
            conversation_id: opened.record.id.to_string(),
            ai: true,
            disclosure: opened.disclosure,
            state: opened.record.state.as_str().into(),
            locale: locale.code().into(),
            verified: verified.is_some(),
            last_seq: opened.record.last_seq,
            consent,
        })
        .await?;
        if let Some(error) = refused {
            let message = match error {
                SignatureError::Expired => {
                    "the customer signature has expired; continuing as an anonymous visitor"
                }
                _ => "the customer signature is not valid; continuing as an anonymous visitor",
            };
            self.send_error(error.code(), message).await?;
        }
        if let Some(refused) = opened.resume_refused {
            let message = match refused {
                ConversationError::NotYours => {
                    "that conversation belongs to someone else; a new one was started"
                }
                _ => "that conversation does not exist; a new one was started",
            };
            self.send_error(refused.code(), message).await?;
        }
        for message in &opened.backlog {
            self.send_message(message).await?;
        }
        Ok(())
    }

    fn verify(&self, claim: &CustomerClaim) -> Result<VerifiedCustomer, SignatureError> {
        let id = CustomerId::parse(&claim.id).map_err(|_| SignatureError::Invalid)?;
        let signature = self.ctx.signatures.verify_claim(
            id.as_str(),
            &claim.signature,
            claim.expires,
            unix_now(),
        )?;
        Ok(VerifiedCustomer { id, signature })
    }
}
