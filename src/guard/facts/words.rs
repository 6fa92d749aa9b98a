//! Spelled-out numbers become number tokens: runs of number words
//! ("twenty-five", "vingt et un", "treinta y dos", "two hundred and fifty")
//! and compounds written as one word ("fünfundzwanzig", "venticinque",
//! "vijfentwintig"). Words that are also articles or pronouns ("one", "un",
//! "ein") count only inside a longer number or right before a unit.

use std::ops::Range;

use super::lexer::{Num, Tok, Token};
use super::value::Dec;
use super::vocabulary::Reader;

/// The most words one entry of `[numbers]` may have ("quatre vingt dix").
const MAX_NAME_WORDS: usize = 4;

#[derive(Debug, Clone, Copy)]
enum Piece {
    Number(u64),
    Part(u64),
    Joiner,
}

/// `tokens` with every spelled-out number replaced by a number token.
pub(crate) fn compose(tokens: Vec<Token>, reader: &Reader) -> Vec<Token> {
    let mut numbers: Vec<(Range<usize>, Token)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let run = run_at(&tokens, i, reader);
        let Some(end) = run.last().map(|(_, r)| r.end) else {
            i += 1;
            continue;
        };
        let before_unit = reader.units.find(&tokens, end).is_some();
        for (value, range, real) in evaluate(&run, false) {
            if real || (before_unit && range.end == end) {
                numbers.push((range.clone(), number_token(&tokens, range, value)));
            }
        }
        i = end;
    }
    if numbers.is_empty() {
        return tokens;
    }
    let mut out = Vec::with_capacity(tokens.len());
    let mut numbers = numbers.into_iter().peekable();
    for (k, token) in tokens.into_iter().enumerate() {
        match numbers.peek() {
            Some((range, _)) if range.contains(&k) => {
                if k + 1 == range.end {
                    out.extend(numbers.next().map(|(_, number)| number));
                }
            }
            _ => out.push(token),
        }
    }
    out
}

fn number_token(tokens: &[Token], range: Range<usize>, value: u64) -> Token {
    let first = &tokens[range.start];
    let last = &tokens[range.end - 1];
    let plain = u32::try_from(value).ok().filter(|v| *v < 10_000);
    Token {
        span: first.span.start..last.span.end,
        glued: first.glued,
        kind: Tok::Num(Num {
            readings: vec![Dec::from_int(value)],
            plain,
            digits: plain.map_or(0, |v| v.to_string().len()),
        }),
    }
}

/// The number words starting at token `at`, each with its token range.
fn run_at(tokens: &[Token], at: usize, reader: &Reader) -> Vec<(Piece, Range<usize>)> {
    let mut run: Vec<(Piece, Range<usize>)> = Vec::new();
    let mut k = at;
    loop {
        let next = if run.is_empty() {
            k
        } else {
            skip_hyphen(tokens, k)
        };
        let Some((piece, len)) = piece_at(tokens, next, reader) else {
            break;
        };
        if let Piece::Joiner = piece {
            let after = skip_hyphen(tokens, next + len);
            let followed = matches!(
                piece_at(tokens, after, reader),
                Some((Piece::Number(_) | Piece::Part(_), _))
            );
            if run.is_empty() || !followed {
                break;
            }
        }
        run.push((piece, next..next + len));
        k = next + len;
    }
    run
}

/// Past a hyphen that joins two words ("twenty-one").
fn skip_hyphen(tokens: &[Token], k: usize) -> usize {
    let hyphen = matches!(tokens.get(k).map(|t| &t.kind), Some(Tok::Sym('-')))
        && tokens.get(k + 1).is_some_and(|t| t.glued);
    if hyphen {
        k + 1
    } else {
        k
    }
}

