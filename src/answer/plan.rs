//! The answer plan of one AI turn: what Candor can state before the model
//! writes a word. Account facts come from the store, shop facts from the
//! shop's own sentences, the model only phrases what the retrieved entries
//! cover, and everything else gets the honest "I don't know".

use super::account::{self, has_shipped};
use super::extract::{best_sentences, Passage};
use super::lexicon::{Cues, OrderField};
use super::order_ref::{id_tokens, orders_by_product, resolve, OrderRef};
use super::{AnswerSettings, Retrieved};
use crate::guard::{AnswerTexts, LocaleTexts};
use crate::personalization::AnswerKind;
use crate::store::OrderRecord;

/// The most orders one answer describes one by one.
const MAX_DESCRIBED: usize = 3;

/// A question about the customer's own orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountAsk {
    /// The facts asked for (empty: "where is my order?" by default).
    pub fields: Vec<OrderField>,
    /// "Which of my orders haven't shipped?"
    pub unshipped: bool,
    /// About all of the customer's orders.
    pub all: bool,
    /// About the most recent order.
    pub latest: bool,
    /// Orders of the previous account answer (a follow-up keeps them).
    pub previous: Vec<String>,
    /// It says only that it is about orders, not what about them: a
    /// confident knowledge-base answer ("how do I cancel an order?") wins.
    pub vague: bool,
}

impl AccountAsk {
    /// Whether a message is a question about the customer's own orders.
    /// `previous` are the orders the previous AI answer stated facts about;
    /// `orders` are a verified customer's orders (a product of theirs that
    /// the question names points to an order: "has the teapot shipped?").
    pub fn classify(
        text: &str,
        cues: &Cues,
        previous: &[String],
        orders: Option<&[OrderRecord]>,
    ) -> Option<Self> {
        let names_an_order = !id_tokens(text).is_empty();
        let names_a_product = orders.is_some_and(|o| !orders_by_product(text, o).is_empty());
        let asks_something = !cues.fields.is_empty() || cues.unshipped || cues.all || cues.latest;
        // "Can I cancel an order that has shipped?" is about the rule, not
        // an order: of orders in general, only other facts than where one
        // stands make a question about the customer's own.
        let asks_beyond_status = cues.fields.iter().any(|f| *f != OrderField::Status)
            || cues.unshipped
            || cues.all
            || cues.latest;
        let follow_up = !previous.is_empty() && !cues.fields.is_empty();
        let specific = names_an_order
            || follow_up
            || (asks_something && (cues.own_orders || names_a_product))
            || (cues.about_orders && asks_beyond_status);
        // "What did Lucía order?" speaks of orders, but not of the customer's own.
        if !specific && !cues.own_orders {
            return None;
        }
        Some(Self {
            fields: cues.fields.clone(),
            unshipped: cues.unshipped,
            all: cues.all,
            latest: cues.latest,
            previous: previous.to_vec(),
            vague: !specific || (!asks_something && names_an_order),
        })
    }
}

/// What one AI turn will say.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// A reply written from the shop's data alone (no model).
    Written(Written),
    /// The model answers from these entries (and the consented context);
    /// every sentence it writes is fact-checked.
    Model {
        /// The retrieved entries the prompt carries.
        passages: Vec<Passage>,
    },
}

/// A reply written from the shop's data.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    /// The text, sentences joined by spaces.
    pub text: String,
    /// How it was made.
    pub kind: AnswerKind,
    /// What it states facts from: `order:<id>`, `kb:<id>`.
    pub citations: Vec<String>,
}

impl Written {
    fn new(kind: AnswerKind, sentences: &[String], citations: Vec<String>) -> Self {
        Self {
            text: sentences.join(" "),
            kind,
            citations,
        }
    }

    /// The honest "I don't know; shall I get a colleague?".
    pub fn dont_know(texts: &AnswerTexts) -> Self {
        Self::new(
            AnswerKind::DontKnow,
            std::slice::from_ref(&texts.dont_know),
            Vec::new(),
        )
    }
}

