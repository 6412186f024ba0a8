//! Reading the signature from the Authorization header and from presigned query parameters:
//! the accepted spellings, then each malformation and the cause it is refused with.

use axum::http::{HeaderMap, HeaderName, HeaderValue};

use super::*;

const SIGNATURE: &str = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
const CREDENTIAL: &str = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";
const AMZ_DATE: (&str, &str) = ("x-amz-date", "20150830T123600Z");
const PRESIGNED: &str = "X-Amz-Algorithm=AWS4-HMAC-SHA256\
    &X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request\
    &X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host%3Bx-amz-date&X-Amz-Expires=3600\
    &X-Amz-Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

/// A named case: query, other headers, the authorization it parses to.
type PresignedCase<'a> = (&'a str, String, Vec<(&'a str, &'a str)>, Parsed);
type Parsed = Result<Authorization, SigV4Error>;

fn parse_with(
    pairs: &[(&str, &str)],
    query: Option<&str>,
) -> Result<Option<Authorization>, SigV4Error> {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("test header name");
        headers.append(
            name,
            HeaderValue::from_str(value).expect("test header value"),
        );
    }
    let request = RequestView {
        method: "GET",
        path: "/",
        query,
        headers: &headers,
        authority: None,
    };
    parse_view(&request)
}

/// The authorization of the AWS suite's `get-vanilla` case.
fn vanilla(form: SignatureForm, security_token: Option<&str>) -> Authorization {
    Authorization {
        access_key_id: "AKIDEXAMPLE".into(),
        scope: CredentialScope {
            date: "20150830".into(),
            region: "us-east-1".into(),
            service: "service".into(),
        },
        signed_headers: vec!["host".into(), "x-amz-date".into()],
        signature: decode_hex(SIGNATURE).unwrap_or_default(),
        timestamp: "20150830T123600Z".into(),
        form,
        security_token: security_token.map(str::to_owned),
    }
}

fn header(components: &[&str]) -> String {
    format!("AWS4-HMAC-SHA256 {}", components.join(", "))
}

#[test]
fn header_spellings_that_parse() {
    let (credential, signed, signature) = (
        format!("Credential={CREDENTIAL}"),
        "SignedHeaders=host;x-amz-date",
        format!("Signature={SIGNATURE}"),
    );
    #[rustfmt::skip]
    let cases = [
        ("botocore_comma_space", header(&[&credential, signed, &signature])),
        ("comma_only", format!("AWS4-HMAC-SHA256 {credential},{signed},{signature}")),
        ("parts_in_any_order", header(&[&signature, &credential, signed])),
        ("extra_spaces", format!("  AWS4-HMAC-SHA256   {credential} ,  {signed} ,{signature}  ")),
    ];
    for (name, header) in cases {
        let got = parse_with(&[("authorization", &header), AMZ_DATE], None);
        assert_eq!(
            got,
            Ok(Some(vanilla(SignatureForm::Header, None))),
            "case {name}"
        );
    }
}

#[test]
fn header_dates_and_tokens() {
    let value = header(&[
        &format!("Credential={CREDENTIAL}"),
        "SignedHeaders=host;x-amz-date",
        &format!("Signature={SIGNATURE}"),
    ]);
    let auth = ("authorization", value.as_str());
    let date = ("date", "Sun, 30 Aug 2015 12:36:00 GMT");
    let plain = || Ok(Some(vanilla(SignatureForm::Header, None)));
    let bad = |date: &str| Err(SigV4Error::BadDate(date.into()));
    #[rustfmt::skip]
    let cases = [
        ("amz_date", vec![auth, AMZ_DATE], plain()),
        ("date_header_converted", vec![auth, date], plain()),
        ("amz_date_wins_over_date", vec![auth, AMZ_DATE, ("date", "Mon, 31 Aug 2015 00:00:00 GMT")], plain()),
        ("security_token_header", vec![auth, AMZ_DATE, ("x-amz-security-token", "TOKEN")], Ok(Some(vanilla(SignatureForm::Header, Some("TOKEN"))))),
        ("no_date", vec![auth], Err(SigV4Error::MissingDate)),
        ("extended_amz_date", vec![auth, ("x-amz-date", "2015-08-30T12:36:00Z")], bad("2015-08-30T12:36:00Z")),
        ("bad_date_header", vec![auth, ("date", "yesterday")], bad("yesterday")),
    ];
    for (name, pairs, want) in cases {
        assert_eq!(parse_with(&pairs, None), want, "case {name}");
    }
}

