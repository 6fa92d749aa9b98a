//! The checkable values a text states: numbers, amounts, percentages,
//! ranges, dates, times, codes (letters and digits, long digit runs), URLs,
//! emails and phone numbers, each read into a canonical form so that
//! `64.50`, `64,50` and `64.5` are the same amount and `+49 30 5550 1234`
//! the same phone as `+4930 55501234`.
//!
//! Written for the answer-quality judge, independently of the product's
//! fact check (`src/guard/`): a judge must not share code with what it
//! judges. Numbers written as words ("two days") are not seen.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// One value in canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    /// Lower case, without scheme, `www.` or trailing `/`.
    Url(String),
    /// Lower case.
    Email(String),
    /// Digits only (the `+` dropped).
    Phone(String),
    /// `YYYY-MM-DD`.
    Date(String),
    /// `H:MM`.
    Time(String),
    /// `a-b` of two canonical numbers.
    Range(String),
    /// Upper case, without `-` and `_`.
    Code(String),
    /// Digits with a `.` before any decimals, no leading or trailing zeros.
    Number(String),
}

impl Value {
    /// The smaller values a stated value vouches for: a date's year, month
    /// and day, a time's hour, a range's ends. "3 days" restates part of
    /// "3-5 days"; "2-5 days" is a different range.
    fn parts(&self) -> Vec<Value> {
        let numbers = |s: &str, sep: char| {
            s.split(sep)
                .map(|p| Value::Number(canonical_number(p, "")))
                .collect()
        };
        match self {
            Value::Date(d) => numbers(d, '-'),
            Value::Range(r) => numbers(r, '-'),
            Value::Time(t) => t
                .split_once(':')
                .map(|(h, _)| vec![Value::Number(canonical_number(h, ""))])
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}

/// A value as written, with every way it can be read (`1,000` is a
/// thousand or one; `03/04/2026` is March or April).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stated {
    /// The text as written.
    pub written: String,
    /// Its possible readings; it is vouched for when any one is.
    pub readings: Vec<Value>,
}

/// Values a body of trusted text vouches for.
#[derive(Debug, Clone, Default)]
pub struct ValueSet(HashSet<Value>);

impl ValueSet {
    /// Adds every value of `text` and its parts.
    pub fn add_text(&mut self, text: &str) {
        for stated in extract(text) {
            for value in stated.readings {
                self.0.extend(value.parts());
                self.0.insert(value);
            }
        }
    }

    /// Whether any reading of `stated` is vouched for.
    pub fn vouches_for(&self, stated: &Stated) -> bool {
        stated.readings.iter().any(|r| self.0.contains(r))
    }
}

fn re(pattern: &str) -> Regex {
    // The patterns are constants, covered by the tests below.
    Regex::new(pattern).unwrap_or_else(|e| panic!("invalid pattern {pattern}: {e}"))
}

static URL: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?i)\b(?:https?://|www\.)[^\s<>"'«»“”()\[\]]+"#));
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b"));
static DOMAIN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|shop|store|eu|de|es|fr|it|nl|pt|uk|be|ch|at|co|info|example)\b",
    )
});
static ISO_DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(\d{4})-(\d{1,2})-(\d{1,2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b",
    )
});
static DMY_DATE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4}|\d{2})\b"));
static TIME: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d{1,2})[:h](\d{2})\b"));
static PHONE: LazyLock<Regex> = LazyLock::new(|| re(r"\+\d{1,3}(?:[ .\-/]?\(?\d+\)?)+"));
static RANGE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(\d+(?:[.,]\d+)?) ?[-–] ?(\d+(?:[.,]\d+)?)((?:[-–]\d+)*)\b"));
static TOKEN: LazyLock<Regex> = LazyLock::new(|| re(r"[\p{L}\p{N}]+(?:[-_.,/][\p{L}\p{N}]+)*"));
static NUMBER_WITH_SUFFIX: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(\d+(?:[.,]\d+)?)(\p{L}+|º|ª)$"));

