//! "Why did you say that?": a plain-language answer built deterministically
//! from the last AI reply's `why` record (no model involved).

use super::{AnswerKind, WhyRecord};
use crate::domain::{Locale, Purpose};
use crate::guard::phrases::normalize;
use crate::guard::{LocaleTexts, Notices};

/// Whether `text` asks why the assistant said something (any locale's phrases).
pub fn asks_why(notices: &Notices, locale: Locale, text: &str) -> bool {
    let text = format!(" {} ", normalize(text));
    std::iter::once(locale)
        .chain(Locale::ALL)
        .flat_map(|l| notices.get(l).why_phrases.iter())
        .any(|phrase| text.contains(&format!(" {} ", normalize(phrase))))
}

/// The knowledge-base entries a reply quoted or was written from, by id
/// (`kb:<id>` in its citations or sources).
pub fn cited_entries(why: &WhyRecord) -> Vec<&str> {
    let mut ids: Vec<&str> = Vec::new();
    for cited in why.citations.iter().chain(&why.sources) {
        if let Some(id) = cited.strip_prefix("kb:") {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids
}

/// The explanation of `why` (the last AI reply's record; `None` if there
/// was none); `titles` names the knowledge-base entries it cites, in the
/// order of [`cited_entries`].
pub fn explain(texts: &LocaleTexts, why: Option<&WhyRecord>, titles: &[String]) -> String {
    let Some(why) = why else {
        return texts.why_no_reply.clone();
    };
    if why.answer == Some(AnswerKind::DontKnow) {
        return texts.why_dont_know.clone();
    }
    let sources = if titles.is_empty() {
        String::new()
    } else {
        let quoted: Vec<String> = titles.iter().map(|t| format!("\"{t}\"")).collect();
        format!(
            " {}",
            LocaleTexts::fill(&texts.why_kb, "titles", &quoted.join(", "))
        )
    };
    if !why.is_personal() {
        return format!("{}{sources}", texts.why_none);
    }
    let items: Vec<String> = why
        .purposes
        .iter()
        .map(|purpose| match purpose {
            Purpose::Support => {
                let orders: Vec<_> = why
                    .records
                    .iter()
                    .filter_map(|r| r.strip_prefix("order:"))
                    .collect();
                LocaleTexts::fill(&texts.why_support, "records", &orders.join(", "))
            }
            Purpose::Personalization => LocaleTexts::fill(
                &texts.why_personalization,
                "fields",
                &fields(why, &["preferred_categories", "purchase_history", "name"]),
            ),
            Purpose::Marketing => LocaleTexts::fill(
                &texts.why_marketing,
                "fields",
                &fields(why, &["loyalty_tier"]),
            ),
        })
        .collect();
    format!(
        "{}{sources}",
        LocaleTexts::fill(&texts.why_used, "items", &items.join("; "))
    )
}

fn fields(why: &WhyRecord, preferred: &[&str]) -> String {
    let chosen: Vec<_> = why
        .fields
        .iter()
        .filter(|f| preferred.contains(&f.as_str()))
        .map(|f| f.replace('_', " "))
        .collect();
    if chosen.is_empty() {
        why.fields
            .iter()
            .map(|f| f.replace('_', " "))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        chosen.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explanations_follow_the_record() {
        let notices = Notices::builtin().expect("texts");
        let en = notices.get(Locale::En);
        assert_eq!(explain(en, None, &[]), en.why_no_reply);
        assert_eq!(explain(en, Some(&WhyRecord::default()), &[]), en.why_none);
        let why = WhyRecord {
            purposes: vec![Purpose::Support],
            fields: vec!["name".into(), "orders".into()],
            records: vec!["order:A1001".into()],
            sources: vec!["shop_policies".into()],
            ..WhyRecord::default()
        };
        let text = explain(en, Some(&why), &[]);
        assert!(
            text.contains("A1001") && text.starts_with("My last answer used:"),
            "{text}"
        );
        let quoted = WhyRecord {
            answer: Some(AnswerKind::Knowledge),
            citations: vec!["kb:returns".into()],
            ..WhyRecord::default()
        };
        assert_eq!(cited_entries(&quoted), ["returns"]);
        let text = explain(en, Some(&quoted), &["Returns".into()]);
        assert!(
            text.ends_with("It quoted the shop's own information: \"Returns\"."),
            "{text}"
        );
        let unknown = WhyRecord {
            answer: Some(AnswerKind::DontKnow),
            ..WhyRecord::default()
        };
        assert_eq!(explain(en, Some(&unknown), &[]), en.why_dont_know);
    }

    #[test]
    fn why_questions_are_recognised_in_any_language() {
        let notices = Notices::builtin().expect("texts");
        assert!(asks_why(&notices, Locale::En, "Why did you say that?"));
        assert!(asks_why(&notices, Locale::En, "¿Por qué dijiste eso?"));
        assert!(asks_why(&notices, Locale::De, "Woher weißt du das?"));
        assert!(!asks_why(&notices, Locale::En, "Why is the sky blue?"));
    }
}
