//! Never panics: mangled documents through `parse`, and random requests through
//! `evaluate`, from a fixed-seed generator so failures reproduce.

use serde_json::{Map, Value};

use super::{evaluate, parse, parse_value, ContextKeys, PolicyKind, PrincipalRef, RequestContext};

/// xorshift64*: small, deterministic, good enough to shake a parser.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn text(&mut self) -> String {
        const PIECES: &[&str] = &[
            "a",
            "Z",
            "0",
            "9",
            ":",
            "/",
            "*",
            "?",
            "$",
            "{",
            "}",
            "${",
            "${aws:username}",
            "${*}",
            "${a, 'd''x'}",
            "'",
            ",",
            " ",
            ".",
            "-",
            "+",
            "T",
            "Z",
            "arn",
            "arn:aws:s3:::",
            "2020-01-01T00:00:00Z",
            "10",
            "-0.5",
            "true",
            "::1",
            "10.0.0.0/8",
            "é",
            "\u{1F600}",
            "\n",
            "\\",
            "\"",
            "İ",
            "=",
            "QQ==",
        ];
        let len = self.below(8);
        (0..len).map(|_| *self.pick(PIECES)).collect()
    }
}

/// Values that are valid somewhere, so mangled documents often still parse.
const PLAUSIBLE: &[&str] = &[
    "*",
    "s3:Get*",
    "sts:AssumeRole*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/${aws:username}/*",
    "home/${aws:username, 'x'}/*",
    "${*}?",
    "10",
    "2020-01-01T00:00:00Z",
    "true",
    "false",
    "10.0.0.0/8",
    "QQ==",
    "arn:aws:iam::111122223333:root",
    "111122223333",
    "Allow",
    "Deny",
];

const SEEDS: &[&str] = &[
    r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow",
        "Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/o/id/X"},
        "Action":"sts:AssumeRoleWithWebIdentity",
        "Condition":{"StringEquals":{"o/id/X:sub":"system:serviceaccount:default:sa",
                                     "o/id/X:aud":"sts.amazonaws.com"}}}]}"#,
    r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"},
        {"Effect":"Deny","NotAction":"s3:*","NotResource":["arn:aws:s3:::b/${aws:username}/*"]}]}"#,
    r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*",
        "Condition":{"ForAnyValue:StringLikeIfExists":{"a:b":["x*","${a:c, 'd'}"]},
                     "NumericLessThan":{"n:x":5},"DateGreaterThan":{"d:x":"2020-01-01"},
                     "Bool":{"b:x":true},"IpAddress":{"i:x":["10.0.0.0/8","::/0"]},
                     "ArnLike":{"r:x":"arn:aws:*:*:*:x/*"},"Null":{"z:x":"true"},
                     "BinaryEquals":{"y:x":"QQ=="}}}}"#,
];

fn random_value(random: &mut Random) -> Value {
    match random.below(9) {
        0 => Value::String(random.text()),
        1 => Value::from(random.next() as i64 % 100_000),
        2 => Value::from(random.below(2) == 0),
        3 => Value::Null,
        4 => Value::Array(
            (0..random.below(3))
                .map(|_| Value::String(random.text()))
                .collect(),
        ),
        5 => {
            let mut map = Map::new();
            map.insert(random.text(), Value::String(random.text()));
            Value::Object(map)
        }
        6 => Value::from(1.5e-7),
        _ => Value::String((*random.pick(PLAUSIBLE)).to_owned()),
    }
}

/// Replaces one node of `value` (a leaf, usually) or renames one object key.
fn mangle_value(random: &mut Random, value: &mut Value, depth: usize) {
    if depth > 6 || random.below(12) == 0 {
        *value = random_value(random);
        return;
    }
    match value {
        Value::Array(items) if !items.is_empty() => {
            let index = random.below(items.len());
            mangle_value(random, &mut items[index], depth + 1);
        }
        Value::Object(map) if !map.is_empty() => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = random.pick(&keys).clone();
            if random.below(8) == 0 {
                if let Some(inner) = map.remove(&key) {
                    map.insert(random.text(), inner);
                }
            } else if let Some(inner) = map.get_mut(&key) {
                mangle_value(random, inner, depth + 1);
            }
        }
        _ => *value = random_value(random),
    }
}

fn random_context<'a>(random: &mut Random, texts: &'a [String]) -> RequestContext<'a> {
    let mut keys = ContextKeys::new();
    for key in [
        "o/id/X:sub",
        "o/id/X:aud",
        "a:b",
        "n:x",
        "d:x",
        "b:x",
        "i:x",
        "r:x",
        "z:x",
        "y:x",
        "aws:username",
        "a:c",
    ] {
        for _ in 0..random.below(3) {
            keys.insert(key, random.text());
        }
    }
    let principal = match random.below(4) {
        0 => None,
        1 => Some(PrincipalRef::Aws(random.pick(texts).as_str())),
        2 => Some(PrincipalRef::Federated(random.pick(texts).as_str())),
        _ => Some(PrincipalRef::Service(random.pick(texts).as_str())),
    };
    RequestContext {
        principal,
        action: random.pick(texts).as_str(),
        resource: if random.below(3) == 0 {
            None
        } else {
            Some(random.pick(texts).as_str())
        },
        keys,
    }
}

#[test]
fn mangled_documents_and_requests_never_panic() {
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    let texts: Vec<String> = (0..64)
        .map(|_| random.text())
        .chain(
            [
                "sts:AssumeRoleWithWebIdentity",
                "s3:GetObject",
                "arn:aws:s3:::b/alice/k",
            ]
            .map(String::from),
        )
        .collect();
    let (mut parsed, mut mangled_parsed) = (0, 0);
    for round in 0..8000 {
        let seed = SEEDS[round % SEEDS.len()];
        let kind = if round % SEEDS.len() == 0 {
            PolicyKind::Trust
        } else {
            PolicyKind::Identity
        };
        // Text-level damage: cut, splice and overwrite characters.
        let mut text: Vec<char> = seed.chars().collect();
        for _ in 0..1 + random.below(4) {
            let at = random.below(text.len());
            match random.below(3) {
                0 => {
                    text.remove(at);
                }
                1 => text.insert(
                    at,
                    *random.pick(&['{', '}', '[', ']', '"', ':', ',', '*', '$', 'é']),
                ),
                _ => text[at] = *random.pick(&['x', '0', '"', '\\', ' ']),
            }
        }
        let _ = parse(&text.iter().collect::<String>(), kind);
        // Structure-level damage: replace one node anywhere in the tree.
        let mut value: Value = serde_json::from_str(seed).unwrap_or(Value::Null);
        if round % 2 == 0 {
            // Mostly inside the statements, where most of the grammar is.
            match value.get_mut("Statement") {
                Some(statements) if round % 8 != 0 => mangle_value(&mut random, statements, 0),
                _ => mangle_value(&mut random, &mut value, 0),
            }
        }
        for kind in [PolicyKind::Trust, PolicyKind::Identity] {
            if let Ok(policy) = parse_value(&value, kind) {
                parsed += 1;
                if round % 2 == 0 {
                    mangled_parsed += 1;
                }
                for _ in 0..4 {
                    let context = random_context(&mut random, &texts);
                    let decision = evaluate(&[("fuzz", &policy)], &context);
                    let line = decision.to_string();
                    assert!(!line.contains('\n'), "round {round}: {line}");
                }
            }
        }
    }
    assert!(
        parsed > 4000,
        "too few documents parsed ({parsed}) to exercise evaluate"
    );
    assert!(
        mangled_parsed > 200,
        "too few mangled documents parsed ({mangled_parsed})"
    );
}
