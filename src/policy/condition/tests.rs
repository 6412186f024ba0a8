//! Condition operators, evaluated through the public API: each case wraps a `Condition`
//! element in an identity policy allowing `s3:GetObject` on `*`, and expects an allow
//! exactly when the condition holds. Examples from the
//! [condition operators page](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)
//! and the
//! [multivalued keys page](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html)
//! are marked `docs`.

use crate::policy::{evaluate, parse, ContextKeys, PolicyError, PolicyKind, RequestContext};

/// Request keys: each key with its values; an empty list is a present, empty key.
type Keys<'a> = &'a [(&'a str, &'a [&'a str])];

/// A named case: condition element, request keys, whether the statement applies.
type Case<'a> = (&'a str, &'a str, Keys<'a>, bool);

fn holds(condition: &str, pairs: Keys<'_>) -> Result<bool, PolicyError> {
    let json = format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{condition}}}}}"#
    );
    let policy = parse(&json, PolicyKind::Identity)?;
    let mut keys = ContextKeys::new();
    for (key, values) in pairs {
        keys.insert_empty(key);
        for value in *values {
            keys.insert(key, *value);
        }
    }
    let context = RequestContext {
        principal: None,
        action: "s3:GetObject",
        resource: Some("arn:aws:s3:::bucket/key"),
        keys,
    };
    Ok(evaluate(&[("test", &policy)], &context).is_allow())
}

