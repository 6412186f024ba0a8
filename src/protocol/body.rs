//! Request bodies read whole under a limit, with the two ways a read fails told apart so
//! that each protocol can answer them in its own words.

use axum::body::{Body, Bytes};

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("the body is larger than {limit} bytes")]
    TooLarge { limit: usize },
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
        } else {
            BodyError::Broken(err.to_string())
        }
    })
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
}
