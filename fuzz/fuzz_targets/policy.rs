//! The IAM policy language: `policy::parse` as a trust and as an identity policy, and
//! `evaluate` of whatever parses against a request context.
//!
//! Input: the policy JSON, then optionally a NUL byte and a request context as lines:
//! the action, the resource (empty: none), the principal as `Aws:…`, `Federated:…` or
//! `Service:…` (anything else: anonymous), then condition keys as `key=value` (a line
//! without `=` makes the key present but empty). Without a context, each policy is
//! evaluated against an STS web-identity request and an S3 GetObject request.
#![no_main]

use irsa_local::policy::{evaluate, parse, ContextKeys, PolicyKind, PrincipalRef, RequestContext};
use libfuzzer_sys::fuzz_target;

const ISSUER: &str = "oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4";

fn context_from(text: &str) -> RequestContext<'_> {
    let mut lines = text.split('\n');
    let action = lines.next().unwrap_or_default();
    let resource = lines.next().filter(|resource| !resource.is_empty());
    let principal = lines
        .next()
        .and_then(|line| line.split_once(':'))
        .and_then(|(kind, value)| match kind {
            "Aws" => Some(PrincipalRef::Aws(value)),
            "Federated" => Some(PrincipalRef::Federated(value)),
            "Service" => Some(PrincipalRef::Service(value)),
            _ => None,
        });
    let mut keys = ContextKeys::new();
    for line in lines {
        match line.split_once('=') {
            Some((key, value)) => keys.insert(key, value),
            None => keys.insert_empty(line),
        }
    }
    RequestContext {
        principal,
        action,
        resource,
        keys,
    }
}

fn default_contexts() -> Vec<RequestContext<'static>> {
    let mut web_identity = ContextKeys::new();
    web_identity.insert(
        &format!("{ISSUER}:sub"),
        "system:serviceaccount:default:iam-test",
    );
    web_identity.insert(&format!("{ISSUER}:aud"), "sts.amazonaws.com");
    web_identity.insert("aws:CurrentTime", "2026-11-28T09:00:00Z");
    web_identity.insert("aws:SourceIp", "192.0.2.10");
    let mut s3 = ContextKeys::new();
    s3.insert("aws:username", "alice");
    s3.insert(
        "aws:PrincipalArn",
        "arn:aws:iam::111122223333:role/iam-test",
    );
    s3.insert("s3:prefix", "home/alice/");
    s3.insert("aws:SecureTransport", "false");
    s3.insert_empty("aws:TagKeys");
    vec![
        RequestContext {
            principal: Some(PrincipalRef::Federated(
                "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4",
            )),
            action: "sts:AssumeRoleWithWebIdentity",
            resource: None,
            keys: web_identity,
        },
        RequestContext {
            principal: Some(PrincipalRef::Aws(
                "arn:aws:sts::111122223333:assumed-role/iam-test/session",
            )),
            action: "s3:GetObject",
            resource: Some("arn:aws:s3:::eksworkshop-111122223333-us-west-2/home/alice/k"),
            keys: s3,
        },
    ]
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (document, context) = match text.split_once('\0') {
        Some((document, context)) => (document, Some(context)),
        None => (text, None),
    };
    let contexts = match context {
        Some(context) => vec![context_from(context)],
        None => default_contexts(),
    };
    for kind in [PolicyKind::Trust, PolicyKind::Identity] {
        let Ok(policy) = parse(document, kind) else {
            continue;
        };
        for context in &contexts {
            let decision = evaluate(&[("fuzz", &policy)], context);
            let line = decision.to_string();
            assert!(
                !line.contains('\n'),
                "a decision reason is one line: {line:?}"
            );
        }
    }
});
