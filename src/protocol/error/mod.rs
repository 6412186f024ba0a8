//! `AwsError`: an AWS code, HTTP status and message, and the error bodies that carry them
//! in each protocol (query `ErrorResponse`, rest-json `x-amzn-ErrorType`, S3 `<Error>`).
//! Each service maps its own causes to an `AwsError` in its `error` module; this module
//! only renders. Every refusal also carries irsa-local's own reason (which check failed,
//! which statement decided) in the `x-irsa-local-reason` header, since AWS's messages are
//! famously opaque, and a [`Refusal`] extension that the request log writes out.

use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use quick_xml::escape::partial_escape;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

mod query;
mod rest_json;
#[cfg(test)]
mod tests;

/// Header with irsa-local's explanation of a refusal.
pub const REASON_HEADER: &str = "x-irsa-local-reason";

/// What a refused request's answer carries for the request log: the AWS code and
/// irsa-local's reason. Set on the response by every error renderer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub reason: String,
}

/// An error as AWS reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub code: &'static str,
    pub status: StatusCode,
    pub message: String,
    /// Why, in irsa-local's words; sent in [`REASON_HEADER`] and logged.
    pub reason: String,
    /// Further elements of an S3 error document (`BucketName`, `Key`, `StringToSign`, …).
    pub details: Vec<(&'static str, String)>,
    /// Headers the error answer carries (`Content-Range` on a 416).
    pub headers: Vec<(String, String)>,
}

impl AwsError {
    /// A client error (`Type` `Sender`) whose reason is its message.
    pub fn sender(code: &'static str, status: StatusCode, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            code,
            status,
            reason: message.clone(),
            message,
            details: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// A server fault (`Type` `Receiver`): the request was fine but could not be carried
    /// out (a state write failed). `reason` says what went wrong.
    pub fn service_failure(code: &'static str, reason: impl Into<String>) -> Self {
        Self::sender(
            code,
            StatusCode::INTERNAL_SERVER_ERROR,
            "The request processing has failed because of an unknown error, exception or failure.",
        )
        .because(reason)
    }

    /// Adds an element to the S3 error document.
    #[must_use]
    pub fn with_detail(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.details.push((name, value.into()));
        self
    }

    /// The S3 answer: `<Error><Code/><Message/>…<Resource/><RequestId/><HostId/></Error>`
    /// with `x-amz-request-id` and `x-amz-id-2` (a new host id each time, as S3's extended
    /// request id is); a HEAD answer has the status and headers only, as S3's does.
    pub fn s3_response(&self, resource: &str, request_id: &str, head: bool) -> Response {
        let host_id = new_host_id();
        let body = if head {
            String::new()
        } else {
            self.s3_body(resource, request_id, &host_id)
        };
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/xml")],
            body,
        )
            .into_response();
        let headers = response.headers_mut();
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::from_str(value),
            ) {
                headers.insert(name, value);
            }
        }
        if let Ok(value) = HeaderValue::from_str(request_id) {
            headers.insert("x-amz-request-id", value);
        }
        if let Ok(value) = HeaderValue::from_str(&host_id) {
            headers.insert("x-amz-id-2", value);
        }
        self.mark(&mut response);
        response
    }

    /// The XML of [`s3_response`](Self::s3_response).
    pub fn s3_body(&self, resource: &str, request_id: &str, host_id: &str) -> String {
        let mut writer = Writer::new(Vec::new());
        let written: Result<(), quick_xml::Error> = (|| {
            writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
            writer.write_event(Event::Start(BytesStart::new("Error")))?;
            let mut elements: Vec<(&str, &str)> =
                vec![("Code", self.code), ("Message", &self.message)];
            elements.extend(
                self.details
                    .iter()
                    .map(|(name, value)| (*name, value.as_str())),
            );
            elements.push(("Resource", resource));
            elements.push(("RequestId", request_id));
            elements.push(("HostId", host_id));
            for (name, text) in elements {
                writer
                    .create_element(name)
                    .write_text_content(BytesText::from_escaped(partial_escape(text)))?;
            }
            writer.write_event(Event::End(BytesEnd::new("Error")))?;
            Ok(())
        })();
        match written {
            Ok(()) => String::from_utf8_lossy(&writer.into_inner()).into_owned(),
            Err(_) => String::new(),
        }
    }

    /// Replaces the reason.
    #[must_use]
    pub fn because(mut self, reason: impl Into<String>) -> Self {
        self.reason = reason.into();
        self
    }

    /// `Sender` for 4xx, `Receiver` for 5xx.
    pub fn fault_type(&self) -> &'static str {
        if self.status.is_server_error() {
            "Receiver"
        } else {
            "Sender"
        }
    }

    /// The query-protocol answer: `<ErrorResponse xmlns=…><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.
    pub fn query_response(&self, namespace: &str, request_id: &str) -> Response {
        let body = self.query_body(namespace, request_id);
        let mut response =
            (self.status, [(header::CONTENT_TYPE, "text/xml")], body).into_response();
        self.mark(&mut response);
        response
    }

    /// Puts the reason on `response`: the [`REASON_HEADER`] and the [`Refusal`] extension.
    fn mark(&self, response: &mut Response) {
        if let Ok(value) = HeaderValue::from_str(&header_safe(&self.reason)) {
            response.headers_mut().insert(REASON_HEADER, value);
        }
        response.extensions_mut().insert(Refusal {
            code: self.code,
            reason: self.reason.clone(),
        });
    }

    /// The XML of [`query_response`](Self::query_response).
    pub fn query_body(&self, namespace: &str, request_id: &str) -> String {
        let mut writer = Writer::new(Vec::new());
        let written: Result<(), quick_xml::Error> = (|| {
            writer.write_event(Event::Start(
                BytesStart::new("ErrorResponse").with_attributes([("xmlns", namespace)]),
            ))?;
            writer.write_event(Event::Start(BytesStart::new("Error")))?;
            for (name, text) in [
                ("Type", self.fault_type()),
                ("Code", self.code),
                ("Message", &self.message),
            ] {
                writer
                    .create_element(name)
                    .write_text_content(BytesText::from_escaped(partial_escape(text)))?;
            }
            writer.write_event(Event::End(BytesEnd::new("Error")))?;
            writer
                .create_element("RequestId")
                .write_text_content(BytesText::new(request_id))?;
            writer.write_event(Event::End(BytesEnd::new("ErrorResponse")))?;
            Ok(())
        })();
        match written {
            Ok(()) => String::from_utf8_lossy(&writer.into_inner()).into_owned(),
            Err(_) => String::new(),
        }
    }
}

/// A fresh S3 host id (`x-amz-id-2`, `<HostId>`): base64 of 56 random bytes, the shape of
/// S3's own.
fn new_host_id() -> String {
    let mut bytes = [0u8; 56];
    rand::Rng::fill(&mut rand::thread_rng(), &mut bytes[..]);
    STANDARD.encode(bytes)
}

/// A header value: printable ASCII only, at most 1024 characters.
pub(super) fn header_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .take(1024)
        .collect()
}