fn check(cases: &[Case<'_>]) {
    for (name, condition, keys, want) in cases {
        match holds(condition, keys) {
            Ok(got) => assert_eq!(got, *want, "case {name}"),
            Err(err) => panic!("case {name}: refused: {err}"),
        }
    }
}

const USER: &str = "aws:username";
const PREFIX: &str = "s3:prefix";

#[test]
fn string_operators() {
    let equals = r#"{"StringEquals":{"aws:username":"alice"}}"#;
    let equals_either = r#"{"StringEquals":{"aws:username":["bob","alice"]}}"#;
    let equals_star = r#"{"StringEquals":{"aws:username":"al*"}}"#;
    let not_equals = r#"{"StringNotEquals":{"aws:username":"alice"}}"#;
    let not_equals_either = r#"{"StringNotEquals":{"aws:username":["a","b"]}}"#;
    let ignore_case = r#"{"StringEqualsIgnoreCase":{"aws:username":"ALICE"}}"#;
    let not_ignore_case = r#"{"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}}"#;
    let like_home = r#"{"StringLike":{"s3:prefix":"home/*"}}"#;
    let like_question = r#"{"StringLike":{"s3:prefix":"a?c"}}"#;
    let like_upper = r#"{"StringLike":{"s3:prefix":"Home/*"}}"#;
    let like_empty = r#"{"StringLike":{"s3:prefix":["","home/"]}}"#;
    let not_like = r#"{"StringNotLike":{"s3:prefix":"home/*"}}"#;
    let key_case = r#"{"StringEquals":{"AWS:UserName":"alice"}}"#;
    #[rustfmt::skip]
    let cases: &[Case<'_>] = &[
        ("string_equals_match", equals, &[(USER, &["alice"])], true),
        ("string_equals_case_sensitive", equals, &[(USER, &["Alice"])], false),
        ("string_equals_missing_key_is_false", equals, &[], false),
        ("string_equals_values_are_ored", equals_either, &[(USER, &["alice"])], true),
        ("string_equals_no_wildcards", equals_star, &[(USER, &["alice"])], false),
        ("string_not_equals_differs", not_equals, &[(USER, &["bob"])], true),
        ("string_not_equals_same", not_equals, &[(USER, &["alice"])], false),
        ("string_not_equals_missing_key_is_true", not_equals, &[], true),
        ("string_not_equals_values_are_nored", not_equals_either, &[(USER, &["b"])], false),
        ("string_equals_ignore_case", ignore_case, &[(USER, &["alice"])], true),
        ("string_not_equals_ignore_case", not_ignore_case, &[(USER, &["Alice"])], false),
        ("string_like_star", like_home, &[(PREFIX, &["home/x/y"])], true),
        ("string_like_question", like_question, &[(PREFIX, &["abc"])], true),
        ("string_like_case_sensitive", like_upper, &[(PREFIX, &["home/x"])], false),
        ("string_like_empty_value_docs", like_empty, &[(PREFIX, &[""])], true),
        ("string_not_like_other", not_like, &[(PREFIX, &["tmp/x"])], true),
        ("string_not_like_missing_key_is_true", not_like, &[], true),
        ("key_names_case_insensitive", key_case, &[(USER, &["alice"])], true),
    ];
    check(cases);
}

#[test]
fn numeric_operators() {
    const MAX: &str = "s3:max-keys";
    let equals = r#"{"NumericEquals":{"s3:max-keys":"10"}}"#;
    let equals_number = r#"{"NumericEquals":{"s3:max-keys":10}}"#;
    let not_equals = r#"{"NumericNotEquals":{"s3:max-keys":"10"}}"#;
    let less = r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#;
    let less_equals = r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#;
    let greater = r#"{"NumericGreaterThan":{"s3:max-keys":"10"}}"#;
    let greater_equals = r#"{"NumericGreaterThanEquals":{"s3:max-keys":"10"}}"#;
    #[rustfmt::skip]
    let cases: &[Case<'_>] = &[
        ("numeric_equals", equals, &[(MAX, &["10"])], true),
        ("numeric_equals_json_number", equals_number, &[(MAX, &["10.0"])], true),
        ("numeric_not_equals", not_equals, &[(MAX, &["11"])], true),
        ("numeric_not_equals_missing_key_is_true", not_equals, &[], true),
        ("numeric_less_than", less, &[(MAX, &["9"])], true),
        ("numeric_less_than_boundary", less, &[(MAX, &["10"])], false),
        ("numeric_less_than_equals_docs", less_equals, &[(MAX, &["10"])], true),
        ("numeric_greater_than", greater, &[(MAX, &["10.5"])], true),
        ("numeric_greater_than_equals", greater_equals, &[(MAX, &["10"])], true),
        ("numeric_request_not_a_number", equals, &[(MAX, &["ten"])], false),
        ("numeric_missing_key_is_false", less, &[], false),
    ];
    check(cases);
}

#[test]
fn date_bool_binary_operators() {
    const ISSUED: &str = "aws:TokenIssueTime";
    const NOW: &str = "aws:CurrentTime";
    const TLS: &str = "aws:SecureTransport";
    let after_2020 = r#"{"DateGreaterThan":{"aws:TokenIssueTime":"2020-01-01T00:00:01Z"}}"#;
    let before_2020 = r#"{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#;
    let equals_offset = r#"{"DateEquals":{"aws:CurrentTime":"2020-01-01T01:00:00+01:00"}}"#;
    let not_equals = r#"{"DateNotEquals":{"aws:CurrentTime":"2020-01-01"}}"#;
    let at_or_before = r#"{"DateLessThanEquals":{"aws:CurrentTime":1577836800}}"#;
    let at_or_after = r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2020-01-01T00:00:00.5Z"}}"#;
    let bool_true = r#"{"Bool":{"aws:SecureTransport":"true"}}"#;
    let bool_false = r#"{"Bool":{"aws:SecureTransport":false}}"#;
    let binary = r#"{"BinaryEquals":{"s3:key":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#;
    #[rustfmt::skip]
    let cases: &[Case<'_>] = &[
        ("date_greater_than_docs", after_2020, &[(ISSUED, &["2021-06-01T00:00:00Z"])], true),
        ("date_greater_than_earlier", after_2020, &[(ISSUED, &["2019-12-31"])], false),
        ("date_less_than_epoch_request", before_2020, &[(NOW, &["1577836799"])], true),
        ("date_equals_across_offsets", equals_offset, &[(NOW, &["2020-01-01T00:00:00Z"])], true),
        ("date_not_equals", not_equals, &[(NOW, &["2020-01-02"])], true),
        ("date_less_than_equals_boundary", at_or_before, &[(NOW, &["2020-01-01"])], true),
        ("date_fraction_counts", at_or_after, &[(NOW, &["2020-01-01T00:00:00.25Z"])], false),
        ("date_request_unreadable", before_2020, &[(NOW, &["yesterday"])], false),
        ("bool_true", bool_true, &[(TLS, &["true"])], true),
        ("bool_json_false_docs", bool_false, &[(TLS, &["false"])], true),
        ("bool_mismatch", bool_true, &[(TLS, &["false"])], false),
        ("bool_request_any_case", bool_true, &[(TLS, &["TRUE"])], true),
        ("bool_missing_key_is_false", bool_true, &[], false),
        ("binary_equals_docs", binary, &[("s3:key", &["BinaryValueInBase64"])], true),
        ("binary_equals_differs", binary, &[("s3:key", &["Other"])], false),
    ];
    check(cases);
}

#[test]
fn ip_and_arn_operators() {
    const IP: &str = "aws:SourceIp";
    const SOURCE: &str = "aws:SourceArn";
    let range = r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#;
    let mixed = r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}"#;
    let not_range = r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#;
    let finance = r#"{"ArnLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}"#;
    let finance_text =
        r#"{"StringLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}"#;
    let equals = r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:topic"}}"#;
    let equals_wild = r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:123456789012:*"}}"#;
    let not_equals = r#"{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:1:other"}}"#;
    let not_like = r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}"#;
    let like_any_sns = r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}"#;
    let like_star = r#"{"ArnLike":{"aws:SourceArn":"*"}}"#;
    let in_finance = "arn:aws:someservice:us-east-2:111122223333:finance/doc.txt";
    let tricky = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/x";
    let topic = "arn:aws:sns:us-east-1:123456789012:topic";
    #[rustfmt::skip]
    let cases: &[Case<'_>] = &[
        ("ip_in_range_docs", range, &[(IP, &["203.0.113.9"])], true),
        ("ip_out_of_range", range, &[(IP, &["198.51.100.1"])], false),
        ("ip_mixed_families_v6_docs", mixed, &[(IP, &["2001:db8:1234:5678::5"])], true),
        ("ip_request_not_an_address", mixed, &[(IP, &["localhost"])], false),
        ("not_ip_address_outside", not_range, &[(IP, &["198.51.100.1"])], true),
        ("not_ip_address_missing_key_is_true", not_range, &[], true),
        ("arn_like_per_part_docs", finance, &[(SOURCE, &[in_finance])], true),
        ("arn_like_star_stays_in_its_part_docs", finance, &[(SOURCE, &[tricky])], false),
        ("string_like_star_crosses_colons_docs", finance_text, &[(SOURCE, &[tricky])], true),
        ("arn_equals_exact", equals, &[(SOURCE, &[topic])], true),
        ("arn_equals_has_wildcards", equals_wild, &[(SOURCE, &[topic])], true),
        ("arn_not_equals_other", not_equals, &[(SOURCE, &[topic])], true),
        ("arn_not_like_matching", not_like, &[(SOURCE, &[topic])], false),
        ("arn_like_request_not_an_arn", like_any_sns, &[(SOURCE, &["topic"])], false),
        ("arn_like_bare_star", like_star, &[(SOURCE, &["anything"])], true),
    ];
    check(cases);
}

