use super::*;

fn query(params: &[(&str, &str)]) -> QueryRequest {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Action", "Test");
    for (name, value) in params {
        form.append_pair(name, value);
    }
    QueryRequest::parse(None, Some(form.finish().as_bytes())).unwrap()
}

#[test]
fn rules_word_their_constraints_as_aws_does() {
    let long_name = "r".repeat(65);
    #[rustfmt::skip]
    let cases = [
        ("role_name_ok", ROLE_NAME, "my-role_1+=,.@", None),
        ("role_name_empty", ROLE_NAME, "", Some("Member must have length greater than or equal to 1")),
        ("role_name_long", ROLE_NAME, long_name.as_str(), Some("Member must have length less than or equal to 64")),
        ("role_name_slash", ROLE_NAME, "a/b", Some(r"Member must satisfy regular expression pattern: [\w+=,.@-]+")),
        ("role_name_unicode", ROLE_NAME, "rôle", Some(r"Member must satisfy regular expression pattern: [\w+=,.@-]+")),
        ("path_root", PATH, "/", None),
        ("path_nested", PATH, "/team/app/", None),
        ("path_no_trailing_slash", PATH, "/team", Some(r"Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)")),
        ("path_double_slash", PATH, "//", Some(r"Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)")),
        ("path_space", PATH, "/a b/", Some(r"Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)")),
        ("policy_path_nested", POLICY_PATH, "/a/b.c/", None),
        ("policy_path_empty_segment", POLICY_PATH, "/a//", Some(r"Member must satisfy regular expression pattern: ((/[A-Za-z0-9\.,\+@=_-]+)*)/")),
        ("policy_path_star", POLICY_PATH, "/a*/", Some(r"Member must satisfy regular expression pattern: ((/[A-Za-z0-9\.,\+@=_-]+)*)/")),
        ("path_prefix_partial", PATH_PREFIX, "/te", None),
        ("path_prefix_relative", PATH_PREFIX, "te/", Some(r"Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*")),
        ("document_latin1", POLICY_DOCUMENT, "{\"a\":\"é\"}\n", None),
        ("document_emoji", POLICY_DOCUMENT, "{\"a\":\"😀\"}", Some(r"Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+")),
        ("description_empty", ROLE_DESCRIPTION, "", None),
        ("description_control", ROLE_DESCRIPTION, "a\u{7f}", Some(r"Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*")),
        ("arn_short", ARN, "arn:aws:iam::1:x", Some("Member must have length greater than or equal to 20")),
        ("thumbprint_short", THUMBPRINT, "abc", Some("Member must have length greater than or equal to 40")),
        ("tag_key_unicode_letters", TAG_KEY, "Équipe 名前:x/y=z+-@", None),
        ("tag_key_star", TAG_KEY, "a*b", Some(r"Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+")),
        ("tag_key_tab", TAG_KEY, "a\tb", Some(r"Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+")),
        ("tag_value_empty", TAG_VALUE, "", None),
        ("version_plain", VERSION_ID, "v12", None),
        ("version_suffix", VERSION_ID, "v1.abc-2", None),
        ("version_zero", VERSION_ID, "v0", Some(r"Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?")),
        ("version_no_v", VERSION_ID, "1", Some(r"Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?")),
    ];
    for (name, rule, value, want) in cases {
        assert_eq!(rule.broken_by(value).as_deref(), want, "case {name}");
    }
}

#[test]
fn problems_are_reported_together_after_a_missing_parameter_check() {
    let q = query(&[
        ("RoleName", "a/b"),
        ("MaxSessionDuration", "60"),
        ("Path", "x"),
    ]);
    let mut p = Params::new(&q);
    assert_eq!(p.required("RoleName", &ROLE_NAME).unwrap(), "a/b");
    assert_eq!(p.integer("MaxSessionDuration", 3600, 43_200), None);
    assert_eq!(p.optional("Path", &PATH).as_deref(), Some("x"));
    assert_eq!(
        p.required("AssumeRolePolicyDocument", &POLICY_DOCUMENT),
        Err(IamError::MissingParameter(
            "AssumeRolePolicyDocument".into()
        ))
    );
    let Err(IamError::Validation(problems)) = p.finish() else {
        panic!("expected validation problems");
    };
    let problems = problems.problems();
    assert_eq!(
        problems,
        [
            r"Value 'a/b' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+",
            "Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600",
            r"Value 'x' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
        ]
    );
}

