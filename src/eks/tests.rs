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
            EksAction::from_request(method, path, &body),
            want,
            "{method} {path}"
        );
    }
    let create = EksAction::from_request("POST", "/clusters", &create_body("second")).unwrap();
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
        let err =
            EksAction::from_request("POST", "/clusters", body.to_string().as_bytes()).unwrap_err();
        assert!(
            matches!(err, EksError::InvalidParameter(_)),
            "case {name}: {err:?}"
        );
    }
    let err = EksAction::from_request("POST", "/clusters", b"{").unwrap_err();
    assert!(matches!(err, EksError::InvalidParameter(_)));
}

#[test]
fn a_created_cluster_has_its_own_issuer_and_can_be_deleted() {
    let mut world = world::load_default().unwrap();
    let EksAction::Write(action) =
        EksAction::from_request("POST", "/clusters", &create_body("second")).unwrap()
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
