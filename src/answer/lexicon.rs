//! The per-locale word lists that recognise questions about the customer's
//! own orders (`prompts/answers/<code>.toml`), normalized once at load.

use std::path::Path;

use serde::Deserialize;

use crate::domain::Locale;
use crate::guard::phrases::{normalize, one_edit_apart};

/// A phrase word of at least this many bytes also matches a word one edit away.
const FUZZY_MIN_BYTES: usize = 5;

/// The most message words that may stand between two words of a phrase of
/// at least [`GAP_MIN_WORDS`] words ("was habe ich *mit der Bestellung
/// A1001* bestellt").
const MAX_GAP: usize = 4;

/// Shorter phrases match only as consecutive words ("what orders" must not
/// match "what did Lucía order").
const GAP_MIN_WORDS: usize = 3;

/// Which fact about an order a question asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderField {
    /// Where the order is: its status.
    Status,
    /// Its tracking number.
    Tracking,
    /// What it contains.
    Items,
    /// What it cost.
    Total,
    /// When it was placed.
    Placed,
    /// When it will arrive (status, tracking and the shop's delivery times).
    Arrival,
}

/// One phrase: its normalized words, and whether they accept one typo.
#[derive(Debug, Clone)]
struct Phrase {
    words: Vec<String>,
    fuzzy: bool,
}

impl Phrase {
    fn parse(raw: &str, fuzzy: bool) -> Option<Self> {
        let words: Vec<String> = normalize(raw)
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        (!words.is_empty()).then_some(Self { words, fuzzy })
    }

    /// Whether the phrase occurs in `words`: its words in order, each at
    /// most [`MAX_GAP`] words after the one before; the last one may be a
    /// prefix.
    fn occurs_in(&self, words: &[&str]) -> bool {
        (0..words.len()).any(|start| self.matches_from(words, start, 0))
    }

    fn matches_from(&self, words: &[&str], at: usize, key: usize) -> bool {
        let Some(wanted) = self.words.get(key) else {
            return true;
        };
        let last = key + 1 == self.words.len();
        let Some(word) = words.get(at) else {
            return false;
        };
        if !self.word_matches(wanted, word, last) {
            return false;
        }
        if last {
            return true;
        }
        let gap = if self.words.len() >= GAP_MIN_WORDS {
            MAX_GAP
        } else {
            0
        };
        (at + 1..=(at + 1 + gap).min(words.len().saturating_sub(1)))
            .any(|next| self.matches_from(words, next, key + 1))
    }

    fn word_matches(&self, key: &str, word: &str, last: bool) -> bool {
        if key == word || (last && word.starts_with(key)) {
            return true;
        }
        self.fuzzy && key.len() >= FUZZY_MIN_BYTES && one_edit_apart(key, word)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    my_orders: Vec<String>,
    order_words: Vec<String>,
    status: Vec<String>,
    tracking: Vec<String>,
    items: Vec<String>,
    total: Vec<String>,
    placed: Vec<String>,
    arrival: Vec<String>,
    unshipped: Vec<String>,
    all: Vec<String>,
    latest: Vec<String>,
    smalltalk: Vec<String>,
    suggestions: Vec<String>,
    delivery_question: String,
}

/// The lists of one locale.
#[derive(Debug, Clone)]
struct LocaleLexicon {
    my_orders: Vec<Phrase>,
    order_words: Vec<Phrase>,
    fields: Vec<(OrderField, Vec<Phrase>)>,
    unshipped: Vec<Phrase>,
    all: Vec<Phrase>,
    latest: Vec<Phrase>,
    smalltalk: Vec<Phrase>,
    suggestions: Vec<Phrase>,
    delivery_question: String,
}

/// What the word lists found in one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cues {
    /// The message talks about orders.
    pub about_orders: bool,
    /// The customer speaks of their own orders ("my order", "I ordered").
    pub own_orders: bool,
    /// The facts asked for, in a fixed order.
    pub fields: Vec<OrderField>,
    /// Asks which orders have not shipped.
    pub unshipped: bool,
    /// Asks about all of the customer's orders.
    pub all: bool,
    /// Asks about the most recent order.
    pub latest: bool,
}

