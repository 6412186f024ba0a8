//! Why a request's SigV4 signature was refused. Each variant names one cause; the AWS code,
//! status and message for it are chosen by each service's edge (`access::error` for the
//! query protocol and rest-json, `s3::http` for S3), not here.

/// Why a signature, its parts or a streaming body could not be verified.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SigV4Error {
    /// The Authorization header or the presigned query parameters are incomplete or do not
    /// parse (AWS: `IncompleteSignature`, `AuthorizationHeaderMalformed`,
    /// `AuthorizationQueryParametersError`).
    #[error("malformed SigV4 authorization: {0}")]
    MalformedAuthorization(String),
    /// An algorithm other than `AWS4-HMAC-SHA256` (SigV2, SigV4a, another scheme).
    #[error("unsupported signing algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// Neither `X-Amz-Date` nor `Date` is present.
    #[error("the request carries neither X-Amz-Date nor Date")]
    MissingDate,
    /// A date that is not `YYYYMMDD'T'HHMMSS'Z'` (or an IMF-fixdate `Date` header).
    #[error("invalid request date {0:?}")]
    BadDate(String),
    /// The credential scope's date is not the date of the request timestamp.
    #[error("credential scope date {scope_date} is not the date of {timestamp}")]
    ScopeDateMismatch {
        scope_date: String,
        timestamp: String,
    },
    /// `host` is not among the signed headers, or a signed header is absent from the request.
    #[error("signed header {0:?} is not signed or not present")]
    MissingSignedHeader(String),
    /// Header form: the request time is more than 15 minutes from the server's. Presigned
    /// form: the request was signed more than 15 minutes in the server's future.
    #[error("request time {request_time} is too far from server time {server_time}")]
    RequestTimeTooSkewed { request_time: u64, server_time: u64 },
    /// A presigned request used after `X-Amz-Date` + `X-Amz-Expires`.
    #[error("presigned request expired at {expired_at}, server time {server_time}")]
    PresignExpired {
        /// `X-Amz-Expires`.
        expires_seconds: u64,
        expired_at: u64,
        server_time: u64,
    },
    /// `X-Amz-Expires` is not an integer from 1 to 604800 (seven days).
    #[error("X-Amz-Expires {0:?} is not from 1 to 604800 seconds")]
    InvalidExpires(String),
    /// An S3 request signed in the header form without `x-amz-content-sha256`.
    #[error("the request has no x-amz-content-sha256 header")]
    MissingContentSha256,
    /// `x-amz-content-sha256` is neither a SHA-256 in hex nor a payload literal S3 knows.
    #[error("invalid x-amz-content-sha256 {0:?}")]
    BadContentSha256(String),
    /// The body's SHA-256 is not the one `x-amz-content-sha256` declared and the signature
    /// covered (S3 `XAmzContentSHA256Mismatch`).
    #[error("x-amz-content-sha256 {claimed} does not match the body's SHA-256 {computed}")]
    ContentSha256Mismatch { claimed: String, computed: String },
    /// The signature is not the one the server computed; the access key, the signature
    /// sent (lowercase hex) and the server's canonical request and string to sign go into
    /// S3's error body, for the client to compare with its own.
    #[error("the request signature does not match")]
    SignatureDoesNotMatch {
        access_key_id: String,
        signature_provided: String,
        string_to_sign: String,
        canonical_request: String,
    },
    /// A chunk's signature in an aws-chunked body does not match (1-based; the trailer
    /// signature counts as the chunk after the final one).
    #[error("the signature of chunk {chunk} does not match")]
    ChunkSignatureDoesNotMatch { chunk: usize },
    /// The aws-chunked framing does not parse.
    #[error("malformed aws-chunked body: {0}")]
    MalformedChunk(String),
    /// The decoded body is not as long as `x-amz-decoded-content-length` declared.
    #[error("decoded body is {decoded} bytes, x-amz-decoded-content-length is {declared}")]
    DecodedLengthMismatch { declared: u64, decoded: u64 },
}
