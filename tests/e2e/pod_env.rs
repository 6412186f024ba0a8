//! `irsa-local env` and `irsa-local exec` as a user runs them: the variables an IRSA pod
//! gets, a token file that a shell can find, static keys and profiles removed, exit codes
//! and signals passed through.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::json;

use crate::support::{
    binary, default_world, jwt_part, seed_fixture_key, send, verified_claims, ServerProcess,
};

/// A data dir with the fixture key, inside `dir`.
fn data_dir(dir: &Path) -> String {
    let data = dir.join("data");
    seed_fixture_key(&data);
    data.to_str().unwrap().to_owned()
}

fn irsa(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(binary())
        .args(args)
        .env_remove("AWS_ENDPOINT_URL")
        .envs(env.iter().copied())
        .output()
        .expect("run irsa-local")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The `NAME=value` lines of `env` output, as pairs.
fn variables(env_output: &str) -> Vec<(String, String)> {
    env_output
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

fn value<'a>(vars: &'a [(String, String)], name: &str) -> Option<&'a str> {
    vars.iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

#[test]
fn env_prints_what_a_shell_evaluates_quoted_or_not() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir(dir.path());
    let printed = irsa(
        &[
            "env",
            "-s",
            "iam-test",
            "--data-dir",
            &data,
            "--endpoint-url",
            "http://irsa:4772/",
        ],
        &[],
    );
    assert!(printed.status.success(), "{}", text(&printed.stderr));
    let script = text(&printed.stdout);
    for (name, evaluation) in [
        ("quoted", r#"eval "$SCRIPT""#),
        ("unquoted", "eval $SCRIPT"),
    ] {
        let shell = Command::new("sh")
            .args(["-c", &format!("{evaluation}; env")])
            .env("SCRIPT", &script)
            .env("AWS_ACCESS_KEY_ID", "AKIASTATICKEY")
            .env("AWS_SECRET_ACCESS_KEY", "secret")
            .env("AWS_PROFILE", "no-such-profile")
            .current_dir("/")
            .output()
            .unwrap();
        assert!(
            shell.status.success(),
            "case {name}: {}",
            text(&shell.stderr)
        );
        let vars = variables(&text(&shell.stdout));
        let expected = [
            ("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/iam-test"),
            ("AWS_ENDPOINT_URL", "http://irsa:4772"),
            ("AWS_REGION", "us-west-2"),
            ("AWS_DEFAULT_REGION", "us-west-2"),
            ("AWS_STS_REGIONAL_ENDPOINTS", "regional"),
        ];
        for (variable, want) in expected {
            assert_eq!(
                value(&vars, variable),
                Some(want),
                "case {name}: {variable}"
            );
        }
        for removed in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"] {
            assert_eq!(value(&vars, removed), None, "case {name}: {removed} unset");
        }
        // Absolute, so it names the file from `/` too.
        let token_file = value(&vars, "AWS_WEB_IDENTITY_TOKEN_FILE").unwrap();
        assert!(
            token_file.ends_with("data/tokens/eksworkshop-eksctl/default/iam-test/token"),
            "case {name}: {token_file}"
        );
        let token = std::fs::read_to_string(token_file).unwrap();
        assert_eq!(jwt_part(&token, 1)["aud"], json!(["sts.amazonaws.com"]));
        assert_eq!(
            jwt_part(&token, 1)["sub"],
            "system:serviceaccount:default:iam-test"
        );
    }
}

#[test]
fn env_refuses_accounts_that_get_no_role() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir(dir.path());
    let mut world = default_world();
    world["clusters"][0]["serviceAccounts"]
        .as_array_mut()
        .unwrap()
        .push(json!({"namespace": "default", "name": "plain"}));
    let world_file = dir.path().join("world.json");
    std::fs::write(&world_file, world.to_string()).unwrap();
    let world_file = world_file.to_str().unwrap();
    let cases = [
        (
            "not_annotated",
            "plain",
            "eks.amazonaws.com/role-arn annotation",
        ),
        (
            "not_declared",
            "nobody",
            "no service account default/nobody",
        ),
    ];
    for (name, account, want) in cases {
        let output = irsa(
            &[
                "env",
                "-s",
                account,
                "--data-dir",
                &data,
                "--config",
                world_file,
            ],
            &[],
        );
        assert_eq!(output.status.code(), Some(2), "case {name}");
        assert!(
            text(&output.stderr).contains(want),
            "case {name}: {}",
            text(&output.stderr)
        );
        assert!(output.stdout.is_empty(), "case {name}: nothing to eval");
    }
}