#[test]
fn header_malformations() {
    let (credential, signature) = (
        format!("Credential={CREDENTIAL}"),
        format!("Signature={SIGNATURE}"),
    );
    let (credential, signature) = (credential.as_str(), signature.as_str());
    let signed = "SignedHeaders=host";
    let scope =
        |credential: &str| header(&[&format!("Credential={credential}"), signed, signature]);
    #[rustfmt::skip]
    let cases = [
        ("missing_signature", header(&[credential, signed]), "malformed"),
        ("missing_credential", header(&[signed, signature]), "malformed"),
        ("missing_signed_headers", header(&[credential, signature]), "malformed"),
        ("duplicate_component", header(&[credential, credential, signed, signature]), "malformed"),
        ("unknown_component", header(&[credential, signed, signature, "Extra=1"]), "malformed"),
        ("component_without_equals", header(&[credential, "SignedHeaders", signature]), "malformed"),
        ("trailing_comma", header(&[credential, signed, signature, ""]), "malformed"),
        ("credential_too_short", scope("AKID/20150830/us-east-1/aws4_request"), "malformed"),
        ("credential_wrong_terminator", scope("AKID/20150830/us-east-1/s3/aws5_request"), "malformed"),
        ("credential_empty_key", scope("/20150830/us-east-1/s3/aws4_request"), "malformed"),
        ("credential_bad_date", scope("AKID/2015083/us-east-1/s3/aws4_request"), "malformed"),
        ("signed_headers_empty_name", header(&[credential, "SignedHeaders=host;;x", signature]), "malformed"),
        ("signature_not_hex", header(&[credential, signed, "Signature=xyz"]), "malformed"),
        ("signature_empty", header(&[credential, signed, "Signature="]), "malformed"),
        ("algorithm_only", "AWS4-HMAC-SHA256".into(), "malformed"),
        ("sigv2", "AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=".into(), "AWS"),
        ("sigv4a", format!("AWS4-ECDSA-P256-SHA256 {credential}"), "AWS4-ECDSA-P256-SHA256"),
        ("bearer", "Bearer abc".into(), "Bearer"),
        ("lowercase_algorithm", header(&[credential]).to_lowercase(), "aws4-hmac-sha256"),
    ];
    for (name, header, want) in cases {
        match (
            parse_with(&[("authorization", &header), AMZ_DATE], None),
            want,
        ) {
            (Err(SigV4Error::MalformedAuthorization(_)), "malformed") => {}
            (Err(SigV4Error::UnsupportedAlgorithm(got)), want) if got == want => {}
            (got, want) => panic!("case {name}: got {got:?}, want {want}"),
        }
    }
}

#[test]
fn two_authorization_headers_are_malformed() {
    let value = header(&[
        &format!("Credential={CREDENTIAL}"),
        "SignedHeaders=host",
        &format!("Signature={SIGNATURE}"),
    ]);
    let got = parse_with(
        &[
            ("authorization", &value),
            ("authorization", &value),
            AMZ_DATE,
        ],
        None,
    );
    assert!(
        matches!(got, Err(SigV4Error::MalformedAuthorization(_))),
        "{got:?}"
    );
}

