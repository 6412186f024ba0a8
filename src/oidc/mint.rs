//! Service-account tokens as kube-apiserver mints them: the claims of
//! `pkg/serviceaccount/claims.go` in the order a decoded token shows them, header
//! `{"alg":"RS256","kid":…}` with no `typ`, signed by the issuer's newest key.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;

use super::keys::{KeyError, KeySet, SigningKey};

/// What to mint: the subject, audiences, lifetime and an optional bound object.
#[derive(Debug, Clone)]
pub struct TokenSpec {
    pub namespace: String,
    pub service_account: ObjectRef,
    pub audiences: Vec<String>,
    pub expiration_seconds: u64,
    pub bound_object: Option<BoundObject>,
}

/// A Kubernetes object by name and uid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectRef {
    pub name: String,
    pub uid: String,
}

/// The object a token is bound to (TokenRequest `spec.boundObjectRef`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoundObject {
    Pod(ObjectRef),
    Secret(ObjectRef),
    Node(ObjectRef),
}

/// A signed token and when it expires (Unix seconds).
#[derive(Debug, Clone)]
pub struct MintedToken {
    pub token: String,
    pub expires_at: u64,
}

/// The JWT payload, fields in the order kube-apiserver's tokens show them.
#[derive(Debug, Serialize)]
struct Claims<'a> {
    aud: &'a [String],
    exp: u64,
    iat: u64,
    iss: &'a str,
    jti: &'a str,
    #[serde(rename = "kubernetes.io")]
    kubernetes: KubernetesClaims<'a>,
    nbf: u64,
    sub: String,
}

#[derive(Debug, Serialize)]
struct KubernetesClaims<'a> {
    namespace: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<&'a ObjectRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pod: Option<&'a ObjectRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<&'a ObjectRef>,
    serviceaccount: &'a ObjectRef,
}

#[derive(Debug, Serialize)]
struct Header<'a> {
    alg: &'static str,
    kid: &'a str,
}

/// Signs a token for `spec` issued by `issuer` at `now` with id `jti`.
pub fn mint(
    keys: &KeySet,
    issuer: &str,
    spec: &TokenSpec,
    now: u64,
    jti: &str,
) -> Result<MintedToken, KeyError> {
    let key = keys.signing();
    let expires_at = now.saturating_add(spec.expiration_seconds);
    let bound =
        |want: fn(&BoundObject) -> Option<&ObjectRef>| spec.bound_object.as_ref().and_then(want);
    let claims = Claims {
        aud: &spec.audiences,
        exp: expires_at,
        iat: now,
        iss: issuer,
        jti,
        kubernetes: KubernetesClaims {
            namespace: &spec.namespace,
            node: bound(|b| match b {
                BoundObject::Node(r) => Some(r),
                _ => None,
            }),
            pod: bound(|b| match b {
                BoundObject::Pod(r) => Some(r),
                _ => None,
            }),
            secret: bound(|b| match b {
                BoundObject::Secret(r) => Some(r),
                _ => None,
            }),
            serviceaccount: &spec.service_account,
        },
        nbf: now,
        sub: format!(
            "system:serviceaccount:{}:{}",
            spec.namespace, spec.service_account.name
        ),
    };
    let token = sign_rs256(key, &claims)?;
    Ok(MintedToken { token, expires_at })
}

/// `claims` as a compact JWS signed RS256 by `key`, the header naming the key's `kid`.
pub(super) fn sign_rs256(key: &SigningKey, claims: &impl Serialize) -> Result<String, KeyError> {
    let header = Header {
        alg: "RS256",
        kid: key.kid(),
    };
    let mut token = encode_json(&header);
    token.push('.');
    token.push_str(&encode_json(claims));
    let signature = key.sign_rs256(token.as_bytes())?;
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature));
    Ok(token)
}

/// One JWS part: `value` as base64url JSON.
pub(super) fn encode_json(value: &impl Serialize) -> String {
    // Serializing these plain structs cannot fail: no maps with non-string keys, no floats.
    let json = serde_json::to_vec(value).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const ISSUER: &str =
        "https://oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4";

    fn keys() -> KeySet {
        let pem = include_str!("../../fixtures/test-signing-key.pem");
        KeySet::from_keys(vec![
            SigningKey::from_pem(pem, Path::new("fixture")).unwrap()
        ])
    }

    fn spec(bound_object: Option<BoundObject>) -> TokenSpec {
        TokenSpec {
            namespace: "default".into(),
            service_account: ObjectRef {
                name: "iam-test".into(),
                uid: "sa-uid".into(),
            },
            audiences: vec!["sts.amazonaws.com".into()],
            expiration_seconds: 86_400,
            bound_object,
        }
    }

    fn decode_part(part: &str) -> String {
        String::from_utf8(URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    }

    #[test]
    fn token_matches_the_kubernetes_layout() {
        let pod = BoundObject::Pod(ObjectRef {
            name: "web".into(),
            uid: "pod-uid".into(),
        });
        let minted = mint(&keys(), ISSUER, &spec(Some(pod)), 1_700_000_000, "jti-1").unwrap();
        let parts: Vec<&str> = minted.token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let kid = include_str!("../../fixtures/test-signing-key.kid").trim();
        assert_eq!(
            decode_part(parts[0]),
            format!(r#"{{"alg":"RS256","kid":"{kid}"}}"#)
        );
        assert_eq!(
            decode_part(parts[1]),
            concat!(
                r#"{"aud":["sts.amazonaws.com"],"exp":1700086400,"iat":1700000000,"#,
                r#""iss":"https://oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4","#,
                r#""jti":"jti-1","kubernetes.io":{"namespace":"default","#,
                r#""pod":{"name":"web","uid":"pod-uid"},"#,
                r#""serviceaccount":{"name":"iam-test","uid":"sa-uid"}},"#,
                r#""nbf":1700000000,"sub":"system:serviceaccount:default:iam-test"}"#
            )
        );
        assert_eq!(minted.expires_at, 1_700_086_400);
    }

    #[test]
    fn bound_objects_fill_their_own_claim() {
        let reference = ObjectRef {
            name: "x".into(),
            uid: "u".into(),
        };
        let cases = [
            ("unbound", None, vec![]),
            (
                "pod",
                Some(BoundObject::Pod(reference.clone())),
                vec!["pod"],
            ),
            (
                "secret",
                Some(BoundObject::Secret(reference.clone())),
                vec!["secret"],
            ),
            (
                "node",
                Some(BoundObject::Node(reference.clone())),
                vec!["node"],
            ),
        ];
        for (name, bound, want) in cases {
            let minted = mint(&keys(), ISSUER, &spec(bound), 0, "j").unwrap();
            let payload = decode_part(minted.token.split('.').nth(1).unwrap());
            let claims: serde_json::Value = serde_json::from_str(&payload).unwrap();
            let present: Vec<&str> = ["node", "pod", "secret"]
                .into_iter()
                .filter(|k| claims["kubernetes.io"].get(*k).is_some())
                .collect();
            assert_eq!(present, want, "case {name}");
        }
    }

    #[test]
    fn expiry_saturates_instead_of_overflowing() {
        let mut long = spec(None);
        long.expiration_seconds = u64::MAX;
        let minted = mint(&keys(), ISSUER, &long, 10, "j").unwrap();
        assert_eq!(minted.expires_at, u64::MAX);
    }
}
