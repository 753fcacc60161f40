//! When to show a password-expiry notification: pure logic over the expiry instant, now, the
//! configured `warn_days` and the date of the last notification. Thresholds (14, 7, 3, 1 days
//! by default) each notify once, a threshold crossed while the computer was off still notifies
//! (once), from the smallest threshold on it is daily, and never more than once per day.

use time::{Date, OffsetDateTime};

const DAY_S: i64 = 86_400;

/// Whether a notification is due now.
///
/// `now` carries the user's UTC offset, so "today" is the user's calendar day; `last_notified`
/// is that calendar date of the last notification, if any.
#[must_use]
pub fn warning_due(
    expires_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
    warn_days: &[u64],
    last_notified: Option<Date>,
) -> bool {
    let today = now.date();
    if last_notified.is_some_and(|d| d >= today) {
        return false;
    }
    let Some(expires_at) = expires_at else {
        return false;
    };
    let Some(&smallest) = warn_days.iter().min() else {
        return false;
    };
    let secs_left = (expires_at - now).whole_seconds();
    if secs_left <= 0 {
        // Expired: remind daily.
        return true;
    }
    let days_left = u64::try_from(secs_left.div_euclid(DAY_S)).unwrap_or(0);
    if days_left <= smallest {
        return true;
    }
    // The threshold most recently crossed, and the day it was crossed on.
    let Some(&threshold) = warn_days.iter().filter(|t| **t >= days_left).min() else {
        return false;
    };
    let crossed = expires_at
        - time::Duration::seconds(i64::try_from(threshold).unwrap_or(0).saturating_mul(DAY_S));
    let crossed_day = crossed.to_offset(now.offset()).date();
    last_notified.is_none_or(|d| d < crossed_day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    const WARN: &[u64] = &[14, 7, 3, 1];

    fn due(days_left: i64, last: Option<Date>) -> bool {
        let now = datetime!(2027-03-10 09:00 UTC);
        warning_due(
            Some(now + time::Duration::hours(days_left * 24 + 2)),
            now,
            WARN,
            last,
        )
    }

    #[test]
    fn thresholds_notify_once_each() {
        assert!(!due(20, None), "too early");
        assert!(due(14, None));
        assert!(
            !due(13, Some(date!(2027 - 03 - 09))),
            "14 was notified yesterday"
        );
        assert!(due(7, Some(date!(2027 - 03 - 03))));
        assert!(
            !due(5, Some(date!(2027 - 03 - 08))),
            "7-day notice already given"
        );
        assert!(
            due(5, Some(date!(2027 - 03 - 06))),
            "the 7-day crossing was missed"
        );
    }

    #[test]
    fn daily_from_the_smallest_and_after_expiry() {
        assert!(due(1, Some(date!(2027 - 03 - 09))));
        assert!(due(0, Some(date!(2027 - 03 - 09))));
        assert!(due(-3, Some(date!(2027 - 03 - 09))));
    }

    #[test]
    fn never_twice_a_day() {
        for days in [-3, 0, 1, 3, 7, 14] {
            assert!(!due(days, Some(date!(2027 - 03 - 10))), "{days}");
        }
    }

    #[test]
    fn nothing_without_expiry_or_thresholds() {
        let now = datetime!(2027-03-10 09:00 UTC);
        assert!(!warning_due(None, now, WARN, None));
        assert!(!warning_due(Some(now), now, &[], None));
    }

    #[test]
    fn today_is_the_users_day() {
        // 23:30 in UTC+2 is 21:30 UTC: the local date has not changed since the 10th's notice.
        let now = datetime!(2027-03-10 23:30 +2);
        let exp = now + time::Duration::days(1);
        assert!(!warning_due(
            Some(exp),
            now,
            WARN,
            Some(date!(2027 - 03 - 10))
        ));
        assert!(warning_due(
            Some(exp),
            now,
            WARN,
            Some(date!(2027 - 03 - 09))
        ));
    }
}
