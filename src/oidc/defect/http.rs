//! `POST /_irsa/tokens`: a defective token for tests that run where the CLI is not (in a
//! container). It mints only defective tokens; a valid one comes from TokenRequest, which
//! this route never changes. Some defects are still signed by the cluster's key and come
//! to verify somewhere (an `nbf` that passes, an audience another relying party takes),
//! so with `--kube-token` the route asks for it as the Kubernetes API does.
//!
//! Body: `{"serviceAccount", "namespace"?, "cluster"?, "audience"? (a string or a list),
//! "expirationSeconds"?, "defect"?, "expOffset"?, "nbfOffset"?, "iatOffset"?}`; answer
//! `{"token", "defect"}`; a refusal is `{"message"}` with 400, 401 or 404.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;

use super::{spoil, DefectError, DefectRequest, Signers};
use crate::oidc::http::IssuerSource;
use crate::oidc::mint::{self, ObjectRef, TokenSpec};
use crate::world::{names, random_uuid, SecretString};

/// Where the route answers.
pub const PATH: &str = "/_irsa/tokens";
/// The audience when the body names none: the IRSA one, as `irsa-local token` defaults.
const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";
const DEFAULT_EXPIRATION_SECONDS: u64 = 3600;
/// TokenRequest's bounds on `expirationSeconds`.
const EXPIRATION_BOUNDS: std::ops::RangeInclusive<u64> = 600..=1 << 32;

/// The route, guarded by `kube_token` when there is one; `now` reads the server's clock.
pub fn routes<S: IssuerSource>(kube_token: Option<SecretString>, now: fn(&S) -> u64) -> Router<S> {
    Router::new().route(
        PATH,
        post(
            move |State(state): State<S>, headers: HeaderMap, body: Bytes| {
                let kube_token = kube_token.clone();
                async move {
                    if !presents(&headers, kube_token.as_ref()) {
                        return refuse(
                        StatusCode::UNAUTHORIZED,
                        "this server has --kube-token: send it as Authorization: Bearer <token>"
                            .into(),
                    );
                    }
                    let now = now(&state);
                    // Generating a key for the key defects takes a while: off the executor.
                    tokio::task::spawn_blocking(move || answer(&state, &body, now))
                        .await
                        .unwrap_or_else(|err| {
                            refuse(StatusCode::INTERNAL_SERVER_ERROR, err.to_string())
                        })
                }
            },
        ),
    )
}

/// The body, as posted.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Body {
    service_account: String,
    #[serde(default = "default_namespace")]
    namespace: String,
    cluster: Option<String>,
    audience: Option<Audiences>,
    expiration_seconds: Option<u64>,
    defect: Option<String>,
    exp_offset: Option<i64>,
    nbf_offset: Option<i64>,
    iat_offset: Option<i64>,
}

/// `audience` as one string or a list.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audiences {
    One(String),
    Many(Vec<String>),
}

fn default_namespace() -> String {
    "default".to_owned()
}

