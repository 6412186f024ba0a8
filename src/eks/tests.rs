use serde_json::json;

use super::*;
use crate::world;

fn create_body(name: &str) -> Vec<u8> {
    json!({"name": name, "roleArn": "arn:aws:iam::111122223333:role/eks",
           "resourcesVpcConfig": {"subnetIds": ["subnet-1"]}, "version": "1.30",
           "tags": {"team": "a"}})
    .to_string()
    .into_bytes()
}

/// Method, path, body, and the action (or refusal) they parse to.
type RouteCase = (
    &'static str,
    &'static str,
    Vec<u8>,
    Result<EksAction, EksError>,
);

#[test]
fn routes() {
    let cases: Vec<RouteCase> = vec![
        (
            "GET",
            "/clusters",
            Vec::new(),
            Ok(EksAction::Read(EksRead::ListClusters)),
        ),
        (
            "GET",
            "/clusters/",
            Vec::new(),
            Ok(EksAction::Read(EksRead::ListClusters)),
        ),
        (
            "GET",
            "/clusters/a",
            Vec::new(),
            Ok(EksAction::Read(EksRead::DescribeCluster {
                name: "a".into(),
            })),
        ),
        (
            "DELETE",
            "/clusters/a",
            Vec::new(),
            Ok(EksAction::Write(EksWrite::DeleteCluster {
                name: "a".into(),
            })),
        ),
        (
            "GET",
            "/clusters/a/node-groups",
            Vec::new(),
            Err(EksError::Unsupported {
                method: "GET".into(),
                path: "/clusters/a/node-groups".into(),
            }),
        ),
    ];
    for (method, path, body, want) in cases {
        assert_eq!(
            EksAction::from_request(method, path, "", &body),
            want,
            "{method} {path}"
        );
    }
    let create = EksAction::from_request("POST", "/clusters", "", &create_body("second")).unwrap();
    assert!(
        matches!(create, EksAction::Write(EksWrite::CreateCluster(ref input)) if input.name == "second")
    );
}

#[test]
fn create_cluster_refusals() {
    let cases: Vec<(&str, serde_json::Value)> = vec![
        ("not_json", json!("x")),
        ("no_role", json!({"name": "a", "resourcesVpcConfig": {}})),
        (
            "no_vpc_config",
            json!({"name": "a", "roleArn": "arn:aws:iam::111122223333:role/r"}),
        ),
        (
            "bad_name",
            json!({"name": "-a", "roleArn": "arn:aws:iam::111122223333:role/r", "resourcesVpcConfig": {}}),
        ),
        (
            "bad_role",
            json!({"name": "a", "roleArn": "role/r", "resourcesVpcConfig": {}}),
        ),
        (
            "bad_version",
            json!({"name": "a", "roleArn": "arn:aws:iam::111122223333:role/r", "resourcesVpcConfig": {}, "version": "latest"}),
        ),
    ];
    for (name, body) in cases {
        let err = EksAction::from_request("POST", "/clusters", "", body.to_string().as_bytes())
            .unwrap_err();
        assert!(
            matches!(err, EksError::InvalidParameter(_)),
            "case {name}: {err:?}"
        );
    }
    let err = EksAction::from_request("POST", "/clusters", "", b"{").unwrap_err();
    assert!(matches!(err, EksError::InvalidParameter(_)));
}

#[test]
fn a_created_cluster_has_its_own_issuer_and_can_be_deleted() {
    let mut world = world::load_default().unwrap();
    let EksAction::Write(action) =
        EksAction::from_request("POST", "/clusters", "", &create_body("second")).unwrap()
    else {
        panic!("CreateCluster is a write");
    };
    let created = apply(&mut world, &action, 1_700_000_000).unwrap();
    let cluster = &created["cluster"];
    assert_eq!(cluster["status"], "CREATING");
    assert_eq!(cluster["createdAt"], 1_700_000_000);
    assert_eq!(cluster["version"], "1.30");
    assert_eq!(cluster["tags"]["team"], "a");
    let issuer = cluster["identity"]["oidc"]["issuer"].as_str().unwrap();
    let id = issuer
        .strip_prefix("https://oidc.eks.us-west-2.amazonaws.com/id/")
        .unwrap();
    assert_eq!(id.len(), 32);
    assert!(id
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()));
    assert_ne!(issuer, world.default_cluster().oidc_issuer.as_str());
    world::validate(&world).unwrap();

    let described = execute(
        &world,
        &EksRead::DescribeCluster {
            name: "second".into(),
        },
        0,
    )
    .unwrap();
    assert_eq!(described["cluster"]["status"], "ACTIVE");
    assert_eq!(described["cluster"]["createdAt"], 1_700_000_000);

    assert_eq!(
        apply(&mut world, &action, 0).unwrap_err(),
        EksError::ClusterExists("second".into())
    );

    let delete = EksWrite::DeleteCluster {
        name: "second".into(),
    };
    assert_eq!(
        apply(&mut world, &delete, 0).unwrap()["cluster"]["status"],
        "DELETING"
    );
    assert_eq!(
        apply(&mut world, &delete, 0).unwrap_err(),
        EksError::NoSuchCluster("second".into())
    );
    let last = EksWrite::DeleteCluster {
        name: "eksworkshop-eksctl".into(),
    };
    assert!(matches!(
        apply(&mut world, &last, 0),
        Err(EksError::InvalidRequest(_))
    ));
}

