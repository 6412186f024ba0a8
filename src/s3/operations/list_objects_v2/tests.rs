use crate::s3::test_support::{
    execute, list_result as list, listed_object, listed_prefix as common, listing_bucket, put,
    TestStore, LISTING_KEYS as KEYS,
};
use crate::s3::wire::{decode_token, encode_token};

fn contents(key: &str) -> String {
    listed_object(key, None)
}

#[test]
fn lists_exact_documents() {
    let store = listing_bucket();
    let all: String = KEYS.iter().map(|key| contents(key)).collect();
    let first_two: String = KEYS[..2].iter().map(|key| contents(key)).collect();
    let cases = [
        (
            "everything",
            "list-type=2",
            format!("<Name>b-1</Name><Prefix></Prefix><MaxKeys>1000</MaxKeys><KeyCount>7</KeyCount><IsTruncated>false</IsTruncated>{all}"),
        ),
        (
            "delimiter_rolls_up",
            "list-type=2&delimiter=%2F",
            format!(
                "<Name>b-1</Name><Prefix></Prefix><Delimiter>/</Delimiter><MaxKeys>1000</MaxKeys><KeyCount>4</KeyCount><IsTruncated>false</IsTruncated>{}{}{}{}",
                contents("a.txt"), contents("z z+.txt"), common("photos/"), common("videos/")
            ),
        ),
        (
            "prefix_and_delimiter",
            "list-type=2&prefix=photos%2F&delimiter=%2F",
            format!(
                "<Name>b-1</Name><Prefix>photos/</Prefix><Delimiter>/</Delimiter><MaxKeys>1000</MaxKeys><KeyCount>3</KeyCount><IsTruncated>false</IsTruncated>{}{}{}",
                contents("photos/index.html"), common("photos/2023/"), common("photos/2024/")
            ),
        ),
        (
            "first_page",
            "list-type=2&max-keys=2",
            format!(
                "<Name>b-1</Name><Prefix></Prefix><MaxKeys>2</MaxKeys><KeyCount>2</KeyCount><IsTruncated>true</IsTruncated><NextContinuationToken>{}</NextContinuationToken>{first_two}",
                encode_token("photos/2023/feb.jpg")
            ),
        ),
        (
            "start_after",
            "list-type=2&start-after=photos%2Findex.html",
            format!(
                "<Name>b-1</Name><Prefix></Prefix><MaxKeys>1000</MaxKeys><KeyCount>2</KeyCount><IsTruncated>false</IsTruncated><StartAfter>photos/index.html</StartAfter>{}{}",
                contents("videos/v.mp4"), contents("z z+.txt")
            ),
        ),
        (
            "url_encoding",
            "list-type=2&prefix=z&encoding-type=url",
            format!("<Name>b-1</Name><Prefix>z</Prefix><MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated>{}", contents("z+z%2B.txt")),
        ),
        (
            "max_keys_zero_is_complete",
            "list-type=2&max-keys=0",
            "<Name>b-1</Name><Prefix></Prefix><MaxKeys>0</MaxKeys><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>".to_owned(),
        ),
        (
            "max_keys_capped",
            "list-type=2&max-keys=5000&prefix=v",
            format!("<Name>b-1</Name><Prefix>v</Prefix><MaxKeys>1000</MaxKeys><KeyCount>1</KeyCount><IsTruncated>false</IsTruncated>{}", contents("videos/v.mp4")),
        ),
        (
            "no_match",
            "list-type=2&prefix=nothing",
            "<Name>b-1</Name><Prefix>nothing</Prefix><MaxKeys>1000</MaxKeys><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>".to_owned(),
        ),
    ];
    for (name, query, want) in cases {
        assert_eq!(list(&store, query), want, "case {name}");
    }
}

#[test]
fn fetch_owner_adds_the_owner() {
    let store = TestStore::with_buckets(&["b-1"]);
    put(&store, "b-1", "k", b"x", &[]);
    let body = list(&store, "list-type=2&fetch-owner=true");
    let owner = format!("<Owner><ID>{}</ID></Owner>", store.owner_id());
    assert!(
        body.contains(&format!("<Size>1</Size>{owner}<StorageClass>")),
        "{body}"
    );
}

