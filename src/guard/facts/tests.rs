//! The fact check against a realistic turn context: a customer record line,
//! knowledge-base entries and the customer's own messages, in several
//! languages; replies that state only what the context holds pass, replies
//! that add a value (even inside an otherwise true sentence) fail.

use std::sync::OnceLock;

use super::{FactKind, FactSheet, FactVocabulary};
use crate::domain::Locale;

const ORDER: &str = "Order A1001: status shipped, tracking number 1Z999AA10123456784, \
    items: Sencha green tea 100g x2, Cast iron teapot x1, total 64.50, placed 2026-11-20";
const OTHER_ORDER: &str = "Order A1002: status processing, items: Matcha whisk x1, \
    total 18.00, placed 2026-12-05";
const RETURNS: &str = "Returns are accepted within 30 days of delivery. \
    Refunds are issued within 5 business days of receiving the item.";
const SHIPPING: &str = "Standard delivery takes 3-5 business days. Express delivery costs \
    €12,90 and arrives the next business day. Orders over 50 EUR ship free.";
const SUPPORT: &str = "Our support team is available Monday to Friday, 9:00-17:00. \
    Call +34 600 000 101 or write to help@candor.shop. Return form: https://candor.shop/returns";
const DE_RETURNS: &str = "Rücksendungen sind innerhalb von 30 Tagen nach Erhalt möglich.";
const ES_RETURNS: &str =
    "Las devoluciones se aceptan dentro de los 30 días siguientes a la entrega.";
const FR_PAYMENT: &str = "Nous acceptons les cartes bancaires et PayPal. Les paiements sont \
    sécurisés; nous ne demandons jamais de mot de passe.";
const CUSTOMER: &str = "hi, where is my order A1001? I need it before 24 December";
const CUSTOMER_2: &str = "and what about the teapot";

pub(super) fn vocabulary() -> &'static FactVocabulary {
    static VOCABULARY: OnceLock<FactVocabulary> = OnceLock::new();
    VOCABULARY.get_or_init(|| FactVocabulary::builtin().expect("built-in vocabulary"))
}

/// The sheet of a turn in `locale` with the whole context above.
pub(crate) fn sheet(locale: Locale) -> FactSheet<'static> {
    let mut sheet = FactSheet::new(vocabulary(), locale);
    for source in [
        ORDER,
        OTHER_ORDER,
        RETURNS,
        SHIPPING,
        SUPPORT,
        DE_RETURNS,
        ES_RETURNS,
        FR_PAYMENT,
        CUSTOMER,
        CUSTOMER_2,
    ] {
        sheet.add_source(source);
    }
    sheet
}

fn assert_passes(locale: Locale, sentences: &[&str]) {
    let sheet = sheet(locale);
    for sentence in sentences {
        assert_eq!(sheet.unbacked(sentence), [], "{locale}: {sentence}");
    }
}

/// Each sentence fails, and the first unbacked value is the one given.
fn assert_fails(locale: Locale, cases: &[(&str, FactKind, &str)]) {
    let sheet = sheet(locale);
    for (sentence, kind, text) in cases {
        let unbacked = sheet.unbacked(sentence);
        let first = unbacked
            .first()
            .unwrap_or_else(|| panic!("{locale}: passed but must fail: {sentence}"));
        assert_eq!(
            (first.kind, first.text.as_str()),
            (*kind, *text),
            "{locale}: {sentence}"
        );
    }
}

#[test]
fn english_sentences_with_only_context_values_pass_however_written() {
    assert_passes(
        Locale::En,
        &[
            "Your order A1001 has shipped, tracking number 1Z999AA10123456784.",
            "The total was 64.5, and you ordered two packs of Sencha (100 g each).",
            "The total of order A1001 was €64.50.",
            "It was placed on November 20, 2026.",
            "It was placed on 20/11/2026, that is 11/20/2026 in US style.",
            "You placed it on the 20th of November.",
            "Standard delivery takes 3–5 business days.",
            "Standard delivery takes 3 to 5 working days.",
            "Express delivery costs 12.90 EUR; orders over €50 ship free.",
            "You have thirty days to return it.",
            "We're available from 9am to 5pm, or 9 to 5 if you prefer.",
            "Call +34 600 000 101, or 600 000 101 from Spain.",
            "Write to help@candor.shop or use https://candor.shop/returns.",
            "The return form is on candor.shop.",
            "Your other order A1002 is still being processed.",
            "Items can be returned within 30 days of delivery.",
            "Once your order is delivered, you can return it within 30 days.",
            "I understand you need it before December 24.",
            "Your order [removed] has shipped.",
            "1. Open the return form.",
            "How else can I help you today?",
        ],
    );
}

