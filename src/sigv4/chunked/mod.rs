//! S3 aws-chunked bodies
//! ([chunked upload](https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html),
//! [trailers](https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html)):
//! `<hex size>;chunk-signature=<sig>\r\n<data>\r\n` repeated, a final zero-size chunk,
//! optional `name:value` trailers and an empty line. Each chunk signature chains from the
//! previous one, starting at the request's own signature.

use super::hash::{decode_hex, encode_hex, sha256_hex, EMPTY_SHA256};
use super::{PayloadMode, SigV4Error, Verified};

const CHUNK_ALGORITHM: &str = "AWS4-HMAC-SHA256-PAYLOAD";
const TRAILER_ALGORITHM: &str = "AWS4-HMAC-SHA256-TRAILER";
const CHUNK_SIGNATURE: &str = ";chunk-signature=";
const TRAILER_SIGNATURE: &str = "x-amz-trailer-signature";
/// A chunk size is at most 16 hex digits (a `u64`).
const MAX_SIZE_DIGITS: usize = 16;

/// The decoded body of an aws-chunked request, each chunk (and a signed trailer) verified
/// when the payload mode signs them; its length must be `decoded_length` when given.
pub fn decode_chunked(
    body: &[u8],
    verified: &Verified,
    decoded_length: Option<u64>,
) -> Result<Vec<u8>, SigV4Error> {
    let chunks_signed = match verified.payload_mode {
        PayloadMode::StreamingSigned | PayloadMode::StreamingSignedTrailer => true,
        PayloadMode::StreamingUnsignedTrailer => false,
        PayloadMode::Hashed | PayloadMode::Unsigned => {
            return Err(malformed("the payload is not aws-chunked"));
        }
    };
    let mut reader = Reader { rest: body };
    let mut chain = Chain {
        verified,
        previous: verified.seed_signature.clone(),
    };
    let mut decoded = Vec::new();
    let mut chunk = 0;
    loop {
        chunk += 1;
        let line = reader
            .line()?
            .ok_or_else(|| malformed(format!("the body ends before chunk {chunk}")))?;
        let (size, signature) = chunk_header(line, chunks_signed, chunk)?;
        let data = reader.take(size).ok_or_else(|| {
            malformed(format!(
                "chunk {chunk} declares {size} bytes, {} remain",
                reader.rest.len()
            ))
        })?;
        if let Some(signature) = signature {
            let hashes = format!("{EMPTY_SHA256}\n{}", sha256_hex(data));
            chain.check(CHUNK_ALGORITHM, &hashes, &signature, chunk)?;
        }
        if data.is_empty() {
            break;
        }
        if reader.line()? != Some(b"") {
            return Err(malformed(format!("chunk {chunk} does not end in CRLF")));
        }
        decoded.extend_from_slice(data);
    }
    let trailers = trailer_lines(&mut reader, verified.payload_mode)?;
    check_trailers(&trailers, &mut chain, chunk + 1)?;
    if !reader.rest.is_empty() {
        return Err(malformed("bytes after the final chunk"));
    }
    let decoded_len = u64::try_from(decoded.len()).unwrap_or(u64::MAX);
    match decoded_length {
        Some(declared) if declared != decoded_len => Err(SigV4Error::DecodedLengthMismatch {
            declared,
            decoded: decoded_len,
        }),
        _ => Ok(decoded),
    }
}

/// The signature chain: each signature signs the one before it.
struct Chain<'a> {
    verified: &'a Verified,
    previous: Vec<u8>,
}

impl Chain<'_> {
    /// Checks `signature` over `algorithm`, timestamp, scope, the previous signature and
    /// `hashes`; it becomes the previous signature.
    fn check(
        &mut self,
        algorithm: &str,
        hashes: &str,
        signature: &[u8],
        chunk: usize,
    ) -> Result<(), SigV4Error> {
        let string_to_sign = format!(
            "{algorithm}\n{}\n{}\n{}\n{hashes}",
            self.verified.timestamp,
            self.verified.scope,
            encode_hex(&self.previous)
        );
        if !self.verified.signing_key.verify(&string_to_sign, signature) {
            return Err(SigV4Error::ChunkSignatureDoesNotMatch { chunk });
        }
        self.previous = signature.to_vec();
        Ok(())
    }
}

