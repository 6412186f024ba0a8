//! What the fuzz targets share: reading a fuzz input written as an HTTP/1.1 request, the
//! format of AWS's SigV4 test vectors, so that real requests seed the corpora as they are.

use http::{HeaderMap, HeaderName, HeaderValue};

/// A request read from `METHOD TARGET HTTP/1.1`, `Name:value` header lines (a line
/// starting with a space or tab continues the previous value, unfolded with a space), an
/// empty line, and the body. Lines end in `\n` or `\r\n`; a missing version is fine.
/// Header names or values `http` refuses are dropped.
pub struct Message<'a> {
    pub method: &'a str,
    /// As sent: still percent-encoded.
    pub path: &'a str,
    /// Without the `?`.
    pub query: Option<&'a str>,
    pub headers: HeaderMap,
    pub body: &'a [u8],
}

impl<'a> Message<'a> {
    /// `None` when the head is not UTF-8 or has no `METHOD TARGET` line.
    pub fn parse(data: &'a [u8]) -> Option<Self> {
        let blank_line = [&b"\r\n\r\n"[..], b"\n\n"]
            .into_iter()
            .filter_map(|separator| find(data, separator).map(|at| (at, separator.len())))
            .min();
        let (head, body) = match blank_line {
            Some((at, length)) => (&data[..at], &data[at + length..]),
            None => (data, &[][..]),
        };
        let head = std::str::from_utf8(head).ok()?;
        let mut lines = head
            .split('\n')
            .map(|line| line.strip_suffix('\r').unwrap_or(line));
        let (method, rest) = lines.next()?.split_once(' ')?;
        let target = rest
            .rsplit_once(' ')
            .map_or(rest, |(target, _version)| target);
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (target, None),
        };
        let mut fields: Vec<(&str, String)> = Vec::new();
        for line in lines {
            match (line.starts_with([' ', '\t']), fields.last_mut()) {
                (true, Some((_, value))) => {
                    value.push(' ');
                    value.push_str(line.trim());
                }
                _ => {
                    if let Some((name, value)) = line.split_once(':') {
                        fields.push((name, value.trim().to_owned()));
                    }
                }
            }
        }
        let mut headers = HeaderMap::new();
        for (name, value) in fields {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(value.as_bytes()),
            ) {
                headers.append(name, value);
            }
        }
        Some(Self {
            method,
            path,
            query,
            headers,
            body,
        })
    }

    /// The first value of `name` as text, if it is visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