/// The number word at `at`: its piece and how many tokens it takes.
fn piece_at(tokens: &[Token], at: usize, reader: &Reader) -> Option<(Piece, usize)> {
    let first = tokens.get(at)?.kind.folded()?;
    if reader.number_starts.contains(first) {
        if let Some(found) = longest_name(tokens, at, first, reader) {
            return Some(found);
        }
    }
    if let Some(v) = reader.numbers.get(first) {
        return Some((Piece::Number(*v), 1));
    }
    if let Some(v) = reader.number_parts.get(first) {
        return Some((Piece::Part(*v), 1));
    }
    if reader.number_joiners.contains(first) {
        return Some((Piece::Joiner, 1));
    }
    compound(first, reader).map(|v| (Piece::Number(v), 1))
}

/// A spelled-out number of several words at `at` ("quatre-vingt-dix").
fn longest_name(
    tokens: &[Token],
    at: usize,
    first: &str,
    reader: &Reader,
) -> Option<(Piece, usize)> {
    let mut words: Vec<(&str, usize)> = vec![(first, at + 1)];
    let mut k = at + 1;
    while words.len() < MAX_NAME_WORDS {
        let next = skip_hyphen(tokens, k);
        match tokens.get(next).and_then(|t| t.kind.folded()) {
            Some(w) => {
                words.push((w, next + 1));
                k = next + 1;
            }
            None => break,
        }
    }
    (2..=words.len()).rev().find_map(|n| {
        let name: Vec<&str> = words[..n].iter().map(|(w, _)| *w).collect();
        let value = reader.numbers.get(&name.join(" "))?;
        Some((Piece::Number(*value), words[n - 1].1 - at))
    })
}

/// The value of a word made of number words only ("fünfundzwanzig").
pub(crate) fn compound(word: &str, reader: &Reader) -> Option<u64> {
    let start: String = word.chars().take(2).collect();
    if !(5..=40).contains(&word.len()) || !reader.compound_starts.contains(&start) {
        return None;
    }
    let mut pieces = Vec::new();
    split(word, reader, &mut pieces)
}

fn split(rest: &str, reader: &Reader, pieces: &mut Vec<(Piece, Range<usize>)>) -> Option<u64> {
    if rest.is_empty() {
        let numbers = pieces
            .iter()
            .filter(|(p, _)| !matches!(p, Piece::Joiner))
            .count();
        let ends_joined = matches!(pieces.last(), Some((Piece::Joiner, _)));
        if numbers < 2 || ends_joined {
            return None;
        }
        return match evaluate(pieces, true).as_slice() {
            [(value, _, _)] => Some(*value),
            _ => None,
        };
    }
    let after_number = matches!(pieces.last(), Some((Piece::Number(_) | Piece::Part(_), _)));
    let longest = rest.len().min(reader.longest_number_word);
    for end in (1..=longest).rev().filter(|e| rest.is_char_boundary(*e)) {
        let head = &rest[..end];
        let piece = if let Some(v) = reader.numbers.get(head) {
            Piece::Number(*v)
        } else if let Some(v) = reader.number_parts.get(head) {
            Piece::Part(*v)
        } else if after_number && reader.number_joiners.contains(head) {
            Piece::Joiner
        } else {
            continue;
        };
        let n = pieces.len();
        pieces.push((piece, n..n + 1));
        if let Some(value) = split(&rest[end..], reader, pieces) {
            return Some(value);
        }
        pieces.pop();
    }
    None
}

/// Running total of one spelled-out number.
struct Acc {
    total: u64,
    current: u64,
    range: Range<usize>,
    real: bool,
}

impl Acc {
    /// Adds `v` if it continues this number; false if it starts another.
    fn take(&mut self, v: u64, joined: bool, compound: bool) -> bool {
        let tens_then_units = self.current % 100 >= 20 && self.current.is_multiple_of(10) && v < 20;
        // German and Dutch put the units first: "fünf-und-zwanzig".
        let units_then_tens = compound
            && joined
            && self.current % 100 < 10
            && v.is_multiple_of(10)
            && (20..100).contains(&v);
        let adds = self.current == 0
            || self.current.is_multiple_of(100)
            || tens_then_units
            || units_then_tens;
        if v >= 1000 {
            self.total = self
                .total
                .saturating_add(self.current.max(1).saturating_mul(v));
            self.current = 0;
        } else if v == 100 && self.current < 100 {
            self.current = self.current.max(1) * 100;
        } else if adds {
            self.current += v;
        } else {
            return false;
        }
        true
    }
}

