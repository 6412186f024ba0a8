//! S3 aws-chunked bodies
//! ([chunked upload](https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html),
//! [trailers](https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html)):
//! `<hex size>;chunk-signature=<sig>\r\n<data>\r\n` repeated, a final zero-size chunk,
//! optional `name:value` trailers and an empty line. Each chunk signature chains from the
//! previous one, starting at the request's own signature.

use sha2::{Digest, Sha256};

use super::hash::{decode_hex, encode_hex, sha256_hex, EMPTY_SHA256};
use super::{PayloadMode, SigV4Error, Verified};

const CHUNK_ALGORITHM: &str = "AWS4-HMAC-SHA256-PAYLOAD";
const TRAILER_ALGORITHM: &str = "AWS4-HMAC-SHA256-TRAILER";
const CHUNK_SIGNATURE: &str = ";chunk-signature=";
const TRAILER_SIGNATURE: &str = "x-amz-trailer-signature";
/// A chunk size is at most 16 hex digits (a `u64`).
const MAX_SIZE_DIGITS: usize = 16;

/// The decoded body of an aws-chunked request held whole in memory, each chunk (and a
/// signed trailer) verified when the payload mode signs them; its length must be
/// `decoded_length` when given. A body that may be large goes through [`Decoder`] instead.
pub fn decode_chunked(
    body: &[u8],
    verified: &Verified,
    decoded_length: Option<u64>,
) -> Result<Vec<u8>, SigV4Error> {
    let mut decoder = Decoder::new(verified, decoded_length)?;
    let mut decoded = Vec::new();
    decoder.feed(body, &mut decoded)?;
    decoder.finish()?;
    Ok(decoded)
}

/// An aws-chunked body decoded as it arrives: [`Decoder::feed`] takes the raw bytes in
/// whatever slices the connection delivers and appends the content they carry;
/// [`Decoder::finish`] checks that the body ended where the framing says it does and
/// hands back the trailers. Memory stays bounded by one header or trailer line, whatever
/// the chunk sizes. Content is handed out before its chunk's signature is checked (the
/// signature follows the data): the caller keeps it provisional until `finish` succeeds.
pub struct Decoder {
    chain: Chain,
    chunks_signed: bool,
    mode: PayloadMode,
    state: State,
    /// 1-based number of the chunk being read.
    chunk: usize,
    decoded: u64,
    decoded_length: Option<u64>,
    trailers: Vec<(String, String)>,
}

/// Where in the framing the decoder is.
enum State {
    /// Reading a chunk header line (the bytes so far).
    Header(Vec<u8>),
    /// Inside a chunk's data.
    Data {
        remaining: u64,
        hash: Option<Sha256>,
        signature: Option<Vec<u8>>,
    },
    /// Reading the CRLF after a chunk's data (the bytes so far).
    DataEnd(Vec<u8>),
    /// After the final chunk: reading trailer lines up to the empty one.
    Trailers(Vec<u8>),
    /// The empty line after the trailers was read: nothing may follow.
    Done,
}

/// The longest header or trailer line accepted: a chunk header is under 90 bytes, a
/// trailer a checksum name and its base64.
const MAX_LINE: usize = 4096;

impl Decoder {
    /// A decoder for a body `verified` declares aws-chunked.
    pub fn new(verified: &Verified, decoded_length: Option<u64>) -> Result<Self, SigV4Error> {
        let chunks_signed = match verified.payload_mode {
            PayloadMode::StreamingSigned | PayloadMode::StreamingSignedTrailer => true,
            PayloadMode::StreamingUnsignedTrailer => false,
            PayloadMode::Hashed | PayloadMode::Unsigned => {
                return Err(malformed("the payload is not aws-chunked"));
            }
        };
        Ok(Self {
            chain: Chain {
                verified: verified.clone(),
                previous: verified.seed_signature.clone(),
            },
            chunks_signed,
            mode: verified.payload_mode,
            state: State::Header(Vec::new()),
            chunk: 1,
            decoded: 0,
            decoded_length,
            trailers: Vec::new(),
        })
    }

    /// Reads `input`, the next raw bytes of the body, appending the content to `out`.
    pub fn feed(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), SigV4Error> {
        while !input.is_empty() {
            input = match &mut self.state {
                State::Header(line) => {
                    let (complete, rest) = take_line(line, input)?;
                    if complete {
                        let line = std::mem::take(line);
                        self.start_chunk(&line[..line.len() - 2])?;
                    }
                    rest
                }
                State::Data {
                    remaining,
                    hash,
                    signature,
                } => {
                    let n = usize::try_from(*remaining)
                        .unwrap_or(usize::MAX)
                        .min(input.len());
                    let (data, rest) = input.split_at(n);
                    if let Some(hash) = hash {
                        hash.update(data);
                    }
                    out.extend_from_slice(data);
                    *remaining -= n as u64;
                    self.decoded = self.decoded.saturating_add(n as u64);
                    if *remaining == 0 {
                        let hash = hash.take();
                        let signature = signature.take();
                        self.end_chunk(hash, signature)?;
                        self.state = State::DataEnd(Vec::new());
                    }
                    rest
                }
                State::DataEnd(seen) => {
                    let n = (2 - seen.len()).min(input.len());
                    seen.extend_from_slice(&input[..n]);
                    if seen.len() == 2 {
                        if seen != b"\r\n" {
                            return Err(malformed(format!(
                                "chunk {} does not end in CRLF",
                                self.chunk
                            )));
                        }
                        self.chunk += 1;
                        self.state = State::Header(Vec::new());
                    }
                    &input[n..]
                }
                State::Trailers(line) => {
                    let (complete, rest) = take_line(line, input)?;
                    if complete {
                        let line = std::mem::take(line);
                        self.trailer_line(&line[..line.len() - 2])?;
                    }
                    rest
                }
                State::Done => return Err(malformed("bytes after the final chunk")),
            };
        }
        Ok(())
    }

