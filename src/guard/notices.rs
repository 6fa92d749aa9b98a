//! Fixed texts per locale (`prompts/locales/<code>.toml`), starting with the
//! AI disclosure. Every supported locale must have every text, and each
//! disclosure must name the assistant as an AI: the server refuses to start
//! otherwise, so no configuration can switch the disclosure off.

use std::path::Path;

use serde::Deserialize;

use crate::domain::Locale;

/// The texts of one locale.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocaleTexts {
    /// Shown in every `welcome` frame: the visitor is talking to an AI.
    pub disclosure: String,
    /// The model's queue is full.
    pub busy: String,
    /// The model failed while writing a reply.
    pub engine_failed: String,
    /// The model produced nothing usable.
    pub empty_reply: String,
    /// A reply was stopped part-way because the server is restarting.
    pub reply_cut: String,
    /// The language's English name, used in the system prompt.
    pub language_name: String,
    /// The customer entered the human queue (`{position}`).
    pub handoff_queued: String,
    /// An agent took the conversation (`{agent}`).
    pub handoff_assigned: String,
    /// The agent handed back to the AI (`{agent}`).
    pub handoff_returned: String,
    /// The conversation was closed.
    pub handoff_closed: String,
    /// A handoff outside business hours (`{hours}`): honest, no false promise.
    pub out_of_hours: String,
    /// Nobody claimed the conversation in time.
    pub unattended: String,
    /// The AI seems not to help: offer a person.
    pub offer_human: String,
    /// The truthful answer to "are you a human?" (must name the AI).
    pub identity_answer: String,
    /// Replaces a sentence in which the model claims to be human (must name the AI).
    pub ai_reminder: String,
    /// Put before promotional sentences (shown only with marketing consent).
    pub promo_label: String,
    /// Ways of asking "why did you say that?" (matched normalized).
    pub why_phrases: Vec<String>,
    /// No AI reply to explain yet.
    pub why_no_reply: String,
    /// The last reply used no personal data.
    pub why_none: String,
    /// The last reply used personal data (`{items}`).
    pub why_used: String,
    /// Item: support data (`{records}`).
    pub why_support: String,
    /// Item: personalization data (`{fields}`).
    pub why_personalization: String,
    /// Item: marketing data (`{fields}`).
    pub why_marketing: String,
    /// The last reply quoted the shop's knowledge base (`{titles}`).
    pub why_kb: String,
    /// The last reply was the honest "I don't know".
    pub why_dont_know: String,
    /// Consent saved (`{personalization}`, `{marketing}`).
    pub consent_updated: String,
    /// "on" for consent_updated.
    pub consent_on: String,
    /// "off" for consent_updated.
    pub consent_off: String,
    /// Answers built from the shop's own data.
    pub answers: AnswerTexts,
}

/// Texts of answers built from the shop's data (`[answers]` in the locale
/// file): account facts stated with the stored values, the honest "don't
/// know", and the lead-in of an answer quoted from the knowledge base.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerTexts {
    /// Nothing in the shop's data answers the question: say so, offer a person.
    pub dont_know: String,
    /// An anonymous visitor asked about an order.
    pub sign_in: String,
    /// The order named is not on the customer's account (`{order}`).
    pub order_not_found: String,
    /// The customer has no orders at all.
    pub no_orders: String,
    /// Several orders could be meant (`{orders}`).
    pub which_order: String,
    /// `{order}` is `{status}`.
    pub order_status: String,
    /// `{order}`'s tracking number `{tracking}`.
    pub order_tracking: String,
    /// `{order}` has no tracking number yet (`{status}`).
    pub order_no_tracking: String,
    /// `{order}` holds `{items}`.
    pub order_items: String,
    /// `{order}`'s `{total}`.
    pub order_total: String,
    /// `{order}` was placed on `{date}`.
    pub order_placed: String,
    /// The customer's orders that have not shipped (`{orders}`).
    pub orders_unshipped: String,
    /// Every order has shipped (`{orders}`).
    pub orders_all_shipped: String,
    /// One order in a list (`{order}`, `{status}`).
    pub order_line: String,
    /// Before a sentence quoted from a knowledge-base entry (`{title}`).
    pub kb_lead: String,
    /// Order statuses in this language, by the status as stored; a status
    /// missing here is shown as stored.
    pub statuses: std::collections::BTreeMap<String, String>,
}

impl LocaleTexts {
    /// `template` with `{name}` replaced by `value`.
    pub fn fill(template: &str, name: &str, value: &str) -> String {
        template.replace(&format!("{{{name}}}"), value)
    }
}

/// Why the notices could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    /// A locale file is unreadable.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A locale file is not valid.
    #[error("invalid locale file for {locale}: {reason}")]
    Invalid {
        /// The locale.
        locale: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// All locales' texts.
#[derive(Debug, Clone)]
pub struct Notices {
    /// Indexed by [`Locale::index`]; every locale is present by construction.
    by_locale: Vec<LocaleTexts>,
}

/// The word each language uses for "AI"; a disclosure without it is refused.
fn ai_marker(locale: Locale) -> &'static str {
    match locale {
        Locale::En | Locale::Nl => "AI",
        Locale::De => "KI",
        Locale::Es | Locale::Fr | Locale::Pt | Locale::It => "IA",
    }
}

