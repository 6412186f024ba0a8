use axum::http::{HeaderMap, HeaderValue, StatusCode};
use hyper::body::Bytes;

use super::*;

fn answer(status: u16, headers: &[(&'static str, &str)], body: &str) -> Answer {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        map.insert(*name, HeaderValue::from_str(value).expect("header value"));
    }
    Answer {
        status: StatusCode::from_u16(status).expect("status"),
        headers: map,
        body: Bytes::from(body.to_owned()),
    }
}

const XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

#[test]
fn reads_provider_lists() {
    let cases: [(&str, String, &[&str]); 3] = [
        (
            "two",
            format!("<ListOpenIDConnectProvidersResponse xmlns=\"{XMLNS}\"><ListOpenIDConnectProvidersResult><OpenIDConnectProviderList><member><Arn>arn:a</Arn></member><member><Arn>arn:b</Arn></member></OpenIDConnectProviderList></ListOpenIDConnectProvidersResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListOpenIDConnectProvidersResponse>"),
            &["arn:a", "arn:b"],
        ),
        (
            "empty_element",
            "<ListOpenIDConnectProvidersResponse><ListOpenIDConnectProvidersResult><OpenIDConnectProviderList/></ListOpenIDConnectProvidersResult></ListOpenIDConnectProvidersResponse>".to_owned(),
            &[],
        ),
        (
            "open_and_close",
            "<ListOpenIDConnectProvidersResponse><ListOpenIDConnectProvidersResult><OpenIDConnectProviderList></OpenIDConnectProviderList></ListOpenIDConnectProvidersResult></ListOpenIDConnectProvidersResponse>".to_owned(),
            &[],
        ),
    ];
    for (name, body, want) in cases {
        let output: ListProvidersResponse =
            xml_answer("ListOpenIDConnectProviders", &answer(200, &[], &body))
                .unwrap_or_else(|err| panic!("case {name}: {err}"));
        let arns: Vec<String> = output
            .result
            .list
            .member
            .into_iter()
            .map(|entry| entry.arn)
            .collect();
        assert_eq!(arns, want, "case {name}");
    }
}

#[test]
fn reads_the_created_role() {
    let body = format!("<CreateRoleResponse xmlns=\"{XMLNS}\"><CreateRoleResult><Role><Path>/</Path><AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument><RoleId>AROAX</RoleId><RoleName>r</RoleName><Arn>arn:aws:iam::111122223333:role/r</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate></Role></CreateRoleResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></CreateRoleResponse>");
    let output: CreateRoleResponse =
        xml_answer("CreateRole", &answer(200, &[], &body)).unwrap_or_else(|err| panic!("{err}"));
    assert_eq!(output.result.role.role_name, "r");
    assert_eq!(output.result.role.arn, "arn:aws:iam::111122223333:role/r");
}

#[test]
fn refusals_name_the_aws_code() {
    let xml = format!("<ErrorResponse xmlns=\"{XMLNS}\"><Error><Type>Sender</Type><Code>EntityAlreadyExists</Code><Message>Role with name r already exists.</Message></Error><RequestId>x</RequestId></ErrorResponse>");
    let cases = [
        (
            "query_xml",
            answer(409, &[(REASON_HEADER, "role r exists")], &xml),
            Some((
                "EntityAlreadyExists",
                "Role with name r already exists.",
                Some("role r exists"),
            )),
        ),
        (
            "rest_json",
            answer(
                404,
                &[
                    (
                        "x-amzn-errortype",
                        "ResourceNotFoundException:http://internal/",
                    ),
                    // A reason that repeats the message is dropped.
                    (REASON_HEADER, "No cluster found for name: x."),
                ],
                r#"{"message":"No cluster found for name: x."}"#,
            ),
            Some((
                "ResourceNotFoundException",
                "No cluster found for name: x.",
                None,
            )),
        ),
        (
            "rest_json_namespaced",
            answer(
                403,
                &[("x-amzn-errortype", "com.amazonaws#AccessDeniedException")],
                r#"{"Message":"no"}"#,
            ),
            Some(("AccessDeniedException", "no", None)),
        ),
        (
            "not_an_error_document",
            answer(502, &[], "Bad Gateway"),
            None,
        ),
    ];
    for (name, answer, want) in cases {
        let error = refusal("Op", &answer);
        match (&error, want) {
            (
                ClientError::Aws {
                    code,
                    message,
                    reason,
                    ..
                },
                Some((want_code, want_message, want_reason)),
            ) => {
                assert_eq!(code, want_code, "case {name}");
                assert_eq!(message, want_message, "case {name}");
                assert_eq!(reason.as_deref(), want_reason, "case {name}");
            }
            (ClientError::Unexpected { status, .. }, None) => {
                assert_eq!(*status, 502, "case {name}")
            }
            (other, _) => panic!("case {name}: {other:?}"),
        }
    }
}

#[test]
fn describe_cluster_without_an_issuer_is_read() {
    let body = r#"{"cluster":{"name":"c","arn":"arn:aws:eks:us-west-2:111122223333:cluster/c","identity":{}}}"#;
    let output: DescribeClusterOutput = json_answer("DescribeCluster", &answer(200, &[], body))
        .unwrap_or_else(|err| panic!("{err}"));
    assert!(output
        .cluster
        .identity
        .and_then(|identity| identity.oidc)
        .is_none());
}
