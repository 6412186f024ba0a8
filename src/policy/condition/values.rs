//! A condition key's policy values, read once into the type their operator compares, and
//! the test of one request value against them.
//!
//! Policy variables are substituted only in string and ARN values, as the
//! [variables page](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-conditionelement)
//! says; other operators read their values literally, so a `${…}` there is refused as
//! not a number, date, boolean, range or base64.

use std::net::IpAddr;

use super::super::context::ContextKeys;
use super::super::pattern::Pattern;
use super::super::variables::Template;
use super::super::version::Version;
use super::date::{parse_instant, Instant};
use super::operator::{Comparison, Test};
use super::scalars::{decode_base64, parse_bool, Cidr, Decimal};

/// A policy value its operator cannot read, and what it should have been.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unreadable {
    pub(crate) value: String,
    pub(crate) expected: &'static str,
}

/// The values a policy lists for one key, typed for their operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PolicyValues {
    /// String and ARN operators; may hold policy variables.
    Strings(Vec<Template>),
    Numbers(Vec<Decimal>),
    Dates(Vec<Instant>),
    /// `Bool`, and `Null` (`true`: the key must be absent).
    Bools(Vec<bool>),
    Binary(Vec<Vec<u8>>),
    Ranges(Vec<Cidr>),
}

impl PolicyValues {
    /// Reads `raw` for `test`, refusing the first value the test cannot read.
    pub(crate) fn parse(test: Test, raw: &[String], version: Version) -> Result<Self, Unreadable> {
        fn all<T>(
            raw: &[String],
            expected: &'static str,
            read: impl Fn(&str) -> Option<T>,
        ) -> Result<Vec<T>, Unreadable> {
            raw.iter()
                .map(|value| {
                    read(value).ok_or_else(|| Unreadable {
                        value: value.clone(),
                        expected,
                    })
                })
                .collect()
        }
        Ok(match test {
            Test::StringEquals | Test::StringEqualsIgnoreCase | Test::StringLike | Test::Arn => {
                PolicyValues::Strings(raw.iter().map(|v| Template::parse(v, version)).collect())
            }
            Test::Numeric(_) => {
                PolicyValues::Numbers(all(raw, "a decimal number", Decimal::parse)?)
            }
            Test::Date(_) => PolicyValues::Dates(all(
                raw,
                "an ISO 8601 date or epoch seconds",
                parse_instant,
            )?),
            Test::Bool | Test::Null => PolicyValues::Bools(all(raw, "true or false", parse_bool)?),
            Test::Binary => PolicyValues::Binary(all(raw, "base64", decode_base64)?),
            Test::IpAddress => {
                PolicyValues::Ranges(all(raw, "an IP address or CIDR range", Cidr::parse)?)
            }
        })
    }

    /// The values ready to test request values, with variables substituted from `keys`.
    pub(crate) fn resolve<'a>(&'a self, test: Test, keys: &ContextKeys) -> Resolved<'a> {
        let PolicyValues::Strings(templates) = self else {
            return Resolved {
                test,
                values: ResolvedValues::Typed(self),
                unresolved: 0,
            };
        };
        let mut unresolved = 0;
        let mut texts = Vec::new();
        let mut patterns = Vec::new();
        for template in templates {
            let found = match test {
                Test::StringLike | Test::Arn => template
                    .resolve_pattern(keys)
                    .map(|pattern| patterns.push(pattern)),
                Test::StringEqualsIgnoreCase => template
                    .resolve_text(keys)
                    .map(|text| texts.push(text.to_lowercase())),
                _ => template.resolve_text(keys).map(|text| texts.push(text)),
            };
            if found.is_none() {
                unresolved += 1;
            }
        }
        let values = match test {
            Test::StringLike => ResolvedValues::Patterns(patterns),
            Test::Arn => ResolvedValues::Arns(patterns.iter().map(ArnPattern::new).collect()),
            _ => ResolvedValues::Texts(texts),
        };
        Resolved {
            test,
            values,
            unresolved,
        }
    }
}