#[tokio::test]
async fn env_sees_accounts_created_through_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir(dir.path());
    let server = ServerProcess::start(&["--data-dir", &data]);
    let created = send(
        &format!("{}/api/v1/namespaces/apps/serviceaccounts", server.base_url),
        "POST",
        Some("application/json"),
        json!({"metadata": {"name": "reader", "annotations": {
            "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/reader",
            "eks.amazonaws.com/audience": "vault"}}})
        .to_string()
        .into_bytes(),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let token_file = dir.path().join("reader-token");
    let printed = irsa(
        &[
            "env",
            "-n",
            "apps",
            "-s",
            "reader",
            "--data-dir",
            &data,
            "--token-file",
            token_file.to_str().unwrap(),
        ],
        &[("AWS_ENDPOINT_URL", &server.base_url)],
    );
    assert!(printed.status.success(), "{}", text(&printed.stderr));
    let script = text(&printed.stdout);
    assert!(
        script.contains("export AWS_ROLE_ARN='arn:aws:iam::111122223333:role/reader';"),
        "{script}"
    );
    let token = std::fs::read_to_string(&token_file).unwrap();
    assert_eq!(
        jwt_part(&token, 1)["aud"],
        json!(["vault"]),
        "the audience annotation"
    );
}

#[test]
fn exec_runs_the_command_as_the_pod_and_returns_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir(dir.path());
    let script = r#"printf '%s\n' "$AWS_ROLE_ARN" "${AWS_ACCESS_KEY_ID-unset}" "${AWS_SESSION_TOKEN-unset}" "${AWS_PROFILE-unset}" "$1"; test -s "$AWS_WEB_IDENTITY_TOKEN_FILE" && echo token-present; exit 3"#;
    let output = irsa(
        &[
            "exec",
            "-s",
            "iam-test",
            "--data-dir",
            &data,
            "--",
            "sh",
            "-c",
            script,
            "sh",
            "--an-argument",
        ],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIASTATICKEY"),
            ("AWS_SESSION_TOKEN", "token"),
            ("AWS_PROFILE", "no-such-profile"),
        ],
    );
    assert_eq!(output.status.code(), Some(3), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stdout),
        "arn:aws:iam::111122223333:role/iam-test\nunset\nunset\nunset\n--an-argument\ntoken-present\n"
    );
}

#[test]
fn exec_exit_codes_follow_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir(dir.path());
    let not_executable = dir.path().join("script.txt");
    std::fs::write(&not_executable, "echo hi\n").unwrap();
    let cases: [(&str, &[&str], i32); 3] = [
        ("killed_by_sigkill", &["sh", "-c", "kill -KILL $$"], 137),
        ("not_found", &["/no/such/command"], 127),
        ("not_executable", &[not_executable.to_str().unwrap()], 126),
    ];
    for (name, command, want) in cases {
        let mut args = vec!["exec", "-s", "iam-test", "--data-dir", &data, "--"];
        args.extend_from_slice(command);
        let output = irsa(&args, &[]);
        assert_eq!(
            output.status.code(),
            Some(want),
            "case {name}: {}",
            text(&output.stderr)
        );
    }
}

#[test]
fn exec_passes_sigint_and_sigterm_on() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir(dir.path());
    for (name, signal, want) in [("interrupt", "INT", 8), ("terminate", "TERM", 7)] {
        // The shell runs its trap once the short sleep ends, then exits with the trap's code.
        let script =
            "trap 'exit 8' INT; trap 'exit 7' TERM; echo ready; while :; do sleep 0.05; done";
        let mut child = Command::new(binary())
            .args([
                "exec",
                "-s",
                "iam-test",
                "--data-dir",
                &data,
                "--",
                "sh",
                "-c",
                script,
            ])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(ready, "ready\n", "case {name}");
        let sent = Command::new("kill")
            .args(["-s", signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "case {name}");
        assert_eq!(child.wait().unwrap().code(), Some(want), "case {name}");
    }
}

#[test]
fn token_folders_are_private_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir(dir.path());
    // The data dir exists already (the fixture key is in it): only tokens/ is new.
    let printed = Command::new("sh")
        .args(["-c", "umask 0; exec \"$0\" \"$@\""])
        .arg(binary())
        .args(["env", "-s", "iam-test", "--data-dir", &data])
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("run irsa-local under umask 0");
    assert!(printed.status.success(), "{}", text(&printed.stderr));
    let mut folder = Path::new(&data).join("tokens");
    for part in ["", "eksworkshop-eksctl", "default", "iam-test"] {
        folder.push(part);
        let mode = std::fs::metadata(&folder).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", folder.display());
    }
}

