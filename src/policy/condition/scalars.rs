//! The typed values non-string operators compare: exact decimals for `Numeric*`, CIDR
//! ranges for `IpAddress`, base64 for `BinaryEquals`, `true`/`false` for `Bool` and
//! `Null`. Each reader returns `None` for text it cannot read.

use std::cmp::Ordering;
use std::net::IpAddr;

/// A decimal number, compared exactly (no floating-point rounding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decimal {
    negative: bool,
    /// Integer digits without leading zeros.
    integer: String,
    /// Fraction digits without trailing zeros.
    fraction: String,
}

impl Decimal {
    /// Reads `[+-]digits[.digits]` (either side of the point may be empty, not both).
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let (negative, unsigned) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (integer, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if integer.len() + fraction.len() == 0 || !all_digits(integer) || !all_digits(fraction) {
            return None;
        }
        let integer = integer.trim_start_matches('0').to_owned();
        let fraction = fraction.trim_end_matches('0').to_owned();
        // Zero has no sign, so `-0` equals `0`.
        let negative = negative && !(integer.is_empty() && fraction.is_empty());
        Some(Decimal {
            negative,
            integer,
            fraction,
        })
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let magnitude = self
            .integer
            .len()
            .cmp(&other.integer.len())
            .then_with(|| self.integer.cmp(&other.integer))
            .then_with(|| self.fraction.cmp(&other.fraction));
        match (self.negative, other.negative) {
            (false, false) => magnitude,
            (true, true) => magnitude.reverse(),
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// An IP range: an address and how many leading bits of it count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Reads `203.0.113.0/24`, `2001:DB8::/64`, or a bare address (a `/32` or `/128`).
    /// Host bits set below the prefix are ignored.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok().filter(|p| *p <= max)?
            }
            Some(_) => return None,
        };
        Some(Cidr { network, prefix })
    }

    /// Whether `address` (an IPv4-mapped IPv6 address counts as IPv4) is in the range.
    pub(crate) fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, address) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

/// Reads `true` or `false` in any case.
pub(crate) fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Decodes padded standard base64 (RFC 4648 §4).
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let padding = bytes.iter().rev().take_while(|b| **b == b'=').count();
    if padding > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in &bytes[..bytes.len() - padding] {
        let value = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_compare_exactly() {
        #[rustfmt::skip]
        let cases = [
            ("equal_integers", "10", "10", Some(Ordering::Equal)),
            ("leading_zeros", "007", "7", Some(Ordering::Equal)),
            ("trailing_fraction_zeros", "1.50", "1.5", Some(Ordering::Equal)),
            ("negative_zero", "-0", "0.0", Some(Ordering::Equal)),
            ("longer_integer_bigger", "100", "99", Some(Ordering::Greater)),
            ("fraction_digits", "0.5", "0.45", Some(Ordering::Greater)),
            ("negatives_reverse", "-2", "-1", Some(Ordering::Less)),
            ("sign_first", "-100", "1", Some(Ordering::Less)),
            ("beyond_f64", "9007199254740993", "9007199254740992", Some(Ordering::Greater)),
            ("point_only_side", ".5", "0.5", Some(Ordering::Equal)),
            ("plus_sign", "+3", "3", Some(Ordering::Equal)),
            ("word", "ten", "10", None),
            ("exponent", "1e3", "1000", None),
            ("bare_point", ".", "0", None),
            ("empty", "", "0", None),
        ];
        for (name, a, b, want) in cases {
            let got = Decimal::parse(a)
                .zip(Decimal::parse(b))
                .map(|(a, b)| a.cmp(&b));
            assert_eq!(got, want, "case {name}");
        }
    }

    #[test]
    fn cidr_ranges_contain_addresses() {
        #[rustfmt::skip]
        let cases = [
            ("v4_in_range", "203.0.113.0/24", "203.0.113.7", Some(true)),
            ("v4_out_of_range", "203.0.113.0/24", "203.0.114.7", Some(false)),
            ("bare_address_is_slash_32", "10.0.0.1", "10.0.0.1", Some(true)),
            ("bare_address_exact_only", "10.0.0.1", "10.0.0.2", Some(false)),
            ("prefix_zero_matches_all", "0.0.0.0/0", "8.8.8.8", Some(true)),
            ("host_bits_ignored", "10.1.2.3/8", "10.200.0.1", Some(true)),
            ("v6_in_range", "2001:DB8:1234:5678::/64", "2001:db8:1234:5678::1", Some(true)),
            ("v6_out_of_range", "2001:DB8:1234:5678::/64", "2001:db8:1234:5679::1", Some(false)),
            ("mapped_v4", "192.0.2.0/24", "::ffff:192.0.2.9", Some(true)),
            ("family_mismatch", "::/0", "1.2.3.4", Some(false)),
            ("prefix_too_long", "10.0.0.0/33", "10.0.0.1", None),
            ("prefix_not_number", "10.0.0.0/x", "10.0.0.1", None),
            ("not_an_address", "ten.0.0.0/8", "10.0.0.1", None),
        ];
        for (name, range, address, want) in cases {
            let got = Cidr::parse(range).map(|cidr| cidr.contains(address.parse().unwrap()));
            assert_eq!(got, want, "case {name}");
        }
    }

    #[test]
    fn base64_decodes() {
        #[rustfmt::skip]
        let cases: [(&str, &str, Option<&[u8]>); 6] = [
            ("aws_docs_example", "QmluYXJ5VmFsdWVJbkJhc2U2NA==", Some(b"BinaryValueInBase64")),
            ("one_pad", "YWI=", Some(b"ab")),
            ("no_pad", "YWJj", Some(b"abc")),
            ("empty", "", Some(b"")),
            ("bad_length", "YWJ", None),
            ("bad_alphabet", "YW-j", None),
        ];
        for (name, text, want) in cases {
            assert_eq!(decode_base64(text).as_deref(), want, "case {name}");
        }
    }
}