/// Suffixes that make a number a quantity or an ordinal, not a code.
const SUFFIXES: &[&str] = &[
    "g", "kg", "mg", "ml", "cl", "l", "cm", "mm", "m", "km", "h", "hs", "hrs", "min", "mins", "s",
    "x", "k", "eur", "st", "nd", "rd", "th", "er", "re", "e", "eme", "ème", "o", "a", "º", "ª",
    "de", "te", "ste", "ste", "ten", "tes",
];

/// Every checkable value of `text`, in the order kinds are looked for.
pub fn extract(text: &str) -> Vec<Stated> {
    let mut scan = Scan {
        text: text.to_owned(),
        found: Vec::new(),
    };
    scan.take(&URL, |c| {
        let url = c[0].trim_end_matches(['.', ',', ';', ':', '!', '?']);
        let url = url.to_lowercase();
        let url = url
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_start_matches("www.")
            .trim_end_matches('/');
        Some(vec![Value::Url(url.to_owned())])
    });
    scan.take(&EMAIL, |c| Some(vec![Value::Email(c[0].to_lowercase())]));
    scan.take(&DOMAIN, |c| Some(vec![Value::Url(c[0].to_lowercase())]));
    scan.take(&ISO_DATE, |c| date(&c[1], &c[2], &c[3]).map(|d| vec![d]));
    scan.take(&DMY_DATE, |c| {
        let year = if c[3].len() == 2 {
            format!("20{}", &c[3])
        } else {
            c[3].to_owned()
        };
        let readings: Vec<Value> = [date(&year, &c[2], &c[1]), date(&year, &c[1], &c[2])]
            .into_iter()
            .flatten()
            .collect();
        (!readings.is_empty()).then_some(readings)
    });
    scan.take(&TIME, |c| {
        let (hour, minute) = (c[1].parse::<u32>().ok()?, c[2].parse::<u32>().ok()?);
        (hour < 24 && minute < 60).then(|| vec![Value::Time(format!("{hour}:{minute:02}"))])
    });
    scan.take(&PHONE, |c| {
        let digits: String = c[0].chars().filter(char::is_ascii_digit).collect();
        (digits.len() >= 7).then(|| vec![Value::Phone(digits)])
    });
    scan.take(&RANGE, |c| {
        if !c[3].is_empty() {
            // Three or more hyphenated groups: a reference number.
            let digits: String = c[0].chars().filter(char::is_ascii_digit).collect();
            return Some(vec![Value::Code(digits)]);
        }
        let (from, to) = (canonical_number(&c[1], ""), canonical_number(&c[2], ""));
        Some(vec![Value::Range(format!("{from}-{to}"))])
    });
    let rest = std::mem::take(&mut scan.text);
    for token in TOKEN.find_iter(&rest) {
        scan.found.extend(token_values(token.as_str()));
    }
    scan.found
}

/// The text still to scan, with what was taken blanked out.
struct Scan {
    text: String,
    found: Vec<Stated>,
}

impl Scan {
    fn take(&mut self, pattern: &Regex, read: impl Fn(&Captures) -> Option<Vec<Value>>) {
        let mut taken = Vec::new();
        for caps in pattern.captures_iter(&self.text) {
            if let (Some(readings), Some(whole)) = (read(&caps), caps.get(0)) {
                self.found.push(Stated {
                    written: whole.as_str().to_owned(),
                    readings,
                });
                taken.push(whole.range());
            }
        }
        for range in taken {
            let blank = " ".repeat(range.len());
            self.text.replace_range(range, &blank);
        }
    }
}

fn date(year: &str, month: &str, day: &str) -> Option<Value> {
    let (y, m, d) = (
        year.parse::<u32>().ok()?,
        month.parse::<u32>().ok()?,
        day.parse::<u32>().ok()?,
    );
    ((1..=12).contains(&m) && (1..=31).contains(&d))
        .then(|| Value::Date(format!("{y:04}-{m:02}-{d:02}")))
}

