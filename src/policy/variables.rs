//! [Policy variables](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html):
//! `${key}` placeholders in `Resource` and in string and ARN condition values, replaced
//! by the request's value of that condition key; `${key, 'default'}` when the key may
//! be missing; `${*}`, `${?}`, `${$}` for a literal `*`, `?`, `$`.
//!
//! Only policies with `"Version": "2012-10-17"` have variables; older ones keep the text
//! as written. A substituted value (or default, or escape) is literal: its `*` and `?`
//! are not wildcards. A variable whose key is absent, or has several values (IAM
//! substitutes only single-valued keys), and has no default leaves the value unresolved:
//! it matches nothing. Inside a default, `''` stands for one `'`. An unterminated `${` is
//! plain text.

use std::borrow::Cow;

use super::context::ContextKeys;
use super::pattern::{Chunk, Pattern};
use super::version::Version;

/// A policy string, with its variables found once at parse time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    raw: String,
    parts: Vec<Part>,
}

/// One run of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Text as written; `*` and `?` in it are wildcards where the operator has them.
    Text(String),
    /// `${*}`, `${?}` or `${$}`.
    Escaped(char),
    /// `${key}` or `${key, 'default'}`; the key is lowercased, as keys are case-insensitive.
    Variable {
        key: String,
        default: Option<String>,
    },
}

impl Template {
    /// Reads `raw`, finding variables only where the policy `version` has them.
    pub(crate) fn parse(raw: &str, version: Version) -> Self {
        let mut parts = Vec::new();
        if version.has_variables() {
            let mut rest = raw;
            while let Some(open) = rest.find("${") {
                push_text(&mut parts, &rest[..open]);
                let inside = &rest[open + 2..];
                match parse_variable(inside) {
                    Some((part, consumed)) => {
                        parts.push(part);
                        rest = inside.get(consumed..).unwrap_or_default();
                    }
                    None => {
                        push_text(&mut parts, "${");
                        rest = inside;
                    }
                }
            }
            push_text(&mut parts, rest);
        } else {
            push_text(&mut parts, raw);
        }
        Template {
            raw: raw.to_owned(),
            parts,
        }
    }

    /// The text as the policy wrote it.
    pub(crate) fn raw(&self) -> &str {
        &self.raw
    }

    /// The template with variables replaced, or `None` when one cannot be.
    pub(crate) fn resolve<'a>(&'a self, keys: &'a ContextKeys) -> Option<Vec<Chunk<'a>>> {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => Some(Chunk::Wild(text)),
                Part::Escaped(c) => Some(Chunk::Literal(Cow::Owned(c.to_string()))),
                Part::Variable { key, default } => {
                    let value = match keys.values_by_lowercase(key) {
                        Some([single]) => Some(single.as_str()),
                        _ => default.as_deref(),
                    };
                    value.map(|v| Chunk::Literal(Cow::Borrowed(v)))
                }
            })
            .collect()
    }

    /// The resolved text for exact comparison (wildcards mean nothing there).
    pub(crate) fn resolve_text(&self, keys: &ContextKeys) -> Option<String> {
        let chunks = self.resolve(keys)?;
        Some(
            chunks
                .iter()
                .map(|chunk| match chunk {
                    Chunk::Wild(text) => *text,
                    Chunk::Literal(text) => text.as_ref(),
                })
                .collect(),
        )
    }

    /// The resolved wildcard pattern.
    pub(crate) fn resolve_pattern(&self, keys: &ContextKeys) -> Option<Pattern> {
        self.resolve(keys)
            .map(|chunks| Pattern::from_chunks(&chunks))
    }
}

/// Appends text, merging it with a text part before it.
fn push_text(parts: &mut Vec<Part>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Part::Text(last)) = parts.last_mut() {
        last.push_str(text);
    } else {
        parts.push(Part::Text(text.to_owned()));
    }
}

/// Reads what follows `${`; returns the part and how many bytes it used, or `None` when
/// the `${` is never closed.
fn parse_variable(inside: &str) -> Option<(Part, usize)> {
    for escape in ['*', '?', '$'] {
        if inside
            .strip_prefix(escape)
            .is_some_and(|r| r.starts_with('}'))
        {
            return Some((Part::Escaped(escape), 2));
        }
    }
    let end_of_key = inside.find([',', '}'])?;
    let key = inside[..end_of_key].trim().to_lowercase();
    if inside[end_of_key..].starts_with('}') {
        let part = Part::Variable { key, default: None };
        return Some((part, end_of_key + 1));
    }
    let after_comma = end_of_key + 1;
    match parse_default(&inside[after_comma..]) {
        Some((default, used)) => {
            let part = Part::Variable {
                key,
                default: Some(default),
            };
            Some((part, after_comma + used))
        }
        None => {
            // A malformed default: the variable can never resolve.
            let close = inside.find('}')?;
            let part = Part::Variable { key, default: None };
            Some((part, close + 1))
        }
    }
}

