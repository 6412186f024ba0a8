//! A table of AssumeRoleWithWebIdentity requests STS refuses, each with AWS's code and
//! status, irsa-local's reason header, and a server that keeps serving.

use serde_json::{json, Value};

use crate::sts::{assume, claims, now, token, token_with, world, Params, ROLE};
use crate::support::{form, sign_with_fixture_key, xml_text, TestServer, FIXTURE_KID};

#[tokio::test]
async fn refused_requests_get_aws_codes_and_a_reason() {
    let server = TestServer::start_with_world(&world()).await;
    let good = token("system:serviceaccount:default:iam-test");
    let now = now();
    let other_key = {
        let pem = rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(
            &rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap(),
            rsa::pkcs8::LineEnding::LF,
        )
        .unwrap();
        irsa_local::oidc::keys::SigningKey::from_pem(&pem, std::path::Path::new("other")).unwrap()
    };
    let forged = {
        use base64::Engine;
        let (input, _) = good.rsplit_once('.').unwrap();
        let signature = other_key.sign_rs256(input.as_bytes()).unwrap();
        format!(
            "{input}.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature)
        )
    };
    let tampered = {
        let parts: Vec<&str> = good.split('.').collect();
        let forged_claims = token("system:serviceaccount:kube-system:admin");
        format!(
            "{}.{}.{}",
            parts[0],
            forged_claims.split('.').nth(1).unwrap(),
            parts[2]
        )
    };
    let alg_none = {
        use base64::Engine;
        let b64 =
            |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.",
            b64(&json!({"alg": "none"})),
            b64(&claims("system:serviceaccount:default:iam-test"))
        )
    };
    let hs256 = {
        use base64::Engine;
        let b64 =
            |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let input = format!(
            "{}.{}",
            b64(&json!({"alg": "HS256", "kid": FIXTURE_KID.trim()})),
            b64(&claims("system:serviceaccount:default:iam-test"))
        );
        let jwks = server.get("/keys").await.body;
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, jwks.as_bytes());
        format!(
            "{input}.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(aws_lc_rs::hmac::sign(&key, input.as_bytes()).as_ref())
        )
    };
    let unknown_kid = sign_with_fixture_key(
        &json!({"alg": "RS256", "kid": "not-a-kid"}),
        &claims("system:serviceaccount:default:iam-test"),
    );
    let expired = token_with(|c| c["exp"] = (now - 400).into());
    let not_yet = token_with(|c| c["nbf"] = (now + 900).into());
    let wrong_aud = token_with(|c| c["aud"] = json!(["https://kubernetes.default.svc"]));
    let no_aud = token_with(|c| {
        c.as_object_mut().unwrap().remove("aud");
    });
    let unregistered =
        token_with(|c| c["iss"] = "https://oidc.eks.us-east-1.amazonaws.com/id/0000".into());
    let other_sa = token("system:serviceaccount:default:someone-else");
    let blocked = token("system:serviceaccount:default:blocked");
    let team_wrong = token("system:serviceaccount:team-blue:worker");
    let long_token = "a".repeat(20_001);
    let bad_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*""#;
    let unknown_operator = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"x"}}}]}"#;
    let long_name = "n".repeat(65);

    // (name, parameters, AWS code, HTTP status)
    let cases: Vec<(&str, Params, &str, u16)> = vec![
        (
            "forged_signature",
            vec![("WebIdentityToken", &forged)],
            "InvalidIdentityToken",
            400,
        ),
        (
            "alg_none",
            vec![("WebIdentityToken", &alg_none)],
            "InvalidIdentityToken",
            400,
        ),
        (
            "hs256_keyed_with_the_public_key",
            vec![("WebIdentityToken", &hs256)],
            "InvalidIdentityToken",
            400,
        ),
        (
            "unknown_kid",
            vec![("WebIdentityToken", &unknown_kid)],
            "InvalidIdentityToken",
            400,
        ),
        (
            "expired",
            vec![("WebIdentityToken", &expired)],
            "ExpiredTokenException",
            400,
        ),
        (
            "nbf_in_the_future",
            vec![("WebIdentityToken", &not_yet)],
            "InvalidIdentityToken",
            400,
        ),
        (
            "wrong_audience",
            vec![("WebIdentityToken", &wrong_aud)],
            "InvalidIdentityToken",
            400,
        ),
        (
            "no_audience",
            vec![("WebIdentityToken", &no_aud)],
            "InvalidIdentityToken",
            400,
        ),
        (
            "unregistered_issuer",
            vec![("WebIdentityToken", &unregistered)],
            "InvalidIdentityToken",
            400,
        ),
        (
            "tampered_payload",
            vec![("WebIdentityToken", &tampered)],
            "InvalidIdentityToken",
            400,
        ),
        (
            "garbage",
            vec![("WebIdentityToken", "this-is-not-a-jwt")],
            "InvalidIdentityToken",
            400,
        ),
        (
            "too_long",
            vec![("WebIdentityToken", &long_token)],
            "ValidationError",
            400,
        ),
        (
            "too_short",
            vec![("WebIdentityToken", "abc")],
            "ValidationError",
            400,
        ),
        (
            "sub_not_in_trust_policy",
            vec![("WebIdentityToken", &other_sa)],
            "AccessDenied",
            403,
        ),
        (
            "deny_beats_allow",
            vec![
                ("RoleArn", "arn:aws:iam::111122223333:role/deny-wins"),
                ("WebIdentityToken", &blocked),
            ],
            "AccessDenied",
            403,
        ),
        (
            "string_like_does_not_match",
            vec![
                ("RoleArn", "arn:aws:iam::111122223333:role/teams/team-apps"),
                ("WebIdentityToken", &team_wrong),
            ],
            "AccessDenied",
            403,
        ),
        (
            "role_arn_without_its_path",
            vec![
                ("RoleArn", "arn:aws:iam::111122223333:role/team-apps"),
                ("WebIdentityToken", &team_wrong),
            ],
            "AccessDenied",
            403,
        ),
        (
            "nonexistent_role",
            vec![
                ("RoleArn", "arn:aws:iam::111122223333:role/nope"),
                ("WebIdentityToken", &good),
            ],
            "AccessDenied",
            403,
        ),
        (
            "role_in_another_account",
            vec![
                ("RoleArn", "arn:aws:iam::999999999999:role/iam-test"),
                ("WebIdentityToken", &good),
            ],
            "InvalidIdentityToken",
            400,
        ),
        (
            "not_a_role_arn",
            vec![
                ("RoleArn", "arn:aws:iam::111122223333:user/alice"),
                ("WebIdentityToken", &good),
            ],
            "ValidationError",
            400,
        ),
        (
            "duration_below_900",
            vec![("WebIdentityToken", &good), ("DurationSeconds", "899")],
            "ValidationError",
            400,
        ),
        (
            "duration_above_43200",
            vec![("WebIdentityToken", &good), ("DurationSeconds", "43201")],
            "ValidationError",
            400,
        ),
        (
            "duration_above_the_role_maximum",
            vec![("WebIdentityToken", &good), ("DurationSeconds", "7200")],
            "ValidationError",
            400,
        ),
        (
            "duration_not_a_number",
            vec![("WebIdentityToken", &good), ("DurationSeconds", "an-hour")],
            "ValidationError",
            400,
        ),
        (
            "session_name_too_short",
            vec![("WebIdentityToken", &good), ("RoleSessionName", "a")],
            "ValidationError",
            400,
        ),
        (
            "session_name_with_colon",
            vec![("WebIdentityToken", &good), ("RoleSessionName", "bad:name")],
            "ValidationError",
            400,
        ),
        (
            "session_name_too_long",
            vec![("WebIdentityToken", &good), ("RoleSessionName", &long_name)],
            "ValidationError",
            400,
        ),
        (
            "malformed_session_policy",
            vec![("WebIdentityToken", &good), ("Policy", bad_policy)],
            "MalformedPolicyDocument",
            400,
        ),
        (
            "session_policy_unknown_operator",
            vec![("WebIdentityToken", &good), ("Policy", unknown_operator)],
            "MalformedPolicyDocument",
            400,
        ),
        (
            "unknown_policy_arn",
            vec![
                ("WebIdentityToken", &good),
                (
                    "PolicyArns.member.1.arn",
                    "arn:aws:iam::aws:policy/DoesNotExist",
                ),
            ],
            "InvalidParameterValue",
            400,
        ),
        (
            "provider_id_with_an_oidc_token",
            vec![
                ("WebIdentityToken", &good),
                ("ProviderId", "www.amazon.com"),
            ],
            "InvalidParameterValue",
            400,
        ),
        ("missing_token", vec![], "ValidationError", 400),
    ];
    for (name, params, code, status) in cases {
        let mut all: Vec<(&str, &str)> = params.clone();
        if !params.iter().any(|(k, _)| *k == "RoleArn") {
            all.push(("RoleArn", ROLE));
        }
        if !params.iter().any(|(k, _)| *k == "RoleSessionName") {
            all.push(("RoleSessionName", "table"));
        }
        let reply = assume(&server, &all).await;
        assert_eq!(reply.status, status, "case {name}: {}", reply.body);
        assert_eq!(
            xml_text(&reply.body, "Code"),
            Some(code),
            "case {name}: {}",
            reply.body
        );
        assert_eq!(xml_text(&reply.body, "Type"), Some("Sender"), "case {name}");
        assert!(
            reply.body.starts_with(
                r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">"#
            ),
            "case {name}"
        );
        assert!(xml_text(&reply.body, "RequestId").is_some(), "case {name}");
        assert!(
            reply
                .header("x-irsa-local-reason")
                .is_some_and(|r| !r.is_empty()),
            "case {name}: reason header"
        );
        // `irsa-local explain` on the same world, keys, role and token reaches the same
        // refusal with the same reason (which names the statement and condition).
        if let (true, Some((_, token))) = (
            params
                .iter()
                .all(|(k, _)| *k == "RoleArn" || *k == "WebIdentityToken"),
            all.iter().find(|(k, _)| *k == "WebIdentityToken"),
        ) {
            let role = all.iter().find(|(k, _)| *k == "RoleArn").unwrap().1;
            let report = explain(&server, role, token);
            assert_eq!(report["outcome"]["allowed"], false, "explain {name}");
            assert_eq!(report["outcome"]["code"], code, "explain {name}");
            // The two ran a moment apart, so a reason that quotes the clock
            // ("now is 1796594278") may differ in that number alone.
            assert_eq!(
                report["outcome"]["reason"].as_str().map(without_clock),
                reply.header("x-irsa-local-reason").map(without_clock),
                "explain {name}"
            );
        }
    }
    let allowed = explain(&server, ROLE, &good);
    assert_eq!(allowed["outcome"]["allowed"], true, "{allowed}");
    assert!(allowed["token"]
        .as_array()
        .unwrap()
        .iter()
        .all(|step| step["status"] == "passed"));
    let other = [
        (
            "unknown_action",
            form(&[("Action", "AssumeRoleWithSAML"), ("Version", "2011-06-15")]),
            "InvalidAction",
            400,
        ),
        (
            "missing_action",
            form(&[("Version", "2011-06-15")]),
            "MissingAction",
            400,
        ),
        (
            "unknown_version",
            form(&[
                ("Action", "AssumeRoleWithWebIdentity"),
                ("Version", "2099-01-01"),
            ]),
            "InvalidAction",
            400,
        ),
    ];
    for (name, body, code, status) in other {
        let reply = server
            .send("POST", "/", Some("application/x-www-form-urlencoded"), body)
            .await;
        assert_eq!(
            (reply.status, xml_text(&reply.body, "Code")),
            (status, Some(code)),
            "case {name}: {}",
            reply.body
        );
    }
    assert_eq!(
        server.get("/_irsa/health").await.status,
        200,
        "still serving"
    );
}

/// `irsa-local explain --output json` against `server`'s world file and data dir.
fn explain(server: &TestServer, role: &str, token: &str) -> Value {
    let dir = server.data_dir();
    let token_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(token_file.path(), token).unwrap();
    let output = std::process::Command::new(crate::support::binary())
        .args(["explain", "--output", "json", "--role-arn", role, "--token"])
        .arg(token_file.path())
        .arg("--config")
        .arg(dir.join("world.json"))
        .arg("--data-dir")
        .arg(dir)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "{err}: {} {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let allowed = report["outcome"]["allowed"] == true;
    assert_eq!(output.status.code(), Some(if allowed { 0 } else { 1 }));
    report
}

/// `reason` with the number after each "now is " replaced by `<now>`.
fn without_clock(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut rest = reason;
    while let Some(at) = rest.find("now is ") {
        let (head, tail) = rest.split_at(at + "now is ".len());
        out.push_str(head);
        out.push_str("<now>");
        rest = tail.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}