/// The texts shipped with the binary, used where `prompts/locales/` lacks a file.
fn builtin(locale: Locale) -> &'static str {
    match locale {
        Locale::En => include_str!("../../prompts/locales/en.toml"),
        Locale::Es => include_str!("../../prompts/locales/es.toml"),
        Locale::Fr => include_str!("../../prompts/locales/fr.toml"),
        Locale::De => include_str!("../../prompts/locales/de.toml"),
        Locale::Pt => include_str!("../../prompts/locales/pt.toml"),
        Locale::It => include_str!("../../prompts/locales/it.toml"),
        Locale::Nl => include_str!("../../prompts/locales/nl.toml"),
    }
}

impl Notices {
    /// Loads `<prompts_dir>/locales/<code>.toml` for every locale (the
    /// built-in copy where a file is absent) and validates each.
    pub fn load(prompts_dir: &Path) -> Result<Self, NoticeError> {
        let mut by_locale = Vec::with_capacity(Locale::ALL.len());
        for locale in Locale::ALL {
            let path = prompts_dir
                .join("locales")
                .join(format!("{}.toml", locale.code()));
            let source = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => builtin(locale).to_owned(),
                Err(source) => {
                    return Err(NoticeError::Read {
                        path: path.display().to_string(),
                        source,
                    })
                }
            };
            by_locale.push(Self::parse(locale, &source)?);
        }
        Ok(Self { by_locale })
    }

    /// The built-in texts only.
    pub fn builtin() -> Result<Self, NoticeError> {
        let by_locale = Locale::ALL
            .into_iter()
            .map(|locale| Self::parse(locale, builtin(locale)))
            .collect::<Result<_, _>>()?;
        Ok(Self { by_locale })
    }

    fn parse(locale: Locale, source: &str) -> Result<LocaleTexts, NoticeError> {
        let invalid = |reason: String| NoticeError::Invalid {
            locale: locale.code(),
            reason,
        };
        let texts: LocaleTexts = toml::from_str(source).map_err(|e| invalid(e.to_string()))?;
        for (name, text) in [
            ("disclosure", &texts.disclosure),
            ("identity_answer", &texts.identity_answer),
        ] {
            if !text.contains(ai_marker(locale)) {
                return Err(invalid(format!(
                    "the {name} must say the assistant is an AI (contain {:?})",
                    ai_marker(locale)
                )));
            }
        }
        for (name, text) in [
            ("busy", &texts.busy),
            ("engine_failed", &texts.engine_failed),
            ("empty_reply", &texts.empty_reply),
            ("reply_cut", &texts.reply_cut),
            ("language_name", &texts.language_name),
            ("handoff_queued", &texts.handoff_queued),
            ("handoff_assigned", &texts.handoff_assigned),
            ("handoff_returned", &texts.handoff_returned),
            ("handoff_closed", &texts.handoff_closed),
            ("out_of_hours", &texts.out_of_hours),
            ("unattended", &texts.unattended),
            ("offer_human", &texts.offer_human),
            ("why_no_reply", &texts.why_no_reply),
            ("why_none", &texts.why_none),
            ("why_used", &texts.why_used),
            ("why_support", &texts.why_support),
            ("why_personalization", &texts.why_personalization),
            ("why_marketing", &texts.why_marketing),
            ("why_kb", &texts.why_kb),
            ("why_dont_know", &texts.why_dont_know),
            ("consent_updated", &texts.consent_updated),
            ("consent_on", &texts.consent_on),
            ("consent_off", &texts.consent_off),
            ("promo_label", &texts.promo_label),
            ("answers.dont_know", &texts.answers.dont_know),
            ("answers.sign_in", &texts.answers.sign_in),
            ("answers.order_not_found", &texts.answers.order_not_found),
            ("answers.no_orders", &texts.answers.no_orders),
        ] {
            if text.trim().is_empty() {
                return Err(invalid(format!("{name} must not be empty")));
            }
        }
        Ok(texts)
    }

    /// The texts for `locale`.
    pub fn get(&self, locale: Locale) -> &LocaleTexts {
        &self.by_locale[locale.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_locale_discloses_the_ai() {
        let notices = Notices::builtin().expect("built-in texts are valid");
        for locale in Locale::ALL {
            assert!(notices.get(locale).disclosure.contains(ai_marker(locale)));
        }
    }

    #[test]
    fn a_disclosure_that_hides_the_ai_is_refused() {
        let source = builtin(Locale::En).replace("an AI assistant", "your friend");
        let err = Notices::parse(Locale::En, &source).expect_err("must refuse");
        assert!(err.to_string().contains("must say the assistant is an AI"));
    }

    #[test]
    fn an_empty_disclosure_is_refused() {
        let source = builtin(Locale::En).replace(
            &toml::Value::String(
                Notices::builtin()
                    .expect("texts")
                    .get(Locale::En)
                    .disclosure
                    .clone(),
            )
            .to_string(),
            "\"\"",
        );
        let err = Notices::parse(Locale::En, &source).expect_err("must refuse");
        assert!(err.to_string().contains("disclosure"));
    }
}
