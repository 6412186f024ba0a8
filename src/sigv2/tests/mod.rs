use axum::http::{HeaderMap, HeaderName, HeaderValue};

use super::*;

mod vectors;

use vectors::{Case, CLIENT_REQUESTS, DOC_EXAMPLES};

/// The secret of the S3 SigV2 documentation's examples.
const DOC_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn header_map(headers: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(*name), HeaderValue::try_from(*value))
        {
            map.append(name, value);
        }
    }
    map
}

fn view<'a>(case: &'a Case, headers: &'a HeaderMap) -> RequestView<'a> {
    RequestView {
        method: case.method,
        path: case.path,
        query: case.query,
        headers,
        authority: None,
    }
}

#[test]
fn documented_and_client_requests_verify() {
    let secret = SecretKey::new(DOC_SECRET.into());
    for case in DOC_EXAMPLES.iter().chain(&CLIENT_REQUESTS) {
        let headers = header_map(case.headers);
        let request = view(case, &headers);
        assert!(
            is_present(&request),
            "case {}: SigV2 is recognised",
            case.name
        );
        let auth = match parse(&request) {
            Ok(Some(auth)) => auth,
            other => panic!("case {}: parse gave {other:?}", case.name),
        };
        assert_eq!(
            string_to_sign(&request, &auth.form, case.bucket),
            case.string_to_sign,
            "case {}",
            case.name
        );
        assert_eq!(
            verify(&request, &auth, case.bucket, &secret, case.now),
            Ok(()),
            "case {}",
            case.name
        );
    }
}

/// A change to a request's headers, path or query.
type Tamper = fn(&mut Vec<(String, String)>, &mut String, &mut Option<String>);

/// Every vector, changed in one signed part, is refused with the string S3 computed.
#[test]
fn tampered_requests_do_not_verify() {
    let secret = SecretKey::new(DOC_SECRET.into());
    let tampers: [(&str, Tamper); 5] = [
        ("path_changed", |_, path, _| path.push('x')),
        ("subresource_added", |_, _, query| {
            let joined = query
                .as_deref()
                .map_or("acl".to_owned(), |q| format!("{q}&acl"));
            *query = Some(joined);
        }),
        ("amz_header_added", |headers, _, _| {
            headers.push(("x-amz-meta-extra".into(), "1".into()));
        }),
        ("content_type_added", |headers, _, _| {
            headers.retain(|(name, _)| name != "content-type");
            headers.push(("content-type".into(), "application/evil".into()));
        }),
        ("other_secret", |_, _, _| {}),
    ];
    for case in DOC_EXAMPLES.iter().chain(&CLIENT_REQUESTS) {
        for (tamper_name, tamper) in &tampers {
            let mut headers: Vec<(String, String)> = case
                .headers
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect();
            let mut path = case.path.to_owned();
            let mut query = case.query.map(str::to_owned);
            tamper(&mut headers, &mut path, &mut query);
            let pairs: Vec<(&str, &str)> = headers
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str()))
                .collect();
            let header_map = header_map(&pairs);
            let request = RequestView {
                method: case.method,
                path: &path,
                query: query.as_deref(),
                headers: &header_map,
                authority: None,
            };
            let key = if *tamper_name == "other_secret" {
                SecretKey::new("another-secret".into())
            } else {
                secret.clone()
            };
            let name = format!("{}+{tamper_name}", case.name);
            let auth = match parse(&request) {
                Ok(Some(auth)) => auth,
                other => panic!("case {name}: parse gave {other:?}"),
            };
            match verify(&request, &auth, case.bucket, &key, case.now) {
                Err(SigV2Error::SignatureDoesNotMatch {
                    string_to_sign,
                    signature_provided,
                    ..
                }) => {
                    assert_eq!(
                        string_to_sign,
                        super::string_to_sign(&request, &auth.form, case.bucket),
                        "case {name}"
                    );
                    assert_eq!(signature_provided, auth.signature, "case {name}");
                }
                other => panic!("case {name}: want SignatureDoesNotMatch, got {other:?}"),
            }
        }
    }
}

