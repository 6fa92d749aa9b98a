//! The model's reply, for the turns the answer plan leaves to it: the
//! prompt carries only the entries retrieved for the question and the
//! consented context; every sentence passes the output guard (human
//! claims, urgency, foreign identifiers, and the fact check against what
//! the turn knows) before it is sent. Overload and failure become honest
//! notices, never silence; a reply with nothing left is the honest "I
//! don't know".

use super::{reached, ConversationError, ConversationService, Phase};
use crate::answer::Passage;
use crate::domain::{Locale, Purpose};
use crate::engine::{EngineError, EngineEvent, GenerationRequest};
use crate::guard::phrases::Intent;
use crate::guard::{AllowedIdentifiers, FactSheet, GuardReport, OutputGuard, Promotions};
use crate::metrics::{GuardKind, Metrics};
use crate::personalization::AnswerKind;
use crate::prompt::ShopFact;
use crate::store::{ConversationRecord, Sender, StoredMessage};

impl ConversationService {
    /// Streams the model's answer to the latest question of `record`.
    pub(super) async fn model_reply(
        &self,
        record: &ConversationRecord,
        locale: Locale,
        history: &[StoredMessage],
        passages: &[Passage],
    ) -> Result<(), ConversationError> {
        let conversation = &record.id;
        let texts = self.notices.get(locale);
        let question = history
            .iter()
            .rev()
            .find(|m| m.sender == Sender::Customer)
            .map_or("", |m| m.text.as_str());
        let context = self.consented_context(record, question).await?;
        let mut why = context.why().clone();
        why.answer = Some(AnswerKind::Model);
        why.sources
            .extend(passages.iter().map(|p| format!("kb:{}", p.id)));
        let facts: Vec<ShopFact<'_>> = passages
            .iter()
            .map(|p| ShopFact {
                title: &p.title,
                text: &p.text,
            })
            .collect();
        let messages = match self
            .prompts
            .build(&texts.language_name, &context, &facts, history)
        {
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
        let submitted = std::time::Instant::now();
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
        // Only the consented context and the shop's entries vouch for an
        // identifier: an order id or email the visitor typed proves nothing
        // about whose it is, so the reply may not repeat it.
        let allowed = AllowedIdentifiers::from_texts(
            context
                .prompt_lines()
                .iter()
                .map(String::as_str)
                .chain(passages.iter().map(|p| p.text.as_str())),
        );
        // Promotions only with marketing consent for this turn, and never
        // while a complaint is open (no upsell to an unhappy customer).
        let complaint_open = record.handoff_reason.is_some()
            || history
                .iter()
                .rev()
                .filter(|m| m.sender == Sender::Customer)
                .take(6)
                .any(|m| {
                    self.handoff_phrases.detect(locale, &m.text) == Some(Intent::Dissatisfied)
                });
        let promotions = if why.purposes.contains(&Purpose::Marketing) && !complaint_open {
            Promotions::Labelled(&texts.promo_label)
        } else {
            Promotions::Forbidden
        };
        // The values a sentence may state: the shop's entries, the consented
        // records and what the customer said; any other number, date,
        // amount, status, code or address removes the sentence.
        let mut facts = FactSheet::new(&self.fact_vocabulary, locale);
        for text in passages
            .iter()
            .map(|p| p.text.as_str())
            .chain(context.prompt_lines().iter().map(String::as_str))
            .chain(
                history
                    .iter()
                    .filter(|m| m.sender == Sender::Customer)
                    .map(|m| m.text.as_str()),
            )
        {
            facts.add_source(text);
        }
        let mut guard = OutputGuard::new(&self.output_rules, locale, &texts.ai_reminder, allowed)
            .with_promotions(promotions)
            .with_facts(facts);
        let mut finished = false;
        let mut cut = false;
        let mut held = HeldBack::default();
        let mut phase = self.lifecycle.watch();
        loop {
            let event = tokio::select! {
                event = stream.recv() => event,
                () = reached(&mut phase, Phase::Cutting) => {
                    cut = true;
                    break;
                }
            };
            let Some(event) = event else { break };
            match event {
                EngineEvent::Delta(text) => {
                    if held.first_token.is_none() {
                        self.metrics.first_token(submitted.elapsed());
                    }
                    held.model_spoke();
                    if let Some(text) = guard.push(&text) {
                        self.publish_delta(conversation, &id, text, held.released());
                    }
                }
                EngineEvent::Done(stats) => {
                    self.metrics.generation_finished(&stats);
                    finished = true;
                    break;
                }
                EngineEvent::Failed(error) => {
                    tracing::error!(%error, "generation failed");
                    break;
                }
            }
        }
        if cut {
            // Shutting down: keep exactly what the customer already saw,
            // marked as cut short, and say so. Dropping the stream stops
            // the generation.
            drop(stream);
            let sent = guard.text().to_owned();
            if !sent.trim().is_empty() {
                why.cut_short = true;
                self.store_ai_reply(conversation, id, &sent, &why, None)
                    .await?;
            }
            tracing::warn!(conversation_id = %conversation, "reply cut short by shutdown");
            return self.post_notice(conversation, &texts.reply_cut).await;
        }
        if !finished {
            return self.post_notice(conversation, &texts.engine_failed).await;
        }
        if let Some(text) = guard.finish() {
            self.publish_delta(conversation, &id, text, held.released());
        }
        let report = guard.report();
        count_interventions(&self.metrics, report);
        if *report != GuardReport::default() {
            tracing::warn!(
                human_claims = report.human_claims,
                urgency_removed = report.urgency_removed,
                identifiers_redacted = report.identifiers_redacted,
                promotions_removed = report.promotions_removed,
                facts_removed = report.facts_removed,
                "output guard changed a reply"
            );
        }
        let mut reply = guard.text().to_owned();
        if reply.trim().is_empty() || guard.is_empty_after_check() {
            // Nothing the model wrote could be stated: say so honestly
            // (after whatever the guard already sent, e.g. the AI reminder,
            // so the stored reply is exactly what was streamed).
            let lead = if reply.is_empty() || reply.ends_with(char::is_whitespace) {
                ""
            } else {
                " "
            };
            let honest = format!("{lead}{}", texts.answers.dont_know);
            reply.push_str(&honest);
            why.answer = Some(AnswerKind::DontKnow);
            self.publish_delta(conversation, &id, honest, held.released());
        }
        self.store_ai_reply(conversation, id, &reply, &why, None)
            .await
    }
}

/// Counts what the output guard changed in one reply.
fn count_interventions(metrics: &Metrics, report: &GuardReport) {
    metrics.guard_intervened(GuardKind::HumanClaim, report.human_claims);
    metrics.guard_intervened(GuardKind::Urgency, report.urgency_removed);
    metrics.guard_intervened(GuardKind::Identifier, report.identifiers_redacted);
    metrics.guard_intervened(GuardKind::Promotion, report.promotions_removed);
    metrics.facts_removed(report.facts_removed);
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
