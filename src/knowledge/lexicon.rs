//! Per-locale lexical normalisation for BM25: lowercase, accents folded,
//! stop words dropped, light suffix stemming. The word lists live in
//! `prompts/kb_lexicon/<code>.toml` (format documented in `en.toml`), with
//! copies built into the binary for any file that is absent.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use super::KnowledgeError;
use crate::domain::Locale;

/// One locale's file, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconFile {
    min_stem: usize,
    #[serde(default)]
    undouble: bool,
    steps: Vec<Vec<String>>,
    stop_words: Vec<String>,
}

/// One suffix rule: `suffix` becomes `replacement`.
#[derive(Debug, Clone)]
struct Rule {
    suffix: String,
    replacement: String,
}

#[derive(Debug, Clone)]
struct LocaleRules {
    min_stem: usize,
    undouble: bool,
    /// Each step's rules, longest suffix first.
    steps: Vec<Vec<Rule>>,
    stop_words: HashSet<String>,
}

/// The lexical rules of every supported locale.
#[derive(Debug, Clone)]
pub struct Lexicon {
    /// Indexed by [`Locale::index`].
    rules: Vec<LocaleRules>,
}

impl Lexicon {
    /// Reads `<prompts_dir>/kb_lexicon/<code>.toml` for every locale, using
    /// the built-in copy for a file that does not exist.
    pub fn load(prompts_dir: &Path) -> Result<Self, KnowledgeError> {
        let rules = Locale::ALL
            .into_iter()
            .map(|locale| {
                let path = prompts_dir
                    .join("kb_lexicon")
                    .join(format!("{}.toml", locale.code()));
                match std::fs::read_to_string(&path) {
                    Ok(source) => LocaleRules::parse(&path.display().to_string(), &source),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => builtin(locale),
                    Err(source) => Err(KnowledgeError::Read { path, source }),
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { rules })
    }

    /// The lists built into the binary.
    pub fn builtin() -> Result<Self, KnowledgeError> {
        let rules = Locale::ALL
            .into_iter()
            .map(builtin)
            .collect::<Result<_, _>>()?;
        Ok(Self { rules })
    }

    /// The index terms of `text` in `locale`: folded words, stop words
    /// dropped, stemmed. Digits are words too ("30", "5").
    pub fn terms(&self, locale: Locale, text: &str) -> Vec<String> {
        let Some(rules) = self.rules.get(locale.index()) else {
            return Vec::new();
        };
        words(text)
            .filter(|w| !rules.stop_words.contains(w.as_str()))
            .filter(|w| w.chars().count() > 1 || w.chars().all(|c| c.is_ascii_digit()))
            .map(|w| rules.stem(&w))
            .collect()
    }

    /// Whether the folded word `word` is a stop word of `locale`.
    pub fn is_stop_word(&self, locale: Locale, word: &str) -> bool {
        self.rules
            .get(locale.index())
            .is_some_and(|r| r.stop_words.contains(word))
    }
}

fn builtin(locale: Locale) -> Result<LocaleRules, KnowledgeError> {
    let source = match locale {
        Locale::En => include_str!("../../prompts/kb_lexicon/en.toml"),
        Locale::Es => include_str!("../../prompts/kb_lexicon/es.toml"),
        Locale::Fr => include_str!("../../prompts/kb_lexicon/fr.toml"),
        Locale::De => include_str!("../../prompts/kb_lexicon/de.toml"),
        Locale::Pt => include_str!("../../prompts/kb_lexicon/pt.toml"),
        Locale::It => include_str!("../../prompts/kb_lexicon/it.toml"),
        Locale::Nl => include_str!("../../prompts/kb_lexicon/nl.toml"),
    };
    LocaleRules::parse(
        &format!("built-in kb_lexicon/{}.toml", locale.code()),
        source,
    )
}

impl LocaleRules {
    fn parse(file: &str, source: &str) -> Result<Self, KnowledgeError> {
        let error = |reason: String| KnowledgeError::Lexicon {
            file: file.to_owned(),
            reason,
        };
        let parsed: LexiconFile = toml::from_str(source).map_err(|e| error(e.to_string()))?;
        if parsed.min_stem == 0 {
            return Err(error("min_stem must be at least 1".into()));
        }
        let mut steps = Vec::with_capacity(parsed.steps.len());
        for step in parsed.steps {
            let mut rules = Vec::with_capacity(step.len());
            for raw in step {
                let (suffix, replacement) = raw.split_once('>').unwrap_or((&raw, ""));
                let suffix = fold(suffix);
                if suffix.is_empty() || suffix.contains(' ') {
                    return Err(error(format!("bad suffix rule {raw:?}")));
                }
                rules.push(Rule {
                    suffix,
                    replacement: fold(replacement),
                });
            }
            rules.sort_by_key(|r| std::cmp::Reverse(r.suffix.len()));
            steps.push(rules);
        }
        Ok(Self {
            min_stem: parsed.min_stem,
            undouble: parsed.undouble,
            steps,
            stop_words: parsed.stop_words.iter().map(|w| fold(w)).collect(),
        })
    }

    fn stem(&self, word: &str) -> String {
        let mut word = word.to_owned();
        if word.chars().any(|c| c.is_ascii_digit()) {
            return word;
        }
        let mut last_removed = false;
        for step in &self.steps {
            last_removed = false;
            let rule = step.iter().find(|r| {
                word.ends_with(&r.suffix)
                    && (word.len() - r.suffix.len() + r.replacement.len()) >= self.min_stem
                    && word.len() > r.suffix.len()
            });
            if let Some(rule) = rule {
                if rule.suffix != rule.replacement {
                    word.truncate(word.len() - rule.suffix.len());
                    word.push_str(&rule.replacement);
                    last_removed = true;
                }
            }
        }
        if self.undouble && last_removed {
            let bytes = word.as_bytes();
            if let [.., a, b] = bytes {
                if a == b && !matches!(a, b'l' | b's' | b'z' | b'a' | b'e' | b'i' | b'o' | b'u') {
                    word.pop();
                }
            }
        }
        word
    }
}

/// Lowercases and folds accents, as the guard's phrase lists do.
pub use crate::guard::phrases::fold;

/// The folded words of `text`, in order.
fn words(text: &str) -> impl Iterator<Item = String> {
    fold(text)
        .split_whitespace()
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        Lexicon::builtin().expect("built-in lexicon parses")
    }

    #[test]
    fn english_words_are_folded_stopped_and_stemmed() {
        let l = lexicon();
        assert_eq!(
            l.terms(Locale::En, "How long does SHIPPING take? Ships in 2 days."),
            // "how long" asks for a duration; "long" names no topic.
            ["ship", "take", "ship", "2", "day"]
        );
        for (a, b) in [
            ("shipped", "ship"),
            ("returns", "returned"),
            ("deliveries", "delivery"),
            ("policies", "policy"),
            ("refunds", "refund"),
            ("wrapping", "wrap"),
        ] {
            assert_eq!(l.terms(Locale::En, a), l.terms(Locale::En, b), "{a} / {b}");
        }
        assert_eq!(
            l.terms(Locale::En, "business address status"),
            ["business", "address", "status"]
        );
    }

    #[test]
    fn other_locales_conflate_plurals_and_accents() {
        let l = lexicon();
        let same = |locale, a: &str, b: &str| {
            assert_eq!(l.terms(locale, a), l.terms(locale, b), "{a} / {b}");
            assert!(!l.terms(locale, a).is_empty(), "{a}");
        };
        same(Locale::Es, "devoluciones", "devolución");
        same(Locale::Es, "envíos", "envio");
        same(Locale::Fr, "remboursement", "remboursés");
        same(Locale::Fr, "livraisons", "Livraison");
        same(Locale::De, "Lieferungen", "Lieferung");
        same(Locale::De, "Größe", "grosse");
        same(Locale::Pt, "devoluções", "devolução");
        same(Locale::It, "spedizioni", "spedizione");
        same(Locale::Nl, "bestellingen", "bestelling");
        assert!(l.terms(Locale::Es, "¿Cuál es el plazo?").len() == 1);
        assert!(
            l.terms(Locale::Fr, "Quel est le délai de livraison ?")
                .len()
                == 2
        );
    }

    #[test]
    fn stop_words_are_per_locale() {
        let l = lexicon();
        assert!(l.is_stop_word(Locale::Es, "para"));
        assert!(!l.is_stop_word(Locale::En, "para"));
        assert!(l.terms(Locale::De, "Wie kann ich").is_empty());
    }

    #[test]
    fn a_lexicon_file_overrides_the_built_in_copy() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir(dir.path().join("kb_lexicon")).expect("mkdir");
        std::fs::write(
            dir.path().join("kb_lexicon/en.toml"),
            "min_stem = 2\nsteps = []\nstop_words = [\"tea\"]\n",
        )
        .expect("write");
        let l = Lexicon::load(dir.path()).expect("loads");
        assert_eq!(l.terms(Locale::En, "tea the ships"), ["the", "ships"]);
        assert_eq!(
            l.terms(Locale::Es, "envíos"),
            lexicon().terms(Locale::Es, "envio")
        );
        std::fs::write(dir.path().join("kb_lexicon/en.toml"), "steps = 3").expect("write");
        let error = Lexicon::load(dir.path()).expect_err("malformed");
        assert!(error.to_string().contains("en.toml"), "{error}");
    }
}