    /// Checks that the body ended where the framing does (and its length and trailer
    /// signature); the trailers, without the signature, as `(name, value)`.
    pub fn finish(mut self) -> Result<Vec<(String, String)>, SigV4Error> {
        match &self.state {
            State::Done => {}
            // Some SDKs end an unsigned body right after `0\r\n` when they have no trailer.
            State::Trailers(line)
                if line.is_empty()
                    && self.trailers.is_empty()
                    && self.mode == PayloadMode::StreamingUnsignedTrailer => {}
            State::Trailers(_) => return Err(malformed("the body ends inside the trailers")),
            State::Header(_) | State::Data { .. } | State::DataEnd(_) => {
                return Err(malformed(format!(
                    "the body ends inside or before chunk {}",
                    self.chunk
                )))
            }
        }
        let chunk = self.chunk + 1;
        check_trailers(&self.trailers, self.mode, &mut self.chain, chunk)?;
        if let Some(declared) = self.decoded_length.filter(|d| *d != self.decoded) {
            return Err(SigV4Error::DecodedLengthMismatch {
                declared,
                decoded: self.decoded,
            });
        }
        let signature = |name: &str| name.eq_ignore_ascii_case(TRAILER_SIGNATURE);
        self.trailers.retain(|(name, _)| !signature(name));
        Ok(self.trailers)
    }

    /// A chunk header was read: a data chunk, or the final (empty) one.
    fn start_chunk(&mut self, line: &[u8]) -> Result<(), SigV4Error> {
        let (size, signature) = chunk_header(line, self.chunks_signed, self.chunk)?;
        let hash = signature.as_ref().map(|_| Sha256::new());
        if size == 0 {
            self.end_chunk(hash, signature)?;
            self.state = State::Trailers(Vec::new());
        } else {
            self.state = State::Data {
                remaining: size,
                hash,
                signature,
            };
        }
        Ok(())
    }

    /// Checks a chunk's signature over its data's hash, when chunks are signed.
    fn end_chunk(
        &mut self,
        hash: Option<Sha256>,
        signature: Option<Vec<u8>>,
    ) -> Result<(), SigV4Error> {
        if let (Some(hash), Some(signature)) = (hash, signature) {
            let hashes = format!("{EMPTY_SHA256}\n{}", encode_hex(&hash.finalize()));
            self.chain
                .check(CHUNK_ALGORITHM, &hashes, &signature, self.chunk)?;
        }
        Ok(())
    }

    /// One `name:value` trailer line, or the empty line that ends the body.
    fn trailer_line(&mut self, line: &[u8]) -> Result<(), SigV4Error> {
        if line.is_empty() {
            self.state = State::Done;
            return Ok(());
        }
        let (name, value) = std::str::from_utf8(line)
            .ok()
            .and_then(|text| text.split_once(':'))
            .ok_or_else(|| malformed("a trailer is not name:value"))?;
        if self.trailers.len() >= 16 {
            return Err(malformed("more than 16 trailers"));
        }
        self.trailers.push((name.to_owned(), value.to_owned()));
        Ok(())
    }
}

/// Moves bytes of `input` into `line` up to and including the first LF; whether the
/// line is now complete (it must then end in CRLF, with no bare CR or LF before), and
/// what is left of `input`.
fn take_line<'a>(line: &mut Vec<u8>, input: &'a [u8]) -> Result<(bool, &'a [u8]), SigV4Error> {
    let (taken, rest, complete) = match input.iter().position(|&b| b == b'\n') {
        Some(end) => (&input[..=end], &input[end + 1..], true),
        None => (input, &input[input.len()..], false),
    };
    if line.len() + taken.len() > MAX_LINE {
        return Err(malformed("a header or trailer line is too long"));
    }
    line.extend_from_slice(taken);
    if complete {
        let Some(body) = line.strip_suffix(b"\r\n") else {
            return Err(malformed("a line does not end in CRLF"));
        };
        if body.contains(&b'\r') {
            return Err(malformed("a bare CR or LF inside a line"));
        }
    }
    Ok((complete, rest))
}

/// The signature chain: each signature signs the one before it.
struct Chain {
    verified: Verified,
    previous: Vec<u8>,
}

impl Chain {
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
) -> Result<(u64, Option<Vec<u8>>), SigV4Error> {
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
    Ok((size, signature))
}

/// Trailers come only with the trailer modes; a signed trailer section ends with its
/// signature, which chains from the final chunk's.
fn check_trailers(
    trailers: &[(String, String)],
    mode: PayloadMode,
    chain: &mut Chain,
    chunk: usize,
) -> Result<(), SigV4Error> {
    let is_signature = |name: &str| name.eq_ignore_ascii_case(TRAILER_SIGNATURE);
    match mode {
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

fn malformed(reason: impl Into<String>) -> SigV4Error {
    SigV4Error::MalformedChunk(reason.into())
}

#[cfg(test)]
mod tests;
