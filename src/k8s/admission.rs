//! The mutating admission webhook: an `admission.k8s.io/v1` AdmissionReview in, the same
//! review with a `response` out, as amazon-eks-pod-identity-webhook's `Handle` answers it.
//! <https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/#response>
//!
//! - A pod that gets env, a volume, a mount or (for EKS Pod Identity) its label:
//!   `allowed: true`, `patchType: JSONPatch` and the base64 JSON Patch. A pod that already
//!   has everything, or that the webhook leaves alone: `allowed: true` and no patch.
//! - A review that does not decode, has no `request`, or whose object is not a pod the
//!   webhook's Go types accept: HTTP 200 with `allowed: false` and the reason in
//!   `status.message`, as the webhook answers (the API server never sends such reviews).
//! - `apiVersion` and `kind` are echoed (v1 requires them in the answer), `uid` copied.

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::mutate::{self, Outcome, Settings};
use crate::world::Cluster;

/// Largest review accepted: kube-apiserver's own request limit (3 MiB), since a review
/// carries the whole pod.
pub const MAX_REVIEW_BYTES: usize = 3 * 1024 * 1024;

const API_VERSION: &str = "admission.k8s.io/v1";
const KIND: &str = "AdmissionReview";

/// The answer to one review.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewAnswer {
    pub api_version: String,
    pub kind: String,
    pub response: AdmissionResponse,
}

/// `response` of an AdmissionReview.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionResponse {
    pub uid: String,
    pub allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_type: Option<&'static str>,
    /// Base64 of the JSON Patch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ResultStatus>,
}

/// `response.status`: why a review was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultStatus {
    pub metadata: serde_json::Map<String, Value>,
    pub message: String,
}

/// What the handler needs to know about the outcome, for its log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Patched,
    Unchanged,
    Refused,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Review {
    api_version: Option<String>,
    kind: Option<String>,
    request: Option<AdmissionRequest>,
}

#[derive(Debug, Deserialize)]
struct AdmissionRequest {
    #[serde(default)]
    uid: String,
    #[serde(default)]
    namespace: String,
    #[serde(default)]
    object: Value,
}

/// Answers the review in `body` for a pod of `cluster`.
pub fn review(body: &[u8], cluster: &Cluster, settings: &Settings) -> (ReviewAnswer, Verdict) {
    let (api_version, kind, request) = match serde_json::from_slice::<Review>(body) {
        Ok(review) => (
            review.api_version,
            review.kind,
            review
                .request
                .ok_or_else(|| "bad content: the review has no request".to_owned()),
        ),
        Err(err) => (
            None,
            None,
            Err(format!("cannot decode the AdmissionReview: {err}")),
        ),
    };
    let answer = |response: AdmissionResponse| ReviewAnswer {
        api_version: api_version
            .clone()
            .unwrap_or_else(|| API_VERSION.to_owned()),
        kind: kind.clone().unwrap_or_else(|| KIND.to_owned()),
        response,
    };
    let request = match request {
        Ok(request) => request,
        Err(message) => return (answer(refusal(String::new(), message)), Verdict::Refused),
    };
    let uid = request.uid.clone();
    if request.object.is_null() {
        let message = "the request carries no object".to_owned();
        return (answer(refusal(uid, message)), Verdict::Refused);
    }
    let namespace = [
        request
            .object
            .pointer("/metadata/namespace")
            .and_then(Value::as_str),
        Some(request.namespace.as_str()),
    ]
    .into_iter()
    .flatten()
    .find(|namespace| !namespace.is_empty())
    .unwrap_or("default");
    match mutate::mutate_in_cluster(cluster, namespace, &request.object, settings) {
        Ok(Outcome::Mutated(mutation)) if mutation.changed => {
            match serde_json::to_vec(&mutation.patch) {
                Ok(patch) => {
                    let response = AdmissionResponse {
                        patch_type: Some("JSONPatch"),
                        patch: Some(base64::engine::general_purpose::STANDARD.encode(patch)),
                        ..allowed(uid)
                    };
                    (answer(response), Verdict::Patched)
                }
                Err(err) => (answer(refusal(uid, err.to_string())), Verdict::Refused),
            }
        }
        Ok(_) => (answer(allowed(uid)), Verdict::Unchanged),
        Err(err) => (answer(refusal(uid, err.to_string())), Verdict::Refused),
    }
}

