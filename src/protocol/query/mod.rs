//! The AWS query protocol (STS, IAM): parameters from a form body or the URL query string,
//! `member.N` lists, and the XML result envelope
//! `<XResponse><XResult>…</XResult><ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></XResponse>`.
//! <https://docs.aws.amazon.com/STS/latest/APIReference/CommonParameters.html>
//!
//! A list is read whole or refused: its members are `<name>.member.<N>[.<field>]` with N
//! counting from 1 ("Values of n are integers starting from 1. All lists of parameters
//! must follow this notation", Auto Scaling Developer Guide, "Using the Query API":
//! <http://docs.amazonwebservices.com/AutoScaling/latest/DeveloperGuide/Using_Query_API.html>),
//! and any other parameter under the list's name is `MalformedInput`, the code AWS's query
//! services give a list they cannot read. A list that lost a member must not read as a
//! shorter one: a dropped `PolicyArns` entry would widen a session. Parameter names are
//! case-sensitive; an action may refuse a name that matches one of its own in another case
//! ([`QueryRequest::check_case`]), which it would otherwise ignore.

use std::collections::BTreeMap;
use std::ops::Bound;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use serde::Serialize;

/// The most parameters one request may carry; real calls send a handful.
pub const MAX_PARAMETERS: usize = 1000;

/// Largest query-protocol body accepted (a 20,000-character token and a 2,048-character
/// session policy, URL-encoded, fit many times over).
pub const MAX_QUERY_BODY_BYTES: usize = 256 * 1024;

/// A parsed query-protocol request: `Action`, `Version` and the other parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryRequest {
    pub action: String,
    pub version: Option<String>,
    params: BTreeMap<String, String>,
}

/// Why a request is not a well-formed query-protocol call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("the request has no Action parameter")]
    MissingAction,
    #[error("the request carries more than {MAX_PARAMETERS} parameters")]
    TooManyParameters,
    #[error("the parameter {0} appears more than once")]
    DuplicateParameter(String),
    #[error("{parameter}: {problem}")]
    MalformedList {
        parameter: String,
        problem: ListProblem,
    },
    #[error("{given} is not a parameter of this action; parameter names are case-sensitive and this one is spelled {expected}")]
    WrongCase {
        given: String,
        expected: &'static str,
    },
}

/// How a parameter under a list's name breaks the `<name>.member.<N>[.<field>]` form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListProblem {
    /// `<name>.<N>…`: an index straight under the list, without `member`.
    #[error("an index without .member. before it")]
    IndexWithoutMember,
    /// `<name>.<anything but member>…`.
    #[error("list members are named <list>.member.<N>")]
    NotMember,
    /// `member.0`, `member.01`, `member.x`: indexes are 1, 2, … in decimal.
    #[error("a member index is a decimal number from 1, without leading zeros")]
    BadIndex,
    /// `member.<N>` when the list's members are structures with one field, a field other
    /// than that one, or a field on a list of plain values.
    #[error("list members have {}", .expected.map_or_else(|| "no fields".to_owned(), |field| format!("the one field {field}")))]
    WrongField { expected: Option<&'static str> },
    /// Members are not numbered 1, 2, … without a gap.
    #[error("member {missing} is missing; members are numbered from 1 without gaps")]
    Gap { missing: usize },
    /// `<name>=<value>` with a value: a list is only ever sent as members (or as an empty
    /// `<name>=` for an empty list, as botocore sends it).
    #[error("a list given as a single value")]
    ScalarValue,
}

impl QueryRequest {
    /// Parses the URL query string and, for a form body, the body too: both carry
    /// parameters (some clients send a POST with its parameters in the URL).
    pub fn parse(query: Option<&str>, form_body: Option<&[u8]>) -> Result<Self, QueryError> {
        let mut params = BTreeMap::new();
        let sources = query.map(str::as_bytes).into_iter().chain(form_body);
        for source in sources {
            for (name, value) in form_urlencoded::parse(source) {
                if params.len() >= MAX_PARAMETERS {
                    return Err(QueryError::TooManyParameters);
                }
                if params
                    .insert(name.to_string(), value.into_owned())
                    .is_some()
                {
                    return Err(QueryError::DuplicateParameter(name.into_owned()));
                }
            }
        }
        let action = params.remove("Action").ok_or(QueryError::MissingAction)?;
        let version = params.remove("Version");
        Ok(Self {
            action,
            version,
            params,
        })
    }