/// The values of one word-like token that no earlier pattern took.
fn token_values(token: &str) -> Vec<Stated> {
    if !token.chars().any(|c| c.is_ascii_digit()) {
        return Vec::new();
    }
    let stated = |readings: Vec<Value>| Stated {
        written: token.to_owned(),
        readings,
    };
    if !token.chars().any(char::is_alphabetic) {
        if token.contains('/') {
            return token.split('/').flat_map(token_values).collect();
        }
        if token.contains(['-', '_']) {
            let digits: String = token.chars().filter(char::is_ascii_digit).collect();
            return vec![stated(vec![Value::Code(digits)])];
        }
        return vec![stated(number_readings(token))];
    }
    // Letters and digits: split at . , / (sentence punctuation without a
    // space), keep - and _ inside codes such as HX-7790.
    let parts: Vec<&str> = token.split(['.', ',', '/']).collect();
    if parts.len() > 1 && !NUMBER_WITH_SUFFIX.is_match(token) {
        return parts.into_iter().flat_map(token_values).collect();
    }
    if let Some(c) = NUMBER_WITH_SUFFIX.captures(token) {
        if SUFFIXES.contains(&c[2].to_lowercase().as_str()) {
            return vec![stated(number_readings(&c[1]))];
        }
    }
    if let Some(times) = token.strip_prefix(['x', 'X']) {
        if times.chars().all(|c| c.is_ascii_digit()) {
            return vec![stated(number_readings(times))];
        }
    }
    let code: String = token
        .chars()
        .filter(|c| !matches!(c, '-' | '_'))
        .flat_map(char::to_uppercase)
        .collect();
    vec![stated(vec![Value::Code(code)])]
}

/// Readings of digits with `.` or `,` separators: a decimal, or thousands.
fn number_readings(text: &str) -> Vec<Value> {
    let groups: Vec<&str> = text.split(['.', ',']).collect();
    let mut readings = Vec::new();
    match groups.as_slice() {
        [whole] => readings.push(canonical_number(whole, "")),
        [int, frac] => {
            readings.push(canonical_number(int, frac));
            if frac.len() == 3 {
                readings.push(canonical_number(&format!("{int}{frac}"), ""));
            }
        }
        [first, middle @ .., last] => {
            let int = format!("{first}{}", middle.concat());
            readings.push(canonical_number(&int, last));
            if last.len() == 3 {
                readings.push(canonical_number(&format!("{int}{last}"), ""));
            }
        }
        [] => {}
    }
    readings.into_iter().map(Value::Number).collect()
}