#[test]
fn time_is_checked_before_the_signature() {
    let secret = SecretKey::new(DOC_SECRET.into());
    let query_case = &DOC_EXAMPLES[7];
    let header_case = &DOC_EXAMPLES[0];
    let cases = [
        (
            "presigned_at_expiry_is_valid",
            query_case,
            1_175_139_620,
            Ok(()),
        ),
        (
            "presigned_after_expiry_is_expired",
            query_case,
            1_175_139_621,
            Err(SigV2Error::Expired {
                expires: 1_175_139_620,
                server_time: 1_175_139_621,
            }),
        ),
        (
            "header_15_minutes_late_is_valid",
            header_case,
            1_175_024_202 + 900,
            Ok(()),
        ),
        (
            "header_over_15_minutes_late_is_skewed",
            header_case,
            1_175_024_202 + 901,
            Err(SigV2Error::RequestTimeTooSkewed {
                request_time: 1_175_024_202,
                server_time: 1_175_025_103,
            }),
        ),
        (
            "header_from_the_future_is_skewed",
            header_case,
            1_175_024_202 - 901,
            Err(SigV2Error::RequestTimeTooSkewed {
                request_time: 1_175_024_202,
                server_time: 1_175_023_301,
            }),
        ),
    ];
    for (name, case, now, want) in cases {
        let headers = header_map(case.headers);
        let request = view(case, &headers);
        let auth = parse(&request).ok().flatten();
        let Some(auth) = auth else {
            panic!("case {name}: does not parse");
        };
        assert_eq!(
            verify(&request, &auth, case.bucket, &secret, now),
            want,
            "case {name}"
        );
    }
}

/// What [`parse`] gives.
type Parsed = Result<Option<Authorization>, SigV2Error>;
/// Header names and values.
type Headers = Vec<(&'static str, &'static str)>;

#[test]
fn signatures_parse_or_name_their_fault() {
    let token = Some("tok".to_owned());
    let header = |key: &str, signature: &str, time: u64, token: Option<String>| {
        Ok(Some(Authorization {
            access_key_id: key.into(),
            signature: signature.into(),
            form: SignatureForm::Header { request_time: time },
            security_token: token,
        }))
    };
    let query = |expires: u64, text: &str, token: Option<String>| {
        Ok(Some(Authorization {
            access_key_id: "AKID".into(),
            signature: "c2ln".into(),
            form: SignatureForm::Query {
                expires,
                expires_text: text.into(),
            },
            security_token: token,
        }))
    };
    const DATE: (&str, &str) = ("date", "Tue, 14 Nov 2023 22:13:20 GMT");
    const NOW: u64 = 1_700_000_000;
    #[rustfmt::skip]
    let cases: Vec<(&str, Option<&str>, Headers, Parsed)> = vec![
        ("unsigned", None, vec![DATE], Ok(None)),
        ("sigv4_header_is_not_sigv2", None, vec![("authorization", "AWS4-HMAC-SHA256 Credential=x"), DATE], Ok(None)),
        ("header", None, vec![("authorization", "AWS AKID:c2ln"), DATE], header("AKID", "c2ln", NOW, None)),
        ("header_with_token", None, vec![("authorization", "AWS AKID:c2ln"), DATE, ("x-amz-security-token", "tok")], header("AKID", "c2ln", NOW, token.clone())),
        ("x_amz_date_wins", None, vec![("authorization", "AWS AKID:c2ln"), ("x-amz-date", "Tue, 14 Nov 2023 22:13:21 +0000"), DATE], header("AKID", "c2ln", NOW + 1, None)),
        ("header_without_colon", None, vec![("authorization", "AWS AKID"), DATE], Err(SigV2Error::MalformedHeader("AWS AKID".into()))),
        ("header_without_signature", None, vec![("authorization", "AWS AKID:"), DATE], Err(SigV2Error::MalformedHeader("AWS AKID:".into()))),
        ("header_without_date", None, vec![("authorization", "AWS AKID:c2ln")], Err(SigV2Error::MissingDate)),
        ("header_with_bad_date", None, vec![("authorization", "AWS AKID:c2ln"), ("date", "yesterday")], Err(SigV2Error::MissingDate)),
        ("two_headers", None, vec![("authorization", "AWS AKID:c2ln"), ("authorization", "AWS AKID:c2ln"), DATE], Err(SigV2Error::MoreThanOneSignature)),
        ("header_and_query", Some("AWSAccessKeyId=AKID&Signature=c2ln&Expires=1"), vec![("authorization", "AWS AKID:c2ln"), DATE], Err(SigV2Error::MoreThanOneSignature)),
        ("header_and_sigv4_query", Some("X-Amz-Signature=00"), vec![("authorization", "AWS AKID:c2ln"), DATE], Err(SigV2Error::MoreThanOneSignature)),
        ("query", Some("AWSAccessKeyId=AKID&Signature=c2ln&Expires=1700000600"), vec![], query(1_700_000_600, "1700000600", None)),
        ("query_token_in_query", Some("AWSAccessKeyId=AKID&Signature=c2ln&Expires=1&x-amz-security-token=tok"), vec![], query(1, "1", token.clone())),
        ("query_token_in_header", Some("AWSAccessKeyId=AKID&Signature=c2ln&Expires=1"), vec![("x-amz-security-token", "tok")], query(1, "1", token.clone())),
        ("query_without_expires", Some("AWSAccessKeyId=AKID&Signature=c2ln"), vec![], Err(SigV2Error::IncompleteQuery)),
        ("query_without_key", Some("Signature=c2ln&Expires=1"), vec![], Err(SigV2Error::IncompleteQuery)),
        ("query_without_signature", Some("AWSAccessKeyId=AKID&Expires=1"), vec![], Err(SigV2Error::IncompleteQuery)),
        ("query_expires_not_a_number", Some("AWSAccessKeyId=AKID&Signature=c2ln&Expires=soon"), vec![], Err(SigV2Error::BadExpires("soon".into()))),
        ("query_expires_negative", Some("AWSAccessKeyId=AKID&Signature=c2ln&Expires=-1"), vec![], Err(SigV2Error::BadExpires("-1".into()))),
        ("query_expires_too_large", Some("AWSAccessKeyId=AKID&Signature=c2ln&Expires=99999999999999999999999"), vec![], Err(SigV2Error::BadExpires("99999999999999999999999".into()))),
        ("query_and_sigv4_query", Some("AWSAccessKeyId=AKID&Signature=c2ln&Expires=1&X-Amz-Algorithm=AWS4-HMAC-SHA256"), vec![], Err(SigV2Error::MoreThanOneSignature)),
    ];
    for (name, query_string, headers, want) in cases {
        let headers = header_map(&headers);
        let request = RequestView {
            method: "GET",
            path: "/b/k",
            query: query_string,
            headers: &headers,
            authority: None,
        };
        assert_eq!(parse(&request), want, "case {name}");
        let expect_present = !matches!(name, "unsigned" | "sigv4_header_is_not_sigv2");
        assert_eq!(
            is_present(&request),
            expect_present,
            "case {name}: is_present"
        );
    }
}

