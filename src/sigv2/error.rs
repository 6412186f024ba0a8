//! Why a request's SigV2 signature was refused. Each variant names one cause; S3's code,
//! status and message for it are chosen at S3's edge (`s3::http`), not here.

/// Why a SigV2 signature or its parts could not be verified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigV2Error {
    /// `Authorization: AWS …` is not `AWS <AccessKeyId>:<Signature>` (S3 `InvalidArgument`).
    #[error("malformed SigV2 Authorization header {0:?}")]
    MalformedHeader(String),
    /// The signature is given twice: in the header and the query, or in both SigV2 and
    /// SigV4 query parameters (S3 `InvalidArgument`).
    #[error("the request carries more than one signature")]
    MoreThanOneSignature,
    /// Query form without all of `AWSAccessKeyId`, `Signature` and `Expires`.
    #[error("query-string authentication needs AWSAccessKeyId, Signature and Expires")]
    IncompleteQuery,
    /// `Expires` is not a whole number of seconds since the epoch.
    #[error("Expires {0:?} is not seconds since the epoch")]
    BadExpires(String),
    /// Header form: neither `x-amz-date` nor `Date` holds a date this module reads.
    #[error("the request has no valid Date or x-amz-date header")]
    MissingDate,
    /// Header form: the request time is more than 15 minutes from the server's.
    #[error("request time {request_time} is too far from server time {server_time}")]
    RequestTimeTooSkewed { request_time: u64, server_time: u64 },
    /// Query form: used after `Expires`.
    #[error("presigned request expired at {expires}, server time {server_time}")]
    Expired { expires: u64, server_time: u64 },
    /// The signature is not the one the server computed; what S3's error body shows.
    #[error("the SigV2 signature of access key {access_key_id} does not match")]
    SignatureDoesNotMatch {
        access_key_id: String,
        string_to_sign: String,
        signature_provided: String,
    },
}