// --- EKS Pod Identity --------------------------------------------------------------------

const POD_IDENTITY_AUDIENCE: &str = "pods.eks.amazonaws.com";

/// A world file in `dir` where `default/pi-test` has a Pod Identity association and no
/// role annotation, and the workshop's `default/iam-test` has both.
fn world_with_associations(dir: &Path) -> String {
    let mut world = default_world();
    let association = |id: &str, account: &str| {
        json!({"associationId": id, "namespace": "default", "serviceAccount": account,
               "roleArn": "arn:aws:iam::111122223333:role/iam-test",
               "createdAt": 1_700_000_000, "modifiedAt": 1_700_000_000})
    };
    world["clusters"][0]["podIdentityAssociations"] = json!([
        association("a-00000000000pitest", "pi-test"),
        association("a-0000000000iamtest", "iam-test"),
    ]);
    let path = dir.join("world.json");
    std::fs::write(&path, world.to_string()).unwrap();
    path.to_str().unwrap().to_owned()
}

/// What `sh` sees after `eval "$(irsa-local env ARGS…)"`, with web identity variables and
/// static keys already in the caller's environment.
fn evaluated(args: &[&str]) -> (Output, Vec<(String, String)>) {
    let printed = irsa(args, &[]);
    if !printed.status.success() {
        return (printed, Vec::new());
    }
    let shell = Command::new("sh")
        .args(["-c", r#"eval "$SCRIPT"; env"#])
        .env("SCRIPT", text(&printed.stdout))
        .env("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/stale")
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", "/stale/token")
        .env("AWS_ACCESS_KEY_ID", "AKIASTATICKEY")
        .env(
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "/v2/credentials/stale",
        )
        .output()
        .unwrap();
    assert!(shell.status.success(), "{}", text(&shell.stderr));
    let vars = variables(&text(&shell.stdout));
    (printed, vars)
}

#[tokio::test]
async fn env_pod_identity_exports_the_agent_and_a_token_file_without_a_newline() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir(dir.path());
    let world = world_with_associations(dir.path());
    let server = ServerProcess::start(&["--data-dir", &data, "--config", &world]);
    let port = server.base_url.rsplit(':').next().unwrap().to_owned();
    // `pi-test` has an association and no role: Pod Identity without asking.
    let (printed, vars) = evaluated(&[
        "env",
        "-s",
        "pi-test",
        "--data-dir",
        &data,
        "--config",
        &world,
        "--endpoint-url",
        &server.base_url,
    ]);
    assert!(printed.status.success(), "{}", text(&printed.stderr));
    assert_eq!(
        value(&vars, "AWS_CONTAINER_CREDENTIALS_FULL_URI"),
        Some(format!("http://127.0.0.1:{port}/v1/credentials").as_str())
    );
    assert_eq!(
        value(&vars, "AWS_ENDPOINT_URL"),
        Some(server.base_url.as_str())
    );
    assert_eq!(value(&vars, "AWS_REGION"), Some("us-west-2"));
    for absent in [
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ] {
        assert_eq!(value(&vars, absent), None, "{absent} would be tried first");
    }
    let token_file = value(&vars, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").unwrap();
    assert!(
        token_file
            .ends_with("data/tokens/eksworkshop-eksctl/default/pi-test/eks-pod-identity-token"),
        "{token_file}"
    );
    let token = std::fs::read_to_string(token_file).unwrap();
    assert!(
        !token.ends_with('\n') && !token.contains(['\r', '\n']),
        "botocore refuses a header value with a newline"
    );
    let claims = verified_claims(&server.base_url, &token, POD_IDENTITY_AUDIENCE)
        .await
        .expect("the token verifies");
    assert_eq!(claims["aud"], json!([POD_IDENTITY_AUDIENCE]));
    assert_eq!(claims["sub"], "system:serviceaccount:default:pi-test");
}

#[test]
fn env_chooses_as_the_webhook_unless_told() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir(dir.path());
    let world = world_with_associations(dir.path());
    // iam-test has both the role annotation and an association.
    let cases: [(&str, &[&str], bool); 3] = [
        ("association_wins_over_the_annotation", &[], true),
        ("irsa_asked", &["--irsa"], false),
        ("pod_identity_asked", &["--pod-identity"], true),
    ];
    for (name, flags, pod_identity) in cases {
        let mut args = vec![
            "env",
            "-s",
            "iam-test",
            "--data-dir",
            &data,
            "--config",
            &world,
        ];
        args.extend_from_slice(flags);
        let (printed, vars) = evaluated(&args);
        assert!(
            printed.status.success(),
            "case {name}: {}",
            text(&printed.stderr)
        );
        let has = |variable: &str| value(&vars, variable).is_some();
        assert_eq!(
            has("AWS_CONTAINER_CREDENTIALS_FULL_URI")
                && has("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"),
            pod_identity,
            "case {name}: container variables"
        );
        assert_eq!(
            value(&vars, "AWS_ROLE_ARN") == Some("arn:aws:iam::111122223333:role/iam-test")
                && has("AWS_WEB_IDENTITY_TOKEN_FILE"),
            !pod_identity,
            "case {name}: web identity variables"
        );
        if pod_identity {
            assert_eq!(
                value(&vars, "AWS_CONTAINER_CREDENTIALS_FULL_URI"),
                Some("http://127.0.0.1:4772/v1/credentials"),
                "case {name}: the default server's port"
            );
        } else {
            let token =
                std::fs::read_to_string(value(&vars, "AWS_WEB_IDENTITY_TOKEN_FILE").unwrap())
                    .unwrap();
            assert_eq!(
                jwt_part(&token, 1)["aud"],
                json!(["sts.amazonaws.com"]),
                "case {name}"
            );
        }
    }
}

#[test]
fn pod_identity_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir(dir.path());
    let world = world_with_associations(dir.path());
    let base = ["--data-dir", &data, "--config", &world];
    let cases: [(&str, &[&str], &str); 3] = [
        (
            "no_association",
            &["env", "-n", "apps", "-s", "web", "--pod-identity"],
            "service account apps/web has no Pod Identity association in cluster eksworkshop-eksctl",
        ),
        (
            "no_association_for_exec",
            &["exec", "-s", "nobody", "--pod-identity", "--", "true"],
            "aws eks create-pod-identity-association --cluster-name eksworkshop-eksctl --namespace default --service-account nobody",
        ),
        (
            "both_ways_at_once",
            &["env", "-s", "pi-test", "--irsa", "--pod-identity"],
            "cannot be used with",
        ),
    ];
    for (name, args, want) in cases {
        let (command, rest) = args.split_at(1);
        let mut all = command.to_vec();
        all.extend_from_slice(&base);
        all.extend_from_slice(rest);
        let output = irsa(&all, &[]);
        assert_eq!(output.status.code(), Some(2), "case {name}");
        assert!(
            text(&output.stderr).contains(want),
            "case {name}: {}",
            text(&output.stderr)
        );
        assert!(output.stdout.is_empty(), "case {name}: nothing to eval");
    }
}

