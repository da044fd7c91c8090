//! The one place a build's notion of "now" comes from.
//!
//! Order of precedence: `--now`, then `SOURCE_DATE_EPOCH` (the reproducible-builds
//! convention), then the system clock. Nothing else in the crate reads the clock for
//! output, so two builds with the same "now" give the same bytes.
//!
//! A shop lives in one time zone (`[policies] timezone` in `site.toml`, UTC by default):
//! its policies take effect at local midnight there, and a `--now` given as a bare date
//! means that local midnight. So a [`Now`] is resolved to an instant only once the zone
//! is known ([`Now::resolve`]), and "today" is always the local date ([`local_date`]).

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;

/// The build's "now" as the user gave it, before the site's time zone is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Now {
    /// An exact instant: `--now 2026-11-24T10:30:00Z`, `SOURCE_DATE_EPOCH` or the clock.
    Instant(DateTime<Utc>),
    /// The start of a local day: `--now 2026-11-24`.
    Day(NaiveDate),
    /// The start of the local day that holds this instant (`vellum serve` reading the
    /// clock: policies change by the day, and a clock that ticks would make every page
    /// showing `now()` differ on every save).
    StartOfDayOf(DateTime<Utc>),
}

impl Now {
    /// The instant this "now" names in `zone`.
    pub fn resolve(self, zone: Tz) -> DateTime<Utc> {
        match self {
            Now::Instant(instant) => instant,
            Now::Day(day) => local_midnight(day, zone),
            Now::StartOfDayOf(instant) => local_midnight(local_date(instant, zone), zone),
        }
    }
}

/// Parses `--now`: `YYYY-MM-DD` (local midnight) or an RFC 3339 time with its offset.
pub fn parse_now(text: &str) -> Result<Now, String> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(Now::Day(date));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| Now::Instant(t.with_timezone(&Utc)))
        .map_err(|_| format!("`{text}` is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"))
}

/// Parses a calendar date given on the command line (`--effective`, `policy at`).
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date: write YYYY-MM-DD, e.g. 2027-01-01"))
}

/// Resolves the build time from the flag, the environment value, or the clock.
pub fn build_time(flag: Option<&str>, source_date_epoch: Option<&str>) -> Result<Now, String> {
    if let Some(text) = flag {
        return parse_now(text);
    }
    if let Some(epoch) = source_date_epoch.filter(|s| !s.trim().is_empty()) {
        let seconds: i64 = epoch.trim().parse().map_err(|_| {
            format!("SOURCE_DATE_EPOCH `{epoch}` is not a number of seconds since 1970")
        })?;
        return DateTime::from_timestamp(seconds, 0)
            .map(Now::Instant)
            .ok_or_else(|| format!("SOURCE_DATE_EPOCH `{epoch}` is out of range"));
    }
    Ok(Now::Instant(Utc::now()))
}

/// The calendar date `instant` falls on in `zone`.
pub fn local_date(instant: DateTime<Utc>, zone: Tz) -> NaiveDate {
    instant.with_timezone(&zone).date_naive()
}

/// The instant a local day begins. Where a daylight-saving jump skips midnight (some
/// zones change clocks at 00:00), the day begins at the first minute that exists.
pub fn local_midnight(day: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let mut time = day.and_hms_opt(0, 0, 0).expect("midnight is a valid time");
    for _ in 0..=180 {
        if let Some(t) = zone.from_local_datetime(&time).earliest() {
            return t.with_timezone(&Utc);
        }
        time += chrono::Duration::minutes(1);
    }
    // No zone skips more than a few hours; fall back to midnight UTC.
    day.and_hms_opt(0, 0, 0)
        .expect("midnight is a valid time")
        .and_utc()
}

/// RFC 3339 in the shop's zone, with its offset (`Z` for UTC), as feeds and JSON carry it.
pub fn rfc3339(instant: DateTime<Utc>, zone: Tz) -> String {
    instant
        .with_timezone(&zone)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> String {
        rfc3339(
            build_time(Some(text), None).unwrap().resolve(Tz::UTC),
            Tz::UTC,
        )
    }

    #[test]
    fn flag_wins_over_environment() {
        let t = build_time(Some("2026-01-02"), Some("0")).unwrap();
        assert_eq!(t, Now::Day(NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()));
    }

    #[test]
    fn source_date_epoch_is_seconds() {
        let t = build_time(None, Some("86400")).unwrap().resolve(Tz::UTC);
        assert_eq!(t.to_rfc3339(), "1970-01-02T00:00:00+00:00");
    }

    #[test]
    fn bad_values_are_explained() {
        assert!(
            build_time(Some("yesterday"), None)
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
        assert!(
            build_time(None, Some("soon"))
                .unwrap_err()
                .contains("SOURCE_DATE_EPOCH")
        );
    }

    #[test]
    fn full_timestamp_is_accepted() {
        assert_eq!(utc("2026-11-24T10:30:00Z"), "2026-11-24T10:30:00Z");
        assert_eq!(utc("2026-11-24"), "2026-11-24T00:00:00Z");
    }

    #[test]
    fn a_bare_date_is_local_midnight() {
        let auckland: Tz = "Pacific/Auckland".parse().unwrap();
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let day = parse_now("2027-01-01").unwrap();
        // Auckland is 13 hours ahead in January (daylight saving time).
        assert_eq!(
            day.resolve(auckland).to_rfc3339(),
            "2026-12-31T11:00:00+00:00"
        );
        assert_eq!(
            rfc3339(day.resolve(berlin), berlin),
            "2027-01-01T00:00:00+01:00"
        );
    }

    #[test]
    fn local_date_follows_the_zone() {
        let auckland: Tz = "Pacific/Auckland".parse().unwrap();
        let instant = parse_now("2026-12-31T12:00:00Z").unwrap().resolve(Tz::UTC);
        assert_eq!(local_date(instant, Tz::UTC).to_string(), "2026-12-31");
        assert_eq!(local_date(instant, auckland).to_string(), "2027-01-01");
    }

    #[test]
    fn a_day_without_midnight_starts_at_its_first_minute() {
        // Chile moved clocks forward at midnight on 2026-09-06.
        let santiago: Tz = "America/Santiago".parse().unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        let start = local_midnight(day, santiago);
        assert_eq!(local_date(start, santiago), day);
        assert_eq!(rfc3339(start, santiago), "2026-09-06T01:00:00-03:00");
    }
}
