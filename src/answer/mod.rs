//! The answer plan of one AI turn: facts come from the shop's data by
//! construction. Account facts are read from the store and stated with the
//! locale's templates; shop facts are the shop's own sentences from its
//! knowledge base; the model only answers from retrieved entries (and its
//! sentences are fact-checked by the output guard); anything else gets the
//! honest "I don't know; shall I get a colleague?".

mod account;
mod extract;
mod knowledge_source;
mod lexicon;
mod order_ref;
mod plan;
mod settings;

pub use extract::{best_sentences, sentences, Passage};
pub use knowledge_source::{NoKnowledge, Retrieved, ShopKnowledge};
pub use lexicon::{AccountLexicon, Cues, LexiconError, OrderField};
pub use order_ref::{id_tokens, orders_by_product, resolve, OrderRef};
pub use plan::{
    account_answer, knowledge_answer, plan_turn, shop_plan, sign_in, AccountAsk, Asker,
    DeliveryTimes, Plan, TurnInput, Written,
};
pub use settings::AnswerSettings;

/// What the conversation layer needs to plan answers.
pub struct Answers {
    /// Order-question word lists per locale.
    pub lexicon: AccountLexicon,
    /// The shop's knowledge base.
    pub knowledge: std::sync::Arc<dyn ShopKnowledge>,
    /// Thresholds.
    pub settings: AnswerSettings,
}
