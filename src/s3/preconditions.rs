//! Conditional reads: `If-Match`, `If-None-Match`, `If-Modified-Since` and
//! `If-Unmodified-Since` on GetObject and HeadObject, evaluated in the order RFC 7232
//! section 6 and S3's GetObject page give.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html>

use super::error::S3Error;

/// The conditions of a read, dates already parsed (an unparsable date is absent, as RFC
/// 7232 says to ignore it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preconditions {
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<u64>,
    pub if_unmodified_since: Option<u64>,
}

/// What a read should do once its conditions are evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Send the object.
    Proceed,
    /// Answer 304 with the validators only.
    NotModified,
}

impl Preconditions {
    /// Evaluates against the object's ETag (quoted) and Last-Modified (Unix seconds).
    /// A failed `If-Match` or `If-Unmodified-Since` is `PreconditionFailed` (412).
    pub fn evaluate(&self, etag: &str, last_modified: u64) -> Result<Outcome, S3Error> {
        if let Some(list) = &self.if_match {
            if !etag_listed(list, etag) {
                return Err(S3Error::PreconditionFailed {
                    condition: "If-Match",
                });
            }
        } else if let Some(since) = self.if_unmodified_since {
            if last_modified > since {
                return Err(S3Error::PreconditionFailed {
                    condition: "If-Unmodified-Since",
                });
            }
        }
        if let Some(list) = &self.if_none_match {
            if etag_listed(list, etag) {
                return Ok(Outcome::NotModified);
            }
        } else if let Some(since) = self.if_modified_since {
            if last_modified <= since {
                return Ok(Outcome::NotModified);
            }
        }
        Ok(Outcome::Proceed)
    }
}

/// Whether a comma-separated entity-tag list names `etag` or is `*`. Quotes and the weak
/// prefix `W/` are ignored, as S3 compares them.
pub fn etag_listed(list: &str, etag: &str) -> bool {
    let wanted = etag.trim_matches('"');
    list.split(',').map(str::trim).any(|candidate| {
        let candidate = candidate.strip_prefix("W/").unwrap_or(candidate);
        candidate == "*" || candidate.trim_matches('"') == wanted
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ETAG: &str = "\"abc\"";
    const MODIFIED: u64 = 1_000;

    fn conditions(
        if_match: Option<&str>,
        if_none_match: Option<&str>,
        modified_since: Option<u64>,
        unmodified_since: Option<u64>,
    ) -> Preconditions {
        Preconditions {
            if_match: if_match.map(str::to_owned),
            if_none_match: if_none_match.map(str::to_owned),
            if_modified_since: modified_since,
            if_unmodified_since: unmodified_since,
        }
    }

    #[test]
    fn evaluates_like_s3() {
        use Outcome::{NotModified, Proceed};
        let cases: [(&str, Preconditions, Result<Outcome, &str>); 14] = [
            ("none", conditions(None, None, None, None), Ok(Proceed)),
            (
                "if_match_quoted",
                conditions(Some("\"abc\""), None, None, None),
                Ok(Proceed),
            ),
            (
                "if_match_unquoted",
                conditions(Some("abc"), None, None, None),
                Ok(Proceed),
            ),
            (
                "if_match_star",
                conditions(Some("*"), None, None, None),
                Ok(Proceed),
            ),
            (
                "if_match_in_list",
                conditions(Some("\"x\", \"abc\""), None, None, None),
                Ok(Proceed),
            ),
            (
                "if_match_other",
                conditions(Some("\"x\""), None, None, None),
                Err("If-Match"),
            ),
            (
                "if_none_match_same",
                conditions(None, Some("\"abc\""), None, None),
                Ok(NotModified),
            ),
            (
                "if_none_match_weak_same",
                conditions(None, Some("W/\"abc\""), None, None),
                Ok(NotModified),
            ),
            (
                "if_none_match_other",
                conditions(None, Some("\"x\""), None, None),
                Ok(Proceed),
            ),
            (
                "modified_since_before",
                conditions(None, None, Some(MODIFIED - 1), None),
                Ok(Proceed),
            ),
            (
                "not_modified_since",
                conditions(None, None, Some(MODIFIED), None),
                Ok(NotModified),
            ),
            (
                "unmodified_since_before_fails",
                conditions(None, None, None, Some(MODIFIED - 1)),
                Err("If-Unmodified-Since"),
            ),
            // S3: If-Match true and If-Unmodified-Since false → 200.
            (
                "if_match_overrides_unmodified_since",
                conditions(Some("abc"), None, None, Some(0)),
                Ok(Proceed),
            ),
            // S3: If-None-Match false and If-Modified-Since false → 304 is decided by If-None-Match.
            (
                "if_none_match_overrides_modified_since",
                conditions(None, Some("\"x\""), Some(MODIFIED), None),
                Ok(Proceed),
            ),
        ];
        for (name, preconditions, want) in cases {
            let got = preconditions
                .evaluate(ETAG, MODIFIED)
                .map_err(|err| match err {
                    S3Error::PreconditionFailed { condition } => condition,
                    other => panic!("case {name}: unexpected {other}"),
                });
            assert_eq!(got, want, "case {name}");
        }
    }
}
