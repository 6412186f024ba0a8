use std::sync::Arc;

use super::*;
use crate::world::fixtures::role;

fn base() -> World {
    world::load_default().unwrap()
}

fn add_role(store: &Store, name: &str) {
    store
        .update(|world| {
            world.roles.push(role(name));
            Ok::<_, ()>(())
        })
        .unwrap();
}

/// How many rows of `kind` the state database holds.
fn rows(data_dir: &std::path::Path, kind: &str) -> i64 {
    let connection = rusqlite::Connection::open(state_file(data_dir)).unwrap();
    connection
        .query_row(
            "SELECT count(*) FROM entity WHERE kind = ?1",
            [kind],
            |row| row.get(0),
        )
        .unwrap()
}

/// The state as `irsa-local state export` prints it.
fn export(data_dir: &std::path::Path) -> String {
    super::export(data_dir).unwrap().unwrap()
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
    drop(reset);
    let reopened = Store::open(base(), dir.path(), false).unwrap();
    assert_eq!(role_names(&reopened), ["iam-test"]);
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
    assert_eq!(rows(dir.path(), "role"), 0);
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
    assert_eq!(rows(dir.path(), "role"), 0);
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
    assert_eq!(
        rows(dir.path(), "managedPolicy"),
        0,
        "catalogue policies saved"
    );
    assert_eq!(rows(dir.path(), "role"), 2);
    let saved = export(dir.path());
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
    for name in ["world.db-wal", "world.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join("state").join(name));
    }
    std::fs::write(
        state_file(dir.path()),
        b"SQLite format 3\0 and then nothing",
    )
    .unwrap();
    let err = Store::open(base(), dir.path(), false).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("world.db") && message.contains("--reset"),
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
            second.service_accounts = Default::default();
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

#[test]
fn a_write_saves_only_the_rows_it_touched() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(base(), dir.path(), false).unwrap();
    for index in 0..50 {
        add_role(&store, &format!("role-{index}"));
    }
    assert_eq!(rows(dir.path(), "role"), 51);
    store
        .update(|world| {
            world.roles.get_mut("role-49").unwrap().description = Some("changed".to_owned());
            Ok::<_, ()>(())
        })
        .unwrap();
    let diff_rows = {
        let snapshot = store.current();
        let mut after = snapshot.world().clone();
        after.roles.get_mut("iam-test").unwrap().description = Some("x".to_owned());
        crate::world::diff::Diff::between(snapshot.world(), &after)
            .changed
            .len()
    };
    assert_eq!(diff_rows, 1, "one role changed, one row to write");
    let reopened = Store::open(base(), dir.path(), false).unwrap();
    let world = reopened.current();
    let last = world.world().roles.iter().next_back().unwrap();
    assert_eq!(last.description.as_deref(), Some("changed"));
    assert_eq!(
        last.name.as_str(),
        "role-49",
        "an update keeps the role's place"
    );
}

#[test]
fn a_state_saved_as_world_json_moves_into_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let mut world = base();
    world.roles.push(role("from-json"));
    let fingerprint = crate::world::fingerprint(&base());
    let json = crate::world::saved_json(&world, &fingerprint, |p| {
        p.arn.starts_with("arn:aws:iam::aws:")
    })
    .unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("world.json"), json).unwrap();
    std::fs::write(state.join(".world.json.123.tmp"), b"half a write").unwrap();

    let store = Store::open(base(), dir.path(), false).unwrap();
    assert_eq!(role_names(&store), ["iam-test", "from-json"]);
    assert!(!state.join("world.json").exists(), "moved, not copied");
    assert!(
        !state.join(".world.json.123.tmp").exists(),
        "leftovers removed"
    );
    drop(store);
    let reopened = Store::open(base(), dir.path(), false).unwrap();
    assert_eq!(role_names(&reopened), ["iam-test", "from-json"]);
}

#[test]
fn export_prints_a_world_file_that_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(base(), dir.path(), false).unwrap();
    add_role(&store, "exported");
    let text = export(dir.path());
    let world = crate::world::parse("export", &text, std::path::Path::new("/")).unwrap();
    let names: Vec<&str> = world.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["iam-test", "exported"]);
}

#[test]
fn export_without_saved_state_says_so() {
    let dir = tempfile::tempdir().unwrap();
    assert!(super::export(dir.path()).unwrap().is_none());
    assert!(!dir.path().join("state").exists(), "export creates nothing");
}
