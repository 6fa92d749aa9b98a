//! Where the answer plan finds the shop's own knowledge for a question.

use futures_util::future::BoxFuture;

use super::Passage;
use crate::domain::Locale;

/// The shop's knowledge base as the answer plan sees it: entries relevant
/// to a question, best first, each with its relevance in 0..1.
pub trait ShopKnowledge: Send + Sync {
    /// Entries relevant to `question` in `locale`, best first. A failure is
    /// logged by the implementation and answered with no entries (the plan
    /// then says "I don't know" rather than guess).
    fn passages<'a>(&'a self, locale: Locale, question: &'a str) -> BoxFuture<'a, Vec<Passage>>;

    /// The title of entry `id`, for "why did you say that?" (`None` once deleted).
    fn title<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Option<String>>;
}

/// A shop without a knowledge base: nothing is ever relevant.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoKnowledge;

impl ShopKnowledge for NoKnowledge {
    fn passages<'a>(&'a self, _: Locale, _: &'a str) -> BoxFuture<'a, Vec<Passage>> {
        Box::pin(async { Vec::new() })
    }

    fn title<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Option<String>> {
        Box::pin(async { None })
    }
}

/// The shop's knowledge base in the store, with hybrid retrieval.
impl ShopKnowledge for crate::knowledge::Knowledge {
    fn passages<'a>(&'a self, locale: Locale, question: &'a str) -> BoxFuture<'a, Vec<Passage>> {
        Box::pin(async move {
            self.retrieve(locale, question)
                .await
                .into_iter()
                .map(|hit| Passage {
                    id: hit.entry.id.to_string(),
                    title: hit.entry.title.clone(),
                    text: hit.entry.text.clone(),
                    score: hit.score,
                })
                .collect()
        })
    }

    fn title<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Option<String>> {
        Box::pin(async move {
            let id = crate::knowledge::KbEntryId::parse(id).ok()?;
            self.entry(&id).map(|entry| entry.title.clone())
        })
    }
}