/// The default world with two roles: `pi-role` trusts `pods.eks.amazonaws.com`,
/// `irsa-only` trusts only the cluster's OIDC provider.
fn world_with_pod_roles() -> crate::world::World {
    let mut world = world::load_default().unwrap();
    let trust = |principal: serde_json::Value, action: &str| {
        json!({"name": "x", "assumeRolePolicyDocument": {"Version": "2012-10-17",
               "Statement": [{"Effect": "Allow", "Principal": principal, "Action": action}]}})
    };
    for (name, principal, action) in [
        (
            "pi-role",
            json!({"Service": ["ec2.amazonaws.com", "pods.eks.amazonaws.com"]}),
            "sts:AssumeRole",
        ),
        (
            "irsa-only",
            json!({"Federated": "arn:aws:iam::111122223333:oidc-provider/x"}),
            "sts:AssumeRoleWithWebIdentity",
        ),
    ] {
        let mut role = trust(principal, action);
        role["name"] = json!(name);
        world.roles.push(serde_json::from_value(role).unwrap());
    }
    world
}

fn role_arn(world: &crate::world::World, name: &str) -> String {
    format!("arn:aws:iam::{}:role/{name}", world.account.id)
}

fn association_route(method: &str, path: &str, query: &str, body: serde_json::Value) -> EksAction {
    EksAction::from_request(method, path, query, body.to_string().as_bytes()).unwrap()
}

fn run(
    world: &mut crate::world::World,
    action: EksAction,
    now: u64,
) -> Result<serde_json::Value, EksError> {
    match action {
        EksAction::Read(read) => execute(world, &read, 0),
        EksAction::Write(write) => apply(world, &write, now),
    }
}

#[test]
fn pod_identity_associations_are_created_listed_updated_and_deleted() {
    let mut world = world_with_pod_roles();
    let base = "/clusters/eksworkshop-eksctl/pod-identity-associations";
    let role = role_arn(&world, "pi-role");
    let create = |ns: &str, sa: &str| {
        association_route(
            "POST",
            base,
            "",
            json!({"namespace": ns, "serviceAccount": sa, "roleArn": role, "tags": {"team": "a"}}),
        )
    };
    let created = run(&mut world, create("default", "pi-test"), 1_700_000_000).unwrap();
    let association = &created["association"];
    let id = association["associationId"].as_str().unwrap().to_owned();
    assert!(association::is_id(&id), "{id}");
    assert_eq!(
        association["associationArn"],
        format!(
            "arn:aws:eks:us-west-2:{}:podidentityassociation/eksworkshop-eksctl/{id}",
            world.account.id
        )
    );
    assert_eq!(association["createdAt"], 1_700_000_000);
    assert_eq!(association["disableSessionTags"], false);
    assert_eq!(association["tags"]["team"], "a");
    assert!(world
        .default_cluster()
        .pod_identity_association("default", "pi-test")
        .is_some());
    world::validate(&world).unwrap();

    // One per (namespace, service account).
    assert_eq!(
        run(&mut world, create("default", "pi-test"), 0).unwrap_err(),
        EksError::AssociationExists(id.clone())
    );
    for (ns, sa) in [("apps", "a"), ("apps", "b"), ("default", "other")] {
        run(&mut world, create(ns, sa), 1).unwrap();
    }

    // Filters, and pages in namespace/service-account order.
    let list = |world: &mut crate::world::World, query: &str| {
        run(world, association_route("GET", base, query, json!(null)), 0).unwrap()
    };
    let names = |page: &serde_json::Value| -> Vec<String> {
        page["associations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                format!(
                    "{}/{}",
                    a["namespace"].as_str().unwrap(),
                    a["serviceAccount"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        names(&list(&mut world, "namespace=apps")),
        ["apps/a", "apps/b"]
    );
    assert_eq!(
        names(&list(
            &mut world,
            "namespace=default&serviceAccount=pi-test"
        )),
        ["default/pi-test"]
    );
    let first = list(&mut world, "maxResults=3");
    assert_eq!(names(&first), ["apps/a", "apps/b", "default/other"]);
    let token = first["nextToken"].as_str().unwrap();
    let second = list(&mut world, &format!("maxResults=3&nextToken={token}"));
    assert_eq!(names(&second), ["default/pi-test"]);
    assert!(second.get("nextToken").is_none());
    let summary = second["associations"][0].as_object().unwrap();
    let mut fields: Vec<&str> = summary.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "associationArn",
            "associationId",
            "clusterName",
            "namespace",
            "serviceAccount"
        ]
    );

    // Describe, update, delete by id.
    let path = format!("{base}/{id}");
    let described = run(
        &mut world,
        association_route("GET", &path, "", json!(null)),
        0,
    )
    .unwrap();
    assert_eq!(described["association"]["roleArn"], role);
    let updated = run(
        &mut world,
        association_route("POST", &path, "", json!({"disableSessionTags": true})),
        1_700_000_100,
    )
    .unwrap();
    assert_eq!(updated["association"]["disableSessionTags"], true);
    assert_eq!(updated["association"]["modifiedAt"], 1_700_000_100);
    assert_eq!(updated["association"]["createdAt"], 1_700_000_000);
    assert!(
        world
            .default_cluster()
            .pod_identity_association("default", "pi-test")
            .unwrap()
            .disable_session_tags
    );
    run(
        &mut world,
        association_route("DELETE", &path, "", json!(null)),
        0,
    )
    .unwrap();
    assert!(world
        .default_cluster()
        .pod_identity_association("default", "pi-test")
        .is_none());
    assert_eq!(
        run(
            &mut world,
            association_route("GET", &path, "", json!(null)),
            0
        )
        .unwrap_err(),
        EksError::NoSuchAssociation(id)
    );
}

