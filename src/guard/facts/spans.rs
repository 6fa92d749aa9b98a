//! Values with a fixed written shape, found first and blanked out so the
//! word reader never sees their digits: e-mail addresses, web addresses,
//! numeric dates (`2026-11-20`, `20/11/2026`, `20.11.2026`, `20.11.`),
//! times of day (`9:00`, `17h`, `5 p.m.`), phone numbers and other long
//! digit runs, and codes (order ids, tracking numbers, coupons: tokens that
//! mix letters and digits). The literal `[removed]` left by identifier
//! redaction is blanked without being a value.

use std::sync::OnceLock;

use regex::{Captures, Regex};

use super::value::{clock_minutes, Date, Dec, Occurrence, Unit, Value, DURATIONS};
use super::vocabulary::Reader;
use crate::guard::REDACTED;

fn regex(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).unwrap_or_else(|_| unreachable!()))
}

fn email() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(
        &RE,
        r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}",
    )
}

fn url() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(
        &RE,
        r#"(?i)(?-u:\b)(?:https?://|www\.)[^\s<>"'()\[\]]+|(?-u:\b)(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:com|net|org|shop|store|info|io|eu|de|es|fr|pt|it|nl|be|ch|at|co|uk|us|br|mx|ar)(?-u:\b)(?:/[^\s<>"'()\[\]]*)?"#,
    )
}

fn iso_date() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(
        &RE,
        r"(?-u:\b)([0-9]{4})([-/.])([0-9]{1,2})([-/.])([0-9]{1,2})(?-u:\b)",
    )
}

fn numeric_date() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(
        &RE,
        r"(?-u:\b)([0-9]{1,2})([-/.])([0-9]{1,2})([-/.])([0-9]{4}|[0-9]{2})(?-u:\b)",
    )
}

/// "20.11." (German, Dutch): a date, or a decimal at the end of a sentence.
fn day_month() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(&RE, r"(?-u:\b)([0-9]{1,2})\.([0-9]{1,2})\.(?:\s|$)")
}

fn am_pm() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(
        &RE,
        r"(?i)(?-u:\b)([0-9]{1,2})(?::([0-9]{2}))?\s?([ap])\.?\s?m(?-u:\b)\.?",
    )
}

fn clock() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(
        &RE,
        r"(?-u:\b)([0-9]{1,2}):([0-9]{2})(?-u:\b)|(?-u:\b)([0-9]{1,2})[hH]([0-9]{2})?(?-u:\b)",
    )
}

fn phone() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(
        &RE,
        r"(?:\+|(?-u:\b))\(?[0-9][0-9 \-()\u{a0}]{5,}[0-9](?-u:\b)",
    )
}

fn code() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    regex(&RE, r"(?-u:\b)[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*(?-u:\b)")
}

/// A phone number needs at least this many digits.
const MIN_PHONE_DIGITS: usize = 8;

