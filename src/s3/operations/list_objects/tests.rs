use crate::s3::test_support::{
    encode_path, execute, list_result as list, listed_object, listed_prefix as common,
    listing_bucket, put, TestStore, LISTING_KEYS as KEYS,
};

/// `<Contents>` as v1 lists it: with its owner.
fn contents(store: &TestStore, key: &str) -> String {
    listed_object(key, Some(store.owner_id()))
}

#[test]
fn lists_exact_documents() {
    let store = listing_bucket();
    put(&store, "b-1", "zz", b"x", &[]);
    let c = |key: &str| contents(&store, key);
    let all: String = KEYS.iter().map(|key| c(key)).collect();
    #[rustfmt::skip]
    let cases = [
        (
            "everything_with_owners",
            "",
            format!("<Name>b-1</Name><Prefix></Prefix><Marker></Marker><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>{all}{}", c("zz")),
        ),
        (
            "delimiter_rolls_up",
            "delimiter=%2F",
            format!(
                "<Name>b-1</Name><Prefix></Prefix><Marker></Marker><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>false</IsTruncated>{}{}{}{}{}",
                c("a.txt"), c("z z+.txt"), c("zz"), common("photos/"), common("videos/")
            ),
        ),
        (
            "truncated_without_delimiter_has_no_next_marker",
            "max-keys=2",
            format!("<Name>b-1</Name><Prefix></Prefix><Marker></Marker><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>{}{}", c(KEYS[0]), c(KEYS[1])),
        ),
        (
            "truncated_with_delimiter_names_next_marker",
            "delimiter=%2F&max-keys=2",
            format!(
                "<Name>b-1</Name><Prefix></Prefix><Marker></Marker><NextMarker>photos/</NextMarker><MaxKeys>2</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated>{}{}",
                c("a.txt"), common("photos/")
            ),
        ),
        (
            "complete_with_delimiter_has_no_next_marker",
            "prefix=photos%2F&delimiter=%2F&max-keys=3",
            format!(
                "<Name>b-1</Name><Prefix>photos/</Prefix><Marker></Marker><MaxKeys>3</MaxKeys><Delimiter>/</Delimiter><IsTruncated>false</IsTruncated>{}{}{}",
                c("photos/index.html"), common("photos/2023/"), common("photos/2024/")
            ),
        ),
        (
            "starts_after_marker",
            "marker=photos%2Findex.html&max-keys=2",
            format!(
                "<Name>b-1</Name><Prefix></Prefix><Marker>photos/index.html</Marker><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>{}{}",
                c("videos/v.mp4"), c("z z+.txt")
            ),
        ),
        (
            "marker_on_a_common_prefix_skips_it",
            "delimiter=%2F&marker=photos%2F",
            format!(
                "<Name>b-1</Name><Prefix></Prefix><Marker>photos/</Marker><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>false</IsTruncated>{}{}{}",
                c("z z+.txt"), c("zz"), common("videos/")
            ),
        ),
        (
            "marker_before_prefix_starts_at_prefix",
            "prefix=v&marker=a",
            format!("<Name>b-1</Name><Prefix>v</Prefix><Marker>a</Marker><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>{}", c("videos/v.mp4")),
        ),
        (
            "url_encodes_every_echoed_text",
            "prefix=z&delimiter=%2B&marker=z%20&encoding-type=url",
            format!(
                "<Name>b-1</Name><Prefix>z</Prefix><Marker>z+</Marker><MaxKeys>1000</MaxKeys><Delimiter>%2B</Delimiter><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>{}{}",
                c("zz"), common("z+z%2B")
            ),
        ),
        (
            "url_encodes_next_marker",
            "prefix=z&delimiter=%20&max-keys=1&encoding-type=url",
            format!(
                "<Name>b-1</Name><Prefix>z</Prefix><Marker></Marker><NextMarker>z+</NextMarker><MaxKeys>1</MaxKeys><Delimiter>+</Delimiter><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>{}",
                common("z+")
            ),
        ),
        (
            "url_encodes_keys",
            "prefix=z%20&encoding-type=url",
            format!("<Name>b-1</Name><Prefix>z+</Prefix><Marker></Marker><MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>{}", c("z+z%2B.txt")),
        ),
        (
            "max_keys_zero_is_complete",
            "max-keys=0",
            "<Name>b-1</Name><Prefix></Prefix><Marker></Marker><MaxKeys>0</MaxKeys><IsTruncated>false</IsTruncated>".to_owned(),
        ),
        (
            "max_keys_capped",
            "max-keys=5000&prefix=v",
            format!("<Name>b-1</Name><Prefix>v</Prefix><Marker></Marker><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>{}", c("videos/v.mp4")),
        ),
        (
            "marker_past_the_end",
            "marker=zzz",
            "<Name>b-1</Name><Prefix></Prefix><Marker>zzz</Marker><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>".to_owned(),
        ),
    ];
    for (name, query, want) in cases {
        assert_eq!(list(&store, query), want, "case {name}");
    }
}

