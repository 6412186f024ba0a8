//! When a projected token is replaced: the rule of the kubelet's token manager
//! (`pkg/kubelet/token/token_manager.go`, `requiresRefresh`; REFERENCE.md 8.3). A token is
//! due once it is older than 24 hours or than 80% of its lifetime, each brought forward by
//! a jitter of up to 10 s, or when the clock reads earlier than its issue time (the clock
//! jumped back). Pure functions over Unix seconds, so the rule is tested by tables.

/// A token older than this is replaced whatever its lifetime (`maxTTL`).
pub const MAX_TTL_SECONDS: u64 = 24 * 60 * 60;
/// Each check brings the deadline forward by a whole number of seconds below this
/// (`maxJitter`), so that many files do not refresh in the same second.
pub const MAX_JITTER_SECONDS: u64 = 10;
/// After a failed refresh the old token stays and the next try comes this much later.
pub const RETRY_SECONDS: u64 = 10;
/// The longest sleep between checks: a wall clock that jumps (a laptop waking from sleep)
/// is noticed within this time, as the kubelet notices it at its next pod sync.
pub const MAX_CHECK_INTERVAL_SECONDS: u64 = 60;

/// Whether the token issued at `issued_at` and expiring at `expires_at` must be replaced
/// at `now`, with this check's `jitter` (seconds, below [`MAX_JITTER_SECONDS`]).
pub fn requires_refresh(now: u64, issued_at: u64, expires_at: u64, jitter: u64) -> bool {
    now > deadline(issued_at, expires_at, jitter) || now < issued_at
}

/// How long to sleep before the next check: until just past the deadline, at least one
/// second and at most [`MAX_CHECK_INTERVAL_SECONDS`].
pub fn seconds_until_check(now: u64, issued_at: u64, expires_at: u64, jitter: u64) -> u64 {
    deadline(issued_at, expires_at, jitter)
        .saturating_add(1)
        .saturating_sub(now)
        .clamp(1, MAX_CHECK_INTERVAL_SECONDS)
}

/// The last second at which the token is still fresh: the earlier of `iat + 24h` and
/// `exp − 20% of the lifetime`, less the jitter. Kubernetes takes the lifetime from the
/// request (`expirationSeconds`); here it is `exp − iat`, which is the same number.
fn deadline(issued_at: u64, expires_at: u64, jitter: u64) -> u64 {
    let lifetime = expires_at.saturating_sub(issued_at);
    let by_age = issued_at.saturating_add(MAX_TTL_SECONDS);
    // Integer percent as the kubelet computes it: `expirationSeconds * 20 / 100`.
    let by_lifetime = expires_at.saturating_sub(lifetime.saturating_mul(20) / 100);
    by_age.min(by_lifetime).saturating_sub(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    const IAT: u64 = 1_700_000_000;

    #[test]
    fn refresh_rule() {
        let day = 86_400;
        let cases = [
            // (name, now, iat, exp, jitter, want)
            ("fresh_token", IAT + 1, IAT, IAT + 600, 0, false),
            (
                "at_eighty_percent_still_fresh",
                IAT + 480,
                IAT,
                IAT + 600,
                0,
                false,
            ),
            ("past_eighty_percent", IAT + 481, IAT, IAT + 600, 0, true),
            (
                "jitter_brings_it_forward",
                IAT + 472,
                IAT,
                IAT + 600,
                9,
                true,
            ),
            ("jitter_not_enough", IAT + 471, IAT, IAT + 600, 9, false),
            (
                "day_token_at_eighty_percent",
                IAT + 69_121,
                IAT,
                IAT + day,
                0,
                true,
            ),
            ("day_token_before", IAT + 69_120, IAT, IAT + day, 0, false),
            // A 48 h token is replaced after 24 h, long before 80% of its lifetime.
            (
                "long_token_after_a_day",
                IAT + day + 1,
                IAT,
                IAT + 2 * day,
                0,
                true,
            ),
            (
                "long_token_just_under_a_day",
                IAT + day,
                IAT,
                IAT + 2 * day,
                0,
                false,
            ),
            (
                "long_token_day_with_jitter",
                IAT + day - 5,
                IAT,
                IAT + 2 * day,
                6,
                true,
            ),
            ("clock_jumped_back", IAT - 1, IAT, IAT + 600, 0, true),
            ("expired_token", IAT + 700, IAT, IAT + 600, 0, true),
            (
                "integer_percent_rounds_down",
                IAT + 481,
                IAT,
                IAT + 601,
                0,
                false,
            ),
            ("zero_lifetime", IAT, IAT, IAT, 0, false),
            ("zero_lifetime_one_second_later", IAT + 1, IAT, IAT, 0, true),
            (
                "exp_before_iat_never_panics",
                IAT + 1,
                IAT,
                IAT - 10,
                0,
                true,
            ),
            (
                "huge_values_never_panic",
                u64::MAX,
                u64::MAX - 1,
                u64::MAX,
                9,
                true,
            ),
            ("zeros_never_panic", 0, 0, 0, 9, false),
        ];
        for (name, now, iat, exp, jitter, want) in cases {
            assert_eq!(requires_refresh(now, iat, exp, jitter), want, "case {name}");
        }
    }

    #[test]
    fn check_intervals() {
        let cases = [
            // (name, now, iat, exp, jitter, want)
            ("long_wait_is_capped", IAT, IAT, IAT + 600, 0, 60),
            (
                "wakes_just_past_the_deadline",
                IAT + 450,
                IAT,
                IAT + 600,
                0,
                31,
            ),
            ("jitter_wakes_earlier", IAT + 450, IAT, IAT + 600, 5, 26),
            ("due_now_waits_a_second", IAT + 481, IAT, IAT + 600, 0, 1),
            (
                "long_overdue_waits_a_second",
                IAT + 10_000,
                IAT,
                IAT + 600,
                0,
                1,
            ),
            ("huge_values_never_panic", u64::MAX, 0, u64::MAX, 9, 1),
        ];
        for (name, now, iat, exp, jitter, want) in cases {
            assert_eq!(
                seconds_until_check(now, iat, exp, jitter),
                want,
                "case {name}"
            );
        }
    }

    #[test]
    fn waking_at_the_check_finds_the_token_due() {
        // The sleep and the rule agree: waking when told, a token is due exactly then.
        for (iat, exp, jitter) in [
            (IAT, IAT + 600, 0),
            (IAT, IAT + 600, 9),
            (IAT, IAT + 86_400, 3),
        ] {
            let mut now = iat;
            let mut checks = 0;
            while !requires_refresh(now, iat, exp, jitter) {
                now += seconds_until_check(now, iat, exp, jitter);
                checks += 1;
                assert!(checks < 10_000, "the loop ends");
            }
            assert_eq!(
                now,
                deadline(iat, exp, jitter) + 1,
                "({iat}, {exp}, {jitter})"
            );
        }
    }
}
