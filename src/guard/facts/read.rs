//! Reads every value a text states: the fixed shapes first (`spans.rs`),
//! then, over words and numbers, dates written with month names, amounts,
//! percentages, durations and other quantities (a range's unit applies to
//! both ends: "3-5 business days"), times with a clock word, and order
//! statuses.

use super::lexer::{lex, Num, Tok, Token};
use super::spans::fixed_shapes;
use super::value::{Date, Occurrence, Unit, Value};
use super::vocabulary::{word_in, Reader};
use super::words::compose;

/// Every value in `text`, in no particular order.
pub(crate) fn read(text: &str, reader: &Reader) -> Vec<Occurrence> {
    let (work, mut found) = fixed_shapes(text, reader);
    let tokens = compose(lex(&work, reader.space_thousands), reader);
    let mut quantities: Vec<Quantity> = Vec::new();
    let mut i = list_marker(&tokens, reader);
    while i < tokens.len() {
        if let Some((end, date)) = date_at(&tokens, i, reader) {
            found.push(Occurrence {
                span: tokens[i].span.start..tokens[end - 1].span.end,
                readings: vec![Value::Date(date)],
            });
            i = end;
            continue;
        }
        match &tokens[i].kind {
            Tok::Num(num) => {
                let quantity = quantity_at(&tokens, i, num, reader);
                i = quantity.tokens.end.max(i + 1);
                quantities.push(quantity);
            }
            Tok::Word { .. } => match reader.statuses.find(&tokens, i) {
                Some((len, status)) => {
                    if !hedged(&tokens, i, len, reader) {
                        found.push(Occurrence {
                            span: tokens[i].span.start..tokens[i + len - 1].span.end,
                            readings: vec![Value::Status(status)],
                        });
                    }
                    i += len;
                }
                None => i += 1,
            },
            Tok::Sym(_) => i += 1,
        }
    }
    spread_over_ranges(&mut quantities, &tokens, reader);
    found.extend(quantities.into_iter().map(|q| q.into_occurrence(&tokens)));
    found
}

/// How many words before a status word a modal ("can", "once") reaches.
const MODAL_REACH: usize = 4;

/// Whether the status word at `at` (`len` tokens) states a possibility or
/// a rule ("items can be returned", "sobald sie versandt wird") rather than
/// the state of an order.
fn hedged(tokens: &[Token], at: usize, len: usize, reader: &Reader) -> bool {
    let before = tokens[..at]
        .iter()
        .rev()
        .filter(|t| matches!(t.kind, Tok::Word { .. }))
        .take(MODAL_REACH)
        .any(|t| word_in(Some(t), &reader.status_modals));
    before || word_in(tokens.get(at + len), &reader.status_modals_after)
}

/// A "1." or "2)" opening a list item is not a value.
fn list_marker(tokens: &[Token], reader: &Reader) -> usize {
    let marker = matches!(
        (tokens.first().map(|t| &t.kind), tokens.get(1).map(|t| &t.kind)),
        (Some(Tok::Num(Num { plain: Some(n), digits: 1..=2, .. })), Some(Tok::Sym('.' | ')'))) if *n > 0
    );
    let month_follows = month_at(tokens, 2, reader).is_some();
    if marker && !month_follows {
        2
    } else {
        0
    }
}

/// A number and what it counts.
struct Quantity {
    /// The tokens it covers (a currency sign before it included).
    tokens: std::ops::Range<usize>,
    num: Num,
    unit: Option<Unit>,
    /// Followed by a clock word ("9 Uhr"): also a time of day.
    clock: bool,
    /// The unit was written before the number ("€10").
    unit_before: bool,
}

impl Quantity {
    fn into_occurrence(self, tokens: &[Token]) -> Occurrence {
        let mut readings: Vec<Value> = self
            .num
            .readings
            .iter()
            .map(|number| Value::Quantity {
                number: *number,
                unit: self.unit,
            })
            .collect();
        if self.clock {
            readings.extend(
                self.num
                    .readings
                    .iter()
                    .filter_map(|n| n.as_clock())
                    .map(Value::Time),
            );
        }
        Occurrence {
            span: tokens[self.tokens.start].span.start..tokens[self.tokens.end - 1].span.end,
            readings,
        }
    }
}

fn quantity_at(tokens: &[Token], i: usize, num: &Num, reader: &Reader) -> Quantity {
    let mut start = i;
    let mut unit = None;
    let mut unit_before = false;
    // A currency written before the amount: "€12,90", "EUR 12.90", "R$ 10".
    for back in [2, 1] {
        if i < back {
            continue;
        }
        if let Some((len, found @ Unit::Currency(_))) = reader.units.find(tokens, i - back) {
            if len == back {
                start = i - back;
                unit = Some(found);
                unit_before = true;
                break;
            }
        }
    }
    let mut end = i + 1;
    let mut clock = false;
    if unit.is_none() {
        let mut k = end;
        // "30-day": a hyphen between the number and its unit.
        if matches!(tokens.get(k).map(|t| &t.kind), Some(Tok::Sym('-')))
            && tokens.get(k).is_some_and(|t| t.glued)
            && tokens.get(k + 1).is_some_and(|t| t.glued)
        {
            k += 1;
        }
        while word_in(tokens.get(k), &reader.unit_fillers) {
            k += 1;
        }
        if let Some((len, found)) = reader.units.find(tokens, k) {
            unit = Some(found);
            end = k + len;
        }
        if let Some((len, ())) = reader.clock.find(tokens, i + 1) {
            clock = true;
            end = end.max(i + 1 + len);
        }
    }
    // "20th", "1er", "1º": an ordinal suffix is part of the number.
    if unit.is_none()
        && !clock
        && tokens.get(end).is_some_and(|t| t.glued)
        && word_in(tokens.get(end), &reader.ordinal_suffixes)
    {
        end += 1;
    }
    Quantity {
        tokens: start..end,
        num: num.clone(),
        unit,
        clock,
        unit_before,
    }
}