#[test]
fn english_sentences_that_smuggle_a_value_fail() {
    assert_fails(
        Locale::En,
        &[
            (
                "Returns are accepted within 30 days, or 60 days for members.",
                FactKind::Duration,
                "60 days",
            ),
            (
                "Your order A1001 shipped on 2026-11-20 and cost 99.00.",
                FactKind::Number,
                "99.00",
            ),
            // The day of one context date and the month of the other.
            (
                "Your order was placed on 2026-12-20.",
                FactKind::Date,
                "2026-12-20",
            ),
            (
                "It will arrive on December 20.",
                FactKind::Date,
                "December 20",
            ),
            (
                "Your order A1001 has been delivered.",
                FactKind::Status,
                "delivered",
            ),
            (
                "It has been delivered already.",
                FactKind::Status,
                "delivered",
            ),
            (
                "Track it at https://candor.shop/track/A1001.",
                FactKind::Url,
                "https://candor.shop/track/A1001",
            ),
            (
                "Our hotline is +34 600 000 199.",
                FactKind::Phone,
                "+34 600 000 199",
            ),
            (
                "Use the code WELCOME10 at checkout.",
                FactKind::Code,
                "WELCOME10",
            ),
            (
                "First-time customers get 10% off.",
                FactKind::Percentage,
                "10%",
            ),
            ("Express delivery costs $12.90.", FactKind::Amount, "$12.90"),
            (
                "Members get sixty days instead.",
                FactKind::Duration,
                "sixty days",
            ),
            (
                "The teapot has a one year warranty.",
                FactKind::Duration,
                "one year",
            ),
            (
                "Returns are accepted within 30% of the price.",
                FactKind::Percentage,
                "30%",
            ),
            ("We're open until 6pm.", FactKind::Time, "6pm"),
            (
                "Your tracking number is 1Z999AA10999999999.",
                FactKind::Code,
                "1Z999AA10999999999",
            ),
            (
                "Email us at support@candor.shop.",
                FactKind::Email,
                "support@candor.shop",
            ),
        ],
    );
}

#[test]
fn other_languages_pass_with_context_values() {
    assert_passes(
        Locale::Es,
        &[
            "Su pedido A1001 fue enviado el 20 de noviembre de 2026.",
            "El total fue de 64,50 €.",
            "Las devoluciones se aceptan dentro de treinta días.",
            "La entrega estándar tarda de 3 a 5 días hábiles.",
        ],
    );
    assert_passes(
        Locale::De,
        &[
            "Ihre Bestellung A1001 wurde am 20. November 2026 versandt.",
            "Die Gesamtsumme beträgt 64,50 €.",
            "Die Lieferung dauert drei bis fünf Werktage.",
            "Unser Team ist von 9 bis 17 Uhr erreichbar.",
            "Artikel können innerhalb von 30 Tagen zurückgeschickt werden.",
        ],
    );
    assert_passes(
        Locale::Fr,
        &[
            "Votre commande A1001 a été expédiée le 20 novembre 2026.",
            "Le thé Sencha neuf coûte moins de 50 euros.",
            "Notre équipe est disponible de 9h à 17h.",
            "Votre commande sera livrée sous trois à cinq jours ouvrés.",
        ],
    );
    assert_passes(
        Locale::It,
        &[
            "Il suo ordine A1001 è stato spedito il 20 novembre 2026.",
            "Se sei interessato, il reso è possibile entro trenta giorni.",
        ],
    );
    assert_passes(
        Locale::Nl,
        &[
            "Uw bestelling A1001 is verzonden op 20 november 2026.",
            "Retourneren kan ten minste 30 dagen lang.",
        ],
    );
    assert_passes(
        Locale::Pt,
        &["A sua encomenda A1001 foi enviada a 20 de novembro de 2026."],
    );
}

#[test]
fn other_languages_fail_on_smuggled_values() {
    assert_fails(
        Locale::Es,
        &[
            (
                "Las devoluciones se aceptan en 30 días, o 60 días para socios.",
                FactKind::Duration,
                "60 días",
            ),
            (
                "Su pedido A1001 fue entregado ayer.",
                FactKind::Status,
                "entregado",
            ),
            (
                "Lo enviamos el 25 de noviembre.",
                FactKind::Date,
                "25 de noviembre",
            ),
        ],
    );
    assert_fails(
        Locale::De,
        &[
            (
                "Rücksendungen sind 30 Tage möglich, für Mitglieder sechzig Tage.",
                FactKind::Duration,
                "sechzig Tage",
            ),
            (
                "Ihre Bestellung wurde zugestellt.",
                FactKind::Status,
                "zugestellt",
            ),
            (
                "Sie wurde am 21. November versandt.",
                FactKind::Date,
                "21. November",
            ),
        ],
    );
    assert_fails(
        Locale::Fr,
        &[
            ("Votre commande a été livrée.", FactKind::Status, "livrée"),
            (
                "Les retours sont acceptés sous trente jours, ou quarante-cinq jours pour les membres.",
                FactKind::Duration,
                "quarante-cinq jours",
            ),
        ],
    );
    assert_fails(
        Locale::It,
        &[(
            "Il reso è gratuito entro 30 giorni, o 45 giorni per i soci.",
            FactKind::Duration,
            "45 giorni",
        )],
    );
    assert_fails(
        Locale::Nl,
        &[("Bel ons op 020 123 4567.", FactKind::Phone, "020 123 4567")],
    );
    assert_fails(
        Locale::Pt,
        &[(
            "O reembolso é feito em 10 dias úteis.",
            FactKind::Duration,
            "10 dias",
        )],
    );
}

/// Not asserted (the machine is shared); printed for the record.
#[test]
fn one_sentence_check_takes_microseconds() {
    let sheet = sheet(Locale::De);
    let sentences = [
        "Ihre Bestellung A1001 wurde am 20. November 2026 versandt und kostete 64,50 €.",
        "Returns are accepted within 30 days, or 60 days for members.",
        "Standard delivery takes 3–5 business days; call +34 600 000 101 with questions.",
    ];
    let rounds = 300;
    let start = std::time::Instant::now();
    let mut failing = 0;
    for _ in 0..rounds {
        for sentence in sentences {
            failing += usize::from(!sheet.unbacked(sentence).is_empty());
        }
    }
    let per_sentence = start.elapsed() / (rounds * sentences.len() as u32);
    assert_eq!(failing, rounds as usize, "only the smuggled 60 fails");
    let build = std::time::Instant::now();
    let _ = std::hint::black_box(self::sheet(Locale::De));
    println!(
        "fact check: {per_sentence:?} per sentence; sheet from 10 sources built in {:?}",
        build.elapsed()
    );
}
