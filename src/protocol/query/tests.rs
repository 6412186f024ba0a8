use super::*;

#[test]
fn parameters_come_from_the_body_and_the_url() {
    let cases = [
        (
            "body_only",
            None,
            Some("Action=GetCallerIdentity&Version=2011-06-15"),
            Ok(("GetCallerIdentity", Some("2011-06-15"))),
        ),
        (
            "url_only",
            Some("Action=AssumeRoleWithWebIdentity&Version=2011-06-15"),
            None,
            Ok(("AssumeRoleWithWebIdentity", Some("2011-06-15"))),
        ),
        (
            "split",
            Some("Action=X"),
            Some("Version=2010-05-08"),
            Ok(("X", Some("2010-05-08"))),
        ),
        (
            "percent_and_plus_decoded",
            None,
            Some("Action=A%42+C"),
            Ok(("AB C", None)),
        ),
        (
            "no_action",
            None,
            Some("Version=2011-06-15"),
            Err(QueryError::MissingAction),
        ),
        ("empty", None, Some(""), Err(QueryError::MissingAction)),
        (
            "duplicate",
            Some("Action=A"),
            Some("Action=B"),
            Err(QueryError::DuplicateParameter("Action".into())),
        ),
    ];
    for (name, query, body, want) in cases {
        let got = QueryRequest::parse(query, body.map(str::as_bytes));
        let got = got
            .as_ref()
            .map(|r| (r.action.as_str(), r.version.as_deref()))
            .map_err(Clone::clone);
        assert_eq!(got, want, "case {name}");
    }
}

/// What reading a list gives.
type ListRead<'a> = Result<Vec<&'a str>, QueryError>;

#[test]
fn lists_are_read_whole_or_refused() {
    use ListProblem::*;
    let malformed = |parameter: &str, problem| {
        Err(QueryError::MalformedList {
            parameter: parameter.to_owned(),
            problem,
        })
    };
    let arn = Some("arn");
    let ten: String = (1..=10)
        .map(|i| format!("PolicyArns.member.{i}.arn={i}&"))
        .collect();
    #[rustfmt::skip]
    let cases: Vec<(&str, &str, Option<&'static str>, ListRead)> = vec![
        ("absent_is_empty", "", arn, Ok(vec![])),
        ("bare_empty_is_empty", "PolicyArns=", arn, Ok(vec![])),
        ("in_order", "PolicyArns.member.2.arn=two&PolicyArns.member.1.arn=one", arn, Ok(vec!["one", "two"])),
        ("ten_sorts_after_nine", &ten, arn,
            Ok(vec!["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"])),
        ("plain_values", "Names.member.1=x", None, Ok(vec!["x"])),
        ("other_lists_untouched", "PolicyArnsExtra.member.3.arn=x&Policy=p", arn, Ok(vec![])),
        ("gap_before_first", "PolicyArns.member.2.arn=two", arn, malformed("PolicyArns.member.2.arn", Gap { missing: 1 })),
        ("gap_in_middle", "PolicyArns.member.1.arn=a&PolicyArns.member.3.arn=c", arn, malformed("PolicyArns.member.3.arn", Gap { missing: 2 })),
        ("index_zero", "PolicyArns.member.0.arn=a", arn, malformed("PolicyArns.member.0.arn", BadIndex)),
        ("leading_zero", "PolicyArns.member.1.arn=a&PolicyArns.member.01.arn=b", arn, malformed("PolicyArns.member.01.arn", BadIndex)),
        ("word_index", "PolicyArns.member.one.arn=a", arn, malformed("PolicyArns.member.one.arn", BadIndex)),
        ("negative_index", "PolicyArns.member.-1.arn=a", arn, malformed("PolicyArns.member.-1.arn", BadIndex)),
        ("empty_index", "PolicyArns.member..arn=a", arn, malformed("PolicyArns.member..arn", BadIndex)),
        ("huge_index", "PolicyArns.member.99999999999999999999999.arn=a", arn, malformed("PolicyArns.member.99999999999999999999999.arn", BadIndex)),
        ("field_in_other_case", "PolicyArns.member.1.Arn=a", arn, malformed("PolicyArns.member.1.Arn", WrongField { expected: arn })),
        ("field_missing", "PolicyArns.member.1=a", arn, malformed("PolicyArns.member.1", WrongField { expected: arn })),
        ("field_on_plain_list", "Names.member.1.arn=a", None, malformed("Names.member.1.arn", WrongField { expected: None })),
        ("index_without_member", "PolicyArns.1.arn=a", arn, malformed("PolicyArns.1.arn", IndexWithoutMember)),
        ("member_in_other_case", "PolicyArns.Member.1.arn=a", arn, malformed("PolicyArns.Member.1.arn", NotMember)),
        ("scalar_value", "PolicyArns=arn:aws:iam::aws:policy/ReadOnlyAccess", arn, malformed("PolicyArns", ScalarValue)),
    ];
    for (name, body, field, want) in cases {
        let body = format!("Action=A&{body}");
        let request = QueryRequest::parse(None, Some(body.as_bytes())).unwrap();
        let list_name = if name.starts_with("plain") || name == "field_on_plain_list" {
            "Names"
        } else {
            "PolicyArns"
        };
        assert_eq!(request.list(list_name, field), want, "case {name}");
    }
}

