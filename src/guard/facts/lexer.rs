//! Splits text into numbers, words and symbols. Numbers are read with
//! their separators ("1.234,56", "1,234.56", "12,90", "1 000" where a space
//! groups thousands); a number whose separators can mean two things keeps
//! both readings ("1,234").

use std::ops::Range;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use super::value::Dec;

/// One piece of text.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    /// Byte offsets in the text.
    pub span: Range<usize>,
    /// No whitespace between this token and the one before.
    pub glued: bool,
    /// What it is.
    pub kind: Tok,
}

/// The kinds of token.
#[derive(Debug, Clone)]
pub(crate) enum Tok {
    /// A number written in digits (or spelled out, once composed).
    Num(Num),
    /// A word: folded (lowercase, no accents), and lowercase with accents
    /// where that differs.
    Word {
        folded: String,
        lower: Option<String>,
    },
    /// Any other character that is not whitespace.
    Sym(char),
}

/// A number and how it was written.
#[derive(Debug, Clone)]
pub(crate) struct Num {
    /// Every way to read it; never empty.
    pub readings: Vec<Dec>,
    /// The value when written as 1 to 4 plain digits (a day, a year, an hour).
    pub plain: Option<u32>,
    /// How many digits `plain` was written with.
    pub digits: usize,
}

impl Tok {
    /// The word, folded, if this is a word.
    pub(crate) fn folded(&self) -> Option<&str> {
        match self {
            Tok::Word { folded, .. } => Some(folded),
            _ => None,
        }
    }

    /// The key phrase tables compare: the folded word (or, with `accents`,
    /// the lowercase word), or the symbol.
    pub(crate) fn key(&self, accents: bool) -> Option<KeyRef<'_>> {
        match self {
            Tok::Word { folded, lower } => Some(KeyRef::Word(match (accents, lower) {
                (true, Some(lower)) => lower,
                _ => folded,
            })),
            Tok::Sym(c) => Some(KeyRef::Sym(*c)),
            Tok::Num(_) => None,
        }
    }
}

/// A token as a phrase table sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyRef<'a> {
    Word(&'a str),
    Sym(char),
}

/// Lowercase, accents stripped, `ß` as `ss`, typographic apostrophes plain.
pub(crate) fn fold(word: &str) -> String {
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    word.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == '’' { '\'' } else { c })
        .collect::<String>()
        .replace('ß', "ss")
}

/// Lowercase with accents kept (composed).
pub(crate) fn lower(word: &str) -> String {
    word.nfc()
        .flat_map(char::to_lowercase)
        .map(|c| if c == '’' { '\'' } else { c })
        .collect()
}

/// A word token: folded, and lowercase with accents if different.
pub(crate) fn word_kind(word: &str) -> Tok {
    let folded = fold(word);
    let lower = (!word.is_ascii())
        .then(|| lower(word))
        .filter(|l| *l != folded);
    Tok::Word { folded, lower }
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '’'
}

/// The tokens of `text`; `space_thousands` lets a plain space group digits.
pub(crate) fn lex(text: &str, space_thousands: bool) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut iter = text.char_indices().peekable();
    let mut after_space = true;
    while let Some(&(start, c)) = iter.peek() {
        if c.is_whitespace() {
            iter.next();
            after_space = true;
            continue;
        }
        let glued = !after_space;
        after_space = false;
        if c.is_ascii_digit() {
            let end = number_end(text, start, space_thousands);
            while iter.peek().is_some_and(|(i, _)| *i < end) {
                iter.next();
            }
            for (span, num) in read_number(&text[start..end], start) {
                let glued = glued || span.start > start;
                tokens.push(Token {
                    span,
                    glued,
                    kind: Tok::Num(num),
                });
            }
        } else if c.is_alphabetic() {
            let mut end = start;
            while let Some(&(i, c)) = iter.peek() {
                let inner_apostrophe = is_apostrophe(c)
                    && text[i + c.len_utf8()..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphabetic);
                if !(c.is_alphabetic() || inner_apostrophe) {
                    break;
                }
                end = i + c.len_utf8();
                iter.next();
            }
            let word = &text[start..end];
            tokens.push(Token {
                span: start..end,
                glued,
                kind: word_kind(word),
            });
        } else {
            iter.next();
            tokens.push(Token {
                span: start..start + c.len_utf8(),
                glued,
                kind: Tok::Sym(c),
            });
        }
    }
    tokens
}

fn is_group_separator(c: char) -> bool {
    matches!(c, '.' | ',' | '\u{a0}' | '\u{202f}' | '\'' | '’')
}

/// Where the number starting at `start` ends: digit groups joined by one
/// separator each, the next group starting right after it.
fn number_end(text: &str, start: usize, space_thousands: bool) -> usize {
    let bytes = text.as_bytes();
    let digits_from = |i: usize| bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut end = start + digits_from(start);
    loop {
        let Some(sep) = text[end..].chars().next() else {
            return end;
        };
        let next = end + sep.len_utf8();
        let group = if next < bytes.len() {
            digits_from(next)
        } else {
            0
        };
        let ok = group > 0
            && (is_group_separator(sep)
                || (sep == ' ' && space_thousands && group == 3 && digits_from(start) <= 3));
        if !ok {
            return end;
        }
        end = next + group;
    }
}

