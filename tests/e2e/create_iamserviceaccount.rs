//! `create-iamserviceaccount` through the library's client against the real router over
//! HTTP: the refusals before anything is created, the whole workshop step, and eksctl's
//! exclusion of a service account that already exists.

use std::sync::Arc;

use irsa_local::client::create_service_account::{self, CreateError, Options, Outcome, Progress};
use irsa_local::client::target::{Credentials, Endpoint, Target};
use irsa_local::client::Client;
use irsa_local::clock::SystemClock;
use irsa_local::sigv4::SecretKey;
use serde_json::json;

use crate::support::{default_world, TestServer, DEFAULT_CLUSTER};

const READ_ONLY: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

fn client(server: &TestServer) -> Client {
    let target = Target {
        endpoint: Endpoint::parse(&server.base_url).expect("endpoint"),
        credentials: Credentials {
            access_key_id: "test".to_owned(),
            secret_access_key: SecretKey::new("test".to_owned()),
            session_token: None,
        },
        region: "us-west-2".to_owned(),
    };
    Client::new(target, Arc::new(SystemClock))
}

fn options(cluster: &str, namespace: &str, name: &str) -> Options {
    Options {
        cluster: cluster.to_owned().try_into().expect("cluster"),
        namespace: namespace.to_owned().try_into().expect("namespace"),
        name: name.to_owned().try_into().expect("name"),
        attach_policy_arns: vec![READ_ONLY.to_owned()],
        role_name: None,
        override_existing_service_accounts: false,
    }
}

/// Runs the command, collecting its progress lines.
async fn run(
    server: &TestServer,
    options: &Options,
) -> (Result<Outcome, CreateError>, Vec<String>) {
    let mut lines = Vec::new();
    let result = create_service_account::run(&client(server), options, &mut |step: &Progress| {
        lines.push(step.to_string());
    })
    .await;
    (result, lines)
}

#[tokio::test]
async fn an_unknown_cluster_is_refused_with_eks_error() {
    let server = TestServer::start().await;
    let (result, lines) = run(&server, &options("no-such-cluster", "apps", "s3-reader")).await;
    let error = result.expect_err("refused");
    let CreateError::Client(client_error) = &error else {
        panic!("{error}");
    };
    assert_eq!(
        client_error.aws_code(),
        Some("ResourceNotFoundException"),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("when calling the DescribeCluster operation"),
        "{error}"
    );
    assert!(lines.is_empty(), "nothing happened: {lines:?}");
}

#[tokio::test]
async fn a_cluster_without_a_provider_is_refused() {
    let mut world = default_world();
    world["clusters"].as_array_mut().expect("clusters").push(json!({
        "name": "second",
        "oidcIssuer": "https://oidc.eks.us-west-2.amazonaws.com/id/5EC0ND0000000000000000000000000A",
    }));
    let server = TestServer::start_with_world(&world).await;
    let (result, _) = run(&server, &options("second", "apps", "s3-reader")).await;
    let error = result.expect_err("refused");
    assert!(matches!(error, CreateError::NoProvider { .. }), "{error}");
    let text = error.to_string();
    assert!(
        text.contains("no IAM OIDC provider associated with cluster \"second\""),
        "{text}"
    );
    assert!(
        text.contains(&format!("--endpoint-url {}", server.base_url)),
        "{text}"
    );
}