#[test]
fn pod_identity_association_refusals() {
    let world = world_with_pod_roles();
    let base = "/clusters/eksworkshop-eksctl/pod-identity-associations";
    let good = role_arn(&world, "pi-role");
    let body = |ns: &str, sa: &str, role: &str| {
        json!({"namespace": ns, "serviceAccount": sa, "roleArn": role}).to_string()
    };
    // Name, method, path, query, body, and the AWS code it must give.
    let cases: Vec<(&str, &str, String, &str, String, &str)> = vec![
        (
            "no_namespace",
            "POST",
            base.into(),
            "",
            json!({"serviceAccount": "s", "roleArn": good}).to_string(),
            "InvalidParameterException",
        ),
        (
            "bad_namespace",
            "POST",
            base.into(),
            "",
            body("Not_A_Label", "s", &good),
            "InvalidParameterException",
        ),
        (
            "bad_service_account",
            "POST",
            base.into(),
            "",
            body("default", "a b", &good),
            "InvalidParameterException",
        ),
        (
            "bad_role_arn",
            "POST",
            base.into(),
            "",
            body("default", "s", "role/x"),
            "InvalidParameterException",
        ),
        (
            "missing_role",
            "POST",
            base.into(),
            "",
            body("default", "s", &role_arn(&world, "nope")),
            "InvalidParameterException",
        ),
        (
            "role_not_trusting_pods",
            "POST",
            base.into(),
            "",
            body("default", "s", &role_arn(&world, "irsa-only")),
            "InvalidParameterException",
        ),
        (
            "not_json",
            "POST",
            base.into(),
            "",
            "{".into(),
            "InvalidParameterException",
        ),
        (
            "unknown_cluster",
            "POST",
            "/clusters/nope/pod-identity-associations".into(),
            "",
            body("default", "s", &good),
            "ResourceNotFoundException",
        ),
        (
            "unknown_cluster_list",
            "GET",
            "/clusters/nope/pod-identity-associations".into(),
            "",
            String::new(),
            "ResourceNotFoundException",
        ),
        (
            "max_results_0",
            "GET",
            base.into(),
            "maxResults=0",
            String::new(),
            "InvalidParameterException",
        ),
        (
            "max_results_101",
            "GET",
            base.into(),
            "maxResults=101",
            String::new(),
            "InvalidParameterException",
        ),
        (
            "max_results_text",
            "GET",
            base.into(),
            "maxResults=ten",
            String::new(),
            "InvalidParameterException",
        ),
        (
            "bad_next_token",
            "GET",
            base.into(),
            "nextToken=zz",
            String::new(),
            "InvalidParameterException",
        ),
        (
            "unknown_id",
            "GET",
            format!("{base}/a-0000000000000000a"),
            "",
            String::new(),
            "ResourceNotFoundException",
        ),
        (
            "unknown_id_update",
            "POST",
            format!("{base}/a-0000000000000000a"),
            "",
            "{}".into(),
            "ResourceNotFoundException",
        ),
        (
            "unknown_id_delete",
            "DELETE",
            format!("{base}/a-0000000000000000a"),
            "",
            String::new(),
            "ResourceNotFoundException",
        ),
        (
            "update_bad_role",
            "POST",
            format!("{base}/a-0000000000000000a"),
            "",
            json!({"roleArn": "x"}).to_string(),
            "InvalidParameterException",
        ),
    ];
    for (name, method, path, query, body, code) in cases {
        let mut world = world.clone();
        let result = EksAction::from_request(method, &path, query, body.as_bytes())
            .and_then(|action| run(&mut world, action, 0));
        let err = result.expect_err(name);
        let aws = crate::protocol::error::AwsError::from(err);
        assert_eq!(aws.code, code, "case {name}");
    }
}
