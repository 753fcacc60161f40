//! System checks: clock offset and uptime.

use std::time::{Duration, SystemTime};

use deskside_platform::collect;
use serde_json::json;

use crate::check::Outcome;
use crate::context::Context;

/// Offset of our clock against a server `Date`, seconds (positive = we are ahead).
///
/// The server stamped its Date somewhere between our send and receive, truncated to the
/// second: the midpoint estimate is within ±(rtt/2 + 1 s), plenty for minute thresholds.
#[must_use]
pub fn clock_offset_s(sent_at: SystemTime, rtt: Duration, server_date: SystemTime) -> f64 {
    let midpoint = sent_at + rtt / 2;
    match midpoint.duration_since(server_date) {
        Ok(ahead) => ahead.as_secs_f64() - 0.5,
        Err(behind) => -(behind.duration().as_secs_f64() + 0.5),
    }
}

fn describe(offset: f64) -> String {
    let secs = offset.abs();
    let amount = if secs >= 5400.0 {
        format!("{:.0} hours", secs / 3600.0)
    } else if secs >= 90.0 {
        format!("{:.0} minutes", secs / 60.0)
    } else {
        format!("{secs:.0} seconds")
    };
    format!("{amount} {}", if offset > 0.0 { "ahead" } else { "behind" })
}

/// `system.clock`: offset against the probe server's HTTP `Date`.
pub async fn clock(ctx: &Context) -> Outcome {
    let probes = ctx.probes().await;
    let sample = probes.iter().find_map(|p| {
        let ex = p.exchange.as_ref()?;
        let r = ex.result.as_ref().ok()?;
        let date = r.date_parsed?;
        Some((
            p.url.clone(),
            r.date.clone(),
            clock_offset_s(r.sent_at, Duration::from_secs_f64(ex.ms / 1000.0), date),
        ))
    });
    let Some((url, date, offset)) = sample else {
        return Outcome::skip(
            "No time reference answered, so the clock could not be compared.",
            json!({}),
        );
    };
    let c = &ctx.config.clock;
    let evidence = json!({"reference": url, "server_date": date, "offset_s": (offset * 10.0).round() / 10.0,
        "warn_offset_s": c.warn_offset_s, "fail_offset_s": c.fail_offset_s});
    #[expect(clippy::cast_precision_loss, reason = "second thresholds")]
    let (warn, fail) = (c.warn_offset_s as f64, c.fail_offset_s as f64);
    if offset.abs() >= fail {
        Outcome::fail(
            format!("Your computer's clock is {}. Secure websites, the VPN and signing in can fail when the clock is wrong.", describe(offset)),
            evidence,
        )
        .advise("Turn on automatic date and time in your system settings (Deskside can sync the clock), and check the time zone.")
    } else if offset.abs() >= warn {
        Outcome::warn(
            format!("Your computer's clock is {}.", describe(offset)),
            evidence,
        )
        .advise(
            "Turn on automatic date and time in your system settings; Deskside can sync the clock.",
        )
    } else {
        Outcome::pass("Your computer's clock is correct.", evidence)
    }
}

/// `system.uptime`: time since the last restart.
pub async fn uptime(ctx: &Context) -> Outcome {
    let Some(up) = collect::uptime() else {
        return Outcome::skip(
            "The time since the last restart could not be read.",
            json!({}),
        );
    };
    let days = up.as_secs() / 86_400;
    let limit = ctx.config.system.uptime_warn_days;
    let evidence = json!({"uptime_s": up.as_secs(), "warn_days": limit});
    if limit > 0 && days >= limit {
        Outcome::warn(
            format!("Your computer has not been restarted for {days} days."),
            evidence,
        )
        .advise("Save your work and restart: it applies updates and clears many slowdowns.")
    } else {
        Outcome::pass(
            match days {
                0 => "Your computer was restarted today.".to_owned(),
                1 => "Your computer was restarted yesterday.".to_owned(),
                d => format!("Your computer was restarted {d} days ago."),
            },
            evidence,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_sign_and_size() {
        let now = SystemTime::now();
        let server = now + Duration::from_secs(900);
        let o = clock_offset_s(now, Duration::from_millis(10), server);
        assert!((-901.0..=-899.0).contains(&o), "{o}");
        let o = clock_offset_s(
            now,
            Duration::from_millis(10),
            now - Duration::from_secs(120),
        );
        assert!((119.0..=121.0).contains(&o), "{o}");
        assert_eq!(describe(-900.0), "15 minutes behind");
        assert_eq!(describe(7200.0), "2 hours ahead");
    }
}