#[test]
fn regions_that_predate_sigv4_only() {
    let cases = [
        ("us_east_1", "us-east-1", true),
        ("us_west_2", "us-west-2", true),
        ("sa_east_1", "sa-east-1", true),
        ("eu_central_1_is_sigv4_only", "eu-central-1", false),
        ("us_east_2_is_sigv4_only", "us-east-2", false),
        ("empty", "", false),
    ];
    for (name, region, want) in cases {
        assert_eq!(is_supported_in(region), want, "case {name}");
    }
}

/// Random requests near SigV2's shapes never panic the parser, the string to sign or
/// the verifier.
#[test]
fn random_requests_never_panic() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let mut rng = StdRng::seed_from_u64(0x5167_0002);
    let pieces = [
        "AWSAccessKeyId=",
        "Signature=",
        "Expires=",
        "x-amz-security-token=",
        "acl",
        "=",
        "&",
        "%",
        "%2",
        "%C3%A7",
        "+",
        "1",
        "99999999999999999999",
        "é",
        "response-content-type=",
        "X-Amz-Signature=",
        "uploads",
        "",
    ];
    let header_values = [
        "AWS ",
        "AWS a:b",
        "AWS :",
        ":",
        "Tue, 14 Nov 2023 22:13:20 GMT",
        "x",
        "é",
    ];
    let secret = SecretKey::new("s".into());
    for _ in 0..5_000 {
        let query: String = (0..rng.gen_range(0..8))
            .map(|_| pieces[rng.gen_range(0..pieces.len())])
            .collect();
        let mut headers = HeaderMap::new();
        for name in [
            "authorization",
            "date",
            "x-amz-date",
            "x-amz-meta-a",
            "content-md5",
        ] {
            if rng.gen_bool(0.5) {
                let text = header_values[rng.gen_range(0..header_values.len())];
                if let Ok(value) = HeaderValue::from_bytes(text.as_bytes()) {
                    headers.insert(name, value);
                }
            }
        }
        let request = RequestView {
            method: "GET",
            path: "/b/%ZZ/k",
            query: Some(&query),
            headers: &headers,
            authority: None,
        };
        let _ = is_present(&request);
        if let Ok(Some(auth)) = parse(&request) {
            let _ = verify(&request, &auth, Some("b"), &secret, rng.gen());
        }
    }
}
