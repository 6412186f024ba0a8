//! Request bodies read whole under a limit, with the three ways a read fails told apart
//! so that each protocol can answer them in its own words. The server wraps every body
//! in tower-http's `TimeoutBody` (`--body-timeout`); a body that pauses longer fails with
//! its `TimeoutError`, which [`is_timeout`] finds.

use std::error::Error;

use axum::body::{Body, Bytes};
use tower_http::timeout::TimeoutError;

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("the body is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the body stopped arriving for longer than the body timeout")]
    TimedOut,
    #[error("cannot read the body: {0}")]
    Broken(String),
}

/// Reads `body` whole; more than `limit` bytes is [`BodyError::TooLarge`].
pub async fn read(body: Body, limit: usize) -> Result<Bytes, BodyError> {
    axum::body::to_bytes(body, limit).await.map_err(|err| {
        let over_limit = std::error::Error::source(&err)
            .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
        if over_limit {
            BodyError::TooLarge { limit }
        } else if is_timeout(&err) {
            BodyError::TimedOut
        } else {
            BodyError::Broken(err.to_string())
        }
    })
}

/// What AWS's query and JSON services say of a stalled body, in S3's words (the one
/// service that documents it); SDKs retry `RequestTimeout` and `RequestTimeoutException`.
pub const TIMEOUT_MESSAGE: &str = "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.";

/// Whether `err`, or an error it wraps, is the body timeout's.
pub fn is_timeout(err: &(dyn Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(err) = cause {
        if err.is::<TimeoutError>() {
            return true;
        }
        cause = err.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_up_to_the_limit_and_refuses_more() {
        let cases = [
            ("empty", 0, 4, Ok(0)),
            ("at_limit", 4, 4, Ok(4)),
            ("over_limit", 5, 4, Err(BodyError::TooLarge { limit: 4 })),
        ];
        for (name, size, limit, want) in cases {
            let got = read(Body::from(vec![b'x'; size]), limit)
                .await
                .map(|bytes| bytes.len());
            assert_eq!(got, want, "case {name}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stalls_past_the_timeout_is_told_apart() {
        use futures_util::StreamExt;
        use hyper::body::Frame;
        // One byte, then nothing, ever: the flood's connections.
        let first = Ok::<_, std::io::Error>(Frame::data(Bytes::from_static(b"{")));
        let stalled =
            futures_util::stream::once(async { first }).chain(futures_util::stream::pending());
        let body = Body::new(tower_http::timeout::TimeoutBody::new(
            std::time::Duration::from_secs(5),
            http_body_util::StreamBody::new(stalled),
        ));
        assert_eq!(read(body, 1024).await, Err(BodyError::TimedOut));
    }
}