/// Reads one written number; separators that do not fit any convention
/// ("1,2,3") leave each digit group a number of its own.
fn read_number(written: &str, offset: usize) -> Vec<(Range<usize>, Num)> {
    let mut groups: Vec<(usize, &str)> = Vec::new();
    let mut seps: Vec<char> = Vec::new();
    let mut rest = written;
    let mut at = 0;
    loop {
        let len = rest.bytes().take_while(u8::is_ascii_digit).count();
        groups.push((at, &rest[..len]));
        at += len;
        rest = &rest[len..];
        let Some(sep) = rest.chars().next() else {
            break;
        };
        seps.push(sep);
        at += sep.len_utf8();
        rest = &rest[sep.len_utf8()..];
    }
    let whole = |readings: Vec<Dec>| {
        let plain = (groups.len() == 1 && groups[0].1.len() <= 4)
            .then(|| groups[0].1.parse().ok())
            .flatten();
        vec![(
            offset..offset + written.len(),
            Num {
                readings,
                plain,
                digits: groups[0].1.len(),
            },
        )]
    };
    let readings = interpret(&groups.iter().map(|g| g.1).collect::<Vec<_>>(), &seps);
    if !readings.is_empty() {
        return whole(readings);
    }
    groups
        .iter()
        .filter_map(|(at, digits)| {
            let value = Dec::parse(digits, "")?;
            let span = offset + at..offset + at + digits.len();
            let plain = (digits.len() <= 4).then(|| digits.parse().ok()).flatten();
            Some((
                span,
                Num {
                    readings: vec![value],
                    plain,
                    digits: digits.len(),
                },
            ))
        })
        .collect()
}

/// The values digit `groups` joined by `seps` can mean; empty when they fit
/// no convention.
fn interpret(groups: &[&str], seps: &[char]) -> Vec<Dec> {
    let thousands = |groups: &[&str]| {
        let first = groups[0].len();
        (1..=3).contains(&first) && groups[1..].iter().all(|g| g.len() == 3)
    };
    let Some((&last, others)) = seps.split_last() else {
        return Dec::parse(groups[0], "").into_iter().collect();
    };
    let (head, tail) = groups.split_at(groups.len() - 1);
    let int: String = head.concat();
    let all: String = groups.concat();
    let decimal_mark = matches!(last, '.' | ',');
    if !decimal_mark {
        return if thousands(groups) {
            Dec::parse(&all, "").into_iter().collect()
        } else {
            Vec::new()
        };
    }
    if others.contains(&last) {
        // "1,234,567": the same mark throughout groups thousands.
        return if thousands(groups) && tail[0].len() == 3 {
            Dec::parse(&all, "").into_iter().collect()
        } else {
            Vec::new()
        };
    }
    if !others.is_empty() && !thousands(head) {
        return Vec::new();
    }
    let decimal = Dec::parse(&int, tail[0]);
    // "1,234" or "1.234" alone: a thousand-and-something, or a decimal.
    let grouped = (others.is_empty() && thousands(groups) && !groups[0].starts_with('0'))
        .then(|| Dec::parse(&all, ""))
        .flatten();
    decimal.into_iter().chain(grouped).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(text: &str, space: bool) -> Vec<Vec<Dec>> {
        lex(text, space)
            .into_iter()
            .filter_map(|t| match t.kind {
                Tok::Num(n) => Some(n.readings),
                _ => None,
            })
            .collect()
    }

    fn dec(int: &str, frac: &str) -> Dec {
        Dec::parse(int, frac).expect("number")
    }

    #[test]
    fn separators_are_read_by_convention() {
        assert_eq!(numbers("64.50", false), [vec![dec("64", "5")]]);
        assert_eq!(numbers("€12,90.", false), [vec![dec("12", "9")]]);
        assert_eq!(numbers("1.234,56", false), [vec![dec("1234", "56")]]);
        assert_eq!(numbers("1,234.56", false), [vec![dec("1234", "56")]]);
        assert_eq!(numbers("1,234,567", false), [vec![dec("1234567", "")]]);
        assert_eq!(
            numbers("1,234", false),
            [vec![dec("1", "234"), dec("1234", "")]]
        );
        assert_eq!(numbers("1 000 €", true), [vec![dec("1000", "")]]);
        assert_eq!(
            numbers("1 000", false),
            [vec![dec("1", "")], vec![dec("0", "")]]
        );
        assert_eq!(numbers("1,2,3", false).len(), 3);
    }

    #[test]
    fn words_fold_and_symbols_stand_alone() {
        let tokens = lex("Livré 100g, o'clock", false);
        let kinds: Vec<String> = tokens
            .iter()
            .map(|t| match &t.kind {
                Tok::Word { folded, lower } => format!("{folded}/{lower:?}"),
                Tok::Num(n) => format!("{:?}", n.plain),
                Tok::Sym(c) => c.to_string(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "livre/Some(\"livré\")",
                "Some(100)",
                "g/None",
                ",",
                "o'clock/None"
            ]
        );
        assert!(tokens[2].glued && !tokens[1].glued);
    }
}