#[test]
fn scalars_read_as_typed_values() {
    let q = query(&[
        ("Big", "50000"),
        ("Word", "ten"),
        ("Huge", "99999999999999999999999"),
        ("Yes", "TRUE"),
        ("Maybe", "perhaps"),
        ("Scope", "Local"),
        ("BadScope", "local"),
    ]);
    let mut p = Params::new(&q);
    assert_eq!(p.integer("Big", 3600, 43_200), None, "too big");
    assert_eq!(p.integer("Word", 3600, 43_200), None, "not a number");
    assert_eq!(p.integer("Huge", 3600, 43_200), None, "overflow");
    assert_eq!(p.integer("Absent", 3600, 43_200), None, "absent");
    assert!(p.boolean("Yes"));
    assert!(!p.boolean("Maybe"));
    assert!(!p.boolean("Absent"));
    assert_eq!(p.one_of("Scope", &["All", "AWS", "Local"]), Some("Local"));
    assert_eq!(p.one_of("BadScope", &["All", "AWS", "Local"]), None);
    let Err(IamError::Validation(problems)) = p.finish() else {
        panic!("expected validation problems");
    };
    let problems = problems.problems();
    assert_eq!(problems.len(), 5, "{problems:?}");
    assert!(problems[4].ends_with("Member must satisfy enum value set: [All, AWS, Local]"));
}

#[test]
fn lists_distinguish_absent_from_empty() {
    let q = query(&[("Empty", ""), ("Ids.member.1", "a"), ("Ids.member.2", "")]);
    let mut p = Params::new(&q);
    assert_eq!(p.list("Absent", &CLIENT_ID), Ok(None));
    assert_eq!(p.list("Empty", &CLIENT_ID), Ok(Some(vec![])));
    assert_eq!(
        p.list("Ids", &CLIENT_ID),
        Ok(Some(vec!["a".into(), String::new()]))
    );
    assert_eq!(
        p.required_list("Absent", &CLIENT_ID),
        Err(IamError::MissingParameter("Absent".into()))
    );
    let Err(IamError::Validation(problems)) = p.finish() else {
        panic!("expected validation problems");
    };
    let problems = problems.problems();
    assert_eq!(
        problems,
        ["Value '' at 'ids.2.member' failed to satisfy constraint: Member must have length greater than or equal to 1"]
    );
}

/// Name, parameters, and the tag count or a fragment of the refusal.
type TagCase = (
    &'static str,
    Vec<(&'static str, &'static str)>,
    Result<usize, &'static str>,
);

