//! The fact check inside the output guard, as the turn streams a reply:
//! model text arrives in small deltas, and an unbacked value must never
//! appear in any delta. The words of its sentence before it may already
//! have been sent; the rest of the sentence is then cut (see
//! `src/guard/output/mod.rs`).

use super::tests::sheet;
use crate::domain::Locale;
use crate::guard::phrases::{Book, PhraseBook};
use crate::guard::{AllowedIdentifiers, FactSheet, GuardReport, OutputGuard};

const REMINDER: &str = "I'm an AI assistant, not a person.";

/// Streams `reply` through a guard in deltas of `size` characters.
fn stream(
    reply: &str,
    size: usize,
    facts: FactSheet<'static>,
    allowed: AllowedIdentifiers,
    locale: Locale,
) -> (Vec<String>, String, GuardReport, bool) {
    let book = PhraseBook::builtin(Book::Output).expect("rules");
    let mut guard = OutputGuard::new(&book, locale, REMINDER, allowed).with_facts(facts);
    let chars: Vec<char> = reply.chars().collect();
    let mut deltas: Vec<String> = chars
        .chunks(size)
        .filter_map(|chunk| guard.push(&chunk.iter().collect::<String>()))
        .collect();
    deltas.extend(guard.finish());
    let text = guard.text().to_owned();
    (
        deltas,
        text,
        guard.report().clone(),
        guard.is_empty_after_check(),
    )
}

#[test]
fn a_smuggled_number_never_reaches_any_delta() {
    let reply = "Your order A1001 has shipped. Returns are accepted within 30 days, \
        or 60 days for members. Anything else?";
    let allowed = AllowedIdentifiers::from_texts(["Order A1001: status shipped"]);
    for size in [1, 3, 7] {
        let (deltas, text, report, empty) =
            stream(reply, size, sheet(Locale::En), allowed.clone(), Locale::En);
        for delta in &deltas {
            assert!(
                !delta.contains("60") && !delta.contains("members"),
                "delta {delta:?} leaks the unbacked value or what follows it"
            );
        }
        assert_eq!(
            text,
            "Your order A1001 has shipped. Returns are accepted within 30 days, or\u{2026} Anything else?"
        );
        assert_eq!(deltas.concat(), text, "what is stored is what was sent");
        assert_eq!(report.facts_removed, 1);
        assert!(!empty);
    }
}

#[test]
fn a_german_date_is_checked_whole_not_cut_at_its_dot() {
    let true_reply = "Ihre Bestellung wurde am 20. November 2026 versandt. Noch etwas?";
    let (_, text, report, _) = stream(
        true_reply,
        2,
        sheet(Locale::De),
        AllowedIdentifiers::default(),
        Locale::De,
    );
    assert_eq!(text, true_reply);
    assert_eq!(report.facts_removed, 0);
    let false_reply = "Ihre Bestellung wurde am 21. November versandt. Noch etwas?";
    let (deltas, text, report, _) = stream(
        false_reply,
        2,
        sheet(Locale::De),
        AllowedIdentifiers::default(),
        Locale::De,
    );
    assert!(deltas.iter().all(|d| !d.contains("21")), "{deltas:?}");
    assert_eq!(text, "Ihre Bestellung wurde\u{2026} Noch etwas?");
    assert_eq!(report.facts_removed, 1);
}

#[test]
fn nothing_left_after_the_check_is_reported() {
    let reply = "Your order A1001 has been delivered. It cost 99.00.";
    let (deltas, text, report, empty) = stream(
        reply,
        4,
        sheet(Locale::En),
        AllowedIdentifiers::default(),
        Locale::En,
    );
    assert!(
        deltas
            .iter()
            .all(|d| !d.contains("delivered") && !d.contains("99")),
        "{deltas:?}"
    );
    assert_eq!(
        text,
        "Your order [removed] has been\u{2026} It cost\u{2026}"
    );
    assert_eq!(report.facts_removed, 2);
    assert!(empty, "the turn must answer with its \"I don't know\"");
    // The AI reminder that replaces a human claim is not an answer either.
    let reply = "I'm a real person named Sarah. Your order was delivered on 2026-11-21.";
    let (_, text, report, empty) = stream(
        reply,
        5,
        sheet(Locale::En),
        AllowedIdentifiers::default(),
        Locale::En,
    );
    assert_eq!(text, format!("{REMINDER} Your order was\u{2026}"));
    assert_eq!((report.human_claims, report.facts_removed), (1, 1));
    assert!(empty);
}

/// The fact check runs before identifier redaction: an invented tracking
/// number cuts its sentence before it (no "[removed]" placeholder), while an id
/// the customer typed (in the sheet through their message, but not theirs
/// by any record) passes the fact check and is then redacted.
#[test]
fn fact_check_runs_before_identifier_redaction() {
    let allowed = AllowedIdentifiers::from_texts([
        "Order A1001: status shipped, tracking number 1Z999AA10123456784",
    ]);
    let reply = "Your tracking number is 1Z999AA10999999999. Anything else?";
    let (_, text, report, _) = stream(reply, 6, sheet(Locale::En), allowed.clone(), Locale::En);
    assert_eq!(text, "Your tracking number\u{2026} Anything else?");
    assert_eq!((report.facts_removed, report.identifiers_redacted), (1, 0));

    let mut facts = sheet(Locale::En);
    facts.add_source("Is order B2001 mine too?");
    let reply = "Order B2001 has shipped. Your order [removed] is fine.";
    let (_, text, report, _) = stream(reply, 6, facts, allowed, Locale::En);
    assert_eq!(
        text,
        "Order [removed] has shipped. Your order [removed] is fine."
    );
    assert_eq!((report.facts_removed, report.identifiers_redacted), (0, 1));
}

#[test]
fn without_a_fact_sheet_the_guard_lets_values_through() {
    let book = PhraseBook::builtin(Book::Output).expect("rules");
    let mut guard = OutputGuard::new(&book, Locale::En, REMINDER, AllowedIdentifiers::default());
    guard.push("Returns are accepted within 60 days. ");
    guard.finish();
    assert_eq!(guard.text(), "Returns are accepted within 60 days. ");
    assert_eq!(guard.report().facts_removed, 0);
    assert!(!guard.is_empty_after_check());
}
