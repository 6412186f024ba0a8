//! Which step each token refusal stops at, and what the steps around it say.

use super::*;

#[test]
fn each_token_refusal_fails_its_own_step_in_stss_order() {
    let cases: Vec<(TokenError, &str)> = vec![
        (TokenError::Length(3), "format"),
        (TokenError::Malformed("x"), "format"),
        (TokenError::MissingClaim("iss"), "issuer"),
        (TokenError::UnknownIssuer { issuer: "x".into() }, "issuer"),
        (TokenError::MissingAudience, "audience"),
        (
            TokenError::IncorrectAudience { audiences: vec![] },
            "audience",
        ),
        (
            TokenError::AlgorithmNotAllowed("none".into()),
            "algorithm and key",
        ),
        (
            TokenError::UnknownKey { kid: "k".into() },
            "algorithm and key",
        ),
        (TokenError::BadSignature { checked: 1 }, "signature"),
        (
            TokenError::Expired {
                now: 2,
                expires_at: 1,
            },
            "lifetime",
        ),
        (
            TokenError::NotYetValid {
                now: 1,
                not_before: 2,
            },
            "lifetime",
        ),
        (TokenError::MissingClaim("exp"), "lifetime"),
        (TokenError::MissingClaim("sub"), "subject"),
    ];
    for (error, step) in cases {
        let prepared = Err(StsError::Token(error.clone()));
        let steps = token_steps("a.b.c", Some(&error), &prepared, true);
        let at = steps.iter().position(|s| s.name == step).unwrap();
        assert_eq!(steps[at].status, Status::Failed, "{error}");
        assert!(steps[at].detail.contains(&error.to_string()), "{error}");
        assert!(
            steps[..at].iter().all(|s| s.status == Status::Passed),
            "{error}"
        );
        assert!(
            steps[at + 1..]
                .iter()
                .all(|s| s.status == Status::NotReached),
            "{error}"
        );
    }
    // Refused before the token (the role ARN's shape): no token step was made.
    let steps = token_steps("a.b.c", None, &Err(StsError::InvalidRoleArn), true);
    assert!(steps.iter().all(|s| s.status == Status::NotReached));
}
