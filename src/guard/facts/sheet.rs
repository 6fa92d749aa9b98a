//! The fact sheet of one turn: every value the reply may state, read from
//! the turn's context, and the check of each sentence against it.

use std::collections::HashSet;

use super::read::read;
use super::value::{Date, Dec, Unit, Value};
use super::vocabulary::{FactVocabulary, Reader};
use crate::domain::Locale;

/// What kind of value a sentence stated without backing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FactKind {
    /// A plain number, or a measure ("100 g").
    Number,
    /// An amount of money ("€12,90", "54 USD").
    Amount,
    /// A percentage.
    Percentage,
    /// A duration ("3 business days").
    Duration,
    /// A calendar date.
    Date,
    /// A time of day.
    Time,
    /// An order status ("delivered").
    Status,
    /// An order id, tracking number or coupon code.
    Code,
    /// A phone number or another long run of digits.
    Phone,
    /// A web address.
    Url,
    /// An e-mail address.
    Email,
}

/// A value a sentence states that the turn's context does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unbacked {
    /// What kind of value it is.
    pub kind: FactKind,
    /// The value as written in the sentence. It may be personal data: for
    /// tests and local diagnosis only, never for logs.
    pub text: String,
}

/// The values a reply may state in this turn: built from the turn's
/// context texts (retrieved knowledge-base entries, the customer's
/// consented record lines, their own messages), then asked about each
/// sentence the model writes.
#[derive(Debug, Clone)]
pub struct FactSheet<'a> {
    reader: &'a Reader,
    quantities: HashSet<(Dec, Option<Unit>)>,
    /// Every number in the context, whatever it counts, and the hours of
    /// whole times ("9:00-17:00" backs "from 9 to 5").
    numbers: HashSet<Dec>,
    dates: Vec<Date>,
    times: HashSet<u16>,
    statuses: HashSet<u8>,
    codes: HashSet<String>,
    digits: Vec<String>,
    urls: Vec<String>,
    emails: HashSet<String>,
}

/// A phone number may leave out at most the country prefix: a reply's
/// digits must be at least this long to match the end of a context number.
const MIN_PHONE_SUFFIX: usize = 7;

impl<'a> FactSheet<'a> {
    /// An empty sheet for a reply in `locale` (read together with English).
    pub fn new(vocabulary: &'a FactVocabulary, locale: Locale) -> Self {
        Self {
            reader: vocabulary.reader(locale),
            quantities: HashSet::new(),
            numbers: HashSet::new(),
            dates: Vec::new(),
            times: HashSet::new(),
            statuses: HashSet::new(),
            codes: HashSet::new(),
            digits: Vec::new(),
            urls: Vec::new(),
            emails: HashSet::new(),
        }
    }

    /// Adds every value `text` states to what a reply may state: one
    /// knowledge-base entry, one consented record line or one of the
    /// customer's messages.
    pub fn add_source(&mut self, text: &str) -> &mut Self {
        for occurrence in read(text, self.reader) {
            for value in occurrence.readings {
                self.add(value);
            }
        }
        self
    }

    fn add(&mut self, value: Value) {
        match value {
            Value::Quantity { number, unit } => {
                self.quantities.insert((number, unit));
                self.numbers.insert(number);
            }
            Value::Time(minutes) => {
                self.times.insert(minutes);
                if minutes % 60 == 0 {
                    let hour = u64::from(minutes / 60);
                    self.numbers.insert(Dec::from_int(hour));
                    if hour > 12 {
                        self.numbers.insert(Dec::from_int(hour - 12));
                    }
                }
            }
            Value::Date(date) => {
                if !self.dates.contains(&date) {
                    self.dates.push(date);
                }
            }
            Value::Status(status) => {
                self.statuses.insert(status);
            }
            Value::Code(code) => {
                let digits: String = code.chars().filter(char::is_ascii_digit).collect();
                if digits.len() >= MIN_PHONE_SUFFIX {
                    self.digits.push(digits);
                }
                self.codes.insert(code);
            }
            Value::Digits(digits) => self.digits.push(digits),
            Value::Url(url) => self.urls.push(url),
            Value::Email(email) => {
                self.emails.insert(email);
            }
        }
    }