/// Whether the request carries `expected` as its bearer token (constant time), or there is
/// none to carry.
fn presents(headers: &HeaderMap, expected: Option<&SecretString>) -> bool {
    let Some(expected) = expected else {
        return true;
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    aws_lc_rs::constant_time::verify_slices_are_equal(
        presented.as_bytes(),
        expected.expose().as_bytes(),
    )
    .is_ok()
}

fn answer<S: IssuerSource>(state: &S, body: &[u8], now: u64) -> Response {
    let body: Body = match serde_json::from_slice(body) {
        Ok(body) => body,
        Err(err) => return refuse(StatusCode::BAD_REQUEST, format!("the body: {err}")),
    };
    let request = DefectRequest {
        name: body.defect.as_deref(),
        expired: false,
        exp_offset: body.exp_offset,
        nbf_offset: body.nbf_offset,
        iat_offset: body.iat_offset,
        audience_given: body.audience.is_some(),
    };
    let defect = match request.resolve() {
        Ok(Some(defect)) => defect,
        Ok(None) => return refused(&DefectError::Missing),
        Err(err) => return refused(&err),
    };
    let problem = [
        names::dns1123_label(&body.namespace)
            .err()
            .map(|problem| format!("invalid namespace {:?}: {problem}", body.namespace)),
        names::dns1123_subdomain(&body.service_account)
            .err()
            .map(|problem| {
                format!(
                    "invalid service account name {:?}: {problem}",
                    body.service_account
                )
            }),
        matches!(&body.audience, Some(Audiences::Many(list)) if list.is_empty())
            .then(|| "audience names no audience; leave it out for sts.amazonaws.com".to_owned()),
        body.expiration_seconds
            .filter(|seconds| !EXPIRATION_BOUNDS.contains(seconds))
            .map(|seconds| format!("expirationSeconds {seconds} is not within 600 to 2^32")),
    ]
    .into_iter()
    .flatten()
    .next();
    if let Some(problem) = problem {
        return refuse(StatusCode::BAD_REQUEST, problem);
    }
    state.read_issuers(|world, keyring| {
        let Ok(cluster) = world.cluster_or_default(body.cluster.as_deref()) else {
            return refuse(
                StatusCode::NOT_FOUND,
                format!("no cluster named {:?} in the world", body.cluster),
            );
        };
        let Some(signers) = Signers::of(world, keyring, cluster) else {
            return refuse(StatusCode::INTERNAL_SERVER_ERROR, "no signing keys".into());
        };
        let spec = TokenSpec {
            service_account: ObjectRef {
                name: body.service_account.clone(),
                uid: cluster.service_account_uid(&body.namespace, &body.service_account),
            },
            namespace: body.namespace.clone(),
            audiences: match &body.audience {
                None => vec![DEFAULT_AUDIENCE.to_owned()],
                Some(Audiences::One(one)) => vec![one.clone()],
                Some(Audiences::Many(many)) => many.clone(),
            },
            expiration_seconds: body
                .expiration_seconds
                .unwrap_or(DEFAULT_EXPIRATION_SECONDS),
            bound_object: None,
        };
        let minted = mint::mint(
            signers.own,
            cluster.oidc_issuer.as_str(),
            &spec,
            now,
            &random_uuid(),
        )
        .map_err(DefectError::from)
        .and_then(|valid| spoil(&valid.token, defect, signers));
        match minted {
            Ok(token) => {
                Json(serde_json::json!({ "token": token, "defect": defect.name() })).into_response()
            }
            Err(err) => refused(&err),
        }
    })
}

fn refused(err: &DefectError) -> Response {
    let status = if err.is_request_problem() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    refuse(status, err.to_string())
}

fn refuse(status: StatusCode, message: String) -> Response {
    (status, Json(serde_json::json!({ "message": message }))).into_response()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn the_kube_token_is_asked_for_only_when_the_server_has_one() {
        let token = SecretString::new("s3cret".into());
        let cases = [
            ("no_token_configured", None, None, true),
            (
                "no_token_configured_any_header",
                None,
                Some("Bearer x"),
                true,
            ),
            ("the_token", Some(&token), Some("Bearer s3cret"), true),
            ("missing", Some(&token), None, false),
            ("wrong", Some(&token), Some("Bearer s3cre"), false),
            ("longer", Some(&token), Some("Bearer s3cretX"), false),
            ("not_bearer", Some(&token), Some("Basic s3cret"), false),
            ("bare_token", Some(&token), Some("s3cret"), false),
        ];
        for (name, expected, authorization, want) in cases {
            let mut headers = HeaderMap::new();
            if let Some(value) = authorization {
                headers.insert(header::AUTHORIZATION, HeaderValue::from_static(value));
            }
            assert_eq!(presents(&headers, expected), want, "case {name}");
        }
    }
}
