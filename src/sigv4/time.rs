//! Request timestamps: SigV4's `YYYYMMDD'T'HHMMSS'Z'` (`X-Amz-Date`) and the HTTP `Date`
//! header's IMF-fixdate ([RFC 7231 §7.1.1.1](https://www.rfc-editor.org/rfc/rfc7231#section-7.1.1.1)),
//! which SigV4 accepts in place of `X-Amz-Date` and signs in the basic ISO 8601 form.

use super::SigV4Error;
use crate::clock::{days_from_civil, days_in_month, rfc3339};

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The `X-Amz-Date` form (`20150830T123600Z`) of Unix seconds, as AWS's refusals quote
/// times.
pub fn format_amz_date(unix_seconds: u64) -> String {
    rfc3339(unix_seconds).replace(['-', ':'], "")
}

/// Unix seconds of an `X-Amz-Date` value such as `20150830T123600Z`.
pub fn parse_amz_date(value: &str) -> Result<u64, SigV4Error> {
    let bad = || SigV4Error::BadDate(value.to_owned());
    let bytes = value.as_bytes();
    if !value.is_ascii() || bytes.len() != 16 || bytes[8] != b'T' || bytes[15] != b'Z' {
        return Err(bad());
    }
    let field = |range: std::ops::Range<usize>| digits(&value[range]).ok_or_else(bad);
    let civil = Civil {
        year: field(0..4)?,
        month: field(4..6)?,
        day: field(6..8)?,
        hour: field(9..11)?,
        minute: field(11..13)?,
        second: field(13..15)?,
    };
    civil.unix_seconds().ok_or_else(bad)
}

/// The `X-Amz-Date` form of a `Date` header such as `Sun, 30 Aug 2015 12:36:00 GMT`.
pub fn imf_fixdate_to_amz(value: &str) -> Result<String, SigV4Error> {
    let bad = || SigV4Error::BadDate(value.to_owned());
    let (day_name, rest) = value.split_once(", ").ok_or_else(bad)?;
    let fields: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = fields[..] else {
        return Err(bad());
    };
    let clock: Vec<&str> = time.split(':').collect();
    let [hour, minute, second] = clock[..] else {
        return Err(bad());
    };
    let month = (1..)
        .zip(MONTH_NAMES)
        .find_map(|(number, name)| (name == month).then_some(number))
        .ok_or_else(bad)?;
    let two = |text: &str| if text.len() == 2 { digits(text) } else { None };
    let civil = Civil {
        year: Some(year)
            .filter(|year| year.len() == 4)
            .and_then(digits)
            .ok_or_else(bad)?,
        month,
        day: two(day).ok_or_else(bad)?,
        hour: two(hour).ok_or_else(bad)?,
        minute: two(minute).ok_or_else(bad)?,
        second: two(second).ok_or_else(bad)?,
    };
    let seconds = civil.unix_seconds().ok_or_else(bad)?;
    // 1970-01-01 was a Thursday.
    let weekday = usize::try_from((seconds / 86_400 + 3) % 7)
        .ok()
        .and_then(|index| DAY_NAMES.get(index));
    if weekday != Some(&day_name) {
        return Err(bad());
    }
    Ok(format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        civil.year, civil.month, civil.day, civil.hour, civil.minute, civil.second
    ))
}

/// A UTC calendar date and time of day, not yet checked.
struct Civil {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

impl Civil {
    /// Seconds since 1970-01-01T00:00:00Z, or `None` when a field is out of range.
    fn unix_seconds(&self) -> Option<u64> {
        let valid = self.year >= 1970
            && (1..=12).contains(&self.month)
            && (1..=days_in_month(i64::from(self.year), self.month)).contains(&self.day)
            && self.hour < 24
            && self.minute < 60
            && self.second < 60;
        if !valid {
            return None;
        }
        let days =
            u64::try_from(days_from_civil(i64::from(self.year), self.month, self.day)).ok()?;
        Some(days * 86_400 + u64::from(self.hour * 3600 + self.minute * 60 + self.second))
    }
}

/// The value of an all-digit field; `None` if any character is not a digit.
fn digits(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_dates() {
        let cases = [
            ("epoch", "19700101T000000Z", Some(0)),
            ("vectors_timestamp", "20150830T123600Z", Some(1_440_938_160)),
            ("leap_day", "20240229T235959Z", Some(1_709_251_199)),
            ("after_leap_day", "20240301T000000Z", Some(1_709_251_200)),
            ("century_not_leap", "21000229T000000Z", None),
            ("year_2000_leap", "20000229T000000Z", Some(951_782_400)),
            ("before_epoch", "19691231T235959Z", None),
            ("month_13", "20151330T123600Z", None),
            ("day_0", "20150800T123600Z", None),
            ("april_31", "20150431T000000Z", None),
            ("hour_24", "20150830T240000Z", None),
            ("leap_second", "20150830T235960Z", None),
            ("no_z", "20150830T123600", None),
            ("lowercase_t", "20150830t123600Z", None),
            ("extended_iso", "2015-08-30T12:36:00Z", None),
            ("sign_in_field", "2015+830T123600Z", None),
            ("multibyte", "2015083é123600Z", None),
            ("multibyte_across_fields", "201é830T123600Z", None),
            ("empty", "", None),
        ];
        for (name, value, want) in cases {
            match (parse_amz_date(value), want) {
                (Ok(got), Some(want)) => assert_eq!(got, want, "case {name}"),
                (Err(err), None) => {
                    assert_eq!(err, SigV4Error::BadDate(value.into()), "case {name}");
                }
                (got, want) => panic!("case {name}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn imf_fixdates() {
        let cases = [
            (
                "vectors_timestamp",
                "Sun, 30 Aug 2015 12:36:00 GMT",
                Some("20150830T123600Z"),
            ),
            (
                "rfc_example",
                "Sun, 06 Nov 1994 08:49:37 GMT",
                Some("19941106T084937Z"),
            ),
            ("wrong_weekday", "Mon, 30 Aug 2015 12:36:00 GMT", None),
            ("not_gmt", "Sun, 30 Aug 2015 12:36:00 UTC", None),
            ("rfc850_form", "Sunday, 30-Aug-15 12:36:00 GMT", None),
            ("asctime_form", "Sun Aug 30 12:36:00 2015", None),
            ("one_digit_day", "Sun, 6 Nov 1994 08:49:37 GMT", None),
            ("bad_month", "Sun, 30 Agu 2015 12:36:00 GMT", None),
            ("bad_time", "Sun, 30 Aug 2015 12:36 GMT", None),
            ("hour_25", "Sun, 30 Aug 2015 25:36:00 GMT", None),
            ("empty", "", None),
        ];
        for (name, value, want) in cases {
            match (imf_fixdate_to_amz(value), want) {
                (Ok(got), Some(want)) => assert_eq!(got, want, "case {name}"),
                (Err(err), None) => {
                    assert_eq!(err, SigV4Error::BadDate(value.into()), "case {name}");
                }
                (got, want) => panic!("case {name}: got {got:?}, want {want:?}"),
            }
        }
    }

    /// Random strings near both shapes, multibyte characters included, never panic.
    #[test]
    fn random_dates_never_panic() {
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(0x5167_0002);
        let alphabet: Vec<char> = "0123456789TZ :,-éሴSunAugGMT".chars().collect();
        for _ in 0..20_000 {
            let length = rng.gen_range(0..32);
            let text: String = (0..length)
                .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
                .collect();
            let _ = parse_amz_date(&text);
            let _ = imf_fixdate_to_amz(&text);
        }
    }
}
