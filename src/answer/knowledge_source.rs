//! Where the answer plan finds the shop's own knowledge for a question.

use futures_util::future::BoxFuture;

use super::Passage;
use crate::domain::Locale;

/// What the knowledge base holds for one question.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Retrieved {
    /// Relevant entries, best first, each with its relevance in 0..1.
    pub passages: Vec<Passage>,
    /// Words of the question that no entry mentions (stemmed): a question
    /// about something the shop never wrote about ("warranty") cannot be
    /// answered from its entries, however close the rest of it comes.
    pub unknown_terms: Vec<String>,
}

/// The shop's knowledge base as the answer plan sees it.
pub trait ShopKnowledge: Send + Sync {
    /// What the knowledge base holds for `question` in `locale`. A failure
    /// is logged by the implementation and answered with no entries (the
    /// plan then says "I don't know" rather than guess).
    fn retrieve<'a>(&'a self, locale: Locale, question: &'a str) -> BoxFuture<'a, Retrieved>;

    /// The title of entry `id`, for "why did you say that?" (`None` once deleted).
    fn title<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Option<String>>;
}

/// A shop without a knowledge base: nothing is ever relevant.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoKnowledge;

impl ShopKnowledge for NoKnowledge {
    fn retrieve<'a>(&'a self, _: Locale, _: &'a str) -> BoxFuture<'a, Retrieved> {
        Box::pin(async { Retrieved::default() })
    }

    fn title<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Option<String>> {
        Box::pin(async { None })
    }
}

/// The shop's knowledge base in the store, with hybrid retrieval.
impl ShopKnowledge for crate::knowledge::Knowledge {
    fn retrieve<'a>(&'a self, locale: Locale, question: &'a str) -> BoxFuture<'a, Retrieved> {
        Box::pin(async move {
            let found = self.search(locale, question).await;
            Retrieved {
                passages: found
                    .hits
                    .into_iter()
                    .map(|hit| Passage {
                        id: hit.entry.id.to_string(),
                        title: hit.entry.title.clone(),
                        text: hit.entry.text.clone(),
                        score: hit.score,
                    })
                    .collect(),
                unknown_terms: found.unknown_terms,
            }
        })
    }

    fn title<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Option<String>> {
        Box::pin(async move {
            let id = crate::knowledge::KbEntryId::parse(id).ok()?;
            self.entry(&id).map(|entry| entry.title.clone())
        })
    }
}