/// Why the word lists could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LexiconError {
    /// A file is unreadable.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not valid.
    #[error("invalid answers/{locale}.toml: {reason}")]
    Invalid {
        /// The locale.
        locale: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// The order-question word lists of every locale.
#[derive(Debug, Clone)]
pub struct AccountLexicon {
    by_locale: Vec<LocaleLexicon>,
}

fn builtin(locale: Locale) -> &'static str {
    match locale {
        Locale::En => include_str!("../../prompts/answers/en.toml"),
        Locale::Es => include_str!("../../prompts/answers/es.toml"),
        Locale::Fr => include_str!("../../prompts/answers/fr.toml"),
        Locale::De => include_str!("../../prompts/answers/de.toml"),
        Locale::Pt => include_str!("../../prompts/answers/pt.toml"),
        Locale::It => include_str!("../../prompts/answers/it.toml"),
        Locale::Nl => include_str!("../../prompts/answers/nl.toml"),
    }
}

impl AccountLexicon {
    /// Reads `<prompts_dir>/answers/<code>.toml` for every locale (the
    /// built-in copy where a file is absent).
    pub fn load(prompts_dir: &Path) -> Result<Self, LexiconError> {
        let mut by_locale = Vec::with_capacity(Locale::ALL.len());
        for locale in Locale::ALL {
            let path = prompts_dir
                .join("answers")
                .join(format!("{}.toml", locale.code()));
            let source = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => builtin(locale).to_owned(),
                Err(source) => {
                    return Err(LexiconError::Read {
                        path: path.display().to_string(),
                        source,
                    })
                }
            };
            by_locale.push(Self::parse(locale, &source)?);
        }
        Ok(Self { by_locale })
    }

    /// The built-in lists only.
    pub fn builtin() -> Result<Self, LexiconError> {
        let by_locale = Locale::ALL
            .into_iter()
            .map(|locale| Self::parse(locale, builtin(locale)))
            .collect::<Result<_, _>>()?;
        Ok(Self { by_locale })
    }

    fn parse(locale: Locale, source: &str) -> Result<LocaleLexicon, LexiconError> {
        let file: File = toml::from_str(source).map_err(|e| LexiconError::Invalid {
            locale: locale.code(),
            reason: e.to_string(),
        })?;
        // Only the words for orders forgive a typo ("ordr", "bestelung"):
        // elsewhere one edit turns "states" into "status".
        let fuzzy = |list: Vec<String>| -> Vec<Phrase> {
            list.iter().filter_map(|p| Phrase::parse(p, true)).collect()
        };
        let phrases = |list: Vec<String>| -> Vec<Phrase> {
            list.iter()
                .filter_map(|p| Phrase::parse(p, false))
                .collect()
        };
        if file.my_orders.is_empty() {
            return Err(LexiconError::Invalid {
                locale: locale.code(),
                reason: "my_orders must not be empty".into(),
            });
        }
        Ok(LocaleLexicon {
            my_orders: fuzzy(file.my_orders),
            order_words: fuzzy(file.order_words),
            fields: vec![
                (OrderField::Status, phrases(file.status)),
                (OrderField::Tracking, phrases(file.tracking)),
                (OrderField::Items, phrases(file.items)),
                (OrderField::Total, phrases(file.total)),
                (OrderField::Placed, phrases(file.placed)),
                (OrderField::Arrival, phrases(file.arrival)),
            ],
            unshipped: phrases(file.unshipped),
            all: phrases(file.all),
            latest: phrases(file.latest),
            smalltalk: phrases(file.smalltalk),
            suggestions: phrases(file.suggestions),
            delivery_question: file.delivery_question,
        })
    }

    /// What `text` asks about orders, by the lists of `locale` (and English,
    /// which visitors mix into every language).
    pub fn cues(&self, locale: Locale, text: &str) -> Cues {
        let normalized = normalize(text);
        let words: Vec<&str> = normalized.split_whitespace().collect();
        let mut cues = Cues::default();
        let locales: &[Locale] = if locale == Locale::En {
            &[Locale::En]
        } else {
            &[locale, Locale::En]
        };
        for &l in locales {
            let lexicon = &self.by_locale[l.index()];
            let any = |list: &[Phrase]| list.iter().any(|p| p.occurs_in(&words));
            cues.own_orders |= any(&lexicon.my_orders);
            cues.about_orders |= cues.own_orders || any(&lexicon.order_words);
            cues.unshipped |= any(&lexicon.unshipped);
            cues.all |= any(&lexicon.all);
            cues.latest |= any(&lexicon.latest);
            for (field, list) in &lexicon.fields {
                if !cues.fields.contains(field) && any(list) {
                    cues.fields.push(*field);
                }
            }
        }
        cues.fields.sort_by_key(|f| *f as u8);
        cues
    }
}

