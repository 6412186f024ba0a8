//! `irsa-local explain` on real-looking AWS material: the workshop's eksctl-style trust
//! policy as `aws iam get-role` prints it, a JWKS from the issuer, tokens from
//! `irsa-local token`; and its exit codes.

use std::process::{Command, Output};

use crate::support::{binary, seed_fixture_key, TestServer, ISSUER};

const EKSCTL_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4:aud":"sts.amazonaws.com","oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4:sub":"system:serviceaccount:default:iam-test"}}}]}"#;

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(binary())
        .args(args)
        .envs(env.iter().copied())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap()
}

/// `irsa-local token -s SA` on `data`.
fn mint(data: &std::path::Path, sa: &str) -> String {
    let out = run(
        &["token", "--data-dir", data.to_str().unwrap(), "-s", sa],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8(out.stdout).unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test]
async fn the_eksctl_trust_policy_names_the_failing_sub_condition_and_both_values() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    seed_fixture_key(&data);
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    std::fs::write(path("other.jwt"), mint(&data, "other")).unwrap();
    std::fs::write(path("iam-test.jwt"), mint(&data, "iam-test")).unwrap();
    // As `aws iam get-role --output text --query Role.AssumeRolePolicyDocument` prints it
    // from the raw API answer: URL-encoded.
    let encoded: String = EKSCTL_TRUST
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    std::fs::write(path("trust.txt"), encoded).unwrap();
    std::fs::write(path("jwks.json"), server.get("/keys").await.body).unwrap();
    let provider = ISSUER.trim_start_matches("https://");
    // explain --trust-policy POLICY … --token TOKEN EXTRA…
    let explain = |policy: &str, token: &str, extra: &[String]| {
        let mut args = vec![
            "explain".to_owned(),
            "--trust-policy".to_owned(),
            policy.to_owned(),
            "--provider-url".to_owned(),
            provider.to_owned(),
            "--token".to_owned(),
            path(token),
        ];
        args.extend_from_slice(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args, &[])
    };
    let trust = path("trust.txt");
    for signature in [
        vec!["--jwks".to_owned(), path("jwks.json")],
        vec!["--skip-signature".to_owned()],
    ] {
        let out = explain(&trust, "other.jwt", &signature);
        let report = text(&out);
        assert_eq!(out.status.code(), Some(1), "{report}");
        let sub_line = report
            .lines()
            .find(|l| l.contains("StringEquals") && l.contains(":sub"))
            .unwrap_or_else(|| panic!("no :sub line in {report}"));
        assert!(
            sub_line.contains("system:serviceaccount:default:other")
                && sub_line.contains("system:serviceaccount:default:iam-test")
                && sub_line.contains("does NOT hold"),
            "{sub_line}"
        );
        assert!(report.contains("REFUSED: AccessDenied"), "{report}");
        let skipped = signature[0] == "--skip-signature";
        assert_eq!(report.contains("[skip] signature"), skipped, "{report}");
        assert_eq!(report.contains("[ok  ] signature"), !skipped, "{report}");

        let out = explain(&trust, "iam-test.jwt", &signature);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(text(&out).contains("decision: ALLOWED"));
    }

    // The duplicate-key policy trusts every service account, as IAM reads it; explain
    // says so and names lint's finding.
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/lint/duplicate-key.json"
    );
    let out = explain(fixture, "other.jwt", &["--skip-signature".to_owned()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("note: lint duplicate-key"),
        "{}",
        text(&out)
    );

    // A JWKS without the token's key: the signature step fails, as STS would.
    std::fs::write(path("empty-jwks.json"), r#"{"keys": []}"#).unwrap();
    let out = explain(
        &trust,
        "iam-test.jwt",
        &["--jwks".to_owned(), path("empty-jwks.json")],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("[FAIL] algorithm and key"),
        "{}",
        text(&out)
    );
}

#[test]
fn inside_a_pod_env_reads_the_webhook_variables_and_names_what_shadows_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    seed_fixture_key(&data);
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, mint(&data, "iam-test")).unwrap();
    let out = run(
        &["explain", "--env", "--data-dir", data.to_str().unwrap()],
        &[
            ("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/iam-test"),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", token_file.to_str().unwrap()),
            ("AWS_SECRET_ACCESS_KEY", "leftover"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("note: AWS_SECRET_ACCESS_KEY set"),
        "{}",
        text(&out)
    );
}

#[test]
fn bad_input_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p.json");
    std::fs::write(&policy, "not json").unwrap();
    let token = dir.path().join("t");
    std::fs::write(&token, "x.y.z").unwrap();
    let data = dir.path().join("data");
    let cases: [(&str, Vec<&str>); 4] = [
        (
            "no_token",
            vec![
                "explain",
                "--role-arn",
                "arn:aws:iam::111122223333:role/iam-test",
            ],
        ),
        (
            "no_role",
            vec!["explain", "--token", token.to_str().unwrap()],
        ),
        (
            "policy_not_json",
            vec![
                "explain",
                "--trust-policy",
                policy.to_str().unwrap(),
                "--provider-url",
                "x",
                "--skip-signature",
                "--token",
                token.to_str().unwrap(),
            ],
        ),
        (
            "neither_jwks_nor_skip",
            vec![
                "explain",
                "--trust-policy",
                policy.to_str().unwrap(),
                "--provider-url",
                "x",
                "--token",
                token.to_str().unwrap(),
            ],
        ),
    ];
    for (name, mut args) in cases {
        args.extend(["--data-dir", data.to_str().unwrap()]);
        let out = run(&args, &[]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out));
    }
}
