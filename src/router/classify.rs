//! What a request is, decided from its request line and headers alone, before where it
//! points: an AWS call (SigV4- or SigV2-signed, or shaped as a query-protocol call) goes
//! to its service whatever its path, so every valid bucket name works path-style; only
//! what is not an AWS call reaches irsa-local's own routes.

use axum::http::{header, HeaderMap, Method};

use crate::sigv4::query_pairs;

/// Query parameters that make a request presigned: SigV4's, and SigV2's (`AWSAccessKeyId`,
/// `Signature`), which only S3 reads.
const PRESIGN_MARKERS: [&str; 5] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Signature",
    "AWSAccessKeyId",
    "Signature",
];

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A query-protocol call (`Action` in the URL, or a form POST to `/`): STS or IAM by
    /// its `Version`, signed or not.
    Query,
    /// Any other AWS-signed call: the service its credential scope names (`s3`, `eks`).
    /// A scope that names no service of ours, a signature too malformed to name one, and
    /// SigV2 (which has no scope) go to S3, which reads or reports them.
    Signed(ScopeService),
    /// Not an AWS call: irsa-local's own routes (OIDC, Kubernetes, webhook, health), and
    /// unsigned S3 for what no route takes.
    Own,
}

/// The service a signed request's credential scope names, as far as routing cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeService {
    S3,
    Eks,
    EksAuth,
}

/// Classifies a request. `scope_service` is the service its SigV4 credential scope names,
/// when it parsed.
pub fn classify(
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    scope_service: Option<&str>,
) -> Target {
    let pairs = query.map(query_pairs).unwrap_or_default();
    let signed = is_aws_signed(headers, &pairs);
    let signed_for_s3 = signed && scope_service == Some("s3");
    if path == "/" && is_query_call(method, headers, &pairs, signed_for_s3) {
        return Target::Query;
    }
    if !signed {
        return Target::Own;
    }
    match scope_service {
        Some("eks") => Target::Signed(ScopeService::Eks),
        Some("eks-auth") => Target::Signed(ScopeService::EksAuth),
        _ => Target::Signed(ScopeService::S3),
    }
}

/// SigV4 or SigV2 in the `Authorization` header, or presigned query parameters (SigV4
/// or SigV2). A header of another scheme (`Bearer`, as kubectl sends) is not an AWS
/// signature.
fn is_aws_signed(headers: &HeaderMap, pairs: &[(String, String)]) -> bool {
    let header_signed = headers.get_all(header::AUTHORIZATION).iter().any(|value| {
        let value = value.as_bytes();
        value.starts_with(b"AWS4-") || value.starts_with(b"AWS ")
    });
    header_signed
        || pairs
            .iter()
            .any(|(name, _)| PRESIGN_MARKERS.contains(&name.as_str()))
}