/// The knowledge-base entries that answer a question with confidence,
/// quoted: at most two entries, the second only if nearly as relevant.
pub fn knowledge_answer(
    question: &str,
    passages: &[Passage],
    settings: &AnswerSettings,
) -> Option<(Vec<String>, Vec<String>)> {
    let top = passages.first()?;
    if top.score < settings.quote_min_score {
        return None;
    }
    let mut sentences = Vec::new();
    let mut citations = Vec::new();
    for passage in passages.iter().take(2) {
        let close = passage.score >= settings.quote_min_score
            && passage.score >= top.score * settings.second_entry_ratio;
        if passage.id != top.id && !close {
            continue;
        }
        for sentence in best_sentences(question, passage) {
            if !sentences.contains(&sentence) {
                sentences.push(sentence);
            }
        }
        citations.push(format!("kb:{}", passage.id));
    }
    Some((sentences, citations))
}

/// The plan for a question that is not about the customer's orders.
/// `open_ended` messages (greetings, requests for suggestions) may go to
/// the model without an entry: there is no shop fact to state in them. A
/// question about something no entry mentions is never answered from the
/// entries it happens to resemble.
pub fn shop_plan(
    texts: &AnswerTexts,
    question: &str,
    retrieved: &Retrieved,
    open_ended: bool,
    settings: &AnswerSettings,
) -> Plan {
    let passages = &retrieved.passages[..];
    if !retrieved.unknown_terms.is_empty() {
        return if open_ended {
            Plan::Model {
                passages: Vec::new(),
            }
        } else {
            Plan::Written(Written::dont_know(texts))
        };
    }
    if let Some((sentences, citations)) = knowledge_answer(question, passages, settings) {
        return Plan::Written(Written::new(AnswerKind::Knowledge, &sentences, citations));
    }
    let relevant: Vec<Passage> = passages
        .iter()
        .filter(|p| p.score >= settings.model_min_score)
        .take(settings.model_passages)
        .cloned()
        .collect();
    if !relevant.is_empty() || open_ended {
        return Plan::Model { passages: relevant };
    }
    Plan::Written(Written::dont_know(texts))
}

/// An order question from a visitor who is not signed in.
pub fn sign_in(texts: &AnswerTexts) -> Written {
    Written::new(
        AnswerKind::SignIn,
        std::slice::from_ref(&texts.sign_in),
        Vec::new(),
    )
}

/// The shop's delivery times, for "when will my order arrive?": the
/// locale's delivery question and what the knowledge base holds for it.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryTimes<'a> {
    /// The question asked of the knowledge base.
    pub question: &'a str,
    /// The entries retrieved for it.
    pub passages: &'a [Passage],
}

/// The answer to an order question of a verified customer, from `orders`
/// (all of theirs, newest first). `delivery` is quoted when it asks when
/// an order arrives.
pub fn account_answer(
    texts: &AnswerTexts,
    ask: &AccountAsk,
    question: &str,
    orders: &[OrderRecord],
    delivery: DeliveryTimes<'_>,
    settings: &AnswerSettings,
) -> Written {
    if orders.is_empty() {
        return Written::new(
            AnswerKind::NotFound,
            std::slice::from_ref(&texts.no_orders),
            Vec::new(),
        );
    }
    let chosen: Vec<&OrderRecord> = match resolve(question, orders) {
        OrderRef::Unknown(token) => {
            let text = LocaleTexts::fill(&texts.order_not_found, "order", &token);
            return Written::new(AnswerKind::NotFound, &[text], Vec::new());
        }
        OrderRef::Orders(ids) => orders.iter().filter(|o| ids.contains(&o.id)).collect(),
        OrderRef::Unnamed if ask.unshipped => {
            let citations = orders.iter().map(|o| format!("order:{}", o.id)).collect();
            let text = account::unshipped(texts, orders);
            return Written::new(AnswerKind::Account, &[text], citations);
        }
        OrderRef::Unnamed if ask.latest => orders.iter().take(1).collect(),
        OrderRef::Unnamed if !ask.previous.is_empty() && !ask.all => orders
            .iter()
            .filter(|o| ask.previous.contains(&o.id))
            .collect(),
        OrderRef::Unnamed => orders.iter().collect(),
    };
    let chosen = if chosen.is_empty() {
        orders.iter().collect()
    } else {
        chosen
    };
    let fields = if ask.fields.is_empty() {
        vec![OrderField::Status]
    } else {
        ask.fields.clone()
    };
    let mut citations: Vec<String> = Vec::new();
    let mut sentences: Vec<String> = Vec::new();
    if chosen.len() > MAX_DESCRIBED {
        let list = account::order_list(texts, &chosen);
        sentences.push(LocaleTexts::fill(&texts.which_order, "orders", &list));
        citations.extend(chosen.iter().map(|o| format!("order:{}", o.id)));
    } else {
        for order in &chosen {
            sentences.extend(account::describe(texts, order, &fields));
            citations.push(format!("order:{}", order.id));
        }
    }
    let arriving = fields.contains(&OrderField::Arrival)
        && chosen
            .iter()
            .any(|o| !o.status.eq_ignore_ascii_case("delivered"))
        && chosen
            .iter()
            .any(|o| !has_shipped(o) || o.status.eq_ignore_ascii_case("shipped"));
    if arriving {
        if let Some((quoted, kb)) = knowledge_answer(delivery.question, delivery.passages, settings)
        {
            sentences.extend(quoted);
            citations.extend(kb);
        }
    }
    Written::new(AnswerKind::Account, &sentences, citations)
}