#[test]
fn exec_pod_identity_gives_the_command_the_agent_at_the_endpoints_port() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir(dir.path());
    let world = world_with_associations(dir.path());
    let script = r#"printf '%s\n' "$AWS_CONTAINER_CREDENTIALS_FULL_URI" "${AWS_ROLE_ARN-unset}" "${AWS_WEB_IDENTITY_TOKEN_FILE-unset}"; tail -c 1 "$AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" | od -An -c"#;
    let output = irsa(
        &[
            "exec",
            "-s",
            "pi-test",
            "--pod-identity",
            "--data-dir",
            &data,
            "--config",
            &world,
            "--endpoint-url",
            "http://localhost:5999",
            "--",
            "sh",
            "-c",
            script,
        ],
        &[
            ("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/stale"),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/stale/token"),
        ],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    let lines: Vec<String> = text(&output.stdout).lines().map(str::to_owned).collect();
    assert_eq!(
        lines[..3],
        ["http://localhost:5999/v1/credentials", "unset", "unset"]
    );
    // The token's last byte is part of its signature, not a newline.
    let last = lines[3].trim();
    assert!(last.len() == 1 && last != "\\n", "{last:?}");
    assert!(
        output.stderr.is_empty(),
        "no note for a loopback URL: {}",
        text(&output.stderr)
    );
}

#[test]
fn env_pod_identity_says_when_the_agent_host_is_not_the_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_dir(dir.path());
    let world = world_with_associations(dir.path());
    let (printed, vars) = evaluated(&[
        "env",
        "-s",
        "pi-test",
        "--data-dir",
        &data,
        "--config",
        &world,
        "--endpoint-url",
        "http://irsa:4780",
    ]);
    assert!(printed.status.success(), "{}", text(&printed.stderr));
    assert_eq!(
        value(&vars, "AWS_CONTAINER_CREDENTIALS_FULL_URI"),
        Some("http://127.0.0.1:4780/v1/credentials")
    );
    assert!(
        text(&printed.stderr).contains("SDKs take plain http only from a loopback address"),
        "{}",
        text(&printed.stderr)
    );
}
