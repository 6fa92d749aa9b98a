//! The customers of `candor bench load`: ten scripted three-turn English
//! exchanges asking for suggestions.
//!
//! The benchmark measures the model, so every turn is one the model answers:
//! a request for a suggestion (the answer plan quotes the shop's own text
//! for shop facts and states account facts from the store, without the
//! model). None asks for a person, asks whether the visitor talks to a bot,
//! complains, asks "why did you say that?" or repeats itself, so Candor's
//! deterministic routers never answer in the model's place (a test below
//! runs each turn through the real phrase lists and the answer lexicon).
//! Keep it that way when editing: avoid words such as "agent", "person",
//! "someone", "contact", "support", "are you", "machine", "program", "order"
//! and any "not"/"wrong"/"again" phrasing.

/// One visitor's three messages, sent one after the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerScript {
    /// A short name for reports and logs.
    pub topic: &'static str,
    /// The visitor's messages in order.
    pub turns: [&'static str; 3],
}

/// The scripts; conversation `i` of a run follows `CUSTOMER_SCRIPTS[i % 10]`.
pub const CUSTOMER_SCRIPTS: [CustomerScript; 10] = [
    CustomerScript {
        topic: "green tea",
        turns: [
            "Can you recommend a green tea for a beginner?",
            "What would you suggest drinking it with?",
            "Any suggestion for the best time of day to drink it?",
        ],
    },
    CustomerScript {
        topic: "coffee",
        turns: [
            "What would you recommend for someone who likes strong coffee?",
            "Could you suggest a way to brew it at home?",
            "Which coffee should I try for an afternoon cup?",
        ],
    },
    CustomerScript {
        topic: "gift",
        turns: [
            "Can you recommend a present for my mother who loves tea?",
            "What would you suggest adding to make it feel special?",
            "Any suggestion for a small card message?",
        ],
    },
    CustomerScript {
        topic: "chocolate",
        turns: [
            "Could you recommend a chocolate to go with black tea?",
            "What would you suggest for a dinner party dessert?",
            "Which chocolate would you recommend for a child?",
        ],
    },
    CustomerScript {
        topic: "teapot",
        turns: [
            "Can you recommend a teapot for a small kitchen?",
            "What would you suggest for brewing loose leaf tea in it?",
            "Any suggestion for keeping it looking nice?",
        ],
    },
    CustomerScript {
        topic: "evening",
        turns: [
            "What would you recommend for a calm evening cup?",
            "Can you suggest something without caffeine?",
            "What should I try if I like fruity flavours?",
        ],
    },
    CustomerScript {
        topic: "breakfast",
        turns: [
            "Can you recommend a tea for breakfast?",
            "What would you suggest to eat with it?",
            "Which tea should I pick for a weekend brunch?",
        ],
    },
    CustomerScript {
        topic: "office",
        turns: [
            "What would you recommend for a team of five at the office?",
            "Can you suggest an easy way to serve it to everyone?",
            "Any suggestion for a snack to share with it?",
        ],
    },
    CustomerScript {
        topic: "cold weather",
        turns: [
            "Can you recommend a warming drink for cold weather?",
            "What would you suggest adding to it, honey or lemon?",
            "What should I try for a winter picnic?",
        ],
    },
    CustomerScript {
        topic: "first order",
        turns: [
            "I am new here, what would you recommend to start with?",
            "Can you suggest a second item to go with it?",
            "Any suggestion for a nice way to try both?",
        ],
    },
];

/// The script conversation `index` follows.
pub fn script_for(index: usize) -> &'static CustomerScript {
    &CUSTOMER_SCRIPTS[index % CUSTOMER_SCRIPTS.len()]
}

/// What conversation `index` of run `run_id` sends at `turn` (0-based): the
/// script's text, the first turn opened with "Hi, visitor <run>-<i> here." so
/// no run repeats an earlier run's first message (a server's prompt cache
/// must not turn a first turn into a cache hit).
pub fn customer_message(run_id: u64, index: usize, turn: usize) -> Option<String> {
    let text = script_for(index).turns.get(turn)?;
    Some(if turn == 0 {
        format!("Hi, visitor {run_id}-{} here. {text}", index + 1)
    } else {
        (*text).to_owned()
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::answer::AccountLexicon;
    use crate::domain::Locale;
    use crate::guard::phrases::{Book, Intent, PhraseBook};
    use crate::guard::Notices;
    use crate::personalization::asks_why;

    #[test]
    fn no_turn_is_answered_by_a_deterministic_router() {
        let prompts = Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts");
        let handoff = PhraseBook::load(&prompts, Book::Handoff).expect("handoff phrases");
        let identity = PhraseBook::load(&prompts, Book::Identity).expect("identity phrases");
        let notices = Notices::load(&prompts).expect("locale texts");
        let answers = AccountLexicon::load(&prompts).expect("answer lexicon");
        let routed = [Intent::Human, Intent::Dissatisfied, Intent::Identity];
        // The check can fail: these would be answered without the model.
        assert_eq!(
            handoff.detect(Locale::En, "Can I talk to a person?"),
            Some(Intent::Human)
        );
        assert_eq!(
            identity.detect(Locale::En, "Are you a bot?"),
            Some(Intent::Identity)
        );
        // Every message as sent (first turns carry the run's greeting).
        let sent = (0..CUSTOMER_SCRIPTS.len())
            .flat_map(|i| (0..3).filter_map(move |t| customer_message(999_999, i, t)));
        for message in sent {
            for book in [&handoff, &identity] {
                let intent = book.detect(Locale::En, &message);
                assert!(
                    !intent.is_some_and(|i| routed.contains(&i)),
                    "{message:?} is routed as {intent:?}"
                );
            }
            assert!(
                !asks_why(&notices, Locale::En, &message),
                "{message:?} asks why"
            );
            assert!(
                answers.asks_for_suggestions(Locale::En, &message),
                "{message:?} is not a request the model answers"
            );
            let cues = answers.cues(Locale::En, &message);
            assert!(
                !cues.about_orders && !cues.own_orders && cues.fields.is_empty(),
                "{message:?} reads as an order question: {cues:?}"
            );
        }
    }

    #[test]
    fn first_turns_greet_with_the_run_and_visitor() {
        assert_eq!(
            customer_message(42, 11, 0).as_deref(),
            Some("Hi, visitor 42-12 here. What would you recommend for someone who likes strong coffee?")
        );
        assert_eq!(
            customer_message(42, 11, 2).as_deref(),
            Some(CUSTOMER_SCRIPTS[1].turns[2])
        );
        assert_eq!(customer_message(42, 0, 3), None);
    }

    #[test]
    fn every_turn_is_different() {
        let mut all: Vec<&str> = CUSTOMER_SCRIPTS.iter().flat_map(|s| s.turns).collect();
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count);
    }
}