#[test]
fn if_exists_and_null() {
    const ISSUED: &str = "aws:TokenIssueTime";
    const TYPE: &str = "ec2:InstanceType";
    let types = r#"{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}"#;
    let not_equals = r#"{"StringNotEqualsIfExists":{"aws:username":"x"}}"#;
    let numeric = r#"{"NumericLessThanIfExists":{"s3:max-keys":"10"}}"#;
    let null_true = r#"{"Null":{"aws:TokenIssueTime":"true"}}"#;
    let null_false = r#"{"Null":{"aws:TokenIssueTime":false}}"#;
    let null_tags = r#"{"Null":{"aws:TagKeys":"true"}}"#;
    let time = "2020-01-01T00:00:00Z";
    #[rustfmt::skip]
    let cases: &[Case<'_>] = &[
        ("if_exists_missing_key_is_true_docs", types, &[], true),
        ("if_exists_present_mismatch", types, &[(TYPE, &["m5.large"])], false),
        ("if_exists_present_match", types, &[(TYPE, &["t2.micro"])], true),
        ("negated_if_exists_missing_key", not_equals, &[], true),
        ("numeric_if_exists_missing_key", numeric, &[], true),
        ("null_true_key_absent_docs", null_true, &[], true),
        ("null_true_key_present", null_true, &[(ISSUED, &[time])], false),
        ("null_false_key_present", null_false, &[(ISSUED, &[time])], true),
        ("null_false_key_absent", null_false, &[], false),
        ("null_empty_key_is_present", null_tags, &[("aws:TagKeys", &[])], false),
    ];
    check(cases);
}