#[test]
fn anonymous_requests_carry_no_signature() {
    let cases = [
        ("no_query", None),
        ("empty_query", Some("")),
        ("unrelated_query", Some("list-type=2&prefix=a")),
        (
            "date_alone_is_not_a_signature",
            Some("X-Amz-Date=20150830T123600Z"),
        ),
    ];
    for (name, query) in cases {
        assert_eq!(parse_with(&[], query), Ok(None), "case {name}");
    }
}

#[test]
fn presigned_queries() {
    let presigned =
        |expires_seconds| Ok(vanilla(SignatureForm::Presigned { expires_seconds }, None));
    let expires =
        |value: &str| PRESIGNED.replace("X-Amz-Expires=3600", &format!("X-Amz-Expires={value}"));
    let invalid = |value: &str| Err(SigV4Error::InvalidExpires(value.into()));
    let without = |param: &str| {
        PRESIGNED
            .split('&')
            .filter(|pair| !pair.starts_with(param))
            .collect::<Vec<_>>()
            .join("&")
    };
    let malformed = || Err(SigV4Error::MalformedAuthorization(String::new()));
    let token = |token| {
        Ok(vanilla(
            SignatureForm::Presigned {
                expires_seconds: 3600,
            },
            Some(token),
        ))
    };
    #[rustfmt::skip]
    let cases: Vec<PresignedCase<'_>> = vec![
        ("vanilla", PRESIGNED.into(), vec![], presigned(3600)),
        ("token_in_query", format!("{PRESIGNED}&X-Amz-Security-Token=a%2Bb%2F%3D"), vec![], token("a+b/=")),
        ("token_from_header", PRESIGNED.into(), vec![("x-amz-security-token", "HEADER")], token("HEADER")),
        ("one_second", expires("1"), vec![], presigned(1)),
        ("seven_days", expires("604800"), vec![], presigned(604_800)),
        ("zero_seconds", expires("0"), vec![], invalid("0")),
        ("over_seven_days", expires("604801"), vec![], invalid("604801")),
        ("negative", expires("-1"), vec![], invalid("-1")),
        ("not_a_number", expires("soon"), vec![], invalid("soon")),
        ("overflows", expires("99999999999999999999999"), vec![], invalid("99999999999999999999999")),
        ("missing_expires", without("X-Amz-Expires"), vec![], malformed()),
        ("missing_signature", without("X-Amz-Signature"), vec![], malformed()),
        ("missing_algorithm", without("X-Amz-Algorithm"), vec![], malformed()),
        ("missing_credential", without("X-Amz-Credential"), vec![], malformed()),
        ("missing_signed_headers", without("X-Amz-SignedHeaders"), vec![], malformed()),
        ("missing_date", without("X-Amz-Date"), vec![], malformed()),
        ("duplicate_param", format!("{PRESIGNED}&X-Amz-Expires=60"), vec![], malformed()),
        ("also_a_header", PRESIGNED.into(), vec![("authorization", "AWS4-HMAC-SHA256 x")], malformed()),
        ("bad_date", PRESIGNED.replace("T123600Z", ""), vec![], Err(SigV4Error::BadDate("20150830".into()))),
        ("other_algorithm", PRESIGNED.replace("HMAC", "ECDSA-P256"), vec![], Err(SigV4Error::UnsupportedAlgorithm("AWS4-ECDSA-P256-SHA256".into()))),
    ];
    for (name, query, pairs, want) in cases {
        match (parse_with(&pairs, Some(&query)), want) {
            (
                Err(SigV4Error::MalformedAuthorization(_)),
                Err(SigV4Error::MalformedAuthorization(_)),
            ) => {}
            (got, want) => assert_eq!(got, want.map(Some), "case {name}"),
        }
    }
}

#[test]
fn scope_displays_as_signed() {
    let scope = vanilla(SignatureForm::Header, None).scope;
    assert_eq!(scope.to_string(), "20150830/us-east-1/service/aws4_request");
}