impl AccountLexicon {
    /// The question asked of the knowledge base for the shop's delivery
    /// times, when a customer asks when an order arrives.
    pub fn delivery_question(&self, locale: Locale) -> &str {
        &self.by_locale[locale.index()].delivery_question
    }

    /// Whether `text` asks for a suggestion ("what would you recommend?"),
    /// in `locale` or English.
    pub fn asks_for_suggestions(&self, locale: Locale, text: &str) -> bool {
        let normalized = normalize(text);
        let words: Vec<&str> = normalized.split_whitespace().collect();
        [locale, Locale::En].iter().any(|l| {
            self.by_locale[l.index()]
                .suggestions
                .iter()
                .any(|p| p.occurs_in(&words))
        })
    }

    /// Whether `text` is only a greeting, thanks or goodbye (at most two
    /// other words besides, "thank you so much"), in `locale` or English.
    pub fn is_smalltalk(&self, locale: Locale, text: &str) -> bool {
        let normalized = normalize(text);
        let words: Vec<&str> = normalized.split_whitespace().collect();
        if words.is_empty() {
            return false;
        }
        let mut covered = vec![false; words.len()];
        for l in [locale, Locale::En] {
            for phrase in &self.by_locale[l.index()].smalltalk {
                let n = phrase.words.len();
                for start in 0..words.len().saturating_sub(n - 1) {
                    if words[start..start + n]
                        .iter()
                        .zip(&phrase.words)
                        .all(|(w, k)| w == k)
                    {
                        covered[start..start + n].iter_mut().for_each(|c| *c = true);
                    }
                }
            }
        }
        let any = covered.iter().any(|c| *c);
        let rest = covered.iter().filter(|c| !**c).count();
        any && rest <= 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cues(locale: Locale, text: &str) -> Cues {
        AccountLexicon::builtin().expect("lists").cues(locale, text)
    }

    #[test]
    fn order_questions_name_the_fact_they_ask_for() {
        let c = cues(Locale::En, "Where's my order?");
        assert!(c.about_orders);
        assert_eq!(c.fields, [OrderField::Status]);
        let c = cues(Locale::En, "wheres my ordr");
        assert!(c.about_orders, "a typo in a long word still matches");
        let c = cues(Locale::En, "How much did I pay for HX-7790?");
        assert_eq!(c.fields, [OrderField::Total]);
        let c = cues(Locale::En, "and when will it arrive?");
        assert!(!c.about_orders);
        assert_eq!(c.fields, [OrderField::Arrival]);
        let c = cues(Locale::En, "Which of my orders haven't shipped yet?");
        assert!(c.unshipped && c.about_orders);
        let c = cues(
            Locale::Es,
            "¿Cuál es el número de seguimiento de mi pedido?",
        );
        assert!(c.about_orders);
        assert_eq!(c.fields, [OrderField::Tracking]);
        let c = cues(Locale::De, "Wann kommt meine Bestellung an?");
        assert!(c.about_orders);
        assert!(c.fields.contains(&OrderField::Arrival));
        let c = cues(
            Locale::De,
            "Was habe ich mit der Bestellung A1001 bestellt?",
        );
        assert_eq!(
            c.fields,
            [OrderField::Items],
            "words of a phrase may stand apart"
        );
        let c = cues(Locale::En, "What did Lucía García order from you?");
        assert!(c.about_orders && !c.own_orders);
    }

    #[test]
    fn greetings_are_smalltalk_but_questions_are_not() {
        let lexicon = AccountLexicon::builtin().expect("lists");
        assert!(lexicon.is_smalltalk(Locale::En, "Hi!"));
        assert!(lexicon.is_smalltalk(Locale::En, "thank you so much"));
        assert!(lexicon.is_smalltalk(Locale::Es, "¡Hola, buenos días!"));
        assert!(!lexicon.is_smalltalk(Locale::En, "hi what is the capital of France"));
        assert!(!lexicon.is_smalltalk(Locale::En, "What is your return policy?"));
    }

    #[test]
    fn shop_questions_are_not_order_questions() {
        for (locale, text) in [
            (Locale::En, "Which payment methods do you accept?"),
            (Locale::En, "How much is shipping to Germany?"),
            (Locale::En, "When is your support team available?"),
            (Locale::Fr, "Quels moyens de paiement acceptez-vous ?"),
        ] {
            let c = cues(locale, text);
            assert!(!c.about_orders, "{text}: {c:?}");
        }
    }
}
