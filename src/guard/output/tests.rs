//! The output guard on whole replies.
use super::*;
use crate::guard::phrases::Book;

fn run(deltas: &[&str], allowed: AllowedIdentifiers) -> (Vec<String>, String, GuardReport) {
    let book = PhraseBook::builtin(Book::Output).expect("rules");
    let mut guard = OutputGuard::new(
        &book,
        Locale::En,
        "I'm an AI assistant, not a person.",
        allowed,
    );
    let mut sent: Vec<String> = deltas.iter().filter_map(|d| guard.push(d)).collect();
    sent.extend(guard.finish());
    (sent, guard.text().to_owned(), guard.report().clone())
}

#[test]
fn human_claims_are_replaced_before_they_are_sent() {
    let (sent, text, report) = run(
        &[
            "Hi! I'm a ",
            "real person",
            " named Sarah. ",
            "How can I help?",
        ],
        AllowedIdentifiers::default(),
    );
    assert_eq!(report.human_claims, 1);
    assert!(!sent.concat().contains("real person"), "{sent:?}");
    assert_eq!(
        text,
        "Hi! I'm an AI assistant, not a person. How can I help?"
    );
    assert_eq!(sent.concat(), text, "what is stored is what was sent");
}

#[test]
fn fake_urgency_is_removed_and_honest_text_kept() {
    let (_, text, report) = run(
        &["Returns take 30 days. Only 2 left in stock, buy now! Anything else?"],
        AllowedIdentifiers::default(),
    );
    assert_eq!(report.urgency_removed, 1);
    assert_eq!(text, "Returns take 30 days. Anything else?");
}

#[test]
fn foreign_data_is_redacted_and_control_characters_stripped() {
    let allowed = AllowedIdentifiers::from_texts(["Order A1001"]);
    let (_, text, report) = run(
        &["Your order A1001 is fine.\u{202E} Lucia's is B2001, email lucia@example.com."],
        allowed,
    );
    assert_eq!(report.identifiers_redacted, 2);
    assert_eq!(
        text,
        "Your order A1001 is fine. Lucia's is [removed], email [removed]."
    );
}

#[test]
fn promotions_are_removed_without_consent_and_labelled_with_it() {
    let book = PhraseBook::builtin(Book::Output).expect("rules");
    let reply = "Your order shipped. You might also like our matcha set.";
    let mut guard = OutputGuard::new(&book, Locale::En, "AI.", AllowedIdentifiers::default());
    guard.push(reply);
    guard.finish();
    assert_eq!(guard.text(), "Your order shipped. ");
    assert_eq!(guard.report().promotions_removed, 1);
    let mut guard = OutputGuard::new(&book, Locale::En, "AI.", AllowedIdentifiers::default())
        .with_promotions(Promotions::Labelled("Offer:"));
    guard.push(reply);
    guard.finish();
    assert_eq!(
        guard.text(),
        "Your order shipped. Offer: You might also like our matcha set."
    );
}

#[test]
fn honest_ai_statements_pass_untouched() {
    let (_, text, report) = run(
        &["I'm an AI assistant. My name is Candor. I am not able to see that."],
        AllowedIdentifiers::default(),
    );
    assert_eq!(report, GuardReport::default());
    assert_eq!(
        text,
        "I'm an AI assistant. My name is Candor. I am not able to see that."
    );
}

/// Found by the red-team suite: alternatives of two words ("in stock",
/// "esta noche", "tout de suite") had silently turned into an extra
/// required slot, so plain "only 2 left" or "My name is Sarah" passed.
#[test]
fn red_team_urgency_and_claims_are_caught_in_every_language() {
    let book = PhraseBook::builtin(Book::Output).expect("rules");
    for (locale, text) in [
        (Locale::En, "There are only 2 left."),
        (Locale::En, "The sale ends at midnight."),
        (Locale::En, "Buy it immediately."),
        (Locale::En, "Get yours before it's gone!"),
        (Locale::En, "Only 3 hours left on the countdown."),
        (Locale::Es, "La oferta termina hoy."),
        (Locale::Es, "¡Apresúrate!"),
        (Locale::Es, "Se está agotando."),
        (Locale::Fr, "Il n'en reste plus que 2."),
        (Locale::Fr, "La promo se termine ce soir."),
        (Locale::Fr, "Achetez tout de suite."),
        (Locale::De, "Nur noch 2 übrig!"),
        (Locale::De, "Das Angebot endet heute Nacht."),
        (Locale::Pt, "Só restam 2 unidades."),
        (Locale::Pt, "Apresse-se!"),
        (Locale::It, "Ne restano solo 2."),
        (Locale::It, "I saldi finiscono stasera."),
        (Locale::Nl, "Er zijn nog maar 2 over."),
    ] {
        assert_eq!(book.detect(locale, text), Some(Intent::Urgency), "{text}");
    }
    for (locale, text) in [
        (Locale::En, "My name is Sarah."),
        (Locale::En, "I feel tired today."),
        (Locale::En, "I am 25 years old."),
    ] {
        assert_eq!(book.detect(locale, text), Some(Intent::Claim), "{text}");
    }
    for (locale, text) in [
        (Locale::Es, "No soy humano."),
        (Locale::It, "Non sono umano."),
        (Locale::Pt, "Não sou humano."),
        (
            Locale::En,
            "You have 30 days to return it, and you can count on us.",
        ),
        (Locale::Es, "El envío corre por nuestra cuenta."),
    ] {
        assert_eq!(book.detect(locale, text), None, "{text}");
    }
}