#[test]
fn names_in_another_case_are_refused() {
    let known = ["PolicyArns", "Policy", "DurationSeconds"];
    let wrong_case = |given: &str, expected| {
        Err(QueryError::WrongCase {
            given: given.to_owned(),
            expected,
        })
    };
    let cases = [
        (
            "exact_names",
            "Policy=p&PolicyArns.member.1.arn=a&DurationSeconds=900",
            Ok(()),
        ),
        (
            "unrelated_names_are_left_alone",
            "X-Amz-Date=1&Other=2",
            Ok(()),
        ),
        (
            "list_name",
            "policyArns.member.1.arn=a",
            wrong_case("policyArns.member.1.arn", "PolicyArns"),
        ),
        (
            "all_lower",
            "policyarns.member.1.arn=a",
            wrong_case("policyarns.member.1.arn", "PolicyArns"),
        ),
        ("scalar", "policy=p", wrong_case("policy", "Policy")),
        (
            "upper",
            "DURATIONSECONDS=900",
            wrong_case("DURATIONSECONDS", "DurationSeconds"),
        ),
    ];
    for (name, body, want) in cases {
        let body = format!("Action=A&{body}");
        let request = QueryRequest::parse(None, Some(body.as_bytes())).unwrap();
        assert_eq!(request.check_case(&known), want, "case {name}");
    }
}

#[test]
fn list_reading_never_panics() {
    let pieces = [
        "PolicyArns",
        ".",
        "member",
        "1",
        "0",
        "arn",
        "Arn",
        "=",
        "x",
        "&",
        "%2E",
        "99999999999999999999",
        "-",
        "",
    ];
    for a in pieces {
        for b in pieces {
            for c in pieces {
                for d in pieces {
                    let body = format!("Action=A&{a}{b}{c}{d}=v&{d}{c}{b}{a}=w");
                    if let Ok(request) = QueryRequest::parse(None, Some(body.as_bytes())) {
                        let _ = request.list("PolicyArns", Some("arn"));
                        let _ = request.list("PolicyArns", None);
                        let _ = request.check_case(&["PolicyArns"]);
                    }
                }
            }
        }
    }
}

#[test]
fn too_many_parameters_are_refused() {
    let body: String = (0..=MAX_PARAMETERS).map(|i| format!("p{i}=v&")).collect();
    assert_eq!(
        QueryRequest::parse(None, Some(body.as_bytes())),
        Err(QueryError::TooManyParameters)
    );
}

#[test]
fn envelope_wraps_the_result_and_request_id() {
    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Result {
        account: &'static str,
        arn: &'static str,
    }
    let xml = render_envelope(
        "GetCallerIdentity",
        "https://sts.amazonaws.com/doc/2011-06-15/",
        Some(&Result {
            account: "1",
            arn: "a<b",
        }),
        "req-1",
    )
    .unwrap();
    assert_eq!(
        xml,
        concat!(
            r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">"#,
            "<GetCallerIdentityResult><Account>1</Account><Arn>a&lt;b</Arn></GetCallerIdentityResult>",
            "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>",
            "</GetCallerIdentityResponse>"
        )
    );
    let empty = render_envelope::<()>("DeleteRole", "ns", None, "r").unwrap();
    assert_eq!(
        empty,
        r#"<DeleteRoleResponse xmlns="ns"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteRoleResponse>"#
    );
}
