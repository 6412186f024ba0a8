//! The AWS query protocol (STS, IAM): parameters from a form body or the URL query string,
//! `member.N` lists, and the XML result envelope
//! `<XResponse><XResult>…</XResult><ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></XResponse>`.
//! <https://docs.aws.amazon.com/STS/latest/APIReference/CommonParameters.html>

use std::collections::BTreeMap;

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

    /// A list parameter: `<name>.member.<N>[.<field>]` for N = 1, 2, … in order, stopping
    /// at the first gap as AWS does.
    pub fn list(&self, name: &str, field: Option<&str>) -> Vec<&str> {
        let mut values = Vec::new();
        for index in 1.. {
            let key = match field {
                Some(field) => format!("{name}.member.{index}.{field}"),
                None => format!("{name}.member.{index}"),
            };
            match self.params.get(&key) {
                Some(value) => values.push(value.as_str()),
                None => break,
            }
        }
        values
    }

    /// Every parameter name except Action and Version, for rejecting unknown ones.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.params.keys().map(String::as_str)
    }
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
mod tests {
    use super::*;

    #[test]
    fn parameters_come_from_the_body_and_the_url() {
        let cases = [
            (
                "body_only",
                None,
                Some("Action=GetCallerIdentity&Version=2011-06-15"),
                Ok(("GetCallerIdentity", Some("2011-06-15"))),
            ),
            (
                "url_only",
                Some("Action=AssumeRoleWithWebIdentity&Version=2011-06-15"),
                None,
                Ok(("AssumeRoleWithWebIdentity", Some("2011-06-15"))),
            ),
            (
                "split",
                Some("Action=X"),
                Some("Version=2010-05-08"),
                Ok(("X", Some("2010-05-08"))),
            ),
            (
                "percent_and_plus_decoded",
                None,
                Some("Action=A%42+C"),
                Ok(("AB C", None)),
            ),
            (
                "no_action",
                None,
                Some("Version=2011-06-15"),
                Err(QueryError::MissingAction),
            ),
            ("empty", None, Some(""), Err(QueryError::MissingAction)),
            (
                "duplicate",
                Some("Action=A"),
                Some("Action=B"),
                Err(QueryError::DuplicateParameter("Action".into())),
            ),
        ];
        for (name, query, body, want) in cases {
            let got = QueryRequest::parse(query, body.map(str::as_bytes));
            let got = got
                .as_ref()
                .map(|r| (r.action.as_str(), r.version.as_deref()))
                .map_err(Clone::clone);
            assert_eq!(got, want, "case {name}");
        }
    }

    #[test]
    fn lists_follow_member_numbering_until_a_gap() {
        let body = "Action=A&PolicyArns.member.1.arn=one&PolicyArns.member.2.arn=two&PolicyArns.member.4.arn=four&Names.member.1=x";
        let request = QueryRequest::parse(None, Some(body.as_bytes())).unwrap();
        assert_eq!(request.list("PolicyArns", Some("arn")), ["one", "two"]);
        assert_eq!(request.list("Names", None), ["x"]);
        assert!(request.list("Missing", None).is_empty());
    }

    #[test]
    fn too_many_parameters_are_refused() {
        let body: String = (0..=MAX_PARAMETERS).map(|i| format!("p{i}=v&")).collect();
        assert_eq!(
            QueryRequest::parse(None, Some(body.as_bytes())),
            Err(QueryError::TooManyParameters)
        );
    }

    #[test]
    fn envelope_wraps_the_result_and_request_id() {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Result {
            account: &'static str,
            arn: &'static str,
        }
        let xml = render_envelope(
            "GetCallerIdentity",
            "https://sts.amazonaws.com/doc/2011-06-15/",
            Some(&Result {
                account: "1",
                arn: "a<b",
            }),
            "req-1",
        )
        .unwrap();
        assert_eq!(
            xml,
            concat!(
                r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">"#,
                "<GetCallerIdentityResult><Account>1</Account><Arn>a&lt;b</Arn></GetCallerIdentityResult>",
                "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>",
                "</GetCallerIdentityResponse>"
            )
        );
        let empty = render_envelope::<()>("DeleteRole", "ns", None, "r").unwrap();
        assert_eq!(
            empty,
            r#"<DeleteRoleResponse xmlns="ns"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteRoleResponse>"#
        );
    }
}