/// Who is asking, as far as orders go.
#[derive(Debug, Clone, Copy)]
pub enum Asker<'a> {
    /// Not signed in: no orders can be looked up.
    Anonymous,
    /// A verified customer and the orders the support purpose may read
    /// (all of theirs, newest first).
    Verified(&'a [OrderRecord]),
}

/// Everything the plan of one turn is decided from.
#[derive(Debug, Clone, Copy)]
pub struct TurnInput<'a> {
    /// The locale's answer texts.
    pub texts: &'a AnswerTexts,
    /// The customer's latest message.
    pub question: &'a str,
    /// The order question in it, if any.
    pub ask: Option<&'a AccountAsk>,
    /// A greeting or thanks, or a request for suggestions or offers: the
    /// model may answer it without a knowledge-base entry.
    pub open_ended: bool,
    /// Who asks.
    pub asker: Asker<'a>,
    /// What the knowledge base holds for the question.
    pub retrieved: &'a Retrieved,
    /// The shop's delivery times (retrieved only when the question asks
    /// when an order arrives).
    pub delivery: DeliveryTimes<'a>,
    /// Thresholds.
    pub settings: &'a AnswerSettings,
}

/// Decides what one turn says.
pub fn plan_turn(input: TurnInput<'_>) -> Plan {
    let TurnInput {
        texts,
        question,
        ask,
        open_ended,
        asker,
        retrieved,
        delivery,
        settings,
    } = input;
    let Some(ask) = ask else {
        return shop_plan(texts, question, retrieved, open_ended, settings);
    };
    let passages = &retrieved.passages[..];
    let names_unknown_order = match asker {
        Asker::Verified(orders) => matches!(resolve(question, orders), OrderRef::Unknown(_)),
        Asker::Anonymous => false,
    };
    if ask.vague && retrieved.unknown_terms.is_empty() && !names_unknown_order {
        if let Some((mut sentences, mut citations)) = knowledge_answer(question, passages, settings)
        {
            // "Can I still return A1001?": the policy, and where that order stands.
            if let Asker::Verified(orders) = asker {
                if let OrderRef::Orders(ids) = resolve(question, orders) {
                    for order in orders.iter().filter(|o| ids.contains(&o.id)) {
                        sentences.extend(account::describe(texts, order, &[OrderField::Status]));
                        citations.push(format!("order:{}", order.id));
                    }
                }
            }
            return Plan::Written(Written::new(AnswerKind::Knowledge, &sentences, citations));
        }
    }
    // "Recommend something based on what I bought": a request for
    // suggestions that mentions orders is still a request for suggestions.
    if ask.vague && open_ended {
        return shop_plan(texts, question, retrieved, open_ended, settings);
    }
    match asker {
        Asker::Anonymous => Plan::Written(sign_in(texts)),
        Asker::Verified(orders) => Plan::Written(account_answer(
            texts, ask, question, orders, delivery, settings,
        )),
    }
}

#[cfg(test)]
mod tests;
