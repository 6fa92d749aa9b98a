//! The customers of `candor bench load`: ten scripted three-turn English
//! exchanges about the shop's everyday questions.
//!
//! Every turn is an ordinary question for the model. None asks for a person,
//! asks whether the visitor talks to a bot, complains, asks "why did you say
//! that?" or repeats itself, so Candor's deterministic routers never answer
//! in the model's place (a test below runs each turn through the real
//! phrase lists). Keep it that way when editing: avoid words such as
//! "agent", "person", "someone", "contact", "support", "are you", "machine",
//! "program" and any "not"/"wrong"/"again" phrasing.

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
        topic: "shipping times",
        turns: [
            "Hi! How long does shipping usually take for an order placed today?",
            "Do you ship on weekends too, or only on business days?",
            "Great. Can I pick a faster delivery option at checkout?",
        ],
    },
    CustomerScript {
        topic: "return policy",
        turns: [
            "Hello, what is your return policy for items I have already unpacked?",
            "How many days do I have to send something back?",
            "Will the full amount be refunded to my card?",
        ],
    },
    CustomerScript {
        topic: "payment methods",
        turns: [
            "Which payment methods do you accept?",
            "Can I pay by bank transfer instead of with a credit card?",
            "Is it safe to enter my card details on your checkout page?",
        ],
    },
    CustomerScript {
        topic: "opening hours",
        turns: [
            "What are your opening hours on weekdays?",
            "Do you reply to messages on Saturdays?",
            "If I write on Friday evening, when can I expect a reply?",
        ],
    },
    CustomerScript {
        topic: "gift order",
        turns: [
            "I would like to send a teapot as a present to my mother. Can you ship it straight to her address?",
            "Can you put a small gift note in the parcel?",
            "How long would it take to arrive in another city?",
        ],
    },
    CustomerScript {
        topic: "tracking",
        turns: [
            "How can I follow my parcel once an order has shipped?",
            "How soon after ordering do I receive the tracking link?",
            "What happens if the parcel arrives damaged?",
        ],
    },
    CustomerScript {
        topic: "exchanges",
        turns: [
            "Can I exchange a teapot for one in a different colour?",
            "Do I pay the return shipping for an exchange?",
            "How long does an exchange take from start to finish?",
        ],
    },
    CustomerScript {
        topic: "tea advice",
        turns: [
            "Do you sell loose leaf green tea?",
            "How should I store green tea so it stays fresh?",
            "Which tea would you recommend for a quiet evening without caffeine?",
        ],
    },
    CustomerScript {
        topic: "cancelling",
        turns: [
            "Can I cancel an order I placed this morning?",
            "How quickly will the refund show up on my bank statement?",
            "Could I change the shipping address instead of cancelling?",
        ],
    },
    CustomerScript {
        topic: "international",
        turns: [
            "Do you ship to Canada?",
            "Will I have to pay import taxes when the parcel arrives?",
            "Which currency will my card be charged in?",
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
        }
    }

    #[test]
    fn first_turns_greet_with_the_run_and_visitor() {
        assert_eq!(
            customer_message(42, 11, 0).as_deref(),
            Some("Hi, visitor 42-12 here. Hello, what is your return policy for items I have already unpacked?")
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
