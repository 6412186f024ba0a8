//! The `Range` header of GetObject and HeadObject: one `bytes=` range, as S3 supports.
//! A header S3 cannot parse (another unit, several ranges, `b < a`) is ignored and the
//! whole object sent, as RFC 7233 section 3.1 allows; a satisfiable-looking range past
//! the end is `InvalidRange` (416).
//! <https://www.rfc-editor.org/rfc/rfc7233#section-2.1>

use crate::s3::error::S3Error;

/// Which bytes to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// The whole object, status 200.
    Whole,
    /// Bytes `start..=end`, status 206.
    Slice { start: u64, end: u64 },
}

impl ByteRange {
    /// Offset and length of the bytes to send from an object of `size` bytes.
    pub fn span(self, size: u64) -> (u64, u64) {
        match self {
            Self::Whole => (0, size),
            Self::Slice { start, end } => (start, end - start + 1),
        }
    }
}

/// Resolves `header` against an object of `size` bytes.
pub fn resolve(header: Option<&str>, size: u64) -> Result<ByteRange, S3Error> {
    let Some(header) = header else {
        return Ok(ByteRange::Whole);
    };
    let unsatisfiable = || S3Error::InvalidRange {
        range: header.to_owned(),
        size,
    };
    let Some(spec) = parse(header) else {
        return Ok(ByteRange::Whole);
    };
    match spec {
        Spec::Suffix(0) => Err(unsatisfiable()),
        Spec::Suffix(_) if size == 0 => Err(unsatisfiable()),
        Spec::Suffix(length) => Ok(ByteRange::Slice {
            start: size - length.min(size),
            end: size - 1,
        }),
        Spec::From { start, .. } if start >= size => Err(unsatisfiable()),
        Spec::From { start, end } => Ok(ByteRange::Slice {
            start,
            end: end.map_or(size - 1, |end| end.min(size - 1)),
        }),
    }
}

/// A syntactically valid single byte range.
enum Spec {
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
    /// `bytes=a-` or `bytes=a-b` with `a <= b`.
    From { start: u64, end: Option<u64> },
}

fn parse(header: &str) -> Option<Spec> {
    let (unit, set) = header.trim().split_once('=')?;
    if !unit.trim().eq_ignore_ascii_case("bytes") || set.contains(',') {
        return None;
    }
    let (first, last) = set.trim().split_once('-')?;
    match (number(first), number(last)) {
        (None, Some(length)) if first.is_empty() => Some(Spec::Suffix(length)),
        (Some(start), None) if last.is_empty() => Some(Spec::From { start, end: None }),
        (Some(start), Some(end)) if start <= end => Some(Spec::From {
            start,
            end: Some(end),
        }),
        _ => None,
    }
}

fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, Range header, object size, Ok(range) or Err(code)).
    type RangeCase<'a> = (&'a str, Option<&'a str>, u64, Result<ByteRange, &'a str>);

    #[test]
    fn resolves_ranges() {
        use ByteRange::{Slice, Whole};
        let cases: [RangeCase; 20] = [
            ("no_header", None, 10, Ok(Whole)),
            (
                "closed",
                Some("bytes=0-4"),
                10,
                Ok(Slice { start: 0, end: 4 }),
            ),
            (
                "single_byte",
                Some("bytes=3-3"),
                10,
                Ok(Slice { start: 3, end: 3 }),
            ),
            (
                "open_ended",
                Some("bytes=4-"),
                10,
                Ok(Slice { start: 4, end: 9 }),
            ),
            (
                "end_clamped",
                Some("bytes=5-100"),
                10,
                Ok(Slice { start: 5, end: 9 }),
            ),
            (
                "suffix",
                Some("bytes=-3"),
                10,
                Ok(Slice { start: 7, end: 9 }),
            ),
            (
                "suffix_longer_than_object",
                Some("bytes=-30"),
                10,
                Ok(Slice { start: 0, end: 9 }),
            ),
            (
                "unit_case_insensitive",
                Some("Bytes=0-0"),
                10,
                Ok(Slice { start: 0, end: 0 }),
            ),
            ("start_past_end", Some("bytes=10-"), 10, Err("InvalidRange")),
            (
                "closed_past_end",
                Some("bytes=10-20"),
                10,
                Err("InvalidRange"),
            ),
            ("suffix_zero", Some("bytes=-0"), 10, Err("InvalidRange")),
            (
                "empty_object_suffix",
                Some("bytes=-5"),
                0,
                Err("InvalidRange"),
            ),
            (
                "empty_object_start",
                Some("bytes=0-"),
                0,
                Err("InvalidRange"),
            ),
            ("reversed_ignored", Some("bytes=5-2"), 10, Ok(Whole)),
            ("multiple_ignored", Some("bytes=0-1,3-4"), 10, Ok(Whole)),
            ("other_unit_ignored", Some("items=0-1"), 10, Ok(Whole)),
            ("garbage_ignored", Some("bytes=abc"), 10, Ok(Whole)),
            ("bare_dash_ignored", Some("bytes=-"), 10, Ok(Whole)),
            ("signed_ignored", Some("bytes=+1-2"), 10, Ok(Whole)),
            (
                "overflow_ignored",
                Some("bytes=99999999999999999999-"),
                10,
                Ok(Whole),
            ),
        ];
        for (name, header, size, want) in cases {
            let got = resolve(header, size).map_err(|err| err.code());
            assert_eq!(got, want, "case {name}");
        }
    }

    #[test]
    fn spans() {
        assert_eq!(ByteRange::Whole.span(10), (0, 10));
        assert_eq!(ByteRange::Slice { start: 2, end: 4 }.span(10), (2, 3));
    }
}