/// Follows pages as botocore's paginator does (`NextMarker`, else the last key) and
/// returns every entry (`key` or `prefix/`) per page, keys first.
fn pages(store: &TestStore, query: &str) -> Vec<Vec<String>> {
    let texts = |body: &str, open: &str| -> Vec<String> {
        body.split(open)
            .skip(1)
            .map(|rest| rest.split('<').next().unwrap_or_default().to_owned())
            .collect()
    };
    let mut pages = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let full = match &marker {
            None => query.to_owned(),
            Some(marker) => format!("{query}&marker={}", encode_path(marker)),
        };
        let body = list(store, &full);
        let keys = texts(&body, "<Key>");
        let prefixes = texts(&body, "<CommonPrefixes><Prefix>");
        let next = texts(&body, "<NextMarker>").pop().or(keys.last().cloned());
        pages.push(keys.into_iter().chain(prefixes).collect());
        if !body.contains("<IsTruncated>true") || pages.len() > 20 {
            return pages;
        }
        marker = next;
    }
}

#[test]
fn paginates_without_repeats_or_gaps() {
    let store = listing_bucket();
    let cases: [(&str, &str, &[&[&str]]); 4] = [
        (
            "threes",
            "max-keys=3",
            &[&KEYS[..3], &KEYS[3..6], &KEYS[6..]],
        ),
        ("exact_fit_ends", "max-keys=7", &[&KEYS]),
        (
            "prefixes_one_by_one",
            "prefix=photos%2F&delimiter=%2F&max-keys=1",
            &[&["photos/2023/"], &["photos/2024/"], &["photos/index.html"]],
        ),
        (
            "prefix_group_not_split",
            "delimiter=%2F&max-keys=2",
            &[&["a.txt", "photos/"], &["z z+.txt", "videos/"]],
        ),
    ];
    for (name, query, want) in cases {
        let want: Vec<Vec<String>> = want
            .iter()
            .map(|page| page.iter().map(|entry| (*entry).to_owned()).collect())
            .collect();
        assert_eq!(pages(&store, query), want, "case {name}");
    }
}

#[test]
fn refuses_bad_requests() {
    let store = listing_bucket();
    let cases = [
        ("missing_bucket", "/b-2", "", "NoSuchBucket"),
        (
            "missing_bucket_with_prefix",
            "/b-2",
            "prefix=a",
            "NoSuchBucket",
        ),
        (
            "negative_max_keys",
            "/b-1",
            "max-keys=-1",
            "InvalidArgument",
        ),
        ("word_max_keys", "/b-1", "max-keys=ten", "InvalidArgument"),
        ("empty_max_keys", "/b-1", "max-keys=", "InvalidArgument"),
        (
            "huge_max_keys",
            "/b-1",
            "max-keys=2147483648",
            "InvalidArgument",
        ),
        (
            "bad_encoding",
            "/b-1",
            "encoding-type=base64",
            "InvalidArgument",
        ),
    ];
    for (name, path, query, want) in cases {
        let got = execute(&store, "GET", path, Some(query), &[], b"").unwrap_err();
        assert_eq!(got.code(), want, "case {name}");
    }
}