/// The numbers a run of pieces spells: value, token range, and whether a
/// word that is only a number counted (not just parts like "one").
fn evaluate(run: &[(Piece, Range<usize>)], compound: bool) -> Vec<(u64, Range<usize>, bool)> {
    let mut out = Vec::new();
    let mut acc: Option<Acc> = None;
    let mut joined = false;
    for (piece, range) in run {
        let (v, real) = match piece {
            Piece::Joiner => {
                joined = true;
                continue;
            }
            Piece::Number(v) => (*v, true),
            Piece::Part(v) => (*v, false),
        };
        let continued = acc.as_mut().is_some_and(|a| a.take(v, joined, compound));
        match acc.as_mut() {
            Some(a) if continued => {
                a.range.end = range.end;
                a.real |= real;
            }
            _ => {
                out.extend(acc.take().map(|a| (a.total + a.current, a.range, a.real)));
                let mut fresh = Acc {
                    total: 0,
                    current: 0,
                    range: range.clone(),
                    real,
                };
                fresh.take(v, false, compound);
                acc = Some(fresh);
            }
        }
        joined = false;
    }
    out.extend(acc.map(|a| (a.total + a.current, a.range, a.real)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Locale;
    use crate::guard::facts::lexer::lex;
    use crate::guard::facts::FactVocabulary;

    fn spelled(locale: Locale, text: &str) -> Vec<u32> {
        let vocabulary = FactVocabulary::builtin().expect("vocabulary");
        let reader = vocabulary.reader(locale);
        compose(lex(text, false), reader)
            .into_iter()
            .filter_map(|t| match t.kind {
                Tok::Num(n) => n.readings[0].as_u32(),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn spelled_numbers_in_seven_languages() {
        assert_eq!(spelled(Locale::En, "twenty-five days"), [25]);
        assert_eq!(spelled(Locale::En, "two hundred and fifty"), [250]);
        assert_eq!(spelled(Locale::En, "three thousand two hundred"), [3200]);
        assert_eq!(spelled(Locale::Es, "treinta y dos"), [32]);
        assert_eq!(spelled(Locale::Es, "entre dos y tres días"), [2, 3]);
        assert_eq!(spelled(Locale::Es, "veintidós"), [22]);
        assert_eq!(spelled(Locale::Fr, "quatre-vingt-dix-sept"), [97]);
        assert_eq!(spelled(Locale::Fr, "soixante et onze"), [71]);
        assert_eq!(spelled(Locale::De, "fünfundzwanzig"), [25]);
        assert_eq!(spelled(Locale::De, "zweihundertfünfundzwanzig"), [225]);
        assert_eq!(spelled(Locale::Nl, "eenentwintig"), [21]);
        assert_eq!(spelled(Locale::It, "ventuno e venticinque"), [21, 25]);
        assert_eq!(spelled(Locale::Pt, "vinte e cinco"), [25]);
    }

    #[test]
    fn articles_count_only_in_a_number_or_before_a_unit() {
        assert!(spelled(Locale::En, "the blue one").is_empty());
        assert_eq!(spelled(Locale::En, "a one year warranty"), [1]);
        assert!(spelled(Locale::De, "ein Tee").is_empty());
        assert_eq!(spelled(Locale::De, "ein Jahr"), [1]);
        assert!(spelled(Locale::It, "se sei interessato").is_empty());
        assert!(spelled(Locale::Es, "Once it ships").is_empty());
        assert!(spelled(Locale::Nl, "ten minste").is_empty());
        assert!(spelled(Locale::De, "Achtung, einfach").is_empty());
    }
}
