//! `irsa-local mutate -f` with the real binary: YAML in gives YAML out, JSON in gives JSON
//! out, and the data dir's saved service accounts count as the server's would.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value};

use crate::support::{binary, seed_fixture_key, ServerProcess};

/// The EKS workshop's pod, as the workshop writes it.
const WORKSHOP_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: eks-iam-test4
spec:
  serviceAccountName: iam-test
  containers:
    - name: eks-iam-test
      image: amazon/aws-cli:latest
      args: ['s3', 'ls']
  restartPolicy: Never
";

const TOKEN_FILE: &str = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";

fn mutate(data_dir: &str, extra: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(binary())
        .args(["mutate", "--data-dir", data_dir])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("wait")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn env(pairs: &[(&str, &str)]) -> Value {
    pairs
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect()
}

/// The container env the workshop's pod gets in us-west-2 (EKS's managed webhook).
fn workshop_env(region: &str) -> Value {
    env(&[
        ("AWS_STS_REGIONAL_ENDPOINTS", "regional"),
        ("AWS_DEFAULT_REGION", region),
        ("AWS_REGION", region),
        ("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/iam-test"),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE),
    ])
}

fn check_workshop_pod(pod: &Value, region: &str) {
    let container = &pod["spec"]["containers"][0];
    assert_eq!(container["env"], workshop_env(region));
    assert_eq!(container["args"], json!(["s3", "ls"]));
    assert_eq!(
        container["volumeMounts"],
        json!([{"name": "aws-iam-token", "readOnly": true,
                "mountPath": "/var/run/secrets/eks.amazonaws.com/serviceaccount"}])
    );
    assert_eq!(
        pod["spec"]["volumes"],
        json!([{"name": "aws-iam-token", "projected": {"sources": [{"serviceAccountToken":
            {"audience": "sts.amazonaws.com", "expirationSeconds": 86400, "path": "token"}}]}}])
    );
    assert_eq!(pod["spec"]["restartPolicy"], "Never");
}

#[test]
fn yaml_in_gives_the_workshop_pod_in_yaml() {
    let data = tempfile::tempdir().unwrap();
    seed_fixture_key(data.path());
    let out = mutate(data.path().to_str().unwrap(), &["-f", "-"], WORKSHOP_POD);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("apiVersion: v1\n"), "YAML out: {stdout}");
    let (pod, _) = irsa_local::manifest::parse(&stdout).expect("YAML");
    check_workshop_pod(&pod, "us-west-2");
}

#[test]
fn json_file_in_gives_json_and_flags_apply() {
    let data = tempfile::tempdir().unwrap();
    seed_fixture_key(data.path());
    let (pod, _) = irsa_local::manifest::parse(WORKSHOP_POD).unwrap();
    let path = data.path().join("pod.json");
    std::fs::write(&path, pod.to_string()).unwrap();
    let dir = data.path().to_str().unwrap();
    let file = path.to_str().unwrap();

    let out = mutate(dir, &["-f", file, "--region", "eu-central-1"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON out");
    check_workshop_pod(&printed, "eu-central-1");

    // `--region ""` is the webhook binary's default: no region variables, not empty ones.
    let out = mutate(dir, &["-f", file, "--region", ""], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON out");
    assert_eq!(
        printed["spec"]["containers"][0]["env"],
        env(&[
            ("AWS_STS_REGIONAL_ENDPOINTS", "regional"),
            ("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/iam-test"),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE),
        ]),
        "--region \"\" injects no region"
    );

    let out = mutate(dir, &["-f", file, "-o", "yaml"], "");
    assert!(
        text(&out.stdout).starts_with("apiVersion: v1\n"),
        "-o yaml wins"
    );

    let out = mutate(dir, &["-f", file, "--cluster", "nope"], "");
    assert_eq!(out.status.code(), Some(2), "unknown cluster");
}

#[test]
fn pods_without_a_role_print_unchanged_and_bad_input_exits_2() {
    let data = tempfile::tempdir().unwrap();
    seed_fixture_key(data.path());
    let dir = data.path().to_str().unwrap();
    let plain = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                       "spec": {"containers": [{"name": "c", "image": "busybox"}]}});
    let out = mutate(dir, &["-f", "-"], &plain.to_string());
    assert!(out.status.success());
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap(), plain);
    assert!(text(&out.stderr).contains("role-arn"), "says why");

    let cases = [
        ("bad_yaml", "a: ["),
        ("deployment", "kind: Deployment\n"),
        (
            "containers_not_a_list",
            "kind: Pod\nspec:\n  containers: 3\n",
        ),
        ("empty", ""),
    ];
    for (name, input) in cases {
        let out = mutate(dir, &["-f", "-"], input);
        assert_eq!(
            out.status.code(),
            Some(2),
            "case {name}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "case {name}");
    }
    let out = mutate(dir, &["-f", "/no/such/pod.yaml"], "");
    assert_eq!(out.status.code(), Some(2), "missing file");
}

