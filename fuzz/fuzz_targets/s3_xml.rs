//! S3 request parsing: `s3::parse_operation` (addressing, query, headers and the
//! `CreateBucketConfiguration` XML body, the only XML S3 reads here), and on success the
//! authorization inputs the server derives from the operation.
//!
//! Input: an HTTP/1.1 request (see `Message`), with `localhost` as the virtual-host
//! suffix. An input that is not one (it does not start with an uppercase method and a
//! space) is taken whole as the body of `PUT /eksworkshop-bucket`, so raw XML seeds fuzz
//! the CreateBucket body directly.
#![no_main]

use irsa_local::s3::parse_operation;
use irsa_local_fuzz::Message;
use libfuzzer_sys::fuzz_target;

const VIRTUAL_HOST_SUFFIX: &str = "localhost";

fuzz_target!(|data: &[u8]| {
    let message = Message::parse(data).filter(|message| {
        !message.method.is_empty() && message.method.bytes().all(|b| b.is_ascii_uppercase())
    });
    let result = match message {
        Some(message) => {
            let headers: Vec<(String, String)> = message
                .headers
                .iter()
                .filter_map(|(name, value)| {
                    Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
                })
                .collect();
            parse_operation(
                message.method,
                message.path,
                message.query,
                message.header("host"),
                &headers,
                message.body,
                Some(VIRTUAL_HOST_SUFFIX),
            )
        }
        None => parse_operation(
            "PUT",
            "/eksworkshop-bucket",
            None,
            Some("localhost:4772"),
            &[],
            data,
            Some(VIRTUAL_HOST_SUFFIX),
        ),
    };
    if let Ok(operation) = result {
        let _ = operation.iam_action();
        let _ = operation.resource_arn();
        let _ = operation.condition_keys();
    }
});