#[test]
fn tags_read_in_pairs() {
    #[rustfmt::skip]
    let cases: [TagCase; 5] = [
        ("two_tags", vec![("Tags.member.1.Key", "a"), ("Tags.member.1.Value", "1"), ("Tags.member.2.Key", "b"), ("Tags.member.2.Value", "")], Ok(2)),
        ("no_tags", vec![], Ok(0)),
        ("duplicate_keys_ignore_case", vec![("Tags.member.1.Key", "Env"), ("Tags.member.1.Value", "1"), ("Tags.member.2.Key", "env"), ("Tags.member.2.Value", "2")], Err("duplicate")),
        ("missing_value", vec![("Tags.member.1.Key", "a")], Err("Value null at 'tags.1.member.value'")),
        ("bad_key", vec![("Tags.member.1.Key", "a*"), ("Tags.member.1.Value", "1")], Err("at 'tags.1.member.key'")),
    ];
    for (name, params, want) in cases {
        let q = query(&params);
        let mut p = Params::new(&q);
        let got = p
            .tags("Tags")
            .and_then(|tags| p.finish().map(|()| tags.len()));
        match (got, want) {
            (Ok(count), Ok(want)) => assert_eq!(count, want, "case {name}"),
            (Err(IamError::DuplicateTagKeys), Err("duplicate")) => {}
            (Err(IamError::Validation(problems)), Err(text)) => {
                assert!(
                    problems.problems()[0].contains(text),
                    "case {name}: {problems:?}"
                );
            }
            (got, _) => panic!("case {name}: got {got:?}"),
        }
    }
    let many: Vec<(String, String)> = (1..=51)
        .flat_map(|i| {
            [
                (format!("Tags.member.{i}.Key"), format!("k{i}")),
                (format!("Tags.member.{i}.Value"), "v".to_owned()),
            ]
        })
        .collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let q = query(&many);
    let mut p = Params::new(&q);
    p.tags("Tags").unwrap();
    let Err(IamError::Validation(problems)) = p.finish() else {
        panic!("51 tags must be refused");
    };
    let problems = problems.problems();
    assert!(problems[0].ends_with("Member must have length less than or equal to 50"));
}

#[test]
fn pages_start_at_the_marker() {
    #[rustfmt::skip]
    let cases = [
        ("defaults", vec![], Ok(Page { start: 0, max_items: 100 })),
        ("both", vec![("Marker", "3"), ("MaxItems", "2")], Ok(Page { start: 3, max_items: 2 })),
        ("zero_items", vec![("MaxItems", "0")], Err("ValidationError")),
        ("too_many_items", vec![("MaxItems", "1001")], Err("ValidationError")),
        ("foreign_marker", vec![("Marker", "AAAA")], Err("InvalidMarker")),
        ("empty_marker", vec![("Marker", "")], Err("ValidationError")),
    ];
    for (name, params, want) in cases {
        let q = query(&params);
        let mut p = Params::new(&q);
        let got = p.page().and_then(|page| p.finish().map(|()| page));
        let got = got.map_err(|err| match err {
            IamError::Validation(_) => "ValidationError",
            IamError::InvalidMarker { .. } => "InvalidMarker",
            _ => "other",
        });
        assert_eq!(got, want, "case {name}");
    }
}

#[test]
fn tags_merge_and_remove_ignoring_case() {
    let mut tags = BTreeMap::from([
        ("Env".to_owned(), "prod".to_owned()),
        ("team".to_owned(), "a".to_owned()),
    ]);
    merge_tags(
        &mut tags,
        &[
            ("env".to_owned(), "dev".to_owned()),
            ("new".to_owned(), String::new()),
        ],
    );
    assert_eq!(
        tags.iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
        [("env", "dev"), ("new", ""), ("team", "a")],
        "the new spelling replaces the old key"
    );
    remove_tags(&mut tags, &["TEAM".to_owned(), "absent".to_owned()]);
    assert_eq!(tags.keys().collect::<Vec<_>>(), ["env", "new"]);
}

#[test]
fn documents_parse_under_their_grammar() {
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let permissions =
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;
    let legacy = r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;
    assert!(trust_document(trust).is_ok());
    assert!(matches!(
        trust_document(permissions),
        Err(IamError::MalformedPolicyDocument(_))
    ));
    assert!(matches!(
        trust_document("{"),
        Err(IamError::PolicyNotJson(_))
    ));
    assert!(permissions_document(permissions).is_ok());
    assert!(
        permissions_document(legacy).is_ok(),
        "inline policies may be legacy"
    );
    assert!(matches!(
        permissions_document(trust),
        Err(IamError::MalformedPolicyDocument(_))
    ));
    assert!(managed_document(permissions).is_ok());
    assert_eq!(
        managed_document(legacy).err(),
        Some(IamError::LegacyPolicyVersion)
    );
    let spaced: serde_json::Value = serde_json::from_str("{ \"a b\" : [ 1 , 2 ] }").unwrap();
    assert_eq!(policy_size(&spaced), r#"{"ab":[1,2]}"#.len());
}
