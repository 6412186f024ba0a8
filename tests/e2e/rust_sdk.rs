//! The Rust AWS SDK as a pod would use it: only the IRSA variables and the endpoint are
//! set, and aws-config's default chain must find the web identity provider and get
//! credentials from irsa-local. The SDK reads those variables from the process
//! environment only, so the test re-runs this test binary as a child with exactly that
//! environment.

use serde_json::json;

use crate::support::TestServer;

const CHILD: &str = "IRSA_LOCAL_SDK_CHILD";
const ROLE_ARN: &str = "arn:aws:iam::111122223333:role/iam-test";

#[tokio::test]
async fn web_identity_provider_gets_credentials() {
    let server = TestServer::start().await;
    let reply = server
        .token_request(
            "default",
            "iam-test",
            json!({"spec": {"audiences": ["sts.amazonaws.com"]}}),
        )
        .await;
    let token = reply.json()["status"]["token"].as_str().unwrap().to_owned();
    let home = tempfile::tempdir().unwrap();
    let token_file = home.path().join("token");
    std::fs::write(&token_file, &token).unwrap();

    // The server runs on this test's runtime: wait for the child off it.
    let mut child = crate::support::sdk_child("rust_sdk::child_process", CHILD, home.path());
    child
        .env("AWS_ROLE_ARN", ROLE_ARN)
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", &token_file)
        .env("AWS_ENDPOINT_URL", &server.base_url);
    let lines = crate::support::child_lines(child).await;
    let line = |key: &str| crate::support::line_of(&lines, key);
    let access_key = line("ACCESS_KEY");
    assert!(
        access_key.starts_with("ASIA") && access_key.len() == 20,
        "{access_key}"
    );
    assert_eq!(line("SECRET_LENGTH"), "40");
    assert_eq!(line("HAS_SESSION_TOKEN"), "true");
    assert_eq!(
        line("ASSUMED_ROLE_ARN"),
        "arn:aws:sts::111122223333:assumed-role/iam-test/sdk-explicit"
    );
    assert_eq!(line("REFUSED_CODE"), "InvalidIdentityToken");
}

/// Runs only as the child of `web_identity_provider_gets_credentials`.
#[tokio::test]
#[ignore = "the child process of web_identity_provider_gets_credentials"]
async fn child_process() {
    use aws_config::BehaviorVersion;
    use aws_sdk_sts::config::ProvideCredentials;
    use aws_sdk_sts::error::ProvideErrorMetadata;
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let provider = config.credentials_provider().expect("a credentials chain");
    let credentials = provider
        .provide_credentials()
        .await
        .expect("web identity credentials");
    // The test harness prints its "test … … " prefix on the same line: start a new one.
    println!();
    println!("ACCESS_KEY={}", credentials.access_key_id());
    println!("SECRET_LENGTH={}", credentials.secret_access_key().len());
    println!(
        "HAS_SESSION_TOKEN={}",
        credentials.session_token().is_some()
    );

    let sts = aws_sdk_sts::Client::new(&config);
    let token =
        std::fs::read_to_string(std::env::var("AWS_WEB_IDENTITY_TOKEN_FILE").unwrap()).unwrap();
    let assumed = sts
        .assume_role_with_web_identity()
        .role_arn(ROLE_ARN)
        .role_session_name("sdk-explicit")
        .web_identity_token(token)
        .send()
        .await
        .expect("AssumeRoleWithWebIdentity");
    println!(
        "ASSUMED_ROLE_ARN={}",
        assumed
            .assumed_role_user()
            .map(|user| user.arn())
            .unwrap_or_default()
    );
    let refused = sts
        .assume_role_with_web_identity()
        .role_arn(ROLE_ARN)
        .role_session_name("sdk-refused")
        .web_identity_token("not.a.token")
        .send()
        .await
        .expect_err("a garbage token is refused");
    println!("REFUSED_CODE={}", refused.code().unwrap_or("none"));
}
