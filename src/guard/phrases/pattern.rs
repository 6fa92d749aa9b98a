//! The pattern language of phrase files: words with `a|b` alternatives,
//! `word?` optional slots, `pre*` prefixes, `*` gaps of up to [`MAX_GAP`]
//! words and `^`/`$` anchors, matched against normalized message words
//! (long words tolerate one typo).

use super::normalize::normalize;

/// The most words a `*` gap in a pattern can skip.
pub const MAX_GAP: usize = 3;

/// Pattern words at least this many bytes long also match a message word
/// one edit away.
const FUZZY_MIN_BYTES: usize = 7;

/// One alternative in a slot.
#[derive(Debug, Clone)]
enum Word {
    Exact(String),
    Prefix(String),
}

impl Word {
    fn matches(&self, token: &str) -> bool {
        match self {
            Word::Prefix(p) => token.starts_with(p.as_str()),
            Word::Exact(w) => {
                w == token || (w.len() >= FUZZY_MIN_BYTES && one_edit_apart(w, token))
            }
        }
    }
}

/// One position of a pattern.
#[derive(Debug, Clone)]
enum Elem {
    Start,
    End,
    Gap,
    Slot { words: Vec<Word>, optional: bool },
}

#[derive(Debug, Clone)]
pub(super) struct Pattern(Vec<Elem>);

impl Pattern {
    /// The first span `[start, end)` of `tokens` this pattern matches.
    pub(super) fn find(&self, tokens: &[&str]) -> Option<(usize, usize)> {
        (0..=tokens.len()).find_map(|s| match_at(&self.0, tokens, s).map(|e| (s, e)))
    }

    /// Whether a match could start at token `start` when `tokens` are only
    /// the beginning of the text: the words from `start` on match the
    /// pattern's first elements and the rest may still follow (a complete
    /// match counts too). Never true at a start where no continuation of
    /// the text could make [`Pattern::find`] match.
    pub(super) fn could_start_at(&self, tokens: &[&str], start: usize) -> bool {
        could_match(&self.0, tokens, start)
    }
}

/// [`match_at`] for text that goes on after `tokens`: running out of words
/// before the pattern ends is a possible match, not a failed one.
fn could_match(elems: &[Elem], tokens: &[&str], pos: usize) -> bool {
    let Some((first, rest)) = elems.split_first() else {
        return true;
    };
    match first {
        Elem::Start => pos == 0 && could_match(rest, tokens, pos),
        _ if pos >= tokens.len() => true,
        Elem::End => false,
        Elem::Gap => (0..=MAX_GAP)
            .take_while(|skip| pos + skip <= tokens.len())
            .any(|skip| could_match(rest, tokens, pos + skip)),
        Elem::Slot { words, optional } => {
            (words.iter().any(|w| w.matches(tokens[pos])) && could_match(rest, tokens, pos + 1))
                || (*optional && could_match(rest, tokens, pos))
        }
    }
}

fn match_at(elems: &[Elem], tokens: &[&str], pos: usize) -> Option<usize> {
    let Some((first, rest)) = elems.split_first() else {
        return Some(pos);
    };
    match first {
        Elem::Start => (pos == 0).then(|| match_at(rest, tokens, pos)).flatten(),
        Elem::End => (pos == tokens.len())
            .then(|| match_at(rest, tokens, pos))
            .flatten(),
        Elem::Gap => (0..=MAX_GAP)
            .take_while(|skip| pos + skip <= tokens.len())
            .find_map(|skip| match_at(rest, tokens, pos + skip)),
        Elem::Slot { words, optional } => {
            let here = tokens
                .get(pos)
                .filter(|t| words.iter().any(|w| w.matches(t)))
                .and_then(|_| match_at(rest, tokens, pos + 1));
            here.or_else(|| optional.then(|| match_at(rest, tokens, pos)).flatten())
        }
    }
}

/// Whether `a` and `b` differ by one insertion, deletion, substitution or
/// swap of neighbouring letters (used by the phrase lists, the answer
/// lexicon and the knowledge base's typo correction).
pub fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 1 || a == b {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    let swapped = ra.len() >= 2 && ra.len() == rb.len() && ra[0] == rb[1] && ra[1] == rb[0];
    ra.get(1..) == rb.get(1..)
        || ra.get(1..) == Some(rb)
        || Some(ra) == rb.get(1..)
        || (swapped && ra[2..] == rb[2..])
}

/// Reads one pattern (the text after `kind:`).
pub(super) fn parse_pattern(text: &str) -> Result<Pattern, String> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let mut elems = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        let elem = match *part {
            "^" if i == 0 => Elem::Start,
            "$" if i + 1 == parts.len() => Elem::End,
            "^" | "$" => return Err(format!("`{part}` only fits at the start (^) or end ($)")),
            "*" => Elem::Gap,
            _ => parse_slot(part)?,
        };
        elems.push(elem);
    }
    let required = |e: &Elem| matches!(e, Elem::Slot { optional, .. } if !optional);
    if !elems.iter().any(required) {
        return Err("the pattern needs at least one word that is not optional".into());
    }
    Ok(Pattern(elems))
}

fn parse_slot(part: &str) -> Result<Elem, String> {
    let (body, optional) = match part.strip_suffix('?') {
        Some(body) => (body, true),
        None => (part, false),
    };
    let words = body
        .split('|')
        .map(|alt| {
            let (stem, prefix) = match alt.strip_suffix('*') {
                Some(stem) => (stem, true),
                None => (alt, false),
            };
            let word = normalize(stem);
            if word.is_empty() || word.contains(' ') {
                return Err(format!(
                    "`{alt}` in `{part}` must be a single word (it normalizes to `{word}`)"
                ));
            }
            Ok(if prefix {
                Word::Prefix(word)
            } else {
                Word::Exact(word)
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Elem::Slot { words, optional })
}
