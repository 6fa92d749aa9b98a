use super::*;
use crate::answer::AccountLexicon;
use crate::domain::Locale;
use crate::guard::Notices;
use crate::store::OrderItem;

fn order(id: &str, status: &str, tracking: Option<&str>, item: &str, total: &str) -> OrderRecord {
    OrderRecord {
        id: id.into(),
        status: status.into(),
        tracking: tracking.map(Into::into),
        items: vec![OrderItem {
            name: item.into(),
            qty: 1,
        }],
        total: total.into(),
        placed_at: "2026-11-20T10:15:00Z".into(),
    }
}

fn emma() -> Vec<OrderRecord> {
    vec![
        order("A1002", "processing", None, "Earl Grey 250g", "12.90"),
        order(
            "A1001",
            "shipped",
            Some("1Z999AA10123456784"),
            "Cast iron teapot",
            "64.50",
        ),
    ]
}

fn delivery() -> Vec<Passage> {
    vec![Passage {
        id: "delivery".into(),
        title: "Delivery times".into(),
        text:
            "Standard delivery takes 3-5 business days. Express delivery takes 1-2 business days."
                .into(),
        score: 0.8,
    }]
}

struct Turn {
    locale: Locale,
    previous: Vec<String>,
    orders: Option<Vec<OrderRecord>>,
    passages: Vec<Passage>,
    unknown_terms: Vec<String>,
}

impl Turn {
    fn emma() -> Self {
        Self {
            locale: Locale::En,
            previous: Vec::new(),
            orders: Some(emma()),
            passages: Vec::new(),
            unknown_terms: Vec::new(),
        }
    }

    fn ask(&self, question: &str) -> Plan {
        let notices = Notices::builtin().expect("texts");
        let lexicon = AccountLexicon::builtin().expect("lists");
        let cues = lexicon.cues(self.locale, question);
        let ask = AccountAsk::classify(question, &cues, &self.previous, self.orders.as_deref());
        let asker = match &self.orders {
            Some(orders) => Asker::Verified(orders),
            None => Asker::Anonymous,
        };
        plan_turn(TurnInput {
            texts: &notices.get(self.locale).answers,
            question,
            ask: ask.as_ref(),
            open_ended: lexicon.is_smalltalk(self.locale, question),
            asker,
            retrieved: &crate::answer::Retrieved {
                passages: self.passages.clone(),
                unknown_terms: self.unknown_terms.clone(),
            },
            delivery: DeliveryTimes {
                question: lexicon.delivery_question(self.locale),
                passages: &self.passages,
            },
            settings: &AnswerSettings::default(),
        })
    }

    fn written(&self, question: &str) -> Written {
        match self.ask(question) {
            Plan::Written(w) => w,
            other => panic!("{question}: expected a written answer, got {other:?}"),
        }
    }
}

#[test]
fn account_facts_state_the_stored_values() {
    let turn = Turn::emma();
    let w = turn.written("How much did I pay for A1001?");
    assert_eq!(w.kind, AnswerKind::Account);
    assert_eq!(w.text, "The total of your order A1001 was 64.50.");
    assert_eq!(w.citations, ["order:A1001"]);
    let w = turn.written("what's the tracking number of my teapot order");
    assert_eq!(
        w.text,
        "The tracking number of your order A1001 is 1Z999AA10123456784."
    );
    let w = turn.written("Which of my orders haven't shipped yet?");
    assert_eq!(
        w.text,
        "These orders of yours have not shipped yet: A1002 (being processed)."
    );
}

#[test]
fn orders_not_on_the_account_are_never_guessed() {
    let turn = Turn::emma();
    let w = turn.written("Where is my order HX-0000?");
    assert_eq!(w.kind, AnswerKind::NotFound);
    // The id the visitor typed is not repeated: the answer names no identifier.
    assert!(!w.text.contains("HX-0000") && w.citations.is_empty());
    // Another customer's order looks the same as one that does not exist.
    let w = turn.written("status of B2001 please");
    assert_eq!(w.kind, AnswerKind::NotFound);
    let anonymous = Turn {
        orders: None,
        ..Turn::emma()
    };
    assert_eq!(
        anonymous.written("Where is my order A1001?").kind,
        AnswerKind::SignIn
    );
}

#[test]
fn follow_ups_keep_the_order_of_the_previous_answer() {
    let turn = Turn {
        previous: vec!["A1001".into()],
        passages: delivery(),
        ..Turn::emma()
    };
    let w = turn.written("and when will it arrive?");
    assert_eq!(w.kind, AnswerKind::Account);
    assert_eq!(
        w.text,
        "Your order A1001 is shipped. The tracking number of your order A1001 is 1Z999AA10123456784. Standard delivery takes 3-5 business days."
    );
    assert_eq!(w.citations, ["order:A1001", "kb:delivery"]);
}

#[test]
fn shop_questions_quote_the_shop_or_say_they_do_not_know() {
    let turn = Turn {
        passages: delivery(),
        ..Turn::emma()
    };
    let w = turn.written("How long does standard delivery take?");
    assert_eq!(w.kind, AnswerKind::Knowledge);
    assert_eq!(w.text, "Standard delivery takes 3-5 business days.");
    let nothing = Turn::emma();
    let w = nothing.written("What's the warranty on the cast iron teapot?");
    assert_eq!(w.kind, AnswerKind::DontKnow);
    // An entry that resembles the question is not an answer to what it asks.
    let resembling = Turn {
        passages: delivery(),
        unknown_terms: vec!["warranty".into()],
        ..Turn::emma()
    };
    let w = resembling.written("Is there a warranty on standard delivery?");
    assert_eq!(w.kind, AnswerKind::DontKnow);
    assert!(matches!(nothing.ask("hello!"), Plan::Model { .. }));
}
