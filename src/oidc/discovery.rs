//! The OpenID Connect discovery document in the shape EKS serves it (REFERENCE 7.1):
//! `authorization_endpoint` is a URN, not a URL, exactly as on a real cluster.

use serde::Serialize;

/// `/.well-known/openid-configuration`.
#[derive(Debug, Serialize)]
pub struct Discovery<'a> {
    pub issuer: &'a str,
    pub jwks_uri: String,
    pub authorization_endpoint: &'static str,
    pub response_types_supported: [&'static str; 1],
    pub subject_types_supported: [&'static str; 1],
    pub claims_supported: [&'static str; 2],
    pub id_token_signing_alg_values_supported: [&'static str; 1],
}

impl<'a> Discovery<'a> {
    /// The document for `issuer`, whose keys are served at `jwks_uri`.
    pub fn new(issuer: &'a str, jwks_uri: String) -> Self {
        Self {
            issuer,
            jwks_uri,
            authorization_endpoint: "urn:kubernetes:programmatic_authorization",
            response_types_supported: ["id_token"],
            subject_types_supported: ["public"],
            claims_supported: ["sub", "iss"],
            id_token_signing_alg_values_supported: ["RS256"],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_has_the_eks_fields_in_order() {
        let doc = Discovery::new(
            "https://oidc.example/id/X",
            "http://localhost:4772/id/X/keys".into(),
        );
        assert_eq!(
            serde_json::to_string(&doc).unwrap(),
            concat!(
                r#"{"issuer":"https://oidc.example/id/X","jwks_uri":"http://localhost:4772/id/X/keys","#,
                r#""authorization_endpoint":"urn:kubernetes:programmatic_authorization","#,
                r#""response_types_supported":["id_token"],"subject_types_supported":["public"],"#,
                r#""claims_supported":["sub","iss"],"id_token_signing_alg_values_supported":["RS256"]}"#
            )
        );
    }
}