#[test]
fn set_qualifiers() {
    const ATTRIBUTES: &str = "dynamodb:requestedAttributes";
    const TAGS: &str = "aws:TagKeys";
    let all = r#"{"ForAllValues:StringLike":{"dynamodb:requestedAttributes":["PostDateTime","Message","Tags"]}}"#;
    let any =
        r#"{"ForAnyValue:StringLike":{"dynamodb:requestedAttributes":["ID","PostDateTime"]}}"#;
    let not_any = r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env","cost"]}}"#;
    let not_all = r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}"#;
    let any_if_exists = r#"{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"a"}}"#;
    let plain = r#"{"StringEquals":{"aws:TagKeys":"a"}}"#;
    let plain_not = r#"{"StringNotEquals":{"aws:TagKeys":"a"}}"#;
    let three = ["UserName", "Message", "PostDateTime"];
    #[rustfmt::skip]
    let cases: &[Case<'_>] = &[
        ("for_all_values_subset_docs", all, &[(ATTRIBUTES, &["PostDateTime", "Message"])], true),
        ("for_all_values_extra_docs", all, &[(ATTRIBUTES, &["PostDateTime", "UserName"])], false),
        ("for_all_values_missing_key_is_true", all, &[], true),
        ("for_all_values_empty_key_is_true", all, &[(ATTRIBUTES, &[])], true),
        ("for_any_value_one_match_docs", any, &[(ATTRIBUTES, &three)], true),
        ("for_any_value_no_match_docs", any, &[(ATTRIBUTES, &["UserName"])], false),
        ("for_any_value_missing_key_is_false", any, &[], false),
        ("for_any_value_empty_key_is_false", any, &[(ATTRIBUTES, &[])], false),
        ("for_any_value_negated_some_unlisted", not_any, &[(TAGS, &["env", "owner"])], true),
        ("for_any_value_negated_all_listed", not_any, &[(TAGS, &["env"])], false),
        ("for_any_value_negated_missing_key", not_any, &[], false),
        ("for_all_values_negated_none_listed", not_all, &[(TAGS, &["a", "b"])], true),
        ("for_all_values_negated_one_listed", not_all, &[(TAGS, &["a", "secret"])], false),
        ("for_any_value_if_exists_missing_key", any_if_exists, &[], true),
        ("plain_operator_multivalued_any", plain, &[(TAGS, &["b", "a"])], true),
        ("plain_negated_multivalued_none", plain_not, &[(TAGS, &["b", "a"])], false),
        ("plain_operator_empty_key", plain, &[(TAGS, &[])], false),
    ];
    check(cases);
}

