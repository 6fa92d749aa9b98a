//! One AI turn: history to prompt, prompt to engine, streamed deltas to the
//! hub, and the finished reply into the store before anyone sees it as a
//! `message`. Overload and failure become honest notices, never silence.

use std::sync::Arc;

use super::service::HISTORY_MESSAGES;
use super::{ConversationEvent, ConversationService};
use crate::domain::Purpose;
use crate::domain::{ConversationId, Locale};
use crate::engine::{EngineError, EngineEvent, GenerationRequest};
use crate::guard::phrases::Intent;
use crate::guard::{AllowedIdentifiers, GuardReport, OutputGuard, Promotions};
use crate::store::{ConversationState, NewMessage, Sender};

impl ConversationService {
    /// Answers the latest customer message, one turn per conversation at a time.
    #[tracing::instrument(skip_all, fields(conversation_id = %conversation))]
    pub(super) async fn ai_turn(self: Arc<Self>, conversation: ConversationId, locale: Locale) {
        let lock = self.turn_lock(&conversation);
        {
            let _turn = lock.lock().await;
            if let Err(error) = self.run_turn(&conversation, locale).await {
                tracing::error!(error = %error, "AI turn failed");
            }
        }
        drop(lock);
        self.forget_idle_lock(&conversation);
    }

    async fn run_turn(
        &self,
        conversation: &ConversationId,
        locale: Locale,
    ) -> Result<(), super::ConversationError> {
        // A human may have taken over while this turn waited.
        let record = match self.store.conversation(conversation).await? {
            Some(record) if record.state == ConversationState::Bot => record,
            _ => return Ok(()),
        };
        let texts = self.notices.get(locale);
        let history = self
            .store
            .recent_messages(conversation, HISTORY_MESSAGES)
            .await?;
        let question = history
            .iter()
            .rev()
            .find(|m| m.sender == Sender::Customer)
            .map(|m| m.text.as_str());
        let context = self
            .consented_context(&record, question.unwrap_or_default())
            .await?;
        let mut why = context.why().clone();
        why.sources.push("shop_policies".into());
        let messages = match self.prompts.build(&texts.language_name, &context, &history) {
            Ok(messages) => messages,
            Err(error) => {
                tracing::error!(%error, "prompt could not be built");
                return self.post_notice(conversation, &texts.engine_failed).await;
            }
        };
        let request = GenerationRequest {
            messages,
            sampling: self.sampling.clone(),
            cache_key: Some(conversation.to_string()),
        };
        let mut stream = match self.engine.submit(request) {
            Ok(stream) => stream,
            Err(EngineError::Busy) => {
                tracing::warn!("engine queue full");
                return self.post_notice(conversation, &texts.busy).await;
            }
            Err(error) => {
                tracing::error!(%error, "engine refused the request");
                return self.post_notice(conversation, &texts.engine_failed).await;
            }
        };
        let id = uuid::Uuid::new_v4().to_string();
        // Only the consented context and the shop's policies vouch for an
        // identifier: an order id or email the visitor typed proves nothing
        // about whose it is, so the reply may not repeat it.
        let allowed = AllowedIdentifiers::from_texts(
            context
                .prompt_lines()
                .iter()
                .map(String::as_str)
                .chain([self.prompts.policies()]),
        );
        // Promotions only with marketing consent for this turn, and never
        // while a complaint is open (no upsell to an unhappy customer).
        let complaint_open = record.handoff_reason.is_some()
            || history
                .iter()
                .rev()
                .filter(|m| m.sender == Sender::Customer)
                .take(6)
                .any(|m| self.phrases.detect(locale, &m.text) == Some(Intent::Dissatisfied));
        let promotions = if why.purposes.contains(&Purpose::Marketing) && !complaint_open {
            Promotions::Labelled(&texts.promo_label)
        } else {
            Promotions::Forbidden
        };
        let mut guard = OutputGuard::new(&self.output_rules, locale, &texts.ai_reminder, allowed)
            .with_promotions(promotions);
        let mut finished = false;
        let mut held = HeldBack::default();
        while let Some(event) = stream.recv().await {
            match event {
                EngineEvent::Delta(text) => {
                    held.model_spoke();
                    if let Some(text) = guard.push(&text) {
                        self.publish_delta(conversation, &id, text, held.released());
                    }
                }
                EngineEvent::Done(_) => {
                    finished = true;
                    break;
                }
                EngineEvent::Failed(error) => {
                    tracing::error!(%error, "generation failed");
                    break;
                }
            }
        }
        if !finished {
            return self.post_notice(conversation, &texts.engine_failed).await;
        }
        if let Some(text) = guard.finish() {
            self.publish_delta(conversation, &id, text, held.released());
        }
        let report = guard.report();
        if *report != GuardReport::default() {
            tracing::warn!(
                human_claims = report.human_claims,
                urgency_removed = report.urgency_removed,
                identifiers_redacted = report.identifiers_redacted,
                promotions_removed = report.promotions_removed,
                "output guard changed a reply"
            );
        }
        let mut reply = guard.text().to_owned();
        if reply.trim().is_empty() {
            let fallback = texts.empty_reply.clone();
            self.publish_delta(conversation, &id, fallback.clone(), held.released());
            reply.push_str(&fallback);
        }
        let stored = self
            .store
            .append_message(NewMessage {
                id,
                conversation_id: conversation,
                sender: Sender::Ai,
                text: &reply,
                client_id: None,
                why: Some(why.to_json()),
            })
            .await?;
        self.hub.publish(
            conversation,
            ConversationEvent::Message(stored.message().clone()),
        );
        Ok(())
    }

    fn publish_delta(
        &self,
        conversation: &ConversationId,
        id: &str,
        text: String,
        held_ms: Option<u64>,
    ) {
        self.hub.publish(
            conversation,
            ConversationEvent::Delta {
                id: id.to_owned(),
                text,
                held_ms,
            },
        );
    }

    /// Stores and announces one of Candor's own notices.
    pub(super) async fn post_notice(
        &self,
        conversation: &ConversationId,
        text: &str,
    ) -> Result<(), super::ConversationError> {
        let stored = self
            .store
            .append_message(NewMessage {
                id: uuid::Uuid::new_v4().to_string(),
                conversation_id: conversation,
                sender: Sender::System,
                text,
                client_id: None,
                why: None,
            })
            .await?;
        self.hub.publish(
            conversation,
            ConversationEvent::Message(stored.message().clone()),
        );
        Ok(())
    }

    fn turn_lock(&self, conversation: &ConversationId) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.turn_locks.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(locks.entry(conversation.clone()).or_default())
    }

    fn forget_idle_lock(&self, conversation: &ConversationId) {
        let mut locks = self.turn_locks.lock().unwrap_or_else(|p| p.into_inner());
        if locks
            .get(conversation)
            .is_some_and(|l| Arc::strong_count(l) == 1)
        {
            locks.remove(conversation);
        }
    }
}

/// How long the output guard kept the model's first words from the
/// customer: reported once, on the reply's first delta.
#[derive(Default)]
struct HeldBack {
    first_token: Option<std::time::Instant>,
    reported: bool,
}

impl HeldBack {
    fn model_spoke(&mut self) {
        self.first_token.get_or_insert_with(std::time::Instant::now);
    }

    /// Milliseconds since the first token, the first time text goes out.
    fn released(&mut self) -> Option<u64> {
        if self.reported {
            return None;
        }
        self.reported = true;
        Some(self.first_token.map_or(0, |t| {
            u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX)
        }))
    }
}
