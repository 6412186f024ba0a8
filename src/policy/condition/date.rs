//! Dates for the `Date*` operators: the
//! [W3C profile of ISO 8601](http://www.w3.org/TR/NOTE-datetime) that the
//! [condition operators page](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date)
//! names, or epoch seconds.
//!
//! Accepted: `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DDThh:mm`, `…:ss`, `…:ss.fraction`, each
//! with `Z`, `±hh:mm` (or `±hhmm`) or no zone (read as UTC); `T` and `Z` in either case.
//! A string of digits alone is epoch seconds (so `2020` is 1970 plus 2020 seconds, as
//! IAM's own parser reads it). Fractions beyond nanoseconds are cut.

use crate::clock::{days_from_civil, days_in_month};

/// A point in time: seconds and nanoseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Instant {
    seconds: i64,
    nanos: u32,
}

/// Reads a date as IAM accepts it; `None` when it is not one.
pub(crate) fn parse_instant(text: &str) -> Option<Instant> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let seconds = text.parse::<i64>().ok()?;
        return Some(Instant { seconds, nanos: 0 });
    }
    let mut cursor = Cursor {
        bytes: text.as_bytes(),
        at: 0,
    };
    let year = i64::from(cursor.digits(4)?);
    cursor.require(b'-')?;
    let month = cursor.digits(2)?;
    let mut day = 1;
    let (mut hour, mut minute, mut second, mut nanos, mut offset) = (0, 0, 0, 0, 0);
    if cursor.eat(b'-') {
        day = cursor.digits(2)?;
        if cursor.eat(b'T') || cursor.eat(b't') {
            hour = cursor.digits(2)?;
            cursor.require(b':')?;
            minute = cursor.digits(2)?;
            if cursor.eat(b':') {
                second = cursor.digits(2)?;
                if cursor.eat(b'.') {
                    nanos = cursor.fraction()?;
                }
            }
            offset = cursor.zone()?;
        }
    }
    let valid = cursor.at == cursor.bytes.len()
        && (1..=12).contains(&month)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour <= 23
        && minute <= 59
        && second <= 59;
    if !valid {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds =
        days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second)
            - offset;
    Some(Instant { seconds, nanos })
}

/// A read position in an ASCII date.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn eat(&mut self, byte: u8) -> bool {
        let found = self.bytes.get(self.at) == Some(&byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn require(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// Exactly `count` decimal digits.
    fn digits(&mut self, count: usize) -> Option<u32> {
        let digits = self.bytes.get(self.at..self.at + count)?;
        let mut value = 0;
        for &b in digits {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + u32::from(b - b'0');
        }
        self.at += count;
        Some(value)
    }

    /// One or more digits after the point, as nanoseconds.
    fn fraction(&mut self) -> Option<u32> {
        let start = self.at;
        let mut nanos = 0;
        while let Some(&b) = self.bytes.get(self.at).filter(|b| b.is_ascii_digit()) {
            if self.at - start < 9 {
                nanos = nanos * 10 + u32::from(b - b'0');
            }
            self.at += 1;
        }
        let used = self.at - start;
        if used == 0 {
            return None;
        }
        Some(nanos * 10u32.pow(9usize.saturating_sub(used) as u32))
    }

    /// `Z`, `±hh:mm`, `±hhmm` or nothing: the zone's offset east of UTC in seconds.
    fn zone(&mut self) -> Option<i64> {
        if self.eat(b'Z') || self.eat(b'z') || self.at == self.bytes.len() {
            return Some(0);
        }
        let sign = if self.eat(b'+') {
            1
        } else if self.eat(b'-') {
            -1
        } else {
            return None;
        };
        let hours = self.digits(2)?;
        self.eat(b':');
        let minutes = self.digits(2)?;
        if hours > 23 || minutes > 59 {
            return None;
        }
        Some(sign * (i64::from(hours) * 3600 + i64::from(minutes) * 60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64, nanos: u32) -> Option<Instant> {
        Some(Instant { seconds, nanos })
    }

    #[test]
    fn dates_parse_to_instants() {
        #[rustfmt::skip]
        let cases = [
            ("epoch_origin_date", "1970-01-01", at(0, 0)),
            ("date_only", "2020-01-01", at(1_577_836_800, 0)),
            ("utc_seconds", "2020-01-01T00:00:01Z", at(1_577_836_801, 0)),
            ("lowercase_t_z", "2020-01-01t00:00:01z", at(1_577_836_801, 0)),
            ("minutes_only", "2020-01-01T10:30Z", at(1_577_874_600, 0)),
            ("no_zone_is_utc", "2020-01-01T00:00:01", at(1_577_836_801, 0)),
            ("fraction", "2020-01-01T00:00:01.5Z", at(1_577_836_801, 500_000_000)),
            ("long_fraction_cut", "2020-01-01T00:00:01.1234567891Z", at(1_577_836_801, 123_456_789)),
            ("positive_offset", "2020-01-01T01:00:00+01:00", at(1_577_836_800, 0)),
            ("negative_offset_no_colon", "2019-12-31T19:00:00-0500", at(1_577_836_800, 0)),
            ("year_month", "2020-02", at(1_580_515_200, 0)),
            ("leap_day", "2024-02-29", at(1_709_164_800, 0)),
            ("before_epoch", "1969-12-31T23:59:59Z", at(-1, 0)),
            ("epoch_seconds", "1577836800", at(1_577_836_800, 0)),
            ("not_leap_day", "2023-02-29", None),
            ("month_13", "2020-13-01", None),
            ("hour_24", "2020-01-01T24:00:00Z", None),
            ("trailing_junk", "2020-01-01T00:00:00Zjunk", None),
            ("words", "yesterday", None),
            ("empty", "", None),
            ("negative_epoch", "-5", None),
            ("epoch_overflow", "99999999999999999999999", None),
            ("bad_zone", "2020-01-01T00:00:00+25:00", None),
            ("non_ascii", "2020-01-0１", None),
        ];
        for (name, text, want) in cases {
            assert_eq!(parse_instant(text), want, "case {name}");
        }
    }
}
