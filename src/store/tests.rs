use std::sync::Arc;

use super::*;

fn base() -> World {
    world::load_default().unwrap()
}

fn role(name: &str) -> world::Role {
    serde_json::from_value(serde_json::json!({
        "name": name,
        "assumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                           "Action": "sts:AssumeRole"}]
        }
    }))
    .unwrap()
}

fn add_role(store: &Store, name: &str) {
    store
        .update(|world| {
            world.roles.push(role(name));
            Ok::<_, ()>(())
        })
        .unwrap();
}

fn role_names(store: &Store) -> Vec<String> {
    store
        .current()
        .world()
        .roles
        .iter()
        .map(|r| r.name.to_string())
        .collect()
}

#[test]
fn a_change_is_published_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(base(), dir.path(), false).unwrap();
    let before = store.current();
    add_role(&store, "app");
    assert_eq!(role_names(&store), ["iam-test", "app"]);
    assert_eq!(
        before.world().roles.len(),
        1,
        "a held snapshot never changes"
    );
    drop(store);

    let reopened = Store::open(base(), dir.path(), false).unwrap();
    assert_eq!(role_names(&reopened), ["iam-test", "app"]);
}

#[test]
fn reset_serves_the_world_file_again() {
    let dir = tempfile::tempdir().unwrap();
    add_role(&Store::open(base(), dir.path(), false).unwrap(), "app");
    let reset = Store::open(base(), dir.path(), true).unwrap();
    assert_eq!(role_names(&reset), ["iam-test"]);
    assert!(!state_file(dir.path()).exists());
}

#[test]
fn a_refused_change_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(base(), dir.path(), false).unwrap();
    let result = store.update(|world| {
        world.roles.push(role("half-done"));
        Err::<(), _>("refused")
    });
    assert!(matches!(result, Err(UpdateError::Rejected("refused"))));
    assert_eq!(role_names(&store), ["iam-test"]);
    assert!(!state_file(dir.path()).exists());
}

#[test]
fn a_change_that_breaks_the_world_is_not_saved() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(base(), dir.path(), false).unwrap();
    // Role names are unique regardless of case; `validate` catches a change that forgot.
    let result = store.update(|world| {
        world.roles.push(role("IAM-TEST"));
        Ok::<_, ()>(())
    });
    match result {
        Err(UpdateError::Failed(problem)) => assert!(problem.contains("duplicate"), "{problem}"),
        other => panic!("expected Failed, got {other:?}"),
    }
    assert_eq!(role_names(&store), ["iam-test"]);
    assert!(!state_file(dir.path()).exists());
}

#[test]
fn concurrent_writers_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(base(), dir.path(), false).unwrap());
    let threads: Vec<_> = (0..8)
        .map(|thread| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                for index in 0..5 {
                    add_role(&store, &format!("role-{thread}-{index}"));
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(store.current().world().roles.len(), 41);
    let reopened = Store::open(base(), dir.path(), false).unwrap();
    assert_eq!(reopened.current().world().roles.len(), 41);
}

#[test]
fn the_state_file_leaves_out_unchanged_catalogue_policies() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(base(), dir.path(), false).unwrap();
    add_role(&store, "app");
    let saved = std::fs::read_to_string(state_file(dir.path())).unwrap();
    assert!(
        !saved.contains("ANPAIZTJ4DXE7G6AGAE6M"),
        "catalogue policy saved"
    );
    assert!(
        saved.contains("AmazonS3ReadOnlyAccess"),
        "the role keeps its attachment"
    );
    let reopened = Store::open(base(), dir.path(), false).unwrap();
    assert_eq!(
        reopened.current().world().managed_policies.len(),
        base().managed_policies.len()
    );
}

#[test]
fn a_damaged_state_file_stops_the_start_and_names_reset() {
    let dir = tempfile::tempdir().unwrap();
    add_role(&Store::open(base(), dir.path(), false).unwrap(), "app");
    std::fs::write(state_file(dir.path()), b"{\"format\": 1, \"baseFin").unwrap();
    let err = Store::open(base(), dir.path(), false).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("world.json") && message.contains("--reset"),
        "{message}"
    );
    assert!(Store::open(base(), dir.path(), true).is_ok());
}

#[test]
fn a_new_cluster_gets_keys_and_keeps_the_old_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(base(), dir.path(), false).unwrap();
    let first_kid = {
        let snapshot = store.current();
        let cluster = snapshot.world().default_cluster();
        snapshot
            .keys_of(cluster)
            .unwrap()
            .signing()
            .kid()
            .to_owned()
    };
    store
        .update(|world| {
            let mut second = world.default_cluster().clone();
            second.name = "second".to_owned().try_into().unwrap();
            second.oidc_issuer = "https://oidc.example/id/SECOND"
                .to_owned()
                .try_into()
                .unwrap();
            second.service_accounts.clear();
            world.clusters.push(second);
            Ok::<_, ()>(())
        })
        .unwrap();
    let snapshot = store.current();
    let world = snapshot.world();
    let first = snapshot.keys_of(world.default_cluster()).unwrap();
    let second = snapshot.keys_of(world.cluster("second").unwrap()).unwrap();
    assert_eq!(first.signing().kid(), first_kid);
    assert_ne!(second.signing().kid(), first_kid);
}
