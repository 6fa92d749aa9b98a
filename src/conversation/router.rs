//! Who handles a customer message while the AI is in charge. Deterministic
//! checks run before the model: "are you a human?" gets the truth first
//! (then the queue, if the same message asks for a person), a request for
//! a person queues the conversation, "why did you say that?"
//! gets an explanation built from the stored `why` record, signs that the AI
//! is not helping offer a person; anything else goes to the model.

use std::sync::Arc;

use super::{ConversationError, ConversationService};
use crate::domain::ConversationId;
use crate::guard::phrases::{normalize, Intent};
use crate::metrics::GuardKind;
use crate::personalization::{asks_why, cited_entries, explain, WhyRecord};
use crate::store::{ConversationRecord, Sender, StoredMessage};

impl ConversationService {
    /// Routes a stored customer message of a conversation the AI answers.
    pub(super) async fn route_bot_message(
        self: &Arc<Self>,
        record: &ConversationRecord,
        message: &StoredMessage,
    ) -> Result<(), ConversationError> {
        let texts = self.notices.get(record.locale);
        // Identity questions and role-play set-ups get the truth, never the
        // model, and the truth comes first: a message that also asks for a
        // person, beside the question, is queued right after it ("are you a
        // bot? get me a human"; not "are you a real person?").
        if self.identity.detect(record.locale, &message.text) == Some(Intent::Identity) {
            self.metrics
                .guard_intervened(GuardKind::IdentityQuestion, 1);
            self.post_notice(&record.id, &texts.identity_answer).await?;
            let rest = self.handoff_phrases.detect_outside(
                record.locale,
                &message.text,
                &self.identity,
                Intent::Identity,
            );
            if rest == Some(Intent::Human) {
                self.request_handoff(&record.id, "customer_asked").await?;
            }
            return Ok(());
        }
        match self.handoff_phrases.detect(record.locale, &message.text) {
            Some(Intent::Human) => {
                self.request_handoff(&record.id, "customer_asked").await?;
                return Ok(());
            }
            Some(Intent::Dissatisfied) => {
                return self.post_notice(&record.id, &texts.offer_human).await
            }
            Some(Intent::Identity | Intent::Claim | Intent::Urgency | Intent::Promo) | None => {}
        }
        if asks_why(&self.notices, record.locale, &message.text) {
            let why = self.last_ai_why(&record.id).await?;
            let mut titles = Vec::new();
            for id in why.as_ref().map(cited_entries).unwrap_or_default() {
                let title = self.answers.knowledge.title(id).await;
                titles.push(title.unwrap_or_else(|| id.to_owned()));
            }
            return self
                .post_notice(&record.id, &explain(texts, why.as_ref(), &titles))
                .await;
        }
        if self.asked_again_after_answer(&record.id, message).await? {
            return self.post_notice(&record.id, &texts.offer_human).await;
        }
        let service = Arc::clone(self);
        let (conversation, locale) = (record.id.clone(), record.locale);
        // Counted until it ends, so a shutdown lets it finish (or cuts it).
        let turn = self.lifecycle.turn_started();
        tokio::spawn(async move {
            let _turn = turn;
            service.ai_turn(conversation, locale).await
        });
        Ok(())
    }

    /// The `why` record of the latest AI reply, if any.
    async fn last_ai_why(
        &self,
        conversation: &ConversationId,
    ) -> Result<Option<WhyRecord>, ConversationError> {
        let recent = self
            .store
            .recent_messages(conversation, super::service::HISTORY_MESSAGES)
            .await?;
        Ok(recent
            .iter()
            .rev()
            .find(|m| m.sender == Sender::Ai)
            .map(|m| {
                m.why
                    .as_ref()
                    .and_then(|w| serde_json::from_value(w.clone()).ok())
                    .unwrap_or_default()
            }))
    }

    /// The same question as the last one, right after the AI answered it.
    async fn asked_again_after_answer(
        &self,
        conversation: &ConversationId,
        message: &StoredMessage,
    ) -> Result<bool, ConversationError> {
        let recent = self.store.recent_messages(conversation, 6).await?;
        let mut earlier = recent.iter().rev().filter(|m| m.seq < message.seq);
        let Some(previous) = earlier.next() else {
            return Ok(false);
        };
        if previous.sender != Sender::Ai {
            return Ok(false);
        }
        let last_question = earlier.find(|m| m.sender == Sender::Customer);
        Ok(last_question.is_some_and(|q| normalize(&q.text) == normalize(&message.text)))
    }
}