/// The client's Kubernetes calls against the server's ServiceAccount routes: create,
/// create again, read, merge-patch, and the answers for what does not exist.
#[tokio::test]
async fn service_account_calls_round_trip() {
    use std::collections::BTreeMap;

    use irsa_local::client::{CreateOutcome, ObjectMeta, ServiceAccount};
    use irsa_local::world::{ClusterName, Namespace, ServiceAccountName};

    let server = TestServer::start().await;
    let client = client(&server);
    let cluster = ClusterName::try_from(DEFAULT_CLUSTER.to_owned()).expect("cluster");
    let namespace = Namespace::try_from("apps".to_owned()).expect("namespace");
    let name = ServiceAccountName::try_from("round-trip".to_owned()).expect("name");
    let annotations = BTreeMap::from([("a".to_owned(), "1".to_owned())]);
    let account = ServiceAccount::new(&namespace, &name, annotations, BTreeMap::new());

    let absent = client
        .read_service_account(&cluster, &namespace, &name)
        .await;
    assert_eq!(absent.expect("read"), None, "not created yet");
    let created = client
        .create_service_account(&cluster, &namespace, &account)
        .await
        .expect("create");
    let CreateOutcome::Created(object) = created else {
        panic!("{created:?}");
    };
    assert_eq!(object.metadata.annotations["a"], "1");
    let again = client
        .create_service_account(&cluster, &namespace, &account)
        .await
        .expect("create again");
    assert_eq!(again, CreateOutcome::AlreadyExists);

    let patch = ObjectMeta {
        annotations: BTreeMap::from([("b".to_owned(), "2".to_owned())]),
        labels: BTreeMap::from([(
            "app.kubernetes.io/managed-by".to_owned(),
            "eksctl".to_owned(),
        )]),
        ..ObjectMeta::default()
    };
    let patched = client
        .patch_service_account_metadata(&cluster, &namespace, &name, &patch)
        .await
        .expect("patch");
    let read = client
        .read_service_account(&cluster, &namespace, &name)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(patched, read);
    let pairs: Vec<(&str, &str)> = read
        .metadata
        .annotations
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [("a", "1"), ("b", "2")],
        "the merge patch keeps what it does not name"
    );
    assert_eq!(
        read.metadata.labels["app.kubernetes.io/managed-by"],
        "eksctl"
    );

    // An unknown cluster is a missing route, not a missing service account.
    let unknown = ClusterName::try_from("no-such-cluster".to_owned()).expect("cluster");
    let refused = client
        .read_service_account(&unknown, &namespace, &name)
        .await
        .expect_err("no such cluster");
    assert_eq!(refused.kubernetes_reason(), Some("NotFound"), "{refused}");
}
#[tokio::test]
async fn the_workshop_step_creates_the_role_and_annotates_the_service_account() {
    let server = TestServer::start().await;
    let (result, lines) = run(&server, &options(DEFAULT_CLUSTER, "apps", "s3-reader")).await;
    let Outcome::Created { role_arn } = result.unwrap_or_else(|err| panic!("{err}")) else {
        panic!("excluded: {lines:?}");
    };
    assert!(
        role_arn.starts_with(
            "arn:aws:iam::111122223333:role/eksctl-eksworkshop-eksctl-addon-iamserviceacc-Role1-"
        ),
        "{role_arn}"
    );
    assert!(
        lines.contains(&"created serviceaccount \"apps/s3-reader\"".to_owned()),
        "{lines:?}"
    );

    let account = server
        .get("/k8s/eksworkshop-eksctl/api/v1/namespaces/apps/serviceaccounts/s3-reader")
        .await
        .json();
    assert_eq!(
        account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
        role_arn.as_str()
    );
    assert_eq!(
        account["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "eksctl"
    );
}

#[tokio::test]
async fn an_existing_service_account_is_excluded_unless_overridden() {
    let server = TestServer::start().await;
    let mut existing = options(DEFAULT_CLUSTER, "default", "iam-test");
    let (result, lines) = run(&server, &existing).await;
    assert_eq!(
        result.unwrap_or_else(|err| panic!("{err}")),
        Outcome::Excluded
    );
    assert!(
        lines.iter().any(|line| line.contains("will be excluded")),
        "{lines:?}"
    );

    existing.override_existing_service_accounts = true;
    existing.role_name = Some(
        "iam-test-overridden"
            .to_owned()
            .try_into()
            .expect("role name"),
    );
    let (result, lines) = run(&server, &existing).await;
    let role_arn = match result.unwrap_or_else(|err| panic!("{err}")) {
        Outcome::Created { role_arn } => role_arn,
        Outcome::Excluded => panic!("excluded: {lines:?}"),
    };
    assert_eq!(
        role_arn,
        "arn:aws:iam::111122223333:role/iam-test-overridden"
    );
    assert!(
        lines.contains(&"updated serviceaccount \"default/iam-test\"".to_owned()),
        "{lines:?}"
    );
    let account = server
        .get("/k8s/eksworkshop-eksctl/api/v1/namespaces/default/serviceaccounts/iam-test")
        .await
        .json();
    assert_eq!(
        account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
        role_arn.as_str()
    );
}
