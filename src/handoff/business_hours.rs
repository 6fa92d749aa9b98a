//! When humans are on duty: weekly windows in the shop's time zone.
//!
//! Written like `mon-fri 09:00-17:00` or `sat,sun 10:00-14:00`, one window per
//! entry, in the IANA time zone of the settings (e.g. `Europe/Berlin`).

use jiff::tz::TimeZone;
use jiff::Timestamp;

/// A parsed opening schedule.
#[derive(Debug, Clone)]
pub struct BusinessHours {
    tz: TimeZone,
    windows: Vec<Window>,
    description: String,
}

#[derive(Debug, Clone)]
struct Window {
    /// Monday = 0 .. Sunday = 6.
    days: [bool; 7],
    /// Minutes after midnight.
    start: u16,
    end: u16,
}

/// Why a schedule could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HoursError {
    /// The time zone name is unknown.
    #[error("unknown time zone {0:?}")]
    TimeZone(String),
    /// A window is malformed.
    #[error("invalid business hours {entry:?}: {reason} (expected e.g. \"mon-fri 09:00-17:00\")")]
    Window {
        /// The entry.
        entry: String,
        /// What is wrong.
        reason: &'static str,
    },
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl BusinessHours {
    /// Humans may be on duty at any time (no schedule configured).
    pub fn always_open() -> Self {
        Self {
            tz: TimeZone::UTC,
            windows: Vec::new(),
            description: "always".into(),
        }
    }

    /// Parses `entries` in `timezone`; no entries means always open.
    pub fn parse(timezone: &str, entries: &[String]) -> Result<Self, HoursError> {
        if entries.is_empty() {
            return Ok(Self::always_open());
        }
        let tz = TimeZone::get(timezone).map_err(|_| HoursError::TimeZone(timezone.into()))?;
        let windows = entries
            .iter()
            .map(|e| parse_window(e))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            tz,
            windows,
            description: format!("{} ({timezone})", entries.join(", ")),
        })
    }

    /// Whether `at` falls inside a window.
    pub fn is_open(&self, at: Timestamp) -> bool {
        if self.windows.is_empty() {
            return true;
        }
        let local = at.to_zoned(self.tz.clone());
        let day = usize::from(local.weekday().to_monday_zero_offset().unsigned_abs());
        let minute =
            u16::from(local.hour().unsigned_abs()) * 60 + u16::from(local.minute().unsigned_abs());
        self.windows.iter().any(|w| {
            w.days.get(day).copied().unwrap_or(false) && w.start <= minute && minute < w.end
        })
    }

    /// Human-readable schedule, as configured.
    pub fn describe(&self) -> &str {
        &self.description
    }
}

fn parse_window(entry: &str) -> Result<Window, HoursError> {
    let err = |reason| HoursError::Window {
        entry: entry.into(),
        reason,
    };
    let (days, times) = entry
        .trim()
        .split_once(' ')
        .ok_or_else(|| err("missing the time range"))?;
    let mut selected = [false; 7];
    for part in days.to_ascii_lowercase().split(',') {
        let index = |d: &str| {
            DAYS.iter()
                .position(|x| *x == d)
                .ok_or_else(|| err("unknown day"))
        };
        match part.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (index(from)?, index(to)?);
                if from > to {
                    return Err(err("day range runs backwards"));
                }
                selected[from..=to].iter_mut().for_each(|d| *d = true);
            }
            None => selected[index(part)?] = true,
        }
    }
    let (start, end) = times
        .trim()
        .split_once('-')
        .ok_or_else(|| err("time range needs a '-'"))?;
    let (start, end) = (
        minutes(start).ok_or_else(|| err("bad start time"))?,
        minutes(end).ok_or_else(|| err("bad end time"))?,
    );
    if start >= end {
        return Err(err("a window must end after it starts"));
    }
    Ok(Window {
        days: selected,
        start,
        end,
    })
}

fn minutes(hhmm: &str) -> Option<u16> {
    let (h, m) = hhmm.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn windows_follow_the_shops_time_zone() {
        let hours =
            BusinessHours::parse("Europe/Berlin", &["mon-fri 09:00-17:00".into()]).expect("valid");
        // Monday 2026-11-30 08:30 UTC is 09:30 in Berlin (CET, UTC+1).
        assert!(hours.is_open(at("2026-11-30T08:30:00Z")));
        assert!(!hours.is_open(at("2026-11-30T07:30:00Z")));
        assert!(
            !hours.is_open(at("2026-11-30T16:00:00Z")),
            "17:00 Berlin is closed"
        );
        assert!(!hours.is_open(at("2026-11-29T10:00:00Z")), "Sunday");
    }

    #[test]
    fn day_lists_and_always_open() {
        let hours = BusinessHours::parse("UTC", &["sat,sun 10:00-14:00".into()]).expect("valid");
        assert!(hours.is_open(at("2026-11-29T11:00:00Z")));
        assert!(!hours.is_open(at("2026-11-30T11:00:00Z")));
        assert!(BusinessHours::parse("UTC", &[])
            .expect("valid")
            .is_open(at("2026-11-30T03:00:00Z")));
    }

    #[test]
    fn malformed_schedules_are_errors() {
        for bad in [
            "mon-fri",
            "funday 09:00-17:00",
            "fri-mon 09:00-10:00",
            "mon 17:00-09:00",
            "mon 9-17",
        ] {
            assert!(BusinessHours::parse("UTC", &[bad.into()]).is_err(), "{bad}");
        }
        assert!(BusinessHours::parse("Mars/Olympus", &["mon 09:00-10:00".into()]).is_err());
    }
}