/// Between two numbers, a dash or a range word ("3-5", "3–5", "3 to 5",
/// "9 bis 17 Uhr"): the unit written at one end applies to the other.
fn spread_over_ranges(quantities: &mut [Quantity], tokens: &[Token], reader: &Reader) {
    for n in 1..quantities.len() {
        let (head, tail) = quantities.split_at_mut(n);
        let (a, b) = (&mut head[n - 1], &mut tail[0]);
        let between = &tokens[a.tokens.end..b.tokens.start];
        let connected = match between {
            [t] => {
                matches!(t.kind, Tok::Sym('-' | '–' | '—' | '−'))
                    || word_in(Some(t), &reader.range_words)
            }
            _ => false,
        };
        if !connected {
            continue;
        }
        if a.unit.is_none() && !b.unit_before {
            a.unit = b.unit;
            a.clock |= b.clock;
        }
        if b.unit.is_none() && a.unit_before {
            b.unit = a.unit;
        }
    }
}

/// A month word at `k` (an abbreviation may carry its dot): the month and
/// the token after it.
fn month_at(tokens: &[Token], k: usize, reader: &Reader) -> Option<(u8, usize)> {
    let month = *reader.months.get(tokens.get(k)?.kind.folded()?)?;
    // "Nov. 20", "20 Nov. 2026": the dot of an abbreviation, not an end.
    let dot = matches!(
        tokens.get(k + 1),
        Some(Token {
            kind: Tok::Sym('.'),
            glued: true,
            ..
        })
    ) && matches!(tokens.get(k + 2).map(|t| &t.kind), Some(Tok::Num(_)));
    Some((month, if dot { k + 2 } else { k + 1 }))
}

fn plain(tokens: &[Token], k: usize, digits: std::ops::RangeInclusive<usize>) -> Option<u32> {
    match tokens.get(k).map(|t| &t.kind) {
        Some(Tok::Num(Num {
            plain: Some(v),
            digits: d,
            ..
        })) if digits.contains(d) => Some(*v),
        _ => None,
    }
}

fn skip_joiners(tokens: &[Token], mut k: usize, reader: &Reader) -> usize {
    while word_in(tokens.get(k), &reader.date_joiners) {
        k += 1;
    }
    k
}

/// Past an ordinal mark glued to a day: "20th", "1er", "1º", and with
/// `dot` the German "20.".
fn skip_ordinal(tokens: &[Token], k: usize, reader: &Reader, dot: bool) -> usize {
    let Some(token) = tokens.get(k).filter(|t| t.glued) else {
        return k;
    };
    let mark = (dot && matches!(token.kind, Tok::Sym('.')))
        || word_in(Some(token), &reader.ordinal_suffixes);
    if mark {
        k + 1
    } else {
        k
    }
}

/// A year after a date: "2026", ", 2026", "de 2026".
fn year_at(tokens: &[Token], k: usize, reader: &Reader) -> Option<(u32, usize)> {
    let comma = matches!(tokens.get(k).map(|t| &t.kind), Some(Tok::Sym(',')));
    let k = skip_joiners(tokens, if comma { k + 1 } else { k }, reader);
    plain(tokens, k, 4..=4).map(|y| (y, k + 1))
}

/// A date written with a month name at `i`: "20 November 2026", "20 de
/// noviembre", "20. November", "November 20th, 2026", "November 2026".
fn date_at(tokens: &[Token], i: usize, reader: &Reader) -> Option<(usize, Date)> {
    if let Some(day) = plain(tokens, i, 1..=2) {
        let k = skip_joiners(tokens, skip_ordinal(tokens, i + 1, reader, true), reader);
        let (month, k) = month_at(tokens, k, reader)?;
        let (year, end) = match year_at(tokens, k, reader) {
            Some((y, end)) => (Some(y), end),
            None => (None, k),
        };
        return Some((end, Date::new(year, u32::from(month), Some(day))?));
    }
    let (month, k) = month_at(tokens, i, reader)?;
    let k = skip_joiners(tokens, k, reader);
    if let Some(day) = plain(tokens, k, 1..=2) {
        let k = skip_ordinal(tokens, k + 1, reader, false);
        let (year, end) = match year_at(tokens, k, reader) {
            Some((y, end)) => (Some(y), end),
            None => (None, k),
        };
        return Some((end, Date::new(year, u32::from(month), Some(day))?));
    }
    let year = plain(tokens, k, 4..=4)?;
    Some((k + 1, Date::new(Some(year), u32::from(month), None)?))
}
