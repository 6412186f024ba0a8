//! The AWS query protocol: `QueryRequest::parse` on a URL query and a form body, then the
//! STS and IAM action parsers on whatever parses.
//!
//! Input: `<query>\n<form body>`; without a newline the whole input is the body and there
//! is no query. An empty body is no body.
#![no_main]

use irsa_local::iam::IamAction;
use irsa_local::protocol::query::QueryRequest;
use irsa_local::sts::StsAction;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (query, body) = match data.iter().position(|&byte| byte == b'\n') {
        Some(at) => match std::str::from_utf8(&data[..at]) {
            Ok(query) => (Some(query), &data[at + 1..]),
            Err(_) => return,
        },
        None => (None, data),
    };
    let body = (!body.is_empty()).then_some(body);
    let Ok(request) = QueryRequest::parse(query, body) else {
        return;
    };
    let _ = StsAction::from_query(&request);
    let _ = IamAction::from_query(&request);
});