/// Reads ` 'text' }` (spaces optional, `''` inside for a quote); returns the text and the
/// bytes used up to and including the `}`.
fn parse_default(text: &str) -> Option<(String, usize)> {
    let mut chars = text.char_indices().peekable();
    while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
    chars.next_if(|(_, c)| *c == '\'')?;
    let mut value = String::new();
    loop {
        let (_, c) = chars.next()?;
        if c != '\'' {
            value.push(c);
        } else if chars.next_if(|(_, c)| *c == '\'').is_some() {
            value.push('\'');
        } else {
            break;
        }
    }
    while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
    let (close, _) = chars.next_if(|(_, c)| *c == '}')?;
    Some((value, close + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Request keys as `(key, value)` pairs.
    type Pairs<'a> = &'a [(&'a str, &'a str)];

    fn keys(pairs: Pairs<'_>) -> ContextKeys {
        let mut keys = ContextKeys::new();
        for (key, value) in pairs {
            keys.insert(key, *value);
        }
        keys
    }

    #[test]
    fn variables_resolve_to_text() {
        let user = [("aws:username", "alice")];
        let sub = [(
            "oidc.eks.us-west-2.amazonaws.com/id/X:sub",
            "system:serviceaccount:ns:sa",
        )];
        let two = [("aws:username", "a"), ("aws:username", "b")];
        #[rustfmt::skip]
        let cases: [(&str, &str, Pairs<'_>, Option<&str>); 14] = [
            ("no_variable", "home/", &user, Some("home/")),
            ("username", "home/${aws:username}/", &user, Some("home/alice/")),
            ("key_case_insensitive", "${AWS:UserName}", &user, Some("alice")),
            ("oidc_claim_key", "${oidc.eks.us-west-2.amazonaws.com/id/X:sub}", &sub, Some("system:serviceaccount:ns:sa")),
            ("missing_key_unresolved", "home/${aws:username}", &[], None),
            ("multivalued_key_unresolved", "${aws:username}", &two, None),
            ("default_used_when_missing", "${aws:username, 'anonymous'}", &[], Some("anonymous")),
            ("default_ignored_when_present", "${aws:username, 'anonymous'}", &user, Some("alice")),
            ("default_with_quote", "${aws:username, 'it''s'}", &[], Some("it's")),
            ("default_with_brace", "${aws:username,'a}b'}", &[], Some("a}b")),
            ("malformed_default_unresolved", "${aws:username, anonymous}", &[], None),
            ("escapes", "${*}${?}${$}", &[], Some("*?$")),
            ("unterminated_is_text", "a${aws:username", &user, Some("a${aws:username")),
            ("empty_key_unresolved", "${}", &user, None),
        ];
        for (name, raw, pairs, want) in cases {
            let template = Template::parse(raw, Version::Current);
            let got = template.resolve_text(&keys(pairs));
            assert_eq!(got.as_deref(), want, "case {name}");
        }
    }

    #[test]
    fn legacy_version_has_no_variables() {
        let template = Template::parse("home/${aws:username}", Version::Legacy);
        let got = template.resolve_text(&keys(&[("aws:username", "alice")]));
        assert_eq!(got.as_deref(), Some("home/${aws:username}"));
    }

    #[test]
    fn substituted_values_are_literal_in_patterns() {
        #[rustfmt::skip]
        let cases = [
            ("escape_star_is_literal", "a${*}", "a*", true),
            ("escape_star_not_wild", "a${*}", "ab", false),
            ("value_star_is_literal", "home/${aws:username}/*", "home/x*y/k", true),
            ("value_star_not_wild", "home/${aws:username}/*", "home/xzzy/k", false),
            ("text_star_still_wild", "home/*/${aws:username}", "home/q/x*y", true),
        ];
        let keys = keys(&[("aws:username", "x*y")]);
        for (name, raw, input, want) in cases {
            let pattern = Template::parse(raw, Version::Current).resolve_pattern(&keys);
            assert_eq!(pattern.map(|p| p.matches(input)), Some(want), "case {name}");
        }
    }
}
