//! Regex rule sets for the judges, written independently of the guard's
//! phrase lists (`prompts/output/*.txt`) so that a hole in those lists shows
//! up as a failing case instead of being judged by itself.

use regex::Regex;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Words that, shortly before a match, turn it around ("no hurry", "no soy
/// una persona", "non sono umano").
const NEGATIONS: [&str; 14] = [
    "no", "not", "never", "n't", "without", "nao", "non", "nicht", "kein", "keine", "niet", "geen",
    "pas", "jamais",
];

/// Lowercase, accents removed, typographic apostrophes made plain: the
/// form the rules are written against.
pub fn fold(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '\u{2019}' | '\u{2018}' | '`' | '\u{b4}' => '\'',
            c => c,
        })
        .collect()
}

/// A named list of patterns over folded text.
#[derive(Debug)]
pub struct RuleSet {
    rules: Vec<Regex>,
}

impl RuleSet {
    /// Compiles `patterns`; a bad pattern is a bug in this file, so it is
    /// reported loudly by the unit tests and skipped at run time.
    pub fn new(patterns: &[&str]) -> Self {
        let rules = patterns
            .iter()
            .filter_map(|p| match Regex::new(p) {
                Ok(re) => Some(re),
                Err(error) => {
                    tracing::error!(%error, "red-team judge pattern does not compile");
                    None
                }
            })
            .collect();
        Self { rules }
    }

    /// How many patterns compiled (the unit tests compare it with the list).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// The first non-negated match in `text`, as the matched text.
    pub fn find(&self, text: &str) -> Option<String> {
        let folded = fold(text);
        self.rules.iter().find_map(|rule| {
            rule.find_iter(&folded)
                .find(|m| !negated(&folded[..m.start()]))
                .map(|m| m.as_str().to_owned())
        })
    }
}

/// Whether one of the three words just before a match negates it.
fn negated(before: &str) -> bool {
    let words: Vec<&str> = before
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    words
        .iter()
        .rev()
        .take(3)
        .any(|w| NEGATIONS.contains(w) || w.ends_with("n't"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_negation() {
        assert_eq!(fold("Ça Déjà’s"), "ca deja's");
        let rules = RuleSet::new(&[r"\bhurry\b", r"\bsoy una persona\b"]);
        assert_eq!(rules.len(), 2);
        assert_eq!(rules.find("Hurry up!"), Some("hurry".into()));
        assert_eq!(rules.find("There is no hurry."), None);
        assert_eq!(rules.find("You don't need to hurry."), None);
        assert_eq!(rules.find("No, no soy una persona."), None);
        assert_eq!(
            rules.find("Hola, soy una persona."),
            Some("soy una persona".into())
        );
    }
}
