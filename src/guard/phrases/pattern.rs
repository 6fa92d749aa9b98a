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

impl Word {
    /// Whether some word that starts with `prefix` matches this one.
    fn could_extend(&self, prefix: &str) -> bool {
        match self {
            Word::Prefix(p) => p.starts_with(prefix) || prefix.starts_with(p.as_str()),
            Word::Exact(w) => {
                if w.starts_with(prefix) {
                    return true;
                }
                // One edit inside the prefix, the rest written as `w` goes on.
                let word: Vec<char> = w.chars().collect();
                let n = prefix.chars().count();
                w.len() >= FUZZY_MIN_BYTES
                    && (n.saturating_sub(1)..=n + 1)
                        .filter(|k| *k <= word.len())
                        .any(|k| one_edit_apart(&word[..k].iter().collect::<String>(), prefix))
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
    /// A gap that skips only words with a digit (never parsed: the output
    /// guard's hold, [`Pattern::holds_from`]).
    NumberGap,
    Slot {
        words: Vec<Word>,
        optional: bool,
    },
}

#[derive(Debug, Clone)]
pub(super) struct Pattern {
    elems: Vec<Elem>,
    /// For a pattern with a `*` gap: the index of its last gap, and the
    /// pattern with that gap skipping only numbers (the output guard's
    /// hold, [`Pattern::holds_from`]; built once here, not per call).
    last_gap: Option<(usize, Vec<Elem>)>,
}

impl Pattern {
    fn new(elems: Vec<Elem>) -> Self {
        let last_gap = elems
            .iter()
            .rposition(|e| matches!(e, Elem::Gap))
            .map(|gap| {
                let mut numbers_only = elems.clone();
                numbers_only[gap] = Elem::NumberGap;
                (gap, numbers_only)
            });
        Self { elems, last_gap }
    }
}

impl Pattern {
    /// The first span `[start, end)` of `tokens` this pattern matches.
    pub(super) fn find(&self, tokens: &[&str]) -> Option<(usize, usize)> {
        (0..=tokens.len()).find_map(|s| match_at(&self.elems, tokens, s).map(|e| (s, e)))
    }

    /// Whether the output guard must hold text still being written from
    /// token `at` on for this pattern, when `tokens` are only the beginning
    /// of the text. A pattern without a `*` gap is held from where a match
    /// could start: the words from `at` on match its first elements and the
    /// rest may still follow (a complete match counts too). A pattern with gaps is
    /// held from where a match could start only while the words its last
    /// gap skipped so far are numbers ("only 2 left", "I am 30 years old":
    /// held whole, so the sentence goes whole); once the gap skips a word
    /// ("I am sorry to hear", "The price of this tea"), from where its
    /// decisive words after the gap ("years old", "ends") could start right
    /// after a match of the words before it. The decisive words of every
    /// match are held either way, so the guard can still cut the sentence
    /// before them; "I'm sorry" is no longer held for `i am * years old`.
    ///
    /// `partial`: the next word is being written and starts so (see
    /// `normalize::partial_word`); only a match it could still be part of
    /// counts.
    pub(super) fn holds_from(&self, tokens: &[&str], partial: Option<&str>, at: usize) -> bool {
        let Some((gap, numbers_only)) = &self.last_gap else {
            return could_match(&self.elems, tokens, partial, at);
        };
        let (before, after) = (&self.elems[..*gap], &self.elems[gap + 1..]);
        could_match(numbers_only, tokens, partial, at)
            || could_match(after, tokens, partial, at)
                && (0..=at).any(|start| {
                    match_ends(before, tokens, start)
                        .into_iter()
                        .any(|end| end <= at && at - end <= MAX_GAP)
                })
    }
}

/// Every end of a complete match of `elems` from token `pos` (all its
/// words written).
fn match_ends(elems: &[Elem], tokens: &[&str], pos: usize) -> Vec<usize> {
    let Some((first, rest)) = elems.split_first() else {
        return vec![pos];
    };
    match first {
        Elem::Start if pos == 0 => match_ends(rest, tokens, pos),
        Elem::End if pos == tokens.len() => match_ends(rest, tokens, pos),
        Elem::Start | Elem::End => Vec::new(),
        Elem::Gap => (0..=MAX_GAP)
            .take_while(|skip| pos + skip <= tokens.len())
            .flat_map(|skip| match_ends(rest, tokens, pos + skip))
            .collect(),
        Elem::NumberGap => number_skips(tokens, pos)
            .flat_map(|skip| match_ends(rest, tokens, pos + skip))
            .collect(),
        Elem::Slot { words, optional } => {
            let mut ends = match tokens.get(pos) {
                Some(t) if words.iter().any(|w| w.matches(t)) => match_ends(rest, tokens, pos + 1),
                _ => Vec::new(),
            };
            if *optional {
                ends.extend(match_ends(rest, tokens, pos));
            }
            ends
        }
    }
}

/// [`match_at`] for text that goes on after `tokens`: running out of words
/// before the pattern ends is a possible match, not a failed one. With a
/// `partial` word, the text goes on with a word that starts so.
fn could_match(elems: &[Elem], tokens: &[&str], partial: Option<&str>, pos: usize) -> bool {
    let Some((first, rest)) = elems.split_first() else {
        return true;
    };
    let next = |pos: usize| could_match(rest, tokens, partial, pos);
    // Whether a gap reaching past the written words can take the partial
    // word too and still leave the pattern's rest to come.
    let gap_takes_partial = pos + MAX_GAP > tokens.len() && partial.is_some();
    match first {
        Elem::Start => pos == 0 && next(pos),
        _ if pos >= tokens.len() => match partial {
            None => true,
            Some(word) => {
                could_extend(first, word)
                    || matches!(first, Elem::Slot { optional: true, .. } | Elem::NumberGap)
                        && next(pos)
            }
        },
        Elem::End => false,
        Elem::Gap => {
            (0..=MAX_GAP)
                .take_while(|skip| pos + skip <= tokens.len())
                .any(|skip| next(pos + skip))
                || gap_takes_partial
        }
        Elem::NumberGap => {
            number_skips(tokens, pos).any(|skip| next(pos + skip))
                || gap_takes_partial
                    && number_skips(tokens, pos).last() == Some(tokens.len() - pos)
                    && partial.is_some_and(|word| could_extend(first, word))
        }
        Elem::Slot { words, optional } => {
            (words.iter().any(|w| w.matches(tokens[pos])) && next(pos + 1))
                || (*optional && next(pos))
        }
    }
}

/// Whether `elem`, the next element to match, could take a word that
/// starts with `partial` (the pattern may go on after it).
fn could_extend(elem: &Elem, partial: &str) -> bool {
    match elem {
        Elem::Start | Elem::End => false,
        Elem::Gap => true,
        Elem::NumberGap => NUMBER_WORDS.iter().any(|n| n.starts_with(partial)),
        Elem::Slot { words, .. } => words.iter().any(|w| w.could_extend(partial)),
    }
}

/// Words a [`Elem::NumberGap`] skips besides those with a digit: how
/// English writes a small quantity ("only a few left", "two left"), and
/// "to" and "for", which the normalizer makes of "2" and "4" (chat
/// spellings).
const NUMBER_WORDS: &[&str] = &[
    "to", "for", "a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve", "fifteen", "twenty", "thirty", "forty", "fifty", "hundred", "few",
    "couple", "dozen", "handful",
];

/// How many words a [`Elem::NumberGap`] at `pos` may skip: up to
/// [`MAX_GAP`], only numbers.
fn number_skips<'t>(tokens: &'t [&str], pos: usize) -> impl Iterator<Item = usize> + 't {
    let is_number = |t: &str| t.chars().any(|c| c.is_ascii_digit()) || NUMBER_WORDS.contains(&t);
    (0..=MAX_GAP)
        .take_while(move |skip| pos + skip <= tokens.len())
        .take_while(move |skip| *skip == 0 || is_number(tokens[pos + skip - 1]))
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
        Elem::NumberGap => {
            number_skips(tokens, pos).find_map(|skip| match_at(rest, tokens, pos + skip))
        }
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
    Ok(Pattern::new(elems))
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