    pub(super) fn reader(&self) -> &'a Reader {
        self.reader
    }

    pub(super) fn backs(&self, value: &Value) -> bool {
        match value {
            Value::Quantity { number, unit: None } => self.numbers.contains(number),
            // An amount is often stored without its currency ("total 64.50").
            Value::Quantity {
                number,
                unit: Some(unit @ Unit::Currency(_)),
            } => {
                self.quantities.contains(&(*number, Some(*unit)))
                    || self.quantities.contains(&(*number, None))
            }
            Value::Quantity { number, unit } => self.quantities.contains(&(*number, *unit)),
            Value::Date(date) => self.dates.iter().any(|c| date.backed_by(c)),
            Value::Time(minutes) => self.times.contains(minutes),
            Value::Status(status) => self.statuses.contains(status),
            Value::Code(code) => self.codes.contains(code),
            Value::Digits(digits) => self.digits.iter().any(|c| {
                c == digits || (digits.len() >= MIN_PHONE_SUFFIX && c.ends_with(digits.as_str()))
            }),
            // The address itself, or its start up to a "/" ("shop.example
            // .com" when the context has "shop.example.com/returns").
            Value::Url(url) => self.urls.iter().any(|c| {
                c == url
                    || c.strip_prefix(url.as_str())
                        .is_some_and(|rest| rest.starts_with('/'))
            }),
            Value::Email(email) => self.emails.contains(email),
        }
    }

    /// The values `sentence` states that this sheet does not hold; empty
    /// when every value is backed. A value read two ways ("1,234") is
    /// backed when either reading is.
    pub fn unbacked(&self, sentence: &str) -> Vec<Unbacked> {
        let mut found = read(sentence, self.reader);
        found.sort_by_key(|o| o.span.start);
        found
            .into_iter()
            .filter(|o| !o.readings.iter().any(|v| self.backs(v)))
            .map(|o| Unbacked {
                kind: kind_of(&o.readings[0]),
                text: sentence.get(o.span).unwrap_or_default().to_owned(),
            })
            .collect()
    }

    /// Whether the "." at the end of `before` continues the sentence into
    /// `after` (the text after the whitespace that follows the dot): a
    /// German "20. November" or an abbreviated "Nov. 20". `None` while
    /// `after` does not yet show the next word whole.
    pub(crate) fn dot_continues(&self, before: &str, after: &str) -> Option<bool> {
        let last: &str = before
            .rsplit(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or_default();
        let day = !last.is_empty() && last.len() <= 2 && last.bytes().all(|b| b.is_ascii_digit());
        let month = self.reader.months.contains_key(&super::lexer::fold(last));
        if !day && !month {
            return Some(false);
        }
        let next_end = after.find(|c: char| !c.is_alphanumeric())?;
        let next = &after[..next_end];
        Some(if day {
            self.reader.months.contains_key(&super::lexer::fold(next))
        } else {
            !next.is_empty() && next.bytes().all(|b| b.is_ascii_digit())
        })
    }
}

fn kind_of(value: &Value) -> FactKind {
    match value {
        Value::Quantity {
            unit: None | Some(Unit::Measure(_)),
            ..
        } => FactKind::Number,
        Value::Quantity {
            unit: Some(Unit::Currency(_)),
            ..
        } => FactKind::Amount,
        Value::Quantity {
            unit: Some(Unit::Percent),
            ..
        } => FactKind::Percentage,
        Value::Quantity {
            unit: Some(Unit::Duration(_)),
            ..
        } => FactKind::Duration,
        Value::Date(_) => FactKind::Date,
        Value::Time(_) => FactKind::Time,
        Value::Status(_) => FactKind::Status,
        Value::Code(_) => FactKind::Code,
        Value::Digits(_) => FactKind::Phone,
        Value::Url(_) => FactKind::Url,
        Value::Email(_) => FactKind::Email,
    }
}
