//! aws-chunked bodies: the two published S3 examples, a two-chunk body signed here with the
//! same primitives and each way of tampering with it, the unsigned-trailer framing, and a
//! loop of mangled bodies that must never panic.

use axum::http::Request;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;
use crate::sigv4::{parse, verify, CredentialScope, PayloadHash, Rules, SecretKey, SigningKey};

/// The example key of the S3 API reference.
const DOC_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const DOC_TIMESTAMP: &str = "20130524T000000Z";
/// 2013-05-24T00:00:00Z.
const DOC_NOW: u64 = 1_369_353_600;
/// The documented seed signature, which also seeds the chunks signed here.
const SEED: &str = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";

/// What decoding a body gives.
type Decoded = Result<Vec<u8>, SigV4Error>;

fn doc_scope() -> CredentialScope {
    CredentialScope {
        date: "20130524".into(),
        region: "us-east-1".into(),
        service: "s3".into(),
    }
}

fn verified(mode: PayloadMode, seed: &[u8]) -> Verified {
    Verified {
        payload_mode: mode,
        seed_signature: seed.to_vec(),
        signing_key: SigningKey::derive(&SecretKey::new(DOC_SECRET.into()), &doc_scope()),
        scope: doc_scope(),
        timestamp: DOC_TIMESTAMP.into(),
        declared_sha256: None,
    }
}

fn hex(text: &str) -> Vec<u8> {
    decode_hex(text).expect("test hex")
}

/// `signature` with its first hex digit changed.
fn flip_first_digit(signature: &str) -> String {
    let replacement = if signature.starts_with('0') { "1" } else { "0" };
    format!("{replacement}{}", &signature[1..])
}

/// One signed chunk as S3 frames it.
fn signed_chunk(data: &[u8], signature: &[u8]) -> Vec<u8> {
    let header = format!(
        "{:x};chunk-signature={}\r\n",
        data.len(),
        encode_hex(signature)
    );
    [header.as_bytes(), data, b"\r\n"].concat()
}

/// Whether `decoded` is exactly `len` bytes of `a` (without printing 64 KiB on failure).
fn is_all_a(decoded: &Decoded, len: usize) -> bool {
    decoded
        .as_ref()
        .is_ok_and(|data| data.len() == len && data.iter().all(|&b| b == b'a'))
}

