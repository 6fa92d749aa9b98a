//! One AI turn: the answer plan decides what can be stated from the shop's
//! data; a written answer is stored and sent as it is, otherwise the model
//! answers from the retrieved entries (see `model_reply.rs`). The reply is
//! in the store before anyone sees it as a `message`.

use std::sync::Arc;

use super::service::HISTORY_MESSAGES;
use super::{ConversationEvent, ConversationService};
use crate::answer::{
    id_tokens, plan_turn, AccountAsk, Asker, DeliveryTimes, OrderField, Plan, TurnInput, Written,
};
use crate::domain::{ConversationId, CustomerId, Locale};
use crate::guard::phrases::normalize;
use crate::metrics::AnswerPath;
use crate::personalization::{AnswerKind, SupportOrders, WhyRecord};
use crate::store::{AuditCode, AuditEvent, ConversationState, NewMessage, Sender, StoredMessage};

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
        let started = std::time::Instant::now();
        // A human may have taken over while this turn waited.
        let record = match self.store.conversation(conversation).await? {
            Some(record) if record.state == ConversationState::Bot => record,
            _ => return Ok(()),
        };
        let history = self
            .store
            .recent_messages(conversation, HISTORY_MESSAGES)
            .await?;
        let Some(question) = history
            .iter()
            .rev()
            .find(|m| m.sender == Sender::Customer)
            .map(|m| m.text.clone())
        else {
            return Ok(());
        };
        let texts = &self.notices.get(locale).answers;
        let lexicon = &self.answers.lexicon;
        let customer = record
            .customer_id
            .as_deref()
            .and_then(|c| CustomerId::parse(c).ok());
        let orders = match &customer {
            Some(id) => self.support_orders(id).await?,
            None => None,
        };
        let cues = lexicon.cues(locale, &question);
        let suggestions = lexicon.asks_for_suggestions(locale, &question);
        // "Can you recommend something based on what I bought?" asks for a
        // suggestion, not for an order fact (unless it names an order).
        let ask = if suggestions && id_tokens(&question).is_empty() {
            None
        } else {
            AccountAsk::classify(
                &question,
                &cues,
                &previous_orders(&history),
                orders.as_ref().map(SupportOrders::orders),
            )
        };
        // Searched with chat spellings expanded ("hw long b4" → "how long before").
        let retrieved = self
            .answers
            .knowledge
            .retrieve(locale, &normalize(&question))
            .await;
        let asker = match (&customer, &orders) {
            (Some(_), Some(orders)) => Asker::Verified(orders.orders()),
            // A signed-in customer whose orders the shop keeps from support
            // gets the same answer as a visitor: nothing can be looked up.
            _ => Asker::Anonymous,
        };
        let delivery_question = lexicon.delivery_question(locale);
        let delivery = match &ask {
            Some(ask) if ask.fields.contains(&OrderField::Arrival) => {
                self.answers
                    .knowledge
                    .retrieve(locale, delivery_question)
                    .await
                    .passages
            }
            _ => Vec::new(),
        };
        let input = TurnInput {
            texts,
            question: &question,
            ask: ask.as_ref(),
            open_ended: lexicon.is_smalltalk(locale, &question) || suggestions,
            asker,
            retrieved: &retrieved,
            delivery: DeliveryTimes {
                question: delivery_question,
                passages: &delivery,
            },
            settings: &self.answers.settings,
        };
        let mut plan = plan_turn(input);
        // A follow-up ("and how much would that cost?") that the knowledge
        // base cannot answer alone is asked again together with the
        // customer's previous question; only a quote from the shop's own
        // text is taken from that second try.
        if ask.is_none() && is_dont_know(&plan) {
            if let Some(previous) = previous_question(&history) {
                let joined = format!("{previous}\n{question}");
                let retrieved = self
                    .answers
                    .knowledge
                    .retrieve(locale, &normalize(&joined))
                    .await;
                let retry = plan_turn(TurnInput {
                    question: &joined,
                    retrieved: &retrieved,
                    ..input
                });
                if matches!(&retry, Plan::Written(w) if w.kind == AnswerKind::Knowledge) {
                    plan = retry;
                }
            }
        }
        let (answer, result) = match plan {
            Plan::Written(written) => (
                AnswerPath::Written,
                self.send_written(conversation, customer.as_ref(), written)
                    .await,
            ),
            Plan::Model { passages } => (
                AnswerPath::Model,
                self.model_reply(&record, locale, &history, &passages).await,
            ),
        };
        if result.is_ok() {
            self.metrics.reply_finished(answer, started.elapsed());
        }
        result
    }

    /// The customer's orders, if the shop lets support read them.
    async fn support_orders(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<SupportOrders>, super::ConversationError> {
        if self.store.customer(customer).await?.is_none() {
            return Ok(None);
        }
        let orders = self.store.orders(customer).await?;
        Ok(SupportOrders::clear(orders, &self.personalization.policy))
    }

    /// Stores and sends an answer written from the shop's data, auditing
    /// the orders it read.
    async fn send_written(
        &self,
        conversation: &ConversationId,
        customer: Option<&CustomerId>,
        written: Written,
    ) -> Result<(), super::ConversationError> {
        let mut why = SupportOrders::why(&written.citations);
        why.answer = Some(written.kind);
        why.citations = written.citations;
        if let (Some(customer), true) = (customer, why.is_personal()) {
            self.store
                .record_audit(AuditEvent {
                    code: AuditCode::ContextRead,
                    actor: "system",
                    customer_id: Some(customer.as_str()),
                    conversation_id: Some(conversation.as_str()),
                    detail: serde_json::json!({ "purposes": why.purposes, "fields": why.fields, "records": why.records }),
                })
                .await?;
        }
        tracing::info!(answer = ?written.kind, citations = why.citations.len(), "answer written from the shop's data");
        self.store_ai_reply(
            conversation,
            uuid::Uuid::new_v4().to_string(),
            &written.text,
            &why,
            Some(0),
        )
        .await
    }

    /// Sends `text` as the AI reply `id` (one delta, then the stored message).
    pub(super) async fn store_ai_reply(
        &self,
        conversation: &ConversationId,
        id: String,
        text: &str,
        why: &WhyRecord,
        delta_held_ms: Option<u64>,
    ) -> Result<(), super::ConversationError> {
        if let Some(held_ms) = delta_held_ms {
            self.publish_delta(conversation, &id, text.to_owned(), Some(held_ms));
        }
        let stored = self
            .store
            .append_message(NewMessage {
                id,
                conversation_id: conversation,
                sender: Sender::Ai,
                text,
                client_id: None,
                why: Some(why.to_json()),
            })
            .await?;
        self.publish(
            conversation,
            ConversationEvent::Message(stored.message().clone()),
        );
        Ok(())
    }

    pub(super) fn publish_delta(
        &self,
        conversation: &ConversationId,
        id: &str,
        text: String,
        held_ms: Option<u64>,
    ) {
        self.publish(
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
        self.publish(
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

/// Whether the plan is the honest "don't know".
fn is_dont_know(plan: &Plan) -> bool {
    matches!(plan, Plan::Written(written) if written.kind == AnswerKind::DontKnow)
}

/// The customer's message before the latest one, if the conversation has one.
fn previous_question(history: &[StoredMessage]) -> Option<&str> {
    history
        .iter()
        .rev()
        .filter(|m| m.sender == Sender::Customer)
        .nth(1)
        .map(|m| m.text.as_str())
}

/// The orders the previous AI answer stated facts about, when it was an
/// account answer: a follow-up ("and when will it arrive?") keeps them.
fn previous_orders(history: &[StoredMessage]) -> Vec<String> {
    let mut customer_turns = 0;
    for message in history.iter().rev() {
        match message.sender {
            Sender::Customer => {
                customer_turns += 1;
                // Only the answer just before the latest question counts.
                if customer_turns > 1 {
                    return Vec::new();
                }
            }
            Sender::Ai => {
                let why: WhyRecord = message
                    .why
                    .as_ref()
                    .and_then(|w| serde_json::from_value(w.clone()).ok())
                    .unwrap_or_default();
                if why.answer != Some(AnswerKind::Account) {
                    return Vec::new();
                }
                return why
                    .citations
                    .iter()
                    .filter_map(|c| c.strip_prefix("order:"))
                    .map(str::to_owned)
                    .collect();
            }
            Sender::Agent | Sender::System => {}
        }
    }
    Vec::new()
}
