use std::fs;

use super::*;
use crate::s3::test_support::{get, put, TestStore, NOW, REGION};

fn open(dir: &Path, seeds: &[&str]) -> S3Store {
    let seeds: Vec<String> = seeds.iter().map(|s| (*s).to_owned()).collect();
    S3Store::open(dir, &seeds, REGION, 1024, NOW).unwrap()
}

#[test]
fn survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path(), &["seeded"]);
        store.create_bucket("made-later", NOW + 5).unwrap();
        put(
            &store,
            "seeded",
            "dir/k 1",
            b"hello",
            &[("x-amz-meta-a", "1"), ("content-type", "text/plain")],
        );
        put(&store, "seeded", "replaced", b"old", &[]);
        put(&store, "seeded", "replaced", b"new", &[]);
        put(&store, "seeded", "deleted", b"x", &[]);
        store.delete_object("seeded", "deleted").unwrap();
        store.create_bucket("dropped", NOW).unwrap();
        store.delete_bucket("dropped").unwrap();
    }
    // Seeds apply only to a fresh store: a new seed list on reopen changes nothing.
    let store = open(dir.path(), &["other-seed"]);
    let names: Vec<String> = store.buckets().into_iter().map(|b| b.name).collect();
    assert_eq!(names, ["made-later", "seeded"]);
    assert_eq!(store.bucket("made-later").unwrap().created, NOW + 5);
    let object = get(&store, "seeded", "dir/k 1", &[]).unwrap();
    assert_eq!(object.bytes(), b"hello");
    assert_eq!(object.header("x-amz-meta-a"), Some("1"));
    assert_eq!(object.header("content-type"), Some("text/plain"));
    assert_eq!(
        get(&store, "seeded", "replaced", &[]).unwrap().bytes(),
        b"new"
    );
    assert_eq!(
        get(&store, "seeded", "deleted", &[]).unwrap_err().code(),
        "NoSuchKey"
    );
    let files = fs::read_dir(dir.path().join("s3/buckets/seeded"))
        .unwrap()
        .count();
    assert_eq!(files, 4, "a metadata and a data file per live object");
    assert!(!dir.path().join("s3/buckets/dropped").exists());
}

#[test]
fn recovery_keeps_the_newest_generation_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let bucket_dir = dir.path().join("s3/buckets/b-1");
    {
        let store = open(dir.path(), &["b-1"]);
        put(&store, "b-1", "k", b"newest", &[]);
    }
    // Simulate crashes: an older generation of the same key that was never unlinked (in
    // the inline layout of earlier versions), a temp file that was never published, a data
    // file whose metadata never was, a staged upload, and the directory of a deleted bucket.
    let meta = ObjectMeta {
        key: "k".into(),
        size: 3,
        etag: "\"old\"".into(),
        last_modified: NOW,
        content_type: "binary/octet-stream".into(),
        metadata: Vec::new(),
        content_headers: Vec::new(),
        checksum: None,
    };
    let mut contents = object_file::encode(&meta).unwrap();
    contents.extend_from_slice(b"old");
    fs::write(bucket_dir.join(object_file::file_name(0)), contents).unwrap();
    fs::write(bucket_dir.join(".x.object.1.tmp"), b"partial").unwrap();
    fs::write(bucket_dir.join(object_file::data_file_name(99)), b"orphan").unwrap();
    fs::write(dir.path().join("s3/tmp/0000.upload"), b"staged").unwrap();
    fs::create_dir_all(dir.path().join("s3/buckets/ghost")).unwrap();
    let store = open(dir.path(), &[]);
    assert_eq!(get(&store, "b-1", "k", &[]).unwrap().bytes(), b"newest");
    assert_eq!(fs::read_dir(&bucket_dir).unwrap().count(), 2);
    assert_eq!(fs::read_dir(dir.path().join("s3/tmp")).unwrap().count(), 0);
    assert!(!dir.path().join("s3/buckets/ghost").exists());
    put(&store, "b-1", "k", b"after", &[]);
    assert_eq!(
        get(&store, "b-1", "k", &[]).unwrap().bytes(),
        b"after",
        "generations continue past the highest"
    );
}

#[test]
fn open_refuses_bad_state() {
    let cases = [
        ("corrupt_index", "not json", "InternalError"),
        ("wrong_shape", "{\"buckets\": 3}", "InternalError"),
    ];
    for (name, index, code) in cases {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("s3")).unwrap();
        fs::write(dir.path().join("s3/buckets.json"), index).unwrap();
        let got = S3Store::open(dir.path(), &[], REGION, 1024, NOW).unwrap_err();
        assert_eq!(got.code(), code, "case {name}");
    }
    let dir = tempfile::tempdir().unwrap();
    let got = S3Store::open(dir.path(), &["Bad_Seed".to_owned()], REGION, 1024, NOW).unwrap_err();
    assert_eq!(got.code(), "InvalidBucketName", "case bad_seed");
}

#[test]
fn recreated_bucket_starts_empty() {
    let store = TestStore::with_buckets(&["b-1"]);
    put(&store, "b-1", "k", b"x", &[]);
    store.delete_object("b-1", "k").unwrap();
    store.delete_bucket("b-1").unwrap();
    assert_eq!(store.create_bucket("b-1", NOW).unwrap(), Creation::Created);
    assert_eq!(
        store.with_objects("b-1", |objects| objects.len()).unwrap(),
        0
    );
    let reopened = open(store.dir(), &[]);
    assert_eq!(
        reopened
            .with_objects("b-1", |objects| objects.len())
            .unwrap(),
        0
    );
}

#[test]
fn owner_is_derived_from_the_account() {
    let store = TestStore::with_buckets(&[]);
    let default_owner = store.owner_id().to_owned();
    assert_eq!(default_owner.len(), 64);
    assert!(default_owner.bytes().all(|b| b.is_ascii_hexdigit()));
    let dir = tempfile::tempdir().unwrap();
    let mine = open(dir.path(), &[]).with_owner_account("111122223333");
    assert_eq!(mine.owner_id(), canonical_user_id("111122223333"));
    assert_ne!(mine.owner_id(), default_owner);
}

#[test]
fn concurrent_puts_and_reads_stay_consistent() {
    let store = TestStore::with_buckets(&["b-1"]);
    std::thread::scope(|scope| {
        for writer in 0..4u8 {
            let store = &*store;
            scope.spawn(move || {
                for round in 0..20u8 {
                    put(store, "b-1", "shared", &[writer; 64], &[]);
                    put(
                        store,
                        "b-1",
                        &format!("own-{writer}-{round}"),
                        &[round],
                        &[],
                    );
                }
            });
        }
        for _ in 0..2 {
            let store = &*store;
            scope.spawn(move || {
                for _ in 0..50 {
                    if let Ok(response) = get(store, "b-1", "shared", &[]) {
                        let body = response.bytes();
                        let first = body[0];
                        assert!(body.iter().all(|b| *b == first), "a read mixes two writes");
                        assert_eq!(
                            response.header("etag"),
                            Some(crate::s3::wire::etag(&body).as_str())
                        );
                    }
                }
            });
        }
    });
    assert_eq!(
        store.with_objects("b-1", |objects| objects.len()).unwrap(),
        81
    );
    let files = fs::read_dir(store.dir().join("s3/buckets/b-1"))
        .unwrap()
        .count();
    assert_eq!(files, 2 * 81, "superseded generations are unlinked");
}