/// The example "PUT Object" in three chunks (65536 and 1024 bytes of `a`, then the final
/// chunk), from "Signature Calculations for the Authorization Header: Transferring Payload
/// in Multiple Chunks" in the S3 API reference: the seed request verifies, the documented
/// chunk signatures decode, and each one changed is refused.
#[test]
fn documented_chunked_upload() {
    let request = Request::put("/examplebucket/chunkObject.txt")
        .header("host", "s3.amazonaws.com")
        .header("x-amz-date", DOC_TIMESTAMP)
        .header("x-amz-storage-class", "REDUCED_REDUNDANCY")
        .header(
            "authorization",
            concat!(
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,",
            "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;",
            "x-amz-decoded-content-length;x-amz-storage-class,",
            "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
        ),
        )
        .header("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
        .header("content-encoding", "aws-chunked")
        .header("x-amz-decoded-content-length", "66560")
        .header("content-length", "66824");
    let (parts, ()) = request.body(()).expect("documented request").into_parts();
    let auth = parse(&parts).expect("parses").expect("is signed");
    let secret = SecretKey::new(DOC_SECRET.into());
    let verified = verify(
        &parts,
        &auth,
        Rules::S3,
        PayloadHash::of(b""),
        &secret,
        DOC_NOW,
    )
    .expect("the documented seed signature verifies");
    assert_eq!(verified.payload_mode, PayloadMode::StreamingSigned);

    let signatures = [
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
    ];
    let body = |signatures: [&str; 3]| {
        let first = signed_chunk(&[b'a'; 65_536], &hex(signatures[0]));
        let second = signed_chunk(&[b'a'; 1024], &hex(signatures[1]));
        [first, second, signed_chunk(b"", &hex(signatures[2]))].concat()
    };
    let good = body(signatures);
    assert_eq!(good.len(), 66_824, "the documented Content-Length");
    assert!(is_all_a(
        &decode_chunked(&good, &verified, Some(66_560)),
        66_560
    ));

    for chunk in 1..=3 {
        let mut changed = signatures;
        let flipped = flip_first_digit(signatures[chunk - 1]);
        changed[chunk - 1] = &flipped;
        let got = decode_chunked(&body(changed), &verified, Some(66_560));
        assert_eq!(
            got,
            Err(SigV4Error::ChunkSignatureDoesNotMatch { chunk }),
            "chunk {chunk}"
        );
    }
}

/// The same upload with a signed trailing CRC32C, from "Signature calculations for trailing
/// headers"; the seed signature is the documented one, taken as given.
#[test]
fn documented_signed_trailer() {
    let seed = hex("106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e");
    let verified = verified(PayloadMode::StreamingSignedTrailer, &seed);
    let first = hex("b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2");
    let second = hex("1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7");
    let body = |checksum: &str| {
        let last = concat!(
            "0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n",
            "x-amz-checksum-crc32c:{checksum}\r\n",
            "x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n",
        );
        let last = last.replace("{checksum}", checksum).into_bytes();
        [
            signed_chunk(&[b'a'; 65_536], &first),
            signed_chunk(&[b'a'; 1024], &second),
            last,
        ]
        .concat()
    };
    assert!(is_all_a(
        &decode_chunked(&body("sOO8/Q=="), &verified, Some(66_560)),
        66_560
    ));
    let got = decode_chunked(&body("sOO8/A=="), &verified, Some(66_560));
    assert_eq!(
        got,
        Err(SigV4Error::ChunkSignatureDoesNotMatch { chunk: 4 })
    );
}

/// The signature of one chunk after `previous`, computed here from the published recipe.
fn chunk_signature(previous: &[u8], data: &[u8]) -> Vec<u8> {
    let key = SigningKey::derive(&SecretKey::new(DOC_SECRET.into()), &doc_scope());
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256-PAYLOAD\n{DOC_TIMESTAMP}\n20130524/us-east-1/s3/aws4_request\n{}\n{EMPTY_SHA256}\n{}",
        encode_hex(previous),
        sha256_hex(data)
    );
    key.sign(&string_to_sign).to_vec()
}

/// The framed chunks of `first` then `second`, each signature chained from the one before,
/// and the final chunk.
fn two_chunks(first: &[u8], second: &[u8]) -> [Vec<u8>; 3] {
    let one = chunk_signature(&hex(SEED), first);
    let two = chunk_signature(&one, second);
    let last = chunk_signature(&two, b"");
    [
        signed_chunk(first, &one),
        signed_chunk(second, &two),
        signed_chunk(b"", &last),
    ]
}

#[test]
fn two_signed_chunks_and_tampering() {
    let verified = verified(PayloadMode::StreamingSigned, &hex(SEED));
    let [one, two, last] = two_chunks(b"hello ", b"world");
    let good = [one.as_slice(), &two, &last].concat();
    let text = String::from_utf8(good.clone()).expect("ascii body");
    let edit = |from: &str, to: &str| text.replacen(from, to, 1).into_bytes();
    let trailer = b"x-amz-checksum-crc32:AAAAAA==\r\n\r\n".as_slice();
    let with_trailer = [&one, &two, &last[..last.len() - 2], trailer].concat();
    let hello = || Ok(b"hello world".to_vec());
    let bad_chunk = |chunk| Err(SigV4Error::ChunkSignatureDoesNotMatch { chunk });
    let malformed = || Err(SigV4Error::MalformedChunk(String::new()));
    #[rustfmt::skip]
    let cases: Vec<(&str, Vec<u8>, Option<u64>, Decoded)> = vec![
        ("decodes", good.clone(), None, hello()),
        ("decoded_length_matches", good.clone(), Some(11), hello()),
        ("decoded_length_differs", good.clone(), Some(12), Err(SigV4Error::DecodedLengthMismatch { declared: 12, decoded: 11 })),
        ("leading_zero_size", edit("6;", "06;"), None, hello()),
        ("data_byte_changed", edit("hello", "jello"), None, bad_chunk(1)),
        ("second_data_changed", edit("world", "word!"), None, bad_chunk(2)),
        ("chunks_swapped", [two.as_slice(), &one, &last].concat(), None, bad_chunk(1)),
        ("final_chunk_dropped", [one.as_slice(), &two].concat(), None, malformed()),
        ("final_crlf_missing", good[..good.len() - 2].to_vec(), None, malformed()),
        ("bytes_after_end", [good.as_slice(), b"x"].concat(), None, malformed()),
        ("trailer_not_declared", with_trailer, None, malformed()),
        ("bare_newline", edit("\r\nworld", "\nworld"), None, malformed()),
        ("size_larger_than_body", edit("6;", "ff;"), None, malformed()),
        ("size_overflows", edit("6;", "10000000000000000;"), None, malformed()),
        ("size_not_hex", edit("6;", "g;"), None, malformed()),
        ("no_signature", edit(";chunk-signature=", ";"), None, malformed()),
        ("short_signature", edit(";chunk-signature=", ";chunk-signature=0"), None, malformed()),
        ("empty_body", vec![], None, malformed()),
    ];
    for (name, body, length, want) in cases {
        match (decode_chunked(&body, &verified, length), want) {
            (Err(SigV4Error::MalformedChunk(_)), Err(SigV4Error::MalformedChunk(_))) => {}
            (got, want) => assert_eq!(got, want, "case {name}"),
        }
    }
}

