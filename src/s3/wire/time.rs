//! S3's timestamps: ISO 8601 with milliseconds in XML (`2024-01-02T03:04:05.000Z`) and
//! the RFC 7231 IMF-fixdate in headers (`Tue, 02 Jan 2024 03:04:05 GMT`), which is also
//! what `If-Modified-Since` carries. <https://www.rfc-editor.org/rfc/rfc7231#section-7.1.1.1>

use crate::clock::{days_from_civil, rfc3339};

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `2024-01-02T03:04:05.000Z`: S3 stores whole seconds, so the milliseconds are zero.
pub fn iso8601_millis(unix_seconds: u64) -> String {
    let seconds = rfc3339(unix_seconds);
    let without_zone = seconds.strip_suffix('Z').unwrap_or(&seconds);
    format!("{without_zone}.000Z")
}

/// `Tue, 02 Jan 2024 03:04:05 GMT`.
pub fn http_date(unix_seconds: u64) -> String {
    // Reuse the calendar arithmetic of `rfc3339` by reading its fields back.
    let stamp = rfc3339(unix_seconds);
    let fields: Vec<&str> = stamp.trim_end_matches('Z').split(['-', 'T', ':']).collect();
    let (year, month, day) = match fields.as_slice() {
        [year, month, day, ..] => (*year, month.parse::<usize>().unwrap_or(1), *day),
        _ => ("1970", 1, "01"),
    };
    let month_name = MONTHS[(month.clamp(1, 12)) - 1];
    let weekday = WEEKDAYS[usize::try_from(unix_seconds / 86_400 % 7).unwrap_or(0)];
    let seconds_of_day = unix_seconds % 86_400;
    format!(
        "{weekday}, {day} {month_name} {year} {:02}:{:02}:{:02} GMT",
        seconds_of_day / 3600,
        seconds_of_day % 3600 / 60,
        seconds_of_day % 60
    )
}

/// Parses an IMF-fixdate (`Tue, 02 Jan 2024 03:04:05 GMT`) to Unix seconds. `None` for
/// anything else; RFC 7232 says a conditional header with an invalid date is ignored.
pub fn parse_http_date(text: &str) -> Option<u64> {
    let rest = text.trim().split_once(", ")?.1;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, clock, "GMT"] = parts.as_slice() else {
        return None;
    };
    let day: u64 = digits(day, 2)?;
    let month = MONTHS.iter().position(|name| name == month)? as u64 + 1;
    let year: u64 = digits(year, 4)?;
    let clock: Vec<&str> = clock.split(':').collect();
    let [hour, minute, second] = clock.as_slice() else {
        return None;
    };
    let (hour, minute, second) = (digits(hour, 2)?, digits(minute, 2)?, digits(second, 2)?);
    if !(1..=31).contains(&day) || year < 1970 || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    // year ≥ 1970 and a valid month and day, checked above: the count is not negative.
    let days = u64::try_from(days_from_civil(
        i64::try_from(year).ok()?,
        u32::try_from(month).ok()?,
        u32::try_from(day).ok()?,
    ))
    .ok()?;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

fn digits(text: &str, width: usize) -> Option<u64> {
    if text.len() == width && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        let cases = [
            (
                "epoch",
                0,
                "1970-01-01T00:00:00.000Z",
                "Thu, 01 Jan 1970 00:00:00 GMT",
            ),
            (
                "tuesday_2024",
                1_704_164_645,
                "2024-01-02T03:04:05.000Z",
                "Tue, 02 Jan 2024 03:04:05 GMT",
            ),
            (
                "leap_day",
                1_709_210_096,
                "2024-02-29T12:34:56.000Z",
                "Thu, 29 Feb 2024 12:34:56 GMT",
            ),
            (
                "end_of_1999",
                946_684_799,
                "1999-12-31T23:59:59.000Z",
                "Fri, 31 Dec 1999 23:59:59 GMT",
            ),
        ];
        for (name, seconds, iso, http) in cases {
            assert_eq!(iso8601_millis(seconds), iso, "case {name}");
            assert_eq!(http_date(seconds), http, "case {name}");
            assert_eq!(
                parse_http_date(http),
                Some(seconds),
                "case {name} round trip"
            );
        }
    }

    #[test]
    fn rejects_other_date_forms() {
        let cases = [
            ("rfc850", "Tuesday, 02-Jan-24 03:04:05 GMT"),
            ("asctime", "Tue Jan  2 03:04:05 2024"),
            ("not_gmt", "Tue, 02 Jan 2024 03:04:05 UTC"),
            ("bad_month", "Tue, 02 Foo 2024 03:04:05 GMT"),
            ("hour_25", "Tue, 02 Jan 2024 25:04:05 GMT"),
            ("before_epoch", "Tue, 02 Jan 1969 03:04:05 GMT"),
            ("empty", ""),
        ];
        for (name, text) in cases {
            assert_eq!(parse_http_date(text), None, "case {name}");
        }
    }
}
