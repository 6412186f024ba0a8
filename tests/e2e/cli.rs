//! `irsa-local token` and `irsa-local decode` as a user runs them.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::support::{binary, jwt_part, seed_fixture_key, FIXTURE_KID};

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(binary())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn token_then_decode_round_trips_and_verifies() {
    let data = tempfile::tempdir().unwrap();
    seed_fixture_key(data.path());
    let dir = data.path().to_str().unwrap();
    let minted = run(
        &[
            "token",
            "--data-dir",
            dir,
            "-n",
            "default",
            "-s",
            "iam-test",
            "--pod",
            "web-0",
        ],
        None,
    );
    assert!(minted.status.success(), "{}", text(&minted.stderr));
    let token = text(&minted.stdout).trim().to_owned();
    let claims = jwt_part(&token, 1);
    assert_eq!(
        claims["aud"],
        serde_json::json!(["sts.amazonaws.com"]),
        "the CLI defaults to the IRSA audience"
    );
    assert_eq!(claims["kubernetes.io"]["pod"]["name"], "web-0");

    for (name, args, stdin) in [
        (
            "argument",
            vec!["decode", "--data-dir", dir, token.as_str()],
            None,
        ),
        (
            "stdin_with_newline",
            vec!["decode", "--data-dir", dir],
            Some(format!("{token}\n")),
        ),
    ] {
        let decoded = run(&args, stdin.as_deref());
        assert!(
            decoded.status.success(),
            "case {name}: {}",
            text(&decoded.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&decoded.stdout).unwrap();
        assert_eq!(report["header"]["kid"], FIXTURE_KID.trim(), "case {name}");
        assert_eq!(
            report["claims"]["sub"], "system:serviceaccount:default:iam-test",
            "case {name}"
        );
        assert_eq!(report["signature"]["result"], "verified", "case {name}");
        assert_eq!(
            report["signature"]["cluster"], "eksworkshop-eksctl",
            "case {name}"
        );
    }
}

#[test]
fn decode_reports_tampering_and_garbage() {
    let data = tempfile::tempdir().unwrap();
    seed_fixture_key(data.path());
    let dir = data.path().to_str().unwrap();
    let token = text(&run(&["token", "--data-dir", dir, "-s", "iam-test"], None).stdout)
        .trim()
        .to_owned();
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    // Re-encode the payload with another subject, keeping the original signature.
    let mut claims = jwt_part(&token, 1);
    claims["sub"] = "system:serviceaccount:kube-system:admin".into();
    use base64::Engine;
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
    let tampered = parts.join(".");

    let decoded = run(&["decode", "--data-dir", dir, &tampered], None);
    assert_eq!(decoded.status.code(), Some(1), "tampered: not verified");
    let report: serde_json::Value = serde_json::from_slice(&decoded.stdout).unwrap();
    assert_eq!(report["signature"]["result"], "not_verified");

    let cases = [
        ("two_parts", "a.b"),
        ("not_base64", "%%%.e30.sig"),
        ("not_json", "bm90IGpzb24.e30.c2ln"),
    ];
    for (name, garbage) in cases {
        let decoded = run(&["decode", "--data-dir", dir, garbage], None);
        assert_eq!(decoded.status.code(), Some(2), "case {name}");
        assert!(!text(&decoded.stderr).is_empty(), "case {name}: says why");
    }
}

#[test]
fn token_refuses_what_token_request_refuses_and_nonsensical_defects() {
    let data = tempfile::tempdir().unwrap();
    seed_fixture_key(data.path());
    let dir = data.path().to_str().unwrap();
    let cases = [
        (
            "short_lifetime",
            vec!["--expiration-seconds", "60", "-s", "iam-test"],
            "less than 10 minutes",
        ),
        (
            "bad_namespace",
            vec!["-n", "Bad_NS", "-s", "iam-test"],
            "RFC 1123 label",
        ),
        (
            "unknown_cluster",
            vec!["--cluster", "nope", "-s", "iam-test"],
            "no cluster named",
        ),
        (
            "two_defects",
            vec!["-s", "iam-test", "--defect", "alg-none", "--expired"],
            "one defect at a time",
        ),
        (
            "exp_offset_ahead",
            vec!["-s", "iam-test", "--exp-offset", "60"],
            "must be negative",
        ),
        (
            "nbf_offset_behind",
            vec!["-s", "iam-test", "--nbf-offset", "-60"],
            "must be positive",
        ),
        (
            "audience_with_no_audience",
            vec![
                "-s",
                "iam-test",
                "--defect",
                "no-audience",
                "--audience",
                "x",
            ],
            "sets the audience itself",
        ),
    ];
    for (name, extra, message) in cases {
        let mut args = vec!["token", "--data-dir", dir];
        args.extend(extra);
        let output = run(&args, None);
        assert_eq!(output.status.code(), Some(2), "case {name}");
        assert!(output.stdout.is_empty(), "case {name}: no token printed");
        assert!(
            text(&output.stderr).contains(message),
            "case {name}: {}",
            text(&output.stderr)
        );
    }
}

#[test]
fn token_defects_sign_as_their_table_says() {
    let data = tempfile::tempdir().unwrap();
    seed_fixture_key(data.path());
    let dir = data.path().to_str().unwrap();
    // defect → whether the world's keys still verify its signature (`decode` exit 0).
    let cases = [
        ("expired", true),
        ("not-yet-valid", true),
        ("issued-in-future", true),
        ("other-issuer", true),
        ("no-audience", true),
        ("other-audience", true),
        ("unknown-kid", false),
        ("other-cluster-key", false),
        ("alg-none", false),
        ("hs256-public-key", false),
        ("tampered-payload", false),
        ("no-subject", true),
    ];
    for (defect, verifies) in cases {
        let minted = run(
            &[
                "token",
                "--data-dir",
                dir,
                "-s",
                "iam-test",
                "--defect",
                defect,
            ],
            None,
        );
        assert!(
            minted.status.success(),
            "case {defect}: {}",
            text(&minted.stderr)
        );
        let token = text(&minted.stdout).trim().to_owned();
        let decoded = run(&["decode", "--data-dir", dir, &token], None);
        assert_eq!(
            decoded.status.code(),
            Some(if verifies { 0 } else { 1 }),
            "case {defect}"
        );
    }
}