/// A key's policy values for one request.
pub(crate) struct Resolved<'a> {
    test: Test,
    values: ResolvedValues<'a>,
    /// How many values had a policy variable the request could not fill; they match
    /// nothing.
    pub(crate) unresolved: usize,
}

/// Policy values in the form their test compares.
enum ResolvedValues<'a> {
    Texts(Vec<String>),
    Patterns(Vec<Pattern>),
    Arns(Vec<ArnPattern>),
    Typed(&'a PolicyValues),
}

impl Resolved<'_> {
    /// Whether `request_value` satisfies the positive test against any policy value. A
    /// request value the test cannot read (not a number, date, address) satisfies none.
    pub(crate) fn matches(&self, request_value: &str) -> bool {
        match (&self.values, self.test) {
            (ResolvedValues::Texts(texts), Test::StringEqualsIgnoreCase) => {
                let lowered = request_value.to_lowercase();
                texts.contains(&lowered)
            }
            (ResolvedValues::Texts(texts), _) => texts.iter().any(|text| text == request_value),
            (ResolvedValues::Patterns(patterns), _) => patterns
                .iter()
                .any(|pattern| pattern.matches(request_value)),
            (ResolvedValues::Arns(arns), _) => arns.iter().any(|arn| arn.matches(request_value)),
            (ResolvedValues::Typed(values), test) => typed_matches(values, test, request_value),
        }
    }
}

/// The positive test of a non-string operator against any policy value.
fn typed_matches(values: &PolicyValues, test: Test, request_value: &str) -> bool {
    match (values, test) {
        (PolicyValues::Numbers(numbers), Test::Numeric(comparison)) => {
            Decimal::parse(request_value)
                .is_some_and(|request| numbers.iter().any(|n| compare(comparison, &request, n)))
        }
        (PolicyValues::Dates(dates), Test::Date(comparison)) => parse_instant(request_value)
            .is_some_and(|request| dates.iter().any(|d| compare(comparison, &request, d))),
        (PolicyValues::Bools(bools), Test::Bool) => {
            parse_bool(request_value).is_some_and(|request| bools.contains(&request))
        }
        // `BinaryEquals` compares the request value's bytes with the decoded policy value.
        (PolicyValues::Binary(blobs), Test::Binary) => blobs
            .iter()
            .any(|blob| blob.as_slice() == request_value.as_bytes()),
        (PolicyValues::Ranges(ranges), Test::IpAddress) => request_value
            .parse::<IpAddr>()
            .is_ok_and(|address| ranges.iter().any(|range| range.contains(address))),
        _ => false,
    }
}

/// Whether `request` relates to `policy` as `comparison` says.
fn compare<T: Ord>(comparison: Comparison, request: &T, policy: &T) -> bool {
    match comparison {
        Comparison::Equal => request == policy,
        Comparison::Less => request < policy,
        Comparison::LessOrEqual => request <= policy,
        Comparison::Greater => request > policy,
        Comparison::GreaterOrEqual => request >= policy,
    }
}

/// An `ArnLike` pattern: six colon-separated parts matched one by one, or, for a pattern
/// with fewer than six parts (such as `*`), the whole value at once.
enum ArnPattern {
    Parts(Vec<Pattern>),
    Whole(Pattern),
}

impl ArnPattern {
    fn new(pattern: &Pattern) -> Self {
        let parts = pattern.split_arn();
        if parts.len() == 6 {
            ArnPattern::Parts(parts)
        } else {
            ArnPattern::Whole(pattern.clone())
        }
    }

    fn matches(&self, value: &str) -> bool {
        match self {
            ArnPattern::Whole(pattern) => pattern.matches(value),
            ArnPattern::Parts(parts) => {
                let values: Vec<&str> = value.splitn(6, ':').collect();
                values.len() == 6 && parts.iter().zip(values).all(|(p, v)| p.matches(v))
            }
        }
    }
}