    /// A scalar parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// A list parameter: `<name>.member.<N>` (or `<name>.member.<N>.<field>` for a list of
    /// one-field structures) for N = 1, 2, … in order. Any other parameter under `name`, or
    /// a gap in the numbering, refuses the request: the list is never read short.
    pub fn list(&self, name: &str, field: Option<&'static str>) -> Result<Vec<&str>, QueryError> {
        let prefix = format!("{name}.");
        let mut members = BTreeMap::new();
        let under_name = self
            .params
            .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
            .take_while(|(key, _)| key.starts_with(&prefix));
        for (key, value) in under_name {
            let malformed = |problem| QueryError::MalformedList {
                parameter: key.clone(),
                problem,
            };
            let rest = &key[prefix.len()..];
            let Some(member) = rest.strip_prefix("member.") else {
                let first = rest.split('.').next().unwrap_or_default();
                let problem = if !first.is_empty() && first.bytes().all(|b| b.is_ascii_digit()) {
                    ListProblem::IndexWithoutMember
                } else {
                    ListProblem::NotMember
                };
                return Err(malformed(problem));
            };
            let (index, member_field) = match member.split_once('.') {
                Some((index, member_field)) => (index, Some(member_field)),
                None => (member, None),
            };
            let index = member_index(index).ok_or_else(|| malformed(ListProblem::BadIndex))?;
            if member_field != field {
                return Err(malformed(ListProblem::WrongField { expected: field }));
            }
            members.insert(index, (key, value.as_str()));
        }
        for (expected, (index, (key, _))) in (1..).zip(&members) {
            if *index != expected {
                return Err(QueryError::MalformedList {
                    parameter: (*key).clone(),
                    problem: ListProblem::Gap { missing: expected },
                });
            }
        }
        if self.params.get(name).is_some_and(|bare| !bare.is_empty()) {
            return Err(QueryError::MalformedList {
                parameter: name.to_owned(),
                problem: ListProblem::ScalarValue,
            });
        }
        Ok(members.into_values().map(|(_, value)| value).collect())
    }

    /// Refuses a parameter whose name, up to its first `.`, is one of `known` in another
    /// case (`policyArns.member.1.arn`, `durationSeconds`): AWS's names are case-sensitive,
    /// and such a parameter is meant for the action but would be read as absent.
    pub fn check_case(&self, known: &[&'static str]) -> Result<(), QueryError> {
        for given in self.params.keys() {
            let head = given.split('.').next().unwrap_or_default();
            if known.contains(&head) {
                continue;
            }
            if let Some(expected) = known.iter().find(|name| name.eq_ignore_ascii_case(head)) {
                return Err(QueryError::WrongCase {
                    given: given.clone(),
                    expected,
                });
            }
        }
        Ok(())
    }

    /// Every parameter name except Action and Version, for rejecting unknown ones.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.params.keys().map(String::as_str)
    }
}

/// A member index: 1, 2, … in decimal, without sign or leading zeros (which would let two
/// parameters name one member).
fn member_index(text: &str) -> Option<usize> {
    let well_formed =
        !text.is_empty() && !text.starts_with('0') && text.bytes().all(|b| b.is_ascii_digit());
    well_formed.then(|| text.parse().ok()).flatten()
}

/// The 200 answer to `action`: `result` wrapped in `<{action}Result>` inside
/// `<{action}Response xmlns=…>`, with the request id in `ResponseMetadata`.
pub fn xml_response<T: Serialize>(
    action: &str,
    namespace: &str,
    result: Option<&T>,
    request_id: &str,
) -> Response {
    match render_envelope(action, namespace, result, request_id) {
        Ok(body) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/xml")], body).into_response(),
        Err(err) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot render XML: {err}"),
        )
            .into_response(),
    }
}

/// The XML document of [`xml_response`].
pub fn render_envelope<T: Serialize>(
    action: &str,
    namespace: &str,
    result: Option<&T>,
    request_id: &str,
) -> Result<String, quick_xml::Error> {
    let mut writer = Writer::new(Vec::new());
    let response_name = format!("{action}Response");
    writer.write_event(Event::Start(
        BytesStart::new(response_name.as_str()).with_attributes([("xmlns", namespace)]),
    ))?;
    if let Some(result) = result {
        let result_name = format!("{action}Result");
        let inner = quick_xml::se::to_string_with_root(&result_name, result)
            .map_err(|err| quick_xml::Error::Io(std::sync::Arc::new(std::io::Error::other(err))))?;
        writer.get_mut().extend_from_slice(inner.as_bytes());
    }
    writer.write_event(Event::Start(BytesStart::new("ResponseMetadata")))?;
    writer
        .create_element("RequestId")
        .write_text_content(BytesText::new(request_id))?;
    writer.write_event(Event::End(BytesEnd::new("ResponseMetadata")))?;
    writer.write_event(Event::End(BytesEnd::new(response_name.as_str())))?;
    Ok(String::from_utf8_lossy(&writer.into_inner()).into_owned())
}

#[cfg(test)]
mod tests;
