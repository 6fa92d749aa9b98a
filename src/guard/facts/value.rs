//! The values a sentence can state, in a form that compares by meaning:
//! `64.5` equals `64.50`, `€12,90` equals `12.90 EUR`, `20. November 2026`
//! equals `2026-11-20`.

use std::ops::Range;

/// A non-negative decimal number, normalized so equal values are equal:
/// trailing fraction zeros are dropped (`54.00` is `54`). Signs are read by
/// the scanner but not kept: "-15%" and "15% off" state the same discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Dec {
    mantissa: u128,
    scale: u8,
}

/// More digits than this are not a number but a code (see `spans.rs`).
const MAX_DIGITS: usize = 30;

impl Dec {
    fn normalized(mut mantissa: u128, mut scale: u8) -> Self {
        while scale > 0 && mantissa.is_multiple_of(10) {
            mantissa /= 10;
            scale -= 1;
        }
        Self { mantissa, scale }
    }

    /// The number written with integer digits `int` and fraction digits
    /// `frac` (ASCII digits only, either may be empty but not both).
    pub(crate) fn parse(int: &str, frac: &str) -> Option<Self> {
        if int.len() + frac.len() > MAX_DIGITS || int.len() + frac.len() == 0 {
            return None;
        }
        let mut mantissa: u128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            if !b.is_ascii_digit() {
                return None;
            }
            mantissa = mantissa * 10 + u128::from(b - b'0');
        }
        Some(Self::normalized(mantissa, u8::try_from(frac.len()).ok()?))
    }

    /// A whole number.
    pub(crate) fn from_int(value: u64) -> Self {
        Self::normalized(u128::from(value), 0)
    }

    /// The value if it is a whole number that fits `u32`.
    #[cfg(test)]
    pub(crate) fn as_u32(self) -> Option<u32> {
        (self.scale == 0)
            .then(|| u32::try_from(self.mantissa).ok())
            .flatten()
    }

    /// `hours.minutes` read as a time of day ("9.30 Uhr"), in minutes.
    pub(crate) fn as_clock(self) -> Option<u16> {
        let (hours, minutes) = match self.scale {
            0 => (self.mantissa, 0),
            1 => (self.mantissa / 10, self.mantissa % 10 * 10),
            2 => (self.mantissa / 100, self.mantissa % 100),
            _ => return None,
        };
        clock_minutes(u32::try_from(hours).ok()?, u32::try_from(minutes).ok()?)
    }
}

/// Minutes since midnight for a valid `hours:minutes` (24:00 included).
pub(crate) fn clock_minutes(hours: u32, minutes: u32) -> Option<u16> {
    let valid = (hours < 24 && minutes < 60) || (hours == 24 && minutes == 0);
    valid
        .then(|| u16::try_from(hours * 60 + minutes).ok())
        .flatten()
}

/// Durations a unit word can name (the keys of `[units]` in the data files).
pub(crate) const DURATIONS: [&str; 6] = ["minute", "hour", "day", "week", "month", "year"];
/// Measures a unit word can name.
pub(crate) const MEASURES: [&str; 12] = [
    "g", "kg", "mg", "l", "ml", "cl", "cm", "mm", "km", "oz", "lb", "m",
];
/// Order statuses as stored (the keys of `[statuses]`).
pub(crate) const STATUSES: [&str; 8] = [
    "processing",
    "pending",
    "on_hold",
    "shipped",
    "delivered",
    "cancelled",
    "refunded",
    "returned",
];

/// What a number counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Unit {
    /// Money, by ISO code.
    Currency([u8; 3]),
    /// A percentage.
    Percent,
    /// A duration: index into [`DURATIONS`].
    Duration(u8),
    /// A measure: index into [`MEASURES`].
    Measure(u8),
}

/// A calendar date, as precise as it was written: "November 20" has no
/// year, "November 2026" no day. Never partly guessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Date {
    pub year: Option<u16>,
    pub month: u8,
    pub day: Option<u8>,
}

impl Date {
    /// A valid date or nothing (the 31st of April is not a date).
    pub(crate) fn new(year: Option<u32>, month: u32, day: Option<u32>) -> Option<Self> {
        let month = u8::try_from(month).ok().filter(|m| (1..=12).contains(m))?;
        let year = match year {
            Some(y) if (1900..=2199).contains(&y) => Some(u16::try_from(y).ok()?),
            Some(_) => return None,
            None => None,
        };
        if year.is_none() && day.is_none() {
            return None;
        }
        let day = match day {
            Some(d) => {
                let d = u8::try_from(d).ok()?;
                let leap = year.is_none_or(|y| y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
                let last = match month {
                    2 if leap => 29,
                    2 => 28,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                Some(Some(d).filter(|d| (1..=last).contains(d))?)
            }
            None => None,
        };
        Some(Self { year, month, day })
    }

    /// Whether `context` vouches for this date: same month, and the same
    /// day and year wherever this date states one. "November 20" is backed
    /// by 2026-11-20; 2026-11-25 is not backed by 2026-11-20 and 2026-12-25.
    pub(crate) fn backed_by(&self, context: &Date) -> bool {
        self.month == context.month
            && (self.day.is_none() || self.day == context.day)
            && (self.year.is_none() || self.year == context.year)
    }
}

/// One value a sentence states.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Value {
    /// A number, with what it counts when the text says so.
    Quantity { number: Dec, unit: Option<Unit> },
    /// A calendar date.
    Date(Date),
    /// A time of day, in minutes since midnight.
    Time(u16),
    /// An order status: index into [`STATUSES`].
    Status(u8),
    /// An order id, tracking number or coupon: uppercase, separators removed.
    Code(String),
    /// A phone number or a long run of digits: the digits only.
    Digits(String),
    /// A web address: lowercase, without scheme, `www.` or trailing slash.
    Url(String),
    /// An e-mail address, lowercase.
    Email(String),
}

/// A value found in a text, with every way it can be read ("1,234" is a
/// thousand and more in English, one and a bit in German; "9 uur" is a time
/// or a duration). It is backed when any reading is.
#[derive(Debug, Clone)]
pub(crate) struct Occurrence {
    /// Where it stands in the text (byte offsets).
    pub span: Range<usize>,
    /// The ways to read it; never empty.
    pub readings: Vec<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_by_value() {
        assert_eq!(Dec::parse("64", "5"), Dec::parse("64", "50"));
        assert_eq!(Dec::parse("54", ""), Dec::parse("54", "00"));
        assert_ne!(Dec::parse("64", "5"), Dec::parse("6", "45"));
        assert_eq!(Dec::parse("9", "30").and_then(Dec::as_clock), Some(570));
    }

    #[test]
    fn dates_are_validated_and_compared_by_what_they_state() {
        assert!(Date::new(Some(2026), 4, Some(31)).is_none());
        assert!(Date::new(Some(2026), 2, Some(29)).is_none());
        assert!(Date::new(None, 2, Some(29)).is_some());
        let placed = Date::new(Some(2026), 11, Some(20)).expect("date");
        let short = Date::new(None, 11, Some(20)).expect("date");
        let month = Date::new(Some(2026), 11, None).expect("date");
        let other = Date::new(Some(2025), 11, Some(20)).expect("date");
        assert!(short.backed_by(&placed) && month.backed_by(&placed));
        assert!(!other.backed_by(&placed) && !placed.backed_by(&short));
    }
}
