//! The Rust AWS SDK as a pod under EKS Pod Identity: the process holds only
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI` (the server's agent endpoint on 127.0.0.1, which
//! aws-config's container provider accepts over plain http because it is loopback),
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (a TokenRequest token with the audience
//! `pods.eks.amazonaws.com`), the region and the endpoint. `EcsCredentialsProvider` and the
//! default chain get the associated role's credentials, and STS names the assumed role.
//! The SDK reads those variables from the process environment only, so the test re-runs
//! this test binary as a child with exactly that environment, as `rust_sdk` does.

use serde_json::json;

use crate::support::{default_world, TestServer};

const CHILD: &str = "IRSA_LOCAL_POD_IDENTITY_CHILD";
const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/pi-role";
const ASSOCIATION_ID: &str = "a-0123456789abcdefg";

/// The default world with `default/pi-test` associated with `pi-role`, whose trust names
/// EKS Pod Identity's service principal.
fn world() -> serde_json::Value {
    let mut world = default_world();
    let cluster = &mut world["clusters"][0];
    cluster["serviceAccounts"]
        .as_array_mut()
        .expect("service accounts")
        .push(json!({"namespace": "default", "name": "pi-test"}));
    cluster["podIdentityAssociations"] = json!([{
        "associationId": ASSOCIATION_ID,
        "namespace": "default",
        "serviceAccount": "pi-test",
        "roleArn": ROLE_ARN,
        "createdAt": 1_700_000_000,
        "modifiedAt": 1_700_000_000,
    }]);
    world["roles"].as_array_mut().expect("roles").push(json!({
        "name": "pi-role",
        "assumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }],
        },
    }));
    world
}

#[tokio::test]
async fn container_provider_gets_the_associated_role() {
    let server = TestServer::start_with_world(&world()).await;
    let reply = server
        .token_request(
            "default",
            "pi-test",
            json!({"spec": {"audiences": ["pods.eks.amazonaws.com"]}}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let token = reply.json()["status"]["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let home = tempfile::tempdir().expect("home");
    let token_file = home.path().join("eks-pod-identity-token");
    std::fs::write(&token_file, &token).expect("token file");

    let mut child = crate::support::sdk_child("pod_identity::child_process", CHILD, home.path());
    child
        .env("AWS_CONFIG_FILE", home.path().join("no-such-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join("no-such-credentials"),
        )
        .env(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("{}/v1/credentials", server.base_url),
        )
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", &token_file)
        .env("AWS_ENDPOINT_URL", &server.base_url);
    let lines = crate::support::child_lines(child).await;
    let line = |key: &str| crate::support::line_of(&lines, key);
    for provider in ["ECS", "CHAIN"] {
        let access_key = line(&format!("{provider}_ACCESS_KEY"));
        assert!(
            access_key.starts_with("ASIA") && access_key.len() == 20,
            "{provider}: {access_key}"
        );
        assert_eq!(line(&format!("{provider}_SECRET_LENGTH")), "40");
        assert_eq!(line(&format!("{provider}_HAS_SESSION_TOKEN")), "true");
        assert_eq!(line(&format!("{provider}_HAS_EXPIRY")), "true");
    }
    assert_eq!(line("CALLER_ACCOUNT"), "111122223333");
    let caller = line("CALLER_ARN");
    assert!(
        caller
            .starts_with("arn:aws:sts::111122223333:assumed-role/pi-role/eks-eksworkshop-eksctl-"),
        "{caller}"
    );
}

/// Runs only as the child of `container_provider_gets_the_associated_role`.
#[tokio::test]
#[ignore = "the child process of container_provider_gets_the_associated_role"]
async fn child_process() {
    use aws_config::BehaviorVersion;
    use aws_sdk_sts::config::ProvideCredentials;
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let print = |provider: &str, credentials: &aws_credential_types::Credentials| {
        println!("{provider}_ACCESS_KEY={}", credentials.access_key_id());
        println!(
            "{provider}_SECRET_LENGTH={}",
            credentials.secret_access_key().len()
        );
        println!(
            "{provider}_HAS_SESSION_TOKEN={}",
            credentials.session_token().is_some()
        );
        println!("{provider}_HAS_EXPIRY={}", credentials.expiry().is_some());
    };
    // The test harness prints its "test … … " prefix on the same line: start a new one.
    println!();
    let ecs = aws_config::ecs::EcsCredentialsProvider::builder()
        .build()
        .provide_credentials()
        .await
        .expect("the container provider's credentials");
    print("ECS", &ecs);

    let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let chain = config
        .credentials_provider()
        .expect("a credentials chain")
        .provide_credentials()
        .await
        .expect("the default chain's credentials");
    print("CHAIN", &chain);

    let caller = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    println!("CALLER_ACCOUNT={}", caller.account().unwrap_or_default());
    println!("CALLER_ARN={}", caller.arn().unwrap_or_default());
}
