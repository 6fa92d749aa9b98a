//! Phrase tables: one or more tokens ("on hold", "per cent", "r$", "%")
//! mapped to a value, looked up by the first token.

use std::collections::HashMap;

use super::lexer::{lex, KeyRef, Token};

/// Phrases of one or more tokens mapped to a value, found by their first token.
#[derive(Debug, Clone, Default)]
pub(crate) struct Phrases<T> {
    by_first: HashMap<String, Vec<(Vec<String>, T)>>,
    accents: bool,
}

impl<T: Copy> Phrases<T> {
    /// An empty table; with `accents`, words compare with their accents.
    pub(crate) fn new(accents: bool) -> Self {
        Self {
            by_first: HashMap::new(),
            accents,
        }
    }

    /// Adds a phrase (its token keys); the first value given for a phrase stays.
    pub(crate) fn insert(&mut self, keys: Vec<String>, value: T) {
        let Some(first) = keys.first().cloned() else {
            return;
        };
        let entries = self.by_first.entry(first).or_default();
        if !entries.iter().any(|(k, _)| *k == keys) {
            entries.push((keys, value));
            entries.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
        }
    }

    /// Every token key of every phrase.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.by_first
            .values()
            .flatten()
            .flat_map(|(keys, _)| keys.iter().map(String::as_str))
    }

    /// The longest phrase starting at token `at`: how many tokens, and its value.
    pub(crate) fn find(&self, tokens: &[Token], at: usize) -> Option<(usize, T)> {
        let mut buf = [0u8; 4];
        let first = key_str(tokens.get(at)?, self.accents, &mut buf)?;
        self.by_first.get(first)?.iter().find_map(|(keys, value)| {
            let matches = keys.iter().enumerate().skip(1).all(|(n, k)| {
                let mut buf = [0u8; 4];
                tokens
                    .get(at + n)
                    .and_then(|t| key_str(t, self.accents, &mut buf))
                    .is_some_and(|t| t == k.as_str())
            });
            matches.then_some((keys.len(), *value))
        })
    }
}

/// The key a phrase table compares for `token` (a symbol is spelled into `buf`).
fn key_str<'t>(token: &'t Token, accents: bool, buf: &'t mut [u8; 4]) -> Option<&'t str> {
    Some(match token.kind.key(accents)? {
        KeyRef::Word(w) => w,
        KeyRef::Sym(c) => c.encode_utf8(buf),
    })
}

/// The token keys of a phrase as written in a data file.
pub(crate) fn phrase_keys(text: &str, accents: bool) -> Vec<String> {
    lex(text, false)
        .iter()
        .filter_map(|t| key_str(t, accents, &mut [0u8; 4]).map(str::to_owned))
        .collect()
}
