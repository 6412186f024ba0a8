//! The real binary across restarts: keys persist, fresh data dirs get fresh keys, rotation
//! publishes old and new, and broken world files stop it with exit code 2.

use std::process::Command;

use crate::support::{binary, jwt_part, send, ServerProcess};

async fn kids(server: &ServerProcess) -> Vec<String> {
    server.get("/keys").await.json()["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|key| key["kid"].as_str().unwrap().to_owned())
        .collect()
}

async fn mint(server: &ServerProcess) -> String {
    let reply = send(
        &format!(
            "{}/api/v1/namespaces/default/serviceaccounts/iam-test/token",
            server.base_url
        ),
        "POST",
        Some("application/json"),
        br#"{"spec":{"audiences":["sts.amazonaws.com"]}}"#.to_vec(),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()["status"]["token"].as_str().unwrap().to_owned()
}

fn decode_verifies(data_dir: &str, token: &str) -> bool {
    Command::new(binary())
        .args(["decode", "--data-dir", data_dir, token])
        .output()
        .expect("decode")
        .status
        .success()
}

#[tokio::test]
async fn keys_persist_across_restarts_and_rotation_publishes_both() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();

    let first = ServerProcess::start(&["--data-dir", dir]);
    let first_kids = kids(&first).await;
    let old_token = mint(&first).await;
    drop(first);
    assert_eq!(first_kids.len(), 1, "a fresh data dir generates one key");
    let key_file = data.path().join("keys/eksworkshop-eksctl/0001.pem");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the private key is readable by its owner only");

    let second = ServerProcess::start(&["--data-dir", dir]);
    assert_eq!(
        kids(&second).await,
        first_kids,
        "the same key after a restart"
    );
    drop(second);
    assert!(
        decode_verifies(dir, &old_token),
        "a token minted before the restart still verifies"
    );

    let other = tempfile::tempdir().unwrap();
    let fresh = ServerProcess::start(&["--data-dir", other.path().to_str().unwrap()]);
    assert_ne!(
        kids(&fresh).await,
        first_kids,
        "a fresh data dir gets a new kid"
    );
    drop(fresh);

    let rotated = Command::new(binary())
        .args(["keys", "rotate", "--data-dir", dir])
        .output()
        .unwrap();
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let new_kid = String::from_utf8_lossy(&rotated.stdout).trim().to_owned();

    let third = ServerProcess::start(&["--data-dir", dir]);
    assert_eq!(
        kids(&third).await,
        vec![first_kids[0].clone(), new_kid.clone()],
        "both keys, oldest first"
    );
    let new_token = mint(&third).await;
    assert_eq!(
        jwt_part(&new_token, 0)["kid"],
        new_kid,
        "the newest key signs"
    );
    drop(third);
    assert!(
        decode_verifies(dir, &old_token),
        "the old key still verifies old tokens"
    );
    assert!(decode_verifies(dir, &new_token));
}

#[test]
fn broken_world_files_stop_the_server_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let default: serde_json::Value =
        serde_json::from_str(irsa_local::world::DEFAULT_WORLD_JSON).unwrap();
    let mut bad_issuer = default.clone();
    bad_issuer["clusters"][0]["oidcIssuer"] = "oidc.eks.us-west-2.amazonaws.com/id/X".into();
    let mut missing_policy = default.clone();
    missing_policy["roles"][0]["attachedPolicyArns"][0] =
        "arn:aws:iam::aws:policy/DoesNotExist".into();
    let cases = [
        (
            "truncated_json",
            "{\"account\": {".to_owned(),
            "EOF while parsing",
        ),
        (
            "issuer_without_scheme",
            bad_issuer.to_string(),
            "$.clusters[0].oidcIssuer",
        ),
        (
            "attached_policy_missing",
            missing_policy.to_string(),
            "$.roles[0].attachedPolicyArns[0]",
        ),
    ];
    for (name, contents, message) in cases {
        let path = dir.path().join(format!("{name}.json"));
        std::fs::write(&path, contents).unwrap();
        let output = Command::new(binary())
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--config",
                path.to_str().unwrap(),
            ])
            .args(["--data-dir", dir.path().join("data").to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "case {name}: {stderr}");
        assert!(
            stderr.contains(path.to_str().unwrap()),
            "case {name} names the file: {stderr}"
        );
        assert!(
            stderr.contains(message),
            "case {name} names the problem: {stderr}"
        );
    }
    let missing = Command::new(binary())
        .args(["serve", "--config", "/nonexistent/world.json"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2), "a missing world file");
}

#[tokio::test]
async fn sigterm_stops_the_server_cleanly() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(&["--data-dir", data.path().to_str().unwrap()]);
    assert_eq!(server.get("/_irsa/health").await.status, 200);
    let stopped = server.terminate();
    assert_eq!(stopped, Some(0), "graceful shutdown exits 0");
}
