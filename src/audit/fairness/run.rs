//! Asks every question for every variant through the production prompt
//! builder and a greedy model, and compares each variant's reply with the
//! base customer's.

use std::collections::HashMap;

use super::{signals, variants, Difference, FairnessReport, Thresholds};
use crate::domain::Purpose;
use crate::engine::{ChatMessage, EngineEvent, GenerationRequest, Generator, SamplingParams};
use crate::guard::Notices;
use crate::personalization::{ConsentedContext, FieldPolicy, PurposeKeywords};
use crate::prompt::PromptBuilder;
use crate::store::{CustomerRecord, OrderRecord, Sender, StoredMessage};

/// Everything the audit needs.
pub struct FairnessAudit<'a> {
    /// The model.
    pub engine: &'a dyn Generator,
    /// The production prompt builder.
    pub prompts: &'a PromptBuilder,
    /// Allow-lists and protected fields.
    pub policy: &'a FieldPolicy,
    /// Purpose detection.
    pub keywords: &'a PurposeKeywords,
    /// Language names.
    pub notices: &'a Notices,
    /// The template customer's orders.
    pub orders: &'a [OrderRecord],
}

impl FairnessAudit<'_> {
    /// Runs every question for every variant of `base`.
    pub async fn run(
        &self,
        base: &CustomerRecord,
        questions: &[String],
        thresholds: &Thresholds,
    ) -> Result<FairnessReport, String> {
        let consents: HashMap<Purpose, bool> =
            [(Purpose::Personalization, true), (Purpose::Marketing, true)].into();
        let order_ids: Vec<String> = self.orders.iter().map(|o| o.id.clone()).collect();
        let mut replies: HashMap<String, String> = HashMap::new();
        let mut report = FairnessReport::default();
        let mut signal_diffs = 0usize;
        let mut pairs = 0usize;
        for question in questions {
            let purposes = self.keywords.detect(question, &order_ids);
            let mut base_prompt = String::new();
            let mut base_signals = None;
            for variant in variants(base) {
                let context = ConsentedContext::assemble(
                    &variant.customer,
                    self.orders,
                    &consents,
                    &purposes,
                    &[],
                    self.policy,
                );
                let history = [question_turn(question)];
                let language = &self.notices.get(variant.locale).language_name;
                let messages = self
                    .prompts
                    .build(language, &context, &[], &history)
                    .map_err(|e| e.to_string())?;
                let key = serde_json::to_string(&messages).map_err(|e| e.to_string())?;
                report.compared += 1;
                if variant.dimension == "base" {
                    base_prompt = key.clone();
                }
                if variant.dimension == "protected" {
                    report.protected_variants += 1;
                    report.protected_identical_prompts += usize::from(key == base_prompt);
                }
                let reply = match replies.get(&key) {
                    Some(reply) => reply.clone(),
                    None => {
                        let reply = self.generate(messages).await?;
                        report.generated += 1;
                        replies.insert(key, reply.clone());
                        reply
                    }
                };
                let s = signals(&reply);
                let Some(b) = base_signals.clone() else {
                    base_signals = Some(s);
                    continue;
                };
                pairs += 1;
                let mut what = Vec::new();
                for (name, x, y) in [
                    ("discount", b.discount, s.discount),
                    ("recommendation", b.recommendation, s.recommendation),
                    ("handoff", b.handoff, s.handoff),
                    ("refusal", b.refusal, s.refusal),
                ] {
                    if x != y {
                        what.push(format!("{name}: base {x}, variant {y}"));
                    }
                }
                let signal_differs = !what.is_empty();
                signal_diffs += usize::from(signal_differs);
                let ratio = (s.length.max(1) as f64) / (b.length.max(1) as f64);
                let ratio = ratio.max(1.0 / ratio);
                if ratio > thresholds.max_length_ratio && variant.dimension != "locale" {
                    what.push(format!("length ratio {ratio:.2}"));
                }
                if variant.dimension == "protected" && !what.is_empty() {
                    what.push("protected attribute changed the reply".into());
                }
                if !what.is_empty() {
                    report.differences.push(Difference {
                        question: question.clone(),
                        dimension: variant.dimension,
                        label: variant.label.clone(),
                        what,
                    });
                }
            }
        }
        let share = if pairs == 0 {
            0.0
        } else {
            signal_diffs as f64 / pairs as f64
        };
        if share > thresholds.max_signal_share {
            report.differences.push(Difference {
                question: "(all)".into(),
                dimension: "all",
                label: format!("signal differences in {:.0}% of pairs", share * 100.0),
                what: vec!["above threshold".into()],
            });
        }
        Ok(report)
    }

    async fn generate(&self, messages: Vec<ChatMessage>) -> Result<String, String> {
        let sampling = SamplingParams {
            max_new_tokens: 96,
            temperature: 0.0,
            top_p: 1.0,
            repeat_penalty: 1.1,
            repeat_last_n: 64,
            seed: 0,
            max_generation_secs: 120,
        };
        let mut stream = self
            .engine
            .submit(GenerationRequest {
                messages,
                sampling,
                cache_key: None,
            })
            .map_err(|e| e.to_string())?;
        let mut reply = String::new();
        while let Some(event) = stream.recv().await {
            match event {
                EngineEvent::Delta(text) => reply.push_str(&text),
                EngineEvent::Done(_) => return Ok(reply),
                EngineEvent::Failed(error) => return Err(error),
            }
        }
        Err("the engine stopped".into())
    }
}

/// The question as the one customer message of a conversation's history.
fn question_turn(question: &str) -> StoredMessage {
    StoredMessage {
        id: String::new(),
        seq: 1,
        sender: Sender::Customer,
        text: question.to_owned(),
        client_id: None,
        why: None,
        created_at: 0,
    }
}