/// `text` with every fixed-shape value blanked out (same byte offsets), and
/// those values.
pub(crate) fn fixed_shapes(text: &str, reader: &Reader) -> (String, Vec<Occurrence>) {
    let mut work = text.to_owned();
    let mut found = Vec::new();
    for (start, _) in text.match_indices(REDACTED) {
        blank(&mut work, start..start + REDACTED.len());
    }
    // Every shape below needs a digit, except addresses (which need a dot).
    let digits = text.bytes().any(|b| b.is_ascii_digit());
    if !digits && !text.contains('.') {
        return (work, found);
    }
    if text.contains('@') {
        scan(&mut work, &mut found, email(), |c| {
            Some(vec![Value::Email(c[0].to_lowercase())])
        });
    }
    // An address has a dot followed by a letter ("candor.shop").
    let dotted = text
        .as_bytes()
        .windows(2)
        .any(|w| w[0] == b'.' && w[1].is_ascii_alphabetic());
    if dotted {
        scan(&mut work, &mut found, url(), |c| {
            Some(vec![Value::Url(normalize_url(&c[0]))])
        });
    }
    if !digits {
        return (work, found);
    }
    scan(&mut work, &mut found, iso_date(), |c| {
        (c[2] == c[4]).then_some(())?;
        let date = Date::new(Some(num(&c[1])), num(&c[3]), Some(num(&c[5])))?;
        Some(vec![Value::Date(date)])
    });
    scan(&mut work, &mut found, numeric_date(), |c| {
        (c[2] == c[4]).then_some(())?;
        let year = match c[5].len() {
            2 => 2000 + num(&c[5]),
            _ => num(&c[5]),
        };
        let (a, b) = (num(&c[1]), num(&c[3]));
        let day_first = Date::new(Some(year), b, Some(a));
        let month_first = reader
            .month_first
            .then(|| Date::new(Some(year), a, Some(b)))
            .flatten();
        let readings: Vec<Value> = day_first
            .into_iter()
            .chain(month_first)
            .map(Value::Date)
            .collect();
        (!readings.is_empty()).then_some(readings)
    });
    scan(&mut work, &mut found, day_month(), |c| {
        let date = Date::new(None, num(&c[2]), Some(num(&c[1])))?;
        let decimal = Dec::parse(&c[1], &c[2])?;
        Some(vec![
            Value::Date(date),
            Value::Quantity {
                number: decimal,
                unit: None,
            },
        ])
    });
    scan(&mut work, &mut found, am_pm(), |c| {
        let hour = num(&c[1]);
        let minutes = c.get(2).map_or(0, |m| num(m.as_str()));
        if !(1..=12).contains(&hour) {
            return None;
        }
        let hour = match (&c[3], hour) {
            ("a" | "A", 12) => 0,
            ("p" | "P", h) if h < 12 => h + 12,
            (_, h) => h,
        };
        Some(vec![Value::Time(clock_minutes(hour, minutes)?)])
    });
    scan(&mut work, &mut found, clock(), |c| {
        let (hour, minutes) = match (c.get(1), c.get(3)) {
            (Some(h), _) => (num(h.as_str()), c.get(2).map_or(0, |m| num(m.as_str()))),
            (None, Some(h)) => (num(h.as_str()), c.get(4).map_or(0, |m| num(m.as_str()))),
            (None, None) => return None,
        };
        let time = Value::Time(clock_minutes(hour, minutes)?);
        // "24h" is also a duration.
        let hours = (c.get(3).is_some() && c.get(4).is_none()).then(|| Value::Quantity {
            number: Dec::from_int(u64::from(hour)),
            unit: Some(Unit::Duration(hour_unit())),
        });
        Some(std::iter::once(time).chain(hours).collect())
    });
    scan(&mut work, &mut found, phone(), |c| {
        let digits = digits_of(&c[0]);
        (digits.len() >= MIN_PHONE_DIGITS).then(|| vec![Value::Digits(digits)])
    });
    scan(&mut work, &mut found, code(), |c| {
        let token = &c[0];
        let letters = token.chars().any(|c| c.is_ascii_alphabetic());
        let digits = token.chars().any(|c| c.is_ascii_digit());
        (letters && digits && !is_quantity(token, reader)).then(|| {
            let code: String = token
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_uppercase())
                .collect();
            vec![Value::Code(code)]
        })
    });
    (work, found)
}

fn hour_unit() -> u8 {
    DURATIONS
        .iter()
        .position(|d| *d == "hour")
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or_default()
}

/// Runs `re` over `work`; every match `read` turns into readings becomes a
/// value and is blanked.
fn scan(
    work: &mut String,
    found: &mut Vec<Occurrence>,
    re: &Regex,
    mut read: impl FnMut(&Captures<'_>) -> Option<Vec<Value>>,
) {
    let mut hits = Vec::new();
    for c in re.captures_iter(work) {
        let whole = c.get(0).map_or(0..0, |m| m.range());
        let trimmed = trim_end_punctuation(&work[whole.clone()]);
        if let Some(readings) = read(&c) {
            hits.push((whole.start..whole.start + trimmed.len(), readings));
        }
    }
    for (span, readings) in hits {
        blank(work, span.clone());
        found.push(Occurrence { span, readings });
    }
}

fn trim_end_punctuation(text: &str) -> &str {
    text.trim_end_matches(['.', ',', ';', ':', '!', '?', ' ', '\u{a0}'])
}

fn blank(work: &mut String, span: std::ops::Range<usize>) {
    work.replace_range(span.clone(), &" ".repeat(span.len()));
}

fn num(digits: &str) -> u32 {
    digits.parse().unwrap_or(u32::MAX)
}

fn digits_of(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Lowercase, without scheme, `www.`, trailing punctuation or slash.
fn normalize_url(url: &str) -> String {
    let url = trim_end_punctuation(url).to_lowercase();
    let url = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(&url);
    let url = url.strip_prefix("www.").unwrap_or(url);
    url.trim_end_matches('/').to_owned()
}

/// "100g", "2nd", "30-day", "x2", "3-5-day": digits with unit words, not a code.
fn is_quantity(token: &str, reader: &Reader) -> bool {
    token.split(['-', '_']).all(|piece| {
        let letters_at = piece.find(|c: char| c.is_ascii_alphabetic());
        let digits_at = piece.find(|c: char| c.is_ascii_digit());
        match (letters_at, digits_at) {
            (None, _) => true,
            (Some(_), None) => reader.is_unit_like(piece),
            (Some(l), Some(d)) if d < l => {
                piece[l..].chars().all(|c| c.is_ascii_alphabetic())
                    && reader.is_unit_like(&piece[l..])
            }
            (Some(_), Some(d)) => {
                piece[..d].eq_ignore_ascii_case("x")
                    && piece[d..].chars().all(|c| c.is_ascii_digit())
            }
        }
    })
}