/// A service account created through the server's API is saved in the data dir, and
/// `mutate` sees it after the server stopped.
#[tokio::test]
async fn service_accounts_saved_by_the_server_are_used() {
    let data = tempfile::tempdir().unwrap();
    seed_fixture_key(data.path());
    let dir = data.path().to_str().unwrap();
    let server = ServerProcess::start(&["--data-dir", dir]);
    let account = json!({"metadata": {"name": "reader", "annotations": {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/reader",
        "eks.amazonaws.com/token-expiration": "3600"}}});
    let created = crate::support::send(
        &format!("{}/api/v1/namespaces/apps/serviceaccounts", server.base_url),
        "POST",
        Some("application/json"),
        account.to_string().into_bytes(),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(server.terminate(), Some(0));

    let pod = "kind: Pod\nmetadata: {name: r, namespace: apps}\nspec:\n  serviceAccountName: reader\n  containers: [{name: c}]\n";
    let out = mutate(dir, &["-f", "-"], pod);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (printed, _) = irsa_local::manifest::parse(&text(&out.stdout)).unwrap();
    assert_eq!(
        printed["spec"]["containers"][0]["env"][3],
        json!({"name": "AWS_ROLE_ARN", "value": "arn:aws:iam::111122223333:role/reader"})
    );
    assert_eq!(
        printed["spec"]["volumes"][0]["projected"]["sources"][0]["serviceAccountToken"]
            ["expirationSeconds"],
        3600
    );
}

/// A world file whose cluster has an EKS Pod Identity association for the workshop's
/// account: the association wins over its role ARN, and the agent URI is the flag's.
#[test]
fn associations_in_the_world_file_give_container_credentials() {
    let data = tempfile::tempdir().unwrap();
    seed_fixture_key(data.path());
    let world = crate::support::world_with_association();
    let world_file = data.path().join("world.json");
    std::fs::write(&world_file, world.to_string()).unwrap();
    let dir = data.path().to_str().unwrap();
    let config = world_file.to_str().unwrap();
    let token_file =
        "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token";
    let cases = [
        (
            "default_uri",
            vec![],
            "http://169.254.170.23:4772/v1/credentials",
        ),
        (
            "flag_uri",
            vec![
                "--container-credentials-uri",
                "http://169.254.170.23/v1/credentials",
            ],
            "http://169.254.170.23/v1/credentials",
        ),
    ];
    for (name, extra, uri) in cases {
        let mut args = vec!["--config", config, "-f", "-"];
        args.extend(extra);
        let out = mutate(dir, &args, WORKSHOP_POD);
        assert!(out.status.success(), "case {name}: {}", text(&out.stderr));
        let (pod, _) = irsa_local::manifest::parse(&text(&out.stdout)).expect("YAML");
        assert_eq!(
            pod["metadata"]["labels"],
            json!({"eks.amazonaws.com/pod-identity": "enabled"}),
            "case {name}"
        );
        let container = &pod["spec"]["containers"][0];
        assert_eq!(
            container["env"],
            env(&[
                ("AWS_STS_REGIONAL_ENDPOINTS", "regional"),
                ("AWS_DEFAULT_REGION", "us-west-2"),
                ("AWS_REGION", "us-west-2"),
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file),
            ]),
            "case {name}"
        );
        assert_eq!(
            container["volumeMounts"],
            json!([{"name": "eks-pod-identity-token", "readOnly": true,
                    "mountPath": "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount"}]),
            "case {name}"
        );
        let volume = &pod["spec"]["volumes"][0];
        let token = &volume["projected"]["sources"][0]["serviceAccountToken"];
        assert_eq!(volume["name"], "eks-pod-identity-token", "case {name}");
        assert_eq!(token["audience"], "pods.eks.amazonaws.com", "case {name}");
        assert_eq!(token["path"], "eks-pod-identity-token", "case {name}");
        let seconds = token["expirationSeconds"].as_i64().unwrap();
        assert!(
            (79_200..=86_400).contains(&seconds),
            "case {name}: {seconds}"
        );
    }

    // A pod of another account in the same world is left to web identity or alone.
    let plain = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c}]\n";
    let out = mutate(dir, &["--config", config, "-f", "-"], plain);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no EKS Pod Identity association"),
        "{}",
        text(&out.stderr)
    );
}
