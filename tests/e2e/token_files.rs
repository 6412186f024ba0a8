//! `serve --project`: token files written before the server listens, readable by other
//! users, replaced on SIGHUP while the old token keeps working; a Pod Identity token file;
//! bad flags stop the start.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{
    binary, form, jwt_part, seed_fixture_key, send, verified_claims, xml_text, ServerProcess,
};

/// AssumeRoleWithWebIdentity for the workshop role; returns the HTTP status.
async fn assume(server: &ServerProcess, token: &str) -> u16 {
    let reply = send(
        &format!("{}/", server.base_url),
        "POST",
        Some("application/x-www-form-urlencoded"),
        form(&[
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", "arn:aws:iam::111122223333:role/iam-test"),
            ("RoleSessionName", "token-files"),
            ("WebIdentityToken", token),
        ]),
    )
    .await;
    if reply.status == 200 {
        assert!(
            xml_text(&reply.body, "AccessKeyId").is_some(),
            "{}",
            reply.body
        );
    }
    reply.status
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("the token file exists")
}

#[tokio::test]
async fn token_files_exist_before_listening_and_sighup_replaces_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    seed_fixture_key(&data);
    let token_path = dir.path().join("mount/serviceaccount/token");
    let vault_path = dir.path().join("vault-token");
    let server = ServerProcess::start(&[
        "--data-dir",
        data.to_str().unwrap(),
        "--project",
        &format!("default/iam-test={}", token_path.display()),
        "--project",
        &format!("default/iam-test={},audience=vault", vault_path.display()),
        "--token-expiration",
        "600",
    ]);

    // Read as soon as the log says "listening": no waiting.
    let first = read(&token_path);
    assert!(!first.ends_with('\n'), "no trailing newline");
    let mode = std::fs::metadata(&token_path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644, "readable by a container's other user");
    let claims = jwt_part(&first, 1);
    assert_eq!(claims["aud"], serde_json::json!(["sts.amazonaws.com"]));
    assert_eq!(claims["sub"], "system:serviceaccount:default:iam-test");
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        600
    );
    assert_eq!(
        jwt_part(&read(&vault_path), 1)["aud"],
        serde_json::json!(["vault"])
    );
    assert_eq!(assume(&server, &first).await, 200);

    server.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    while read(&token_path) == first {
        assert!(Instant::now() < deadline, "SIGHUP replaced the file");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = read(&token_path);
    assert_ne!(jwt_part(&second, 1)["jti"], claims["jti"]);
    assert_eq!(assume(&server, &second).await, 200, "the new token works");
    assert_eq!(
        assume(&server, &first).await,
        200,
        "the old token works until it expires"
    );
    assert_eq!(
        server.get("/_irsa/health").await.status,
        200,
        "still serving"
    );
}

#[tokio::test]
async fn a_pod_identity_token_file_is_kept_too() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    seed_fixture_key(&data);
    let token_path = dir
        .path()
        .join("pods.eks.amazonaws.com/eks-pod-identity-token");
    let server = ServerProcess::start(&[
        "--data-dir",
        data.to_str().unwrap(),
        "--project",
        &format!(
            "default/pi-test={},audience=pods.eks.amazonaws.com",
            token_path.display()
        ),
    ]);
    let first = read(&token_path);
    assert!(
        !first.contains(['\n', '\r']),
        "botocore sends the file as a header: no newline"
    );
    let claims = verified_claims(&server.base_url, &first, "pods.eks.amazonaws.com")
        .await
        .expect("verifies for the pod identity audience");
    assert_eq!(claims["sub"], "system:serviceaccount:default:pi-test");
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        86_400,
        "the webhook's default lifetime"
    );
    server.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    while read(&token_path) == first {
        assert!(Instant::now() < deadline, "SIGHUP replaced the file");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = read(&token_path);
    assert!(!second.contains('\n'));
    assert_eq!(
        jwt_part(&second, 1)["aud"],
        serde_json::json!(["pods.eks.amazonaws.com"])
    );
}

#[test]
fn bad_projections_stop_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    seed_fixture_key(&data);
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let unwritable = format!("default/iam-test={}/token", blocker.display());
    let cases: [(&str, Vec<&str>, i32, &str); 3] = [
        (
            "lifetime_under_ten_minutes",
            vec!["--token-expiration", "599"],
            2,
            "599",
        ),
        (
            "not_ns_name_path",
            vec!["--project", "iam-test"],
            2,
            "NAMESPACE/NAME=PATH",
        ),
        (
            "parent_is_a_file",
            vec!["--project", &unwritable],
            1,
            "cannot write the token file",
        ),
    ];
    for (name, args, want_code, want_message) in cases {
        let output = Command::new(binary())
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data)
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(want_code),
            "case {name}: {stderr}"
        );
        assert!(stderr.contains(want_message), "case {name}: {stderr}");
    }
}
