//! Condition operator names: the
//! [base operators](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html),
//! the `IfExists` suffix (all but `Null`) and the `ForAnyValue:` / `ForAllValues:`
//! [set qualifiers](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
//! Names are case-sensitive; anything else is refused at parse time.

use std::fmt;

use super::super::error::PolicyError;

/// A full operator: qualifier, base operator, `IfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Operator {
    pub(crate) qualifier: Option<SetQualifier>,
    pub(crate) base: BaseOperator,
    pub(crate) if_exists: bool,
}

/// How a multivalued request key is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetQualifier {
    /// Some request value must satisfy the operator; a missing key fails.
    ForAnyValue,
    /// Every request value must satisfy the operator; a missing or empty key passes.
    ForAllValues,
}

/// What one policy value is compared with one request value by. Negated operators use the
/// test of their positive twin and invert the result (see [`BaseOperator::is_negated`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Test {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(Comparison),
    Date(Comparison),
    Bool,
    Binary,
    IpAddress,
    Arn,
    Null,
}

/// How a request number or date must relate to the policy's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparison {
    Equal,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

macro_rules! base_operators {
    ($($variant:ident => $test:expr, $negated:expr;)*) => {
        /// The operators IAM documents, by their policy names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum BaseOperator {
            $($variant,)*
        }

        impl BaseOperator {
            /// Every operator, for lookups by name.
            const ALL: &'static [BaseOperator] = &[$(BaseOperator::$variant,)*];

            /// The name a policy writes.
            pub(crate) fn name(self) -> &'static str {
                match self {
                    $(BaseOperator::$variant => stringify!($variant),)*
                }
            }

            /// What a policy value is compared with a request value by.
            pub(crate) fn test(self) -> Test {
                match self {
                    $(BaseOperator::$variant => $test,)*
                }
            }

            /// Whether this operator is true when its positive twin is false (and when
            /// the key is missing).
            pub(crate) fn is_negated(self) -> bool {
                match self {
                    $(BaseOperator::$variant => $negated,)*
                }
            }
        }
    };
}

base_operators! {
    StringEquals => Test::StringEquals, false;
    StringNotEquals => Test::StringEquals, true;
    StringEqualsIgnoreCase => Test::StringEqualsIgnoreCase, false;
    StringNotEqualsIgnoreCase => Test::StringEqualsIgnoreCase, true;
    StringLike => Test::StringLike, false;
    StringNotLike => Test::StringLike, true;
    NumericEquals => Test::Numeric(Comparison::Equal), false;
    NumericNotEquals => Test::Numeric(Comparison::Equal), true;
    NumericLessThan => Test::Numeric(Comparison::Less), false;
    NumericLessThanEquals => Test::Numeric(Comparison::LessOrEqual), false;
    NumericGreaterThan => Test::Numeric(Comparison::Greater), false;
    NumericGreaterThanEquals => Test::Numeric(Comparison::GreaterOrEqual), false;
    DateEquals => Test::Date(Comparison::Equal), false;
    DateNotEquals => Test::Date(Comparison::Equal), true;
    DateLessThan => Test::Date(Comparison::Less), false;
    DateLessThanEquals => Test::Date(Comparison::LessOrEqual), false;
    DateGreaterThan => Test::Date(Comparison::Greater), false;
    DateGreaterThanEquals => Test::Date(Comparison::GreaterOrEqual), false;
    Bool => Test::Bool, false;
    BinaryEquals => Test::Binary, false;
    IpAddress => Test::IpAddress, false;
    NotIpAddress => Test::IpAddress, true;
    ArnEquals => Test::Arn, false;
    ArnLike => Test::Arn, false;
    ArnNotEquals => Test::Arn, true;
    ArnNotLike => Test::Arn, true;
    Null => Test::Null, false;
}

impl Operator {
    /// Reads an operator name such as `ForAnyValue:StringLikeIfExists`.
    pub(crate) fn parse(name: &str) -> Result<Self, PolicyError> {
        let unknown = || PolicyError::UnknownConditionOperator(name.to_owned());
        let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else {
            (None, name)
        };
        let (base_name, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let base = BaseOperator::ALL
            .iter()
            .copied()
            .find(|op| op.name() == base_name)
            .ok_or_else(unknown)?;
        // `Null` tests existence itself, so neither a suffix nor a qualifier means anything.
        if base == BaseOperator::Null && (if_exists || qualifier.is_some()) {
            return Err(unknown());
        }
        Ok(Operator {
            qualifier,
            base,
            if_exists,
        })
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.qualifier {
            Some(SetQualifier::ForAnyValue) => f.write_str("ForAnyValue:")?,
            Some(SetQualifier::ForAllValues) => f.write_str("ForAllValues:")?,
            None => {}
        }
        f.write_str(self.base.name())?;
        if self.if_exists {
            f.write_str("IfExists")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operator_names_parse_and_print_back() {
        #[rustfmt::skip]
        let cases = [
            ("plain", "StringEquals", true),
            ("if_exists", "StringLikeIfExists", true),
            ("for_any_value", "ForAnyValue:StringEquals", true),
            ("for_all_values_if_exists", "ForAllValues:ArnLikeIfExists", true),
            ("numeric_set", "ForAnyValue:NumericLessThan", true),
            ("null", "Null", true),
            ("typo", "StringEqualz", false),
            ("wrong_case", "stringequals", false),
            ("null_if_exists", "NullIfExists", false),
            ("null_qualified", "ForAnyValue:Null", false),
            ("qualifier_typo", "ForAnyValues:StringEquals", false),
            ("suffix_only", "IfExists", false),
            ("double_suffix", "StringEqualsIfExistsIfExists", false),
        ];
        for (name, text, valid) in cases {
            match Operator::parse(text) {
                Ok(op) => {
                    assert!(valid, "case {name}: accepted");
                    assert_eq!(op.to_string(), text, "case {name}");
                }
                Err(err) => {
                    assert!(!valid, "case {name}: {err}");
                    assert_eq!(
                        err,
                        PolicyError::UnknownConditionOperator(text.into()),
                        "case {name}"
                    );
                }
            }
        }
    }
}
