//! Time as a value: the system clock in production, a fixed clock in tests, so that
//! token lifetimes and expiry checks are deterministic.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time in whole seconds since the Unix epoch.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Seconds since 1970-01-01T00:00:00Z.
    fn now(&self) -> u64;
}

/// The machine's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        // A clock before 1970 is a broken machine; treat it as the epoch rather than panic.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_secs())
    }
}

/// A clock that always answers the same instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn now(&self) -> u64 {
        self.0
    }
}

/// Formats Unix seconds as RFC 3339 UTC with second precision (`2024-01-02T03:04:05Z`),
/// the form Kubernetes uses for `expirationTimestamp` and `creationTimestamp`.
pub fn rfc3339(unix_seconds: u64) -> String {
    let days = unix_seconds / 86_400;
    let seconds_of_day = unix_seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        seconds_of_day / 3600,
        seconds_of_day % 3600 / 60,
        seconds_of_day % 60
    )
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` (what [`rfc3339`] writes) back to Unix seconds; `None`
/// for anything else or a date before the epoch.
pub fn parse_rfc3339(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 20
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            10 => *byte == b'T',
            13 | 16 => *byte == b':',
            19 => *byte == b'Z',
            _ => byte.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<u32>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(i64::from(year), month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = u64::try_from(days_from_civil(i64::from(year), month, day)).ok()?;
    Some(days * 86_400 + u64::from(hour * 3600 + minute * 60 + second))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (negative before it).
/// Howard Hinnant's `days_from_civil`: <https://howardhinnant.github.io/date_algorithms.html>.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Days in `month` (1–12) of `year`, leap years included.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day).
/// Howard Hinnant's `civil_from_days`: <https://howardhinnant.github.io/date_algorithms.html>.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_known_instants() {
        let cases = [
            ("epoch", 0, "1970-01-01T00:00:00Z"),
            ("leap_day_2024", 1_709_210_096, "2024-02-29T12:34:56Z"),
            ("end_of_1999", 946_684_799, "1999-12-31T23:59:59Z"),
            ("start_of_2000", 946_684_800, "2000-01-01T00:00:00Z"),
            (
                "end_of_february_2100",
                4_107_542_399,
                "2100-02-28T23:59:59Z",
            ),
            ("march_first_2100", 4_107_542_400, "2100-03-01T00:00:00Z"),
            ("year_2038_boundary", 2_147_483_648, "2038-01-19T03:14:08Z"),
        ];
        for (name, seconds, want) in cases {
            assert_eq!(rfc3339(seconds), want, "case {name}");
            assert_eq!(parse_rfc3339(want), Some(seconds), "parse case {name}");
        }
    }

    #[test]
    fn parse_rfc3339_refuses_what_rfc3339_never_writes() {
        let cases = [
            ("fraction", "2024-02-29T12:34:56.5Z"),
            ("offset", "2024-02-29T12:34:56+00:00"),
            ("lowercase_t", "2024-02-29t12:34:56Z"),
            ("february_30", "2024-02-30T00:00:00Z"),
            ("february_29_non_leap", "2023-02-29T00:00:00Z"),
            ("month_13", "2024-13-01T00:00:00Z"),
            ("hour_24", "2024-01-01T24:00:00Z"),
            ("before_epoch", "1969-12-31T23:59:59Z"),
            ("empty", ""),
            ("multibyte", "2024-01-01T00:00:0\u{e9}"),
        ];
        for (name, text) in cases {
            assert_eq!(parse_rfc3339(text), None, "case {name}");
        }
    }

    #[test]
    fn rfc3339_never_panics_on_extreme_values() {
        for seconds in [u64::MAX / 86_400 * 86_400 - 1, u64::MAX / 2, 1 << 40] {
            assert!(rfc3339(seconds).ends_with('Z'));
        }
    }
}