/// `Action` in the URL, or a POST whose body is a form: a declared form, or no declared
/// type at all (as `curl -d` sends) unless the request is signed for S3.
fn is_query_call(
    method: &Method,
    headers: &HeaderMap,
    pairs: &[(String, String)],
    signed_for_s3: bool,
) -> bool {
    if pairs.iter().any(|(name, _)| name == "Action") {
        return true;
    }
    if method != Method::POST {
        return false;
    }
    match headers.get(header::CONTENT_TYPE) {
        None => !signed_for_s3,
        Some(value) => value.to_str().is_ok_and(|value| {
            value
                .trim_start()
                .to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        }),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    const SIGV4: &str = "AWS4-HMAC-SHA256 Credential=test/20240101/us-west-2/s3/aws4_request, SignedHeaders=host, Signature=00";
    const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";

    /// Name, method, path, query, headers, the scope's service, and where it goes.
    type Case = (
        &'static str,
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static [(&'static str, &'static str)],
        Option<&'static str>,
        Target,
    );

    #[test]
    fn requests_are_aws_calls_before_they_are_paths() {
        use ScopeService::{Eks, EksAuth, S3};
        use Target::{Own, Query, Signed};
        let cases: [Case; 20] = [
            (
                "signed_eks_auth_is_eks_auth_though_the_path_is_eks_like",
                "POST",
                "/clusters/c/assume-role-for-pod-identity",
                None,
                &[("authorization", SIGV4)],
                Some("eks-auth"),
                Signed(EksAuth),
            ),
            (
                "signed_get_keys_is_s3",
                "GET",
                "/keys",
                None,
                &[("authorization", SIGV4)],
                Some("s3"),
                Signed(S3),
            ),
            (
                "signed_put_api_is_s3",
                "PUT",
                "/api",
                None,
                &[("authorization", SIGV4)],
                Some("s3"),
                Signed(S3),
            ),
            (
                "signed_post_mutate_is_s3",
                "POST",
                "/mutate",
                None,
                &[
                    ("authorization", SIGV4),
                    ("content-type", "application/json"),
                ],
                Some("s3"),
                Signed(S3),
            ),
            (
                "signed_discovery_key_is_s3",
                "GET",
                "/b/.well-known/openid-configuration",
                None,
                &[("authorization", SIGV4)],
                Some("s3"),
                Signed(S3),
            ),
            (
                "presigned_get_is_s3",
                "GET",
                "/keys/object",
                Some("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x"),
                &[],
                Some("s3"),
                Signed(S3),
            ),
            (
                "sigv2_presigned_get_is_s3",
                "GET",
                "/keys",
                Some("AWSAccessKeyId=test&Signature=abc%3D&Expires=1700000000"),
                &[],
                None,
                Signed(S3),
            ),
            (
                "signed_eks_is_eks",
                "GET",
                "/clusters",
                None,
                &[("authorization", SIGV4)],
                Some("eks"),
                Signed(Eks),
            ),
            (
                "unknown_scope_goes_to_s3",
                "GET",
                "/",
                None,
                &[("authorization", SIGV4)],
                Some("dynamodb"),
                Signed(S3),
            ),
            (
                "malformed_signature_goes_to_s3",
                "GET",
                "/keys",
                None,
                &[("authorization", "AWS4-HMAC-SHA256 nonsense")],
                None,
                Signed(S3),
            ),
            (
                "sigv2_goes_to_s3",
                "GET",
                "/keys",
                None,
                &[("authorization", "AWS test:abc")],
                None,
                Signed(S3),
            ),
            (
                "unsigned_form_post_is_query",
                "POST",
                "/",
                None,
                &[("content-type", FORM)],
                None,
                Query,
            ),
            (
                "form_post_signed_for_s3_is_query",
                "POST",
                "/",
                None,
                &[("authorization", SIGV4), ("content-type", FORM)],
                Some("s3"),
                Query,
            ),
            ("untyped_post_is_query", "POST", "/", None, &[], None, Query),
            (
                "untyped_post_signed_for_s3_is_s3",
                "POST",
                "/",
                None,
                &[("authorization", SIGV4)],
                Some("s3"),
                Signed(S3),
            ),
            (
                "action_in_url_is_query",
                "GET",
                "/",
                Some("Action=GetCallerIdentity&Version=2011-06-15"),
                &[],
                None,
                Query,
            ),
            (
                "unsigned_get_keys_is_own",
                "GET",
                "/keys",
                None,
                &[],
                None,
                Own,
            ),
            (
                "bearer_is_not_aws",
                "GET",
                "/api/v1/namespaces",
                None,
                &[("authorization", "Bearer abc")],
                None,
                Own,
            ),
            (
                "unsigned_form_post_elsewhere_is_own",
                "POST",
                "/mutate",
                None,
                &[("content-type", FORM)],
                None,
                Own,
            ),
            ("unsigned_root_get_is_own", "GET", "/", None, &[], None, Own),
        ];
        for (name, method, path, query, headers, scope, want) in cases {
            let mut map = HeaderMap::new();
            for (header_name, value) in headers {
                map.append(*header_name, HeaderValue::from_static(value));
            }
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            assert_eq!(
                classify(&method, path, query, &map, scope),
                want,
                "case {name}"
            );
        }
    }
}