#[test]
fn blocks_and_variables() {
    const SOURCE: &str = "aws:SourceArn";
    let keys_block = r#"{"StringEquals":{"k:a":"1","k:b":"2"}}"#;
    let two_blocks = r#"{"StringEquals":{"k:a":"1"},"StringLike":{"k:b":"2*"}}"#;
    let empty_block = r#"{"StringEquals":{}}"#;
    let home = r#"{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/"]}}"#;
    let default = r#"{"StringEquals":{"s3:prefix":"${aws:username, 'anonymous'}"}}"#;
    let escape = r#"{"StringLike":{"s3:prefix":"a${*}"}}"#;
    let arn = r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:${aws:username}-topic"}}"#;
    let negated = r#"{"StringNotEquals":{"s3:prefix":"${aws:username}"}}"#;
    let topic = "arn:aws:sns:us-east-1:1:alice-topic";
    #[rustfmt::skip]
    let cases: &[Case<'_>] = &[
        ("keys_in_a_block_are_anded", keys_block, &[("k:a", &["1"]), ("k:b", &["3"])], false),
        ("blocks_are_anded", two_blocks, &[("k:a", &["1"]), ("k:b", &["20"])], true),
        ("blocks_are_anded_one_fails", two_blocks, &[("k:a", &["1"]), ("k:b", &["30"])], false),
        ("empty_operator_block_holds", empty_block, &[], true),
        ("variable_in_string_like_docs", home, &[(PREFIX, &["home/alice/"]), (USER, &["alice"])], true),
        ("variable_other_user", home, &[(PREFIX, &["home/bob/"]), (USER, &["alice"])], false),
        ("variable_unresolved_matches_nothing", home, &[(PREFIX, &["home/alice/"])], false),
        ("variable_unresolved_others_still_match", home, &[(PREFIX, &["home/"])], true),
        ("variable_default_docs", default, &[(PREFIX, &["anonymous"])], true),
        ("variable_escape_star_literal", escape, &[(PREFIX, &["ab"])], false),
        ("variable_in_arn_like", arn, &[(SOURCE, &[topic]), (USER, &["alice"])], true),
        ("variable_negated_unresolved", negated, &[(PREFIX, &["x"])], true),
    ];
    check(cases);
}

#[test]
fn bad_condition_values_are_refused_at_parse() {
    #[rustfmt::skip]
    let cases = [
        ("unknown_operator", r#"{"StringEqualz":{"a:b":"a"}}"#, "operator: StringEqualz"),
        ("null_if_exists", r#"{"NullIfExists":{"a:b":"true"}}"#, "operator: NullIfExists"),
        ("numeric_word", r#"{"NumericEquals":{"a:b":"ten"}}"#, "be a decimal number"),
        ("numeric_variable", r#"{"NumericEquals":{"a:b":"${a:c}"}}"#, "be a decimal number"),
        ("bad_date", r#"{"DateLessThan":{"a:b":"2020-13-01"}}"#, "be an ISO 8601 date"),
        ("bad_cidr", r#"{"IpAddress":{"a:b":"10.0.0.0/33"}}"#, "be an IP address or CIDR"),
        ("bool_yes", r#"{"Bool":{"a:b":"yes"}}"#, "be true or false"),
        ("null_maybe", r#"{"Null":{"a:b":"maybe"}}"#, "be true or false"),
        ("binary_not_base64", r#"{"BinaryEquals":{"a:b":"!!"}}"#, "be base64"),
        ("value_object", r#"{"StringEquals":{"a:b":{"a":"b"}}}"#, "non-empty list"),
        ("value_empty_list", r#"{"StringEquals":{"a:b":[]}}"#, "non-empty list"),
        ("value_nested_list", r#"{"StringEquals":{"a:b":[["a"]]}}"#, "non-empty list"),
        ("value_null", r#"{"StringEquals":{"a:b":null}}"#, "non-empty list"),
        ("block_not_object", r#"{"StringEquals":"a:b"}"#, "an object of condition keys"),
        ("condition_not_object", r#"["StringEquals"]"#, "an object of condition operators"),
        ("key_without_vendor", r#"{"StringEquals":{"username":"a"}}"#, "prefaced by a vendor"),
        ("key_with_empty_vendor", r#"{"StringEquals":{":sub":"a"}}"#, "prefaced by a vendor"),
    ];
    for (name, condition, message) in cases {
        match holds(condition, &[]) {
            Ok(_) => panic!("case {name}: accepted"),
            Err(err) => assert!(err.to_string().contains(message), "case {name}: {err}"),
        }
    }
}
