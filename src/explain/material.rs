//! Real AWS material for `explain --trust-policy`: a trust policy as `aws iam get-role`
//! prints it (URL-encoded or not), the provider's URL, client ids and JWKS, made into a
//! one-role world so that the STS code itself decides.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::oidc::keys::SigningKey;
use crate::oidc::verify::{ProviderKeys, VerificationKey};
use crate::world::World;

/// The name of the role in the world built around a trust policy, unless `--role-arn`
/// names one.
const ROLE_NAME: &str = "explained";

/// A provider's keys, by its URL.
pub struct JwksKeys {
    url: String,
    keys: Vec<VerificationKey>,
}

impl ProviderKeys for JwksKeys {
    fn keys_for(&self, url: &str) -> Result<&[VerificationKey], String> {
        if url == self.url {
            Ok(&self.keys)
        } else {
            Err(format!("{url} is not the provider given (--provider-url)"))
        }
    }
}

impl JwksKeys {
    /// The keys of a JWKS document (`{"keys": [...]}`).
    pub fn from_jwks(url: &str, jwks: &Value) -> Result<Self, String> {
        let set: jsonwebtoken::jwk::JwkSet = serde_json::from_value(jwks.clone())
            .map_err(|err| format!("the JWKS is not a JWK set: {err}"))?;
        let keys = set
            .keys
            .iter()
            .map(VerificationKey::from_jwk)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            url: url.to_owned(),
            keys,
        })
    }
}

/// A world holding one role with `policy` as its trust policy, and one IAM OIDC provider
/// for `provider_url` with `client_ids`, in the account of the policy's `Federated`
/// provider ARN (or of `role_arn`). Returns the world and the role's ARN.
pub fn world_for(
    policy: &Value,
    provider_url: &str,
    client_ids: &[String],
    role_arn: Option<&str>,
) -> Result<(World, String), String> {
    let url = if provider_url.contains("://") {
        provider_url.to_owned()
    } else {
        format!("https://{provider_url}")
    };
    let federated_account = policy
        .get("Statement")
        .map(|s| match s {
            Value::Array(list) => list.clone(),
            other => vec![other.clone()],
        })
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.pointer("/Principal/Federated"))
        .flat_map(|f| match f {
            Value::Array(list) => list.clone(),
            other => vec![other.clone()],
        })
        .find_map(|arn| {
            arn.as_str()
                .and_then(|a| a.strip_prefix("arn:aws:iam::"))
                .and_then(|rest| rest.split_once(':'))
                .map(|(account, _)| account.to_owned())
        });
    let (account, name) = match role_arn {
        Some(arn) => {
            let rest = arn
                .strip_prefix("arn:aws:iam::")
                .and_then(|r| r.split_once(":role/"))
                .ok_or_else(|| format!("--role-arn {arn} is not an IAM role ARN"))?;
            (
                rest.0.to_owned(),
                rest.1.rsplit('/').next().unwrap_or(ROLE_NAME).to_owned(),
            )
        }
        None => (
            federated_account.unwrap_or_else(|| "111122223333".to_owned()),
            ROLE_NAME.to_owned(),
        ),
    };
    let mut world: Value =
        serde_json::from_str(crate::world::DEFAULT_WORLD_JSON).map_err(|err| err.to_string())?;
    world["account"]["id"] = json!(account);
    world["roles"] = json!([{"name": name, "assumeRolePolicyDocument": policy}]);
    world["oidcProviders"] = json!([{"url": url, "clientIds": client_ids}]);
    world["clusters"][0]["serviceAccounts"] = json!([]);
    let world = crate::world::parse("the trust policy", &world.to_string(), Path::new("."))
        .map_err(|err| err.to_string())?;
    let arn = format!("arn:aws:iam::{account}:role/{name}");
    Ok((world, arn))
}

/// For `--skip-signature`: the token's header and claims signed again with a fresh key,
/// and that key published for `provider_url`, so that every other check runs on the
/// token's own claims. A token that is not three parts is returned as it is.
pub fn resign(token: &str, provider_url: &str) -> Result<(String, JwksKeys), String> {
    let pem = rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(
        &rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).map_err(|e| e.to_string())?,
        rsa::pkcs8::LineEnding::LF,
    )
    .map_err(|e| e.to_string())?;
    let key = SigningKey::from_pem(&pem, Path::new("explain")).map_err(|e| e.to_string())?;
    let keys = JwksKeys {
        url: if provider_url.contains("://") {
            provider_url.to_owned()
        } else {
            format!("https://{provider_url}")
        },
        keys: vec![key.verification_key().clone()],
    };
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [_, payload, _] = parts.as_slice() else {
        return Ok((token.to_owned(), keys));
    };
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "kid": key.kid()}).to_string());
    let signing_input = format!("{header}.{payload}");
    let signature = key
        .sign_rs256(signing_input.as_bytes())
        .map_err(|e| e.to_string())?;
    Ok((
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)),
        keys,
    ))
}