/// `int.frac` without leading zeros in `int` or trailing zeros in `frac`;
/// a `.` or `,` inside `int` is read as a decimal separator.
fn canonical_number(int: &str, frac: &str) -> String {
    if frac.is_empty() {
        if let Some((i, f)) = int.split_once(['.', ',']) {
            return canonical_number(i, f);
        }
    }
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        int.to_owned()
    } else {
        format!("{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<Value> {
        extract(text).into_iter().flat_map(|s| s.readings).collect()
    }

    fn num(n: &str) -> Value {
        Value::Number(n.into())
    }

    #[test]
    fn amounts_in_any_notation_are_the_same_number() {
        assert_eq!(values("64.50"), vec![num("64.5")]);
        assert_eq!(values("64,50 €"), vec![num("64.5")]);
        assert_eq!(values("EUR 50.00 or more"), vec![num("50")]);
        assert_eq!(values("Chocolat noir 70%"), vec![num("70")]);
        assert_eq!(values("1,000 teas"), vec![num("1"), num("1000")]);
        assert_eq!(values("1.234,50 €"), vec![num("1234.5")]);
    }

    #[test]
    fn quantities_and_ordinals_are_numbers_not_codes() {
        assert_eq!(values("Earl Grey 250g"), vec![num("250")]);
        assert_eq!(values("the 20th"), vec![num("20")]);
        assert_eq!(values("le 1er, 2ème"), vec![num("1"), num("2")]);
        assert_eq!(values("24h service"), vec![num("24")]);
        assert_eq!(values("Sencha x2, teapot 1x"), vec![num("2"), num("1")]);
    }

    #[test]
    fn codes_are_letters_with_digits_or_long_hyphenated_digits() {
        assert_eq!(values("Order A1001."), vec![Value::Code("A1001".into())]);
        assert_eq!(values("order hx-7790"), vec![Value::Code("HX7790".into())]);
        assert_eq!(
            values("tracking 1Z999AA10123456784, thanks"),
            vec![Value::Code("1Z999AA10123456784".into())]
        );
        assert_eq!(
            values("A1001,A1002"),
            vec![Value::Code("A1001".into()), Value::Code("A1002".into())]
        );
        assert_eq!(
            values("ref 123-456-789"),
            vec![Value::Code("123456789".into())]
        );
    }

    #[test]
    fn dates_times_and_ranges_keep_their_shape() {
        assert_eq!(
            values("placed 2026-11-20T10:15:00Z"),
            vec![Value::Date("2026-11-20".into())]
        );
        assert_eq!(
            values("le 20/11/2026"),
            vec![Value::Date("2026-11-20".into())],
            "only one reading is a valid date"
        );
        assert_eq!(
            values("03.04.2026"),
            vec![
                Value::Date("2026-04-03".into()),
                Value::Date("2026-03-04".into())
            ]
        );
        assert_eq!(
            values("Monday to Friday, 9:00-17:00"),
            vec![Value::Time("9:00".into()), Value::Time("17:00".into())]
        );
        assert_eq!(values("de 9h00 à 17h00"), values("9:00 17:00"));
        assert_eq!(
            values("3-5 business days"),
            vec![Value::Range("3-5".into())]
        );
        assert_eq!(values("3 – 5 days"), vec![Value::Range("3-5".into())]);
        assert_eq!(values("15-17 °C"), vec![Value::Range("15-17".into())]);
    }

    #[test]
    fn contacts_are_read_whole() {
        assert_eq!(
            values("Call +49 30 5550 1234, Monday to Friday."),
            vec![Value::Phone("493055501234".into())]
        );
        assert_eq!(values("+4930 55501234"), values("+49 30 5550 1234"));
        assert_eq!(
            values("Write to Support@Example.com."),
            vec![Value::Email("support@example.com".into())]
        );
        assert_eq!(
            values("See https://www.Example.com/returns/."),
            vec![Value::Url("example.com/returns".into())]
        );
        assert_eq!(
            values("visit teashop.de"),
            vec![Value::Url("teashop.de".into())]
        );
        assert!(values("Hello, e.g. this, z.B. das").is_empty());
    }

    #[test]
    fn words_alone_state_nothing() {
        assert!(values("Your order has shipped. Danke schön!").is_empty());
    }

    #[test]
    fn a_value_set_vouches_for_restatements_and_parts_but_not_inventions() {
        let mut set = ValueSet::default();
        set.add_text("Standard delivery takes 3-5 business days. Total 64.50, placed 2026-11-20T10:15:00Z. Hours 9:00-17:00.");
        let ok = |t: &str| extract(t).iter().all(|s| set.vouches_for(s));
        assert!(ok("It takes 3-5 days and cost 64,50 €."));
        assert!(ok("You ordered on 20.11.2026, the 20th."));
        assert!(ok(
            "Open until 17:00, from 9 in the morning; 3 days at least."
        ));
        assert!(!ok("It takes 2-5 days."));
        assert!(!ok("It cost 64.90."));
        assert!(!ok("Placed on 2026-11-21."));
        assert!(!ok("Open until 18:00."));
        assert!(!ok("Call +1 800 555 0000."));
    }
}
