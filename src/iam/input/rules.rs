//! The IAM model's string constraints: lengths and patterns, with matchers for the
//! patterns the actions here use (botocore `iam/2010-05-08/service-2.json`).

/// A string member's constraints.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    min: usize,
    max: usize,
    pattern: Option<Pattern>,
}

/// A model pattern: as AWS prints it, and a matcher for the whole value.
#[derive(Debug, Clone, Copy)]
struct Pattern {
    shown: &'static str,
    matches: fn(&str) -> bool,
}

impl Rule {
    /// The constraint `value` breaks, as AWS words it; `None` when it keeps them all.
    pub fn broken_by(&self, value: &str) -> Option<String> {
        let length = value.chars().count();
        if length < self.min {
            let min = self.min;
            return Some(format!(
                "Member must have length greater than or equal to {min}"
            ));
        }
        if length > self.max {
            let max = self.max;
            return Some(format!(
                "Member must have length less than or equal to {max}"
            ));
        }
        let pattern = self.pattern?;
        (!(pattern.matches)(value)).then(|| {
            let shown = pattern.shown;
            format!("Member must satisfy regular expression pattern: {shown}")
        })
    }
}

const fn rule(min: usize, max: usize, pattern: Option<Pattern>) -> Rule {
    Rule { min, max, pattern }
}

const fn pattern(shown: &'static str, matches: fn(&str) -> bool) -> Option<Pattern> {
    Some(Pattern { shown, matches })
}

/// `roleNameType`.
pub const ROLE_NAME: Rule = rule(1, 64, pattern(r"[\w+=,.@-]+", is_name));
/// `policyNameType`.
pub const POLICY_NAME: Rule = rule(1, 128, pattern(r"[\w+=,.@-]+", is_name));
/// `pathType` (roles).
pub const PATH: Rule = rule(
    1,
    512,
    pattern(r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)", is_path),
);
/// `pathPrefixType` (ListRoles).
pub const PATH_PREFIX: Rule = rule(1, 512, pattern(r"\u002F[\u0021-\u007F]*", is_path_prefix));
/// `policyPathType` (CreatePolicy, and the PathPrefix of policy lists).
pub const POLICY_PATH: Rule = rule(
    1,
    512,
    pattern(r"((/[A-Za-z0-9\.,\+@=_-]+)*)/", is_policy_path),
);
/// `policyDocumentType`.
pub const POLICY_DOCUMENT: Rule = rule(
    1,
    131_072,
    pattern(r"[\u0009\u000A\u000D\u0020-\u00FF]+", is_document_text),
);
/// `roleDescriptionType`.
pub const ROLE_DESCRIPTION: Rule = rule(
    0,
    1000,
    pattern(
        r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*",
        is_description_text,
    ),
);
/// `policyDescriptionType`.
pub const POLICY_DESCRIPTION: Rule = rule(0, 1000, None);
/// `arnType`.
pub const ARN: Rule = rule(20, 2048, None);
/// `OpenIDConnectProviderUrlType`.
pub const PROVIDER_URL: Rule = rule(1, 255, None);
/// `clientIDType`.
pub const CLIENT_ID: Rule = rule(1, 255, None);
/// `thumbprintType`.
pub const THUMBPRINT: Rule = rule(40, 40, None);
/// `tagKeyType`.
pub const TAG_KEY: Rule = rule(1, 128, pattern(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+", is_tag_text));
/// `tagValueType`.
pub const TAG_VALUE: Rule = rule(0, 256, pattern(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*", is_tag_text));
/// `policyVersionIdType`.
pub const VERSION_ID: Rule = rule(
    0,
    usize::MAX,
    pattern(r"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?", is_version_id),
);
pub(super) const MARKER: Rule = rule(1, 320, pattern(r"[\u0020-\u00FF]+", is_marker_text));

fn is_name(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

fn is_path(value: &str) -> bool {
    value == "/"
        || (value.len() >= 3
            && value.starts_with('/')
            && value.ends_with('/')
            && value.bytes().all(|b| (0x21..=0x7e).contains(&b)))
}

fn is_path_prefix(value: &str) -> bool {
    value.starts_with('/') && value.bytes().all(|b| (0x21..=0x7f).contains(&b))
}

fn is_policy_path(value: &str) -> bool {
    let segment_char = |b: u8| b.is_ascii_alphanumeric() || b".,+@=_-".contains(&b);
    match value.strip_suffix('/') {
        Some("") => true,
        Some(inner) => {
            inner.starts_with('/')
                && inner
                    .split('/')
                    .skip(1)
                    .all(|segment| !segment.is_empty() && segment.bytes().all(segment_char))
        }
        None => false,
    }
}

fn is_document_text(value: &str) -> bool {
    value
        .chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'))
}

fn is_description_text(value: &str) -> bool {
    value
        .chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{a1}'..='\u{ff}'))
}

fn is_tag_text(value: &str) -> bool {
    value.chars().all(|c| {
        c.is_alphabetic()
            || c.is_numeric()
            || (c.is_whitespace() && !c.is_control())
            || "_.:/=+-@".contains(c)
    })
}

fn is_version_id(value: &str) -> bool {
    let Some(rest) = value.strip_prefix('v') else {
        return false;
    };
    let (number, suffix) = match rest.split_once('.') {
        Some((number, suffix)) => (number, Some(suffix)),
        None => (rest, None),
    };
    number.starts_with(|c: char| ('1'..='9').contains(&c))
        && number.bytes().all(|b| b.is_ascii_digit())
        && suffix.is_none_or(|s| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

fn is_marker_text(value: &str) -> bool {
    value.chars().all(|c| ('\u{20}'..='\u{ff}').contains(&c))
}