/// A chunk's size and, when chunks are signed, its signature.
fn chunk_header(
    line: &[u8],
    signed: bool,
    chunk: usize,
) -> Result<(usize, Option<Vec<u8>>), SigV4Error> {
    let bad = || {
        malformed(format!(
            "chunk {chunk} header is not <hex size>[;chunk-signature=<sig>]"
        ))
    };
    let text = std::str::from_utf8(line).ok().ok_or_else(bad)?;
    let (size, signature) = match (signed, text.split_once(CHUNK_SIGNATURE)) {
        (true, Some((size, signature))) if signature.len() == 64 => {
            (size, Some(decode_hex(signature).ok_or_else(bad)?))
        }
        (false, None) => (text, None),
        _ => return Err(bad()),
    };
    if size.is_empty() || size.len() > MAX_SIZE_DIGITS {
        return Err(bad());
    }
    let size = u64::from_str_radix(size, 16).ok().ok_or_else(bad)?;
    Ok((usize::try_from(size).unwrap_or(usize::MAX), signature))
}

/// The `name:value` lines after the final chunk, up to the empty line that ends the body.
fn trailer_lines<'a>(
    reader: &mut Reader<'a>,
    mode: PayloadMode,
) -> Result<Vec<(&'a str, &'a str)>, SigV4Error> {
    let mut trailers = Vec::new();
    loop {
        match reader.line()? {
            Some(b"") => return Ok(trailers),
            Some(line) => {
                let text = std::str::from_utf8(line)
                    .ok()
                    .and_then(|text| text.split_once(':'))
                    .ok_or_else(|| malformed("a trailer is not name:value"))?;
                trailers.push(text);
            }
            // Some SDKs end an unsigned body right after `0\r\n` when they have no trailer.
            None if trailers.is_empty() && mode == PayloadMode::StreamingUnsignedTrailer => {
                return Ok(trailers);
            }
            None => return Err(malformed("the body ends inside the trailers")),
        }
    }
}

/// Trailers come only with the trailer modes; a signed trailer section ends with its
/// signature, which chains from the final chunk's.
fn check_trailers(
    trailers: &[(&str, &str)],
    chain: &mut Chain<'_>,
    chunk: usize,
) -> Result<(), SigV4Error> {
    let is_signature = |name: &str| name.eq_ignore_ascii_case(TRAILER_SIGNATURE);
    match chain.verified.payload_mode {
        PayloadMode::StreamingSigned if !trailers.is_empty() => {
            Err(malformed("trailers on a payload that declares none"))
        }
        PayloadMode::StreamingSignedTrailer => {
            let Some(((last, signature), others)) = trailers.split_last() else {
                return Err(malformed("no x-amz-trailer-signature"));
            };
            if !is_signature(last) || others.iter().any(|(name, _)| is_signature(name)) {
                return Err(malformed(
                    "the trailers do not end with x-amz-trailer-signature",
                ));
            }
            let signature = decode_hex(signature.trim())
                .ok_or_else(|| malformed("the trailer signature is not hex"))?;
            let canonical: String = others
                .iter()
                .map(|(name, value)| format!("{name}:{}\n", value.trim()))
                .collect();
            let hash = sha256_hex(canonical.as_bytes());
            chain.check(TRAILER_ALGORITHM, &hash, &signature, chunk)
        }
        _ if trailers.iter().any(|(name, _)| is_signature(name)) => {
            Err(malformed("a trailer signature on an unsigned trailer"))
        }
        _ => Ok(()),
    }
}

/// What is left of the body.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// The next line without its CRLF; `None` at the end of the body.
    fn line(&mut self) -> Result<Option<&'a [u8]>, SigV4Error> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let end = self
            .rest
            .windows(2)
            .position(|pair| pair == b"\r\n")
            .ok_or_else(|| malformed("a line does not end in CRLF"))?;
        let line = &self.rest[..end];
        if line.contains(&b'\n') || line.contains(&b'\r') {
            return Err(malformed("a bare CR or LF inside a line"));
        }
        self.rest = &self.rest[end + 2..];
        Ok(Some(line))
    }

    /// The next `size` bytes; `None` when fewer remain.
    fn take(&mut self, size: usize) -> Option<&'a [u8]> {
        let (data, rest) = self.rest.split_at_checked(size)?;
        self.rest = rest;
        Some(data)
    }
}

fn malformed(reason: impl Into<String>) -> SigV4Error {
    SigV4Error::MalformedChunk(reason.into())
}

#[cfg(test)]
mod tests;