fn allowed(uid: String) -> AdmissionResponse {
    AdmissionResponse {
        uid,
        allowed: true,
        patch_type: None,
        patch: None,
        status: None,
    }
}

fn refusal(uid: String, message: String) -> AdmissionResponse {
    AdmissionResponse {
        uid,
        allowed: false,
        patch_type: None,
        patch: None,
        status: Some(ResultStatus {
            metadata: serde_json::Map::new(),
            message,
        }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn answer(body: &Value) -> (ReviewAnswer, Verdict) {
        let world = crate::world::load_default().unwrap();
        review(
            body.to_string().as_bytes(),
            world.default_cluster(),
            &Settings::eks("us-west-2"),
        )
    }

    #[test]
    fn type_meta_is_echoed_and_uid_copied() {
        let pod =
            json!({"spec": {"serviceAccountName": "iam-test", "containers": [{"name": "a"}]}});
        let cases = [
            ("v1", json!("admission.k8s.io/v1"), "admission.k8s.io/v1"),
            (
                "v1beta1",
                json!("admission.k8s.io/v1beta1"),
                "admission.k8s.io/v1beta1",
            ),
            ("missing_defaults_to_v1", Value::Null, "admission.k8s.io/v1"),
        ];
        for (name, api_version, want) in cases {
            let body = json!({"apiVersion": api_version, "kind": "AdmissionReview",
                "request": {"uid": "u-1", "namespace": "default", "object": pod}});
            let (answer, verdict) = answer(&body);
            assert_eq!(answer.api_version, want, "case {name}");
            assert_eq!(answer.kind, "AdmissionReview", "case {name}");
            assert_eq!(answer.response.uid, "u-1", "case {name}");
            assert_eq!(verdict, Verdict::Patched, "case {name}");
        }
    }

    #[test]
    fn refusals_carry_a_message_and_no_patch() {
        let cases = [
            ("no_request", json!({}), ""),
            ("request_not_an_object", json!({"request": 5}), ""),
            ("object_null", json!({"request": {"uid": "u-2"}}), "u-2"),
            (
                "pod_not_an_object",
                json!({"request": {"uid": "u-3", "object": [1]}}),
                "u-3",
            ),
        ];
        for (name, body, uid) in cases {
            let (answer, verdict) = answer(&body);
            assert_eq!(verdict, Verdict::Refused, "case {name}");
            assert!(!answer.response.allowed, "case {name}");
            assert_eq!(answer.response.uid, uid, "case {name}");
            assert!(answer.response.patch.is_none(), "case {name}");
            assert!(answer.response.status.is_some(), "case {name}");
        }
    }

    /// Reviews with random bytes changed never make the handler panic.
    #[test]
    fn never_panics_on_damaged_reviews() {
        use rand::{Rng, SeedableRng};
        let valid = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "u", "namespace": "default", "object": {"metadata": {"annotations":
                {"eks.amazonaws.com/skip-containers": "a,\"b\"", "eks.amazonaws.com/token-expiration": "0"}},
                "spec": {"serviceAccountName": "iam-test", "initContainers": [{"name": "a"}],
                    "containers": [{"name": "b", "env": [{"name": "AWS_REGION", "value": "x"}]}],
                    "volumes": [{"name": "aws-iam-token", "projected": {"sources": [{"serviceAccountToken":
                        {"audience": "sts.amazonaws.com", "path": "token"}}]}}]}}}})
        .to_string()
        .into_bytes();
        let world = crate::world::load_default().unwrap();
        let settings = Settings::eks("us-west-2");
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        for _ in 0..3000 {
            let mut body = valid.clone();
            for _ in 0..rng.gen_range(1..4) {
                let at = rng.gen_range(0..body.len());
                const BYTES: &[u8] = b" {}[]\":,0a-";
                body[at] = BYTES[rng.gen_range(0..BYTES.len())];
            }
            let (answer, verdict) = review(&body, world.default_cluster(), &settings);
            assert_eq!(answer.response.allowed, verdict != Verdict::Refused);
            assert!(serde_json::to_vec(&answer).is_ok());
        }
    }
}
