//! The EKS Pod Identity Agent's credentials endpoint, on the server's own port:
//! `GET /v1/credentials` with the pod identity token (the content of
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`) as the whole `Authorization` header, as every
//! SDK's container credential provider sends it. The agent checks that the token parses
//! and that its `exp`/`nbf` hold (no leeway), then asks EKS Auth for the cluster whose
//! issuer the token names, and answers the container-credentials JSON.
//! <https://github.com/aws/eks-pod-identity-agent> (`internal/validation/request.go`,
//! `pkg/handlers/eks_credential_handler.go`)
//!
//! Refusals are `text/plain`, as the agent's: 400 for a token it cannot use, and EKS
//! Auth's own status with `[<request id>]: (<Code>): <message>, fault: client`.
//! Unlike the agent, any Host is served: the endpoint is reached on loopback from the
//! host and on 169.254.170.23 from pods.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use serde_json::Value;

use super::{assume_role_for_pod_identity, cluster_of_claims, unverified_claims, Services};
use crate::clock::rfc3339;
use crate::pod_identity::AGENT_PATH;
use crate::protocol::error::Refusal;
use crate::protocol::RequestId;
use crate::state::AppState;

/// The algorithms golang-jwt knows (`none` included: it parses, EKS Auth refuses it).
const KNOWN_ALGORITHMS: [&str; 13] = [
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256",
    "PS384", "PS512", "EdDSA",
];

/// The container-credentials document SDKs read.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct ContainerCredentials {
    access_key_id: String,
    secret_access_key: String,
    token: String,
    account_id: String,
    expiration: String,
}

/// The agent's route.
pub fn routes() -> Router<AppState> {
    Router::new().route(AGENT_PATH, get(credentials))
}

async fn credentials(
    State(state): State<AppState>,
    Extension(request_id): Extension<RequestId>,
    headers: HeaderMap,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .unwrap_or_default();
    let now = state.now();
    let claims = match basic_validation(&token, now) {
        Ok(claims) => claims,
        Err(problem) => return refuse(StatusCode::BAD_REQUEST, "InvalidRequest", problem),
    };
    let snapshot = state.current();
    let world = snapshot.world();
    let cluster = cluster_of_claims(world, &claims).unwrap_or_else(|| world.default_cluster());
    let cluster_name = cluster.name.as_str();
    let services = Services {
        world,
        keys: snapshot
            .keyring()
            .cluster(cluster_name)
            .map(|set| set.verification_keys())
            .unwrap_or_default(),
        secret: state.credential_secret(),
        now,
    };
    match assume_role_for_pod_identity(cluster_name, &token, &services) {
        Ok(output) => {
            let account_id = output
                .assumed_role_user
                .arn
                .split(':')
                .nth(4)
                .unwrap_or_default()
                .to_owned();
            let body = ContainerCredentials {
                access_key_id: output.credentials.access_key_id,
                secret_access_key: output.credentials.secret_access_key,
                token: output.credentials.session_token,
                account_id,
                expiration: rfc3339(output.credentials.expiration),
            };
            (
                [(header::CONTENT_TYPE, "application/json")],
                serde_json::to_string(&body).unwrap_or_default(),
            )
                .into_response()
        }
        Err(err) => {
            let (code, status) = err.code();
            let fault = if status.is_server_error() {
                "server"
            } else {
                "client"
            };
            let message = format!("[{}]: ({code}): {err}, fault: {fault}", request_id.0);
            refuse(status, code, message)
        }
    }
}

/// What the agent checks before it calls EKS Auth: a token is there, is a JWT, and its
/// `exp` and `nbf` hold now (golang-jwt's validator, without leeway). Returns the claims,
/// decoded but not verified.
fn basic_validation(token: &str, now: u64) -> Result<serde_json::Map<String, Value>, String> {
    if token.is_empty() {
        return Err("Service account token cannot be empty".to_owned());
    }
    let parse_error = |why: &str| format!("Service account token cannot be parsed: {why}");
    let parts: Vec<&str> = token.split('.').collect();
    let [header, _, _] = parts.as_slice() else {
        return Err(parse_error(
            "token is malformed: token contains an invalid number of segments",
        ));
    };
    // golang-jwt's ParseUnverified: the header decodes and names an algorithm it knows
    // (so `Bearer <token>` fails here, its header being `Bearer eyJ…`), then the claims.
    let header = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| parse_error("token is malformed: could not base64 decode header"))?;
    let header: serde_json::Map<String, Value> = serde_json::from_slice(&header)
        .map_err(|_| parse_error("token is malformed: could not JSON decode header"))?;
    match header.get("alg").and_then(Value::as_str) {
        None => {
            return Err(parse_error(
                "token is unverifiable: signing method (alg) is unspecified",
            ))
        }
        Some(alg) if !KNOWN_ALGORITHMS.contains(&alg) => {
            return Err(parse_error(
                "token is unverifiable: signing method (alg) is unavailable",
            ))
        }
        Some(_) => {}
    }
    let claims = unverified_claims(token)
        .ok_or_else(|| parse_error("token is malformed: could not JSON decode claim"))?;
    let invalid = |why: &str| {
        format!(
            "Service account token failed basic claim validations: token has invalid claims: {why}"
        )
    };
    let date = |name: &str| claims.get(name).and_then(Value::as_f64);
    if date("exp").is_some_and(|exp| now as f64 >= exp) {
        return Err(invalid("token is expired"));
    }
    if date("nbf").is_some_and(|nbf| (now as f64) < nbf) {
        return Err(invalid("token is not valid yet"));
    }
    Ok(claims)
}

fn refuse(status: StatusCode, code: &'static str, message: String) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.clone(),
    )
        .into_response();
    response.extensions_mut().insert(Refusal {
        code,
        reason: message,
    });
    response
}

#[cfg(test)]
mod tests {
    use super::basic_validation;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    fn token(claims: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn the_agent_refuses_what_it_can_tell_without_keys() {
        let now = 1_700_000_000;
        let valid = token(r#"{"exp":1700000001,"nbf":1700000000}"#);
        let cases: [(&str, String, Option<&str>); 11] = [
            ("empty", String::new(), Some("cannot be empty")),
            ("one_part", "abc".into(), Some("invalid number of segments")),
            (
                "not_base64",
                "a!.b.c".into(),
                Some("could not base64 decode header"),
            ),
            (
                "not_json",
                "YQ.b.c".into(),
                Some("could not JSON decode header"),
            ),
            (
                "bearer",
                format!("Bearer {valid}"),
                Some("could not base64 decode header"),
            ),
            (
                "no_alg",
                format!("{}.e30.c2ln", URL_SAFE_NO_PAD.encode("{}")),
                Some("(alg) is unspecified"),
            ),
            (
                "claims_not_json",
                format!("{}.b.c", URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#)),
                Some("could not JSON decode claim"),
            ),
            (
                "expired",
                token(r#"{"exp":1700000000}"#),
                Some("token is expired"),
            ),
            (
                "not_yet",
                token(r#"{"exp":1800000000,"nbf":1700000001}"#),
                Some("not valid yet"),
            ),
            (
                "valid",
                token(r#"{"exp":1700000001,"nbf":1700000000}"#),
                None,
            ),
            ("no_dates", token(r#"{"sub":"x"}"#), None),
        ];
        for (name, token, want) in cases {
            let got = basic_validation(&token, now);
            match want {
                None => assert!(got.is_ok(), "{name}: {got:?}"),
                Some(fragment) => {
                    let err = got.expect_err(name);
                    assert!(err.contains(fragment), "{name}: {err}");
                }
            }
        }
    }
}