#[test]
fn unsigned_trailer_framing() {
    let verified = verified(PayloadMode::StreamingUnsignedTrailer, &[]);
    let hello = || Ok(b"hello".to_vec());
    let malformed = || Err(SigV4Error::MalformedChunk(String::new()));
    #[rustfmt::skip]
    let cases: Vec<(&str, &[u8], Decoded)> = vec![
        ("with_checksum", b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", hello()),
        ("two_chunks", b"2\r\nhe\r\n3\r\nllo\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n", hello()),
        ("no_trailer", b"5\r\nhello\r\n0\r\n\r\n", hello()),
        ("ends_after_final_chunk", b"5\r\nhello\r\n0\r\n", hello()),
        ("empty_payload", b"0\r\n\r\n", Ok(vec![])),
        ("signed_chunk_header", b"5;chunk-signature=00\r\nhello\r\n0\r\n\r\n", malformed()),
        ("trailer_signature", b"0\r\nx-amz-trailer-signature:00\r\n\r\n", malformed()),
        ("trailer_not_name_value", b"0\r\nchecksum\r\n\r\n", malformed()),
        ("ends_inside_trailers", b"0\r\nx-amz-checksum-crc32:NhCmhg==\r\n", malformed()),
        ("data_longer_than_size", b"4\r\nhello\r\n0\r\n\r\n", malformed()),
    ];
    for (name, body, want) in cases {
        match (decode_chunked(body, &verified, None), want) {
            (Err(SigV4Error::MalformedChunk(_)), Err(SigV4Error::MalformedChunk(_))) => {}
            (got, want) => assert_eq!(got, want, "case {name}"),
        }
    }
}

#[test]
fn plain_payloads_are_not_chunked() {
    for mode in [PayloadMode::Hashed, PayloadMode::Unsigned] {
        let got = decode_chunked(b"0\r\n\r\n", &verified(mode, &[]), None);
        assert!(
            matches!(got, Err(SigV4Error::MalformedChunk(_))),
            "{mode:?}: {got:?}"
        );
    }
}

#[test]
fn signed_trailer_requires_its_signature() {
    let verified = verified(PayloadMode::StreamingSignedTrailer, &hex(SEED));
    let last = chunk_signature(&hex(SEED), b"");
    let final_chunk = format!("0;chunk-signature={}\r\n", encode_hex(&last));
    let checksum = "x-amz-checksum-crc32:AAAAAA==\r\n";
    let signature = "x-amz-trailer-signature:00\r\n";
    #[rustfmt::skip]
    let cases = [
        ("no_trailers", "\r\n".to_owned()),
        ("unsigned_checksum", format!("{checksum}\r\n")),
        ("signature_not_last", format!("{signature}{checksum}\r\n")),
    ];
    for (name, trailers) in cases {
        let got = decode_chunked(
            format!("{final_chunk}{trailers}").as_bytes(),
            &verified,
            None,
        );
        assert!(
            matches!(got, Err(SigV4Error::MalformedChunk(_))),
            "case {name}: {got:?}"
        );
    }
}

/// The streaming decoder gives the same content and the same verdict whatever slices the
/// body arrives in: whole, a byte at a time, or cut at random points (a CRLF split across
/// two reads, a signature line in pieces).
#[test]
fn any_slicing_decodes_alike() {
    let mut rng = StdRng::seed_from_u64(0x5167_0005);
    let signed = verified(PayloadMode::StreamingSigned, &hex(SEED));
    let [one, two, last] = two_chunks(b"hello ", b"world");
    let good = [one.as_slice(), &two, &last].concat();
    let mut tampered = good.clone();
    if let Some(at) = tampered.iter().position(|&b| b == b'w') {
        tampered[at] = b'W';
    }
    let unsigned = verified(PayloadMode::StreamingUnsignedTrailer, &[]);
    let with_checksum = b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n".to_vec();
    let cases: [(&str, &Verified, &[u8]); 3] = [
        ("signed", &signed, &good),
        ("tampered", &signed, &tampered),
        ("unsigned_trailer", &unsigned, &with_checksum),
    ];
    for (name, verified, body) in cases {
        let whole = decode(verified, &[body]);
        let bytewise: Vec<&[u8]> = body.chunks(1).collect();
        assert_eq!(
            decode(verified, &bytewise),
            whole,
            "case {name} byte by byte"
        );
        for _ in 0..200 {
            let mut cuts: Vec<usize> = (0..rng.gen_range(1..6))
                .map(|_| rng.gen_range(0..=body.len()))
                .collect();
            cuts.sort_unstable();
            let mut pieces = Vec::new();
            let mut start = 0;
            for cut in cuts.into_iter().chain([body.len()]) {
                pieces.push(&body[start..cut]);
                start = cut;
            }
            assert_eq!(
                decode(verified, &pieces),
                whole,
                "case {name} in {} pieces",
                pieces.len()
            );
        }
    }
    assert_eq!(
        decode(&signed, &[&good]),
        Ok((b"hello world".to_vec(), Vec::new()))
    );
    assert_eq!(
        decode(&unsigned, &[&with_checksum]).map(|(_, trailers)| trailers),
        Ok(vec![(
            "x-amz-checksum-crc32".to_owned(),
            "AAAAAA==".to_owned()
        )])
    );
}

/// Content and trailers.
type ContentAndTrailers = (Vec<u8>, Vec<(String, String)>);

/// Feeds `pieces` to a [`Decoder`]: the content and trailers, or the first error.
fn decode(verified: &Verified, pieces: &[&[u8]]) -> Result<ContentAndTrailers, SigV4Error> {
    let mut decoder = Decoder::new(verified, None)?;
    let mut content = Vec::new();
    for piece in pieces {
        decoder.feed(piece, &mut content)?;
    }
    Ok((content, decoder.finish()?))
}

/// Random edits of a valid body, and random bytes, must end in a result, never a panic.
#[test]
fn mangled_bodies_never_panic() {
    let mut rng = StdRng::seed_from_u64(0x5167_0004);
    let good = two_chunks(b"hello ", b"world").concat();
    let modes = [
        PayloadMode::StreamingSigned,
        PayloadMode::StreamingSignedTrailer,
        PayloadMode::StreamingUnsignedTrailer,
    ];
    let alphabet = b"0123456789abcdef;=\r\n:-x chunk-signature";
    for _ in 0..5_000 {
        let mut body = good.clone();
        for _ in 0..rng.gen_range(1..4) {
            let at = rng.gen_range(0..=body.len());
            match rng.gen_range(0..4) {
                0 if at < body.len() => body[at] = alphabet[rng.gen_range(0..alphabet.len())],
                1 => body.insert(at, alphabet[rng.gen_range(0..alphabet.len())]),
                2 => body.truncate(at),
                _ => body = (0..rng.gen_range(0..64)).map(|_| rng.gen()).collect(),
            }
        }
        let verified = verified(modes[rng.gen_range(0..modes.len())], &hex(SEED));
        let _ = decode_chunked(&body, &verified, Some(rng.gen_range(0..20)));
    }
}
