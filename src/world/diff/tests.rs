use super::*;
use crate::world::fixtures::role;
use crate::world::{load_default, ServiceAccount};

fn account(namespace: &str, name: &str) -> ServiceAccount {
    serde_json::from_value(serde_json::json!({"namespace": namespace, "name": name})).unwrap()
}

/// A world with roles `r0`..`r4` and service accounts `ns/sa0`..`ns/sa4`.
fn world() -> World {
    let mut world = load_default().unwrap();
    world.roles = (0..5).map(|i| role(&format!("r{i}"))).collect();
    world.clusters[0].service_accounts = (0..5).map(|i| account("ns", &format!("sa{i}"))).collect();
    world
}

/// The diff as `(changed kind:key…, removed kind:key…)`, sorted.
fn summary(diff: &Diff<'_>) -> (Vec<String>, Vec<String>) {
    let mut changed: Vec<String> = diff
        .changed
        .iter()
        .map(|e| format!("{}:{}", e.kind().name(), e.key()))
        .collect();
    let mut removed: Vec<String> = diff
        .removed
        .iter()
        .map(|(kind, key)| format!("{}:{key}", kind.name()))
        .collect();
    changed.sort();
    removed.sort();
    (changed, removed)
}

type Change = fn(&mut World);

#[test]
fn each_kind_of_change_is_found_and_nothing_else() {
    let cases: [(&str, Change, &[&str], &[&str]); 11] = [
        ("nothing", |_| {}, &[], &[]),
        (
            "a role pushed",
            |w| w.roles.push(role("new")),
            &["role:new"],
            &[],
        ),
        (
            "the first role removed",
            |w| {
                w.roles.remove("r0");
            },
            &[],
            &["role:r0"],
        ),
        (
            "a middle role removed",
            |w| {
                w.roles.remove("r2");
            },
            &[],
            &["role:r2"],
        ),
        (
            "a role edited in place",
            |w| w.roles.get_mut("r3").unwrap().description = Some("d".into()),
            &["role:r3"],
            &[],
        ),
        (
            "a role removed and added again",
            |w| {
                let old = w.roles.remove("r1").unwrap();
                w.roles.push(Role::clone(&old));
            },
            &["role:r1"],
            &[],
        ),
        (
            "a role pushed, then removed",
            |w| {
                w.roles.push(role("brief"));
                w.roles.remove("brief");
            },
            &[],
            &[],
        ),
        (
            "a service account pushed",
            |w| w.clusters[0].service_accounts.push(account("ns", "new")),
            &["serviceAccount:CLUSTER/ns/new"],
            &[],
        ),
        (
            "a service account removed",
            |w| {
                w.clusters[0].service_accounts.remove("ns/sa4");
            },
            &[],
            &["serviceAccount:CLUSTER/ns/sa4"],
        ),
        (
            "a cluster's tag",
            |w| {
                w.clusters[0].tags.insert("k".into(), "v".into());
            },
            &["cluster:CLUSTER"],
            &[],
        ),
        (
            "events only (not saved)",
            |w| w.clusters[0].events.push(Arc::new(serde_json::json!({}))),
            &[],
            &[],
        ),
    ];
    for (case, change, changed, removed) in cases {
        let before = world();
        let name = before.clusters[0].name.to_string();
        let mut after = before.clone();
        change(&mut after);
        let diff = Diff::between(&before, &after);
        let fix = |keys: &[&str]| -> Vec<String> {
            let mut keys: Vec<String> = keys.iter().map(|k| k.replace("CLUSTER", &name)).collect();
            keys.sort();
            keys
        };
        assert_eq!(summary(&diff), (fix(changed), fix(removed)), "{case}");
    }
}

#[test]
fn a_table_made_anew_is_compared_row_by_row() {
    let before = world();
    let mut after = before.clone();
    after.roles = [role("r0"), role("other")].into_iter().collect();
    let (changed, removed) = summary(&Diff::between(&before, &after));
    assert_eq!(changed, ["role:other", "role:r0"]);
    assert_eq!(removed, ["role:r1", "role:r2", "role:r3", "role:r4"]);
}

#[test]
fn a_removed_cluster_takes_its_children_with_it() {
    let mut before = world();
    let mut second = before.clusters[0].clone();
    second.name = "second".to_owned().try_into().unwrap();
    second.oidc_issuer = "https://oidc.example/id/SECOND"
        .to_owned()
        .try_into()
        .unwrap();
    second.service_accounts = [account("a", "one")].into_iter().collect();
    before.clusters.push(second);
    let mut after = before.clone();
    after.clusters.pop();
    let (changed, removed) = summary(&Diff::between(&before, &after));
    assert!(changed.is_empty(), "{changed:?}");
    assert!(
        removed.contains(&"cluster:second".to_owned()),
        "{removed:?}"
    );
    assert!(
        removed.contains(&"serviceAccount:second/a/one".to_owned()),
        "{removed:?}"
    );
}

#[test]
fn everything_lists_each_entity_once() {
    let world = world();
    let (changed, removed) = summary(&Diff::everything(&world));
    assert!(removed.is_empty());
    let unique: std::collections::HashSet<&String> = changed.iter().collect();
    assert_eq!(unique.len(), changed.len(), "no entity twice");
    assert_eq!(changed.iter().filter(|k| k.starts_with("role:")).count(), 5);
    assert_eq!(
        changed
            .iter()
            .filter(|k| k.starts_with("serviceAccount:"))
            .count(),
        5
    );
}

#[test]
fn the_cluster_row_leaves_out_the_children() {
    let world = world();
    let json = Entity::Cluster(&world.clusters[0]).to_json().unwrap();
    assert!(json.get("serviceAccounts").is_none(), "{json}");
    assert!(json.get("pods").is_none(), "{json}");
    assert_eq!(json["name"], world.clusters[0].name.as_str());
}

#[test]
fn a_change_that_touches_one_entity_finds_one_in_a_large_world() {
    let mut before = world();
    before.roles = (0..2000).map(|i| role(&format!("r{i}"))).collect();
    let mut after = before.clone();
    after.roles.push(role("one-more"));
    let diff = Diff::between(&before, &after);
    assert_eq!(diff.changed.len(), 1);
    assert!(diff.removed.is_empty());
}