/// Follows continuation tokens and returns every entry (`key` or `prefix/`) per page.
fn pages(store: &TestStore, query: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let full = match &token {
            None => query.to_owned(),
            Some(token) => format!(
                "{query}&continuation-token={}",
                token
                    .replace('+', "%2B")
                    .replace('=', "%3D")
                    .replace('/', "%2F")
            ),
        };
        let body = list(store, &full);
        let entries: Vec<String> = body
            .split("<Key>")
            .skip(1)
            .map(|rest| rest.split('<').next().unwrap_or_default().to_owned())
            .chain(
                body.split("<CommonPrefixes><Prefix>")
                    .skip(1)
                    .map(|rest| rest.split('<').next().unwrap_or_default().to_owned()),
            )
            .collect();
        let key_count = format!("<KeyCount>{}</KeyCount>", entries.len());
        assert!(body.contains(&key_count), "{body}");
        pages.push(entries);
        token = body
            .split("<NextContinuationToken>")
            .nth(1)
            .map(|rest| rest.split('<').next().unwrap_or_default().to_owned());
        assert_eq!(
            body.contains("<IsTruncated>true"),
            token.is_some(),
            "token iff truncated: {body}"
        );
        if token.is_none() || pages.len() > 20 {
            return pages;
        }
    }
}

#[test]
fn paginates_without_repeats_or_gaps() {
    let store = listing_bucket();
    let cases: [(&str, &str, &[&[&str]]); 4] = [
        (
            "pairs",
            "list-type=2&max-keys=3",
            &[&KEYS[..3], &KEYS[3..6], &KEYS[6..]],
        ),
        ("exact_fit_ends", "list-type=2&max-keys=7", &[&KEYS]),
        (
            "prefixes_one_by_one",
            "list-type=2&prefix=photos%2F&delimiter=%2F&max-keys=1",
            &[&["photos/2023/"], &["photos/2024/"], &["photos/index.html"]],
        ),
        (
            "prefix_group_not_split",
            "list-type=2&delimiter=%2F&max-keys=2",
            &[&["a.txt", "photos/"], &["videos/", "z z+.txt"]],
        ),
    ];
    for (name, query, want) in cases {
        let got = pages(&store, query);
        let mut got_sorted: Vec<Vec<String>> = got.clone();
        let mut want: Vec<Vec<String>> = want
            .iter()
            .map(|page| page.iter().map(|e| (*e).to_owned()).collect())
            .collect();
        // Within a page the document lists Contents before CommonPrefixes.
        for page in got_sorted.iter_mut().chain(want.iter_mut()) {
            page.sort();
        }
        assert_eq!(got_sorted, want, "case {name}");
    }
}

#[test]
fn token_resumes_after_its_position() {
    let store = listing_bucket();
    let token = encode_token("photos/2024/mar.jpg");
    let encoded = token
        .replace('=', "%3D")
        .replace('+', "%2B")
        .replace('/', "%2F");
    let body = list(
        &store,
        &format!("list-type=2&continuation-token={encoded}&start-after=a.txt"),
    );
    assert!(
        body.contains(&format!("<ContinuationToken>{token}</ContinuationToken>")),
        "{body}"
    );
    assert!(body.starts_with("<Name>b-1</Name>"), "{body}");
    assert!(
        body.contains("<KeyCount>3</KeyCount>"),
        "token wins over start-after: {body}"
    );
    assert_eq!(decode_token(&token).unwrap(), "photos/2024/mar.jpg");
}

#[test]
fn refuses_bad_requests() {
    let store = listing_bucket();
    let cases = [
        ("missing_bucket", "/b-2", "list-type=2", "NoSuchBucket"),
        (
            "foreign_token",
            "/b-1",
            "list-type=2&continuation-token=abc",
            "InvalidArgument",
        ),
        (
            "negative_max_keys",
            "/b-1",
            "list-type=2&max-keys=-1",
            "InvalidArgument",
        ),
        (
            "huge_max_keys",
            "/b-1",
            "list-type=2&max-keys=2147483648",
            "InvalidArgument",
        ),
        (
            "bad_encoding",
            "/b-1",
            "list-type=2&encoding-type=base64",
            "InvalidArgument",
        ),
        (
            "bad_fetch_owner",
            "/b-1",
            "list-type=2&fetch-owner=yes",
            "InvalidArgument",
        ),
        ("list_type_3", "/b-1", "list-type=3", "InvalidArgument"),
    ];
    for (name, path, query, want) in cases {
        let got = execute(&store, "GET", path, Some(query), &[], b"").unwrap_err();
        assert_eq!(got.code(), want, "case {name}");
    }
}
