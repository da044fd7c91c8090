//! The one place a build's notion of "now" comes from.
//!
//! Order of precedence: `--now`, then `SOURCE_DATE_EPOCH` (the reproducible-builds
//! convention), then the system clock. Nothing else in the crate reads the clock for
//! output, so two builds with the same "now" give the same bytes.

use chrono::{DateTime, NaiveDate, Utc};

/// Parses `--now`: `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM:SSZ`.
pub fn parse_now(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let midnight = date.and_hms_opt(0, 0, 0).expect("midnight is a valid time");
        return Ok(midnight.and_utc());
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("`{text}` is not a date: write YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ"))
}

/// Resolves the build time from the flag, the environment value, or the clock.
pub fn build_time(
    flag: Option<&str>,
    source_date_epoch: Option<&str>,
) -> Result<DateTime<Utc>, String> {
    if let Some(text) = flag {
        return parse_now(text);
    }
    if let Some(epoch) = source_date_epoch.filter(|s| !s.trim().is_empty()) {
        let seconds: i64 = epoch.trim().parse().map_err(|_| {
            format!("SOURCE_DATE_EPOCH `{epoch}` is not a number of seconds since 1970")
        })?;
        return DateTime::from_timestamp(seconds, 0)
            .ok_or_else(|| format!("SOURCE_DATE_EPOCH `{epoch}` is out of range"));
    }
    Ok(Utc::now())
}

/// Midnight UTC of the day `time` falls on.
pub fn start_of_day(time: DateTime<Utc>) -> DateTime<Utc> {
    time.date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight is a valid time")
        .and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_wins_over_environment() {
        let t = build_time(Some("2026-01-02"), Some("0")).unwrap();
        assert_eq!(t.to_rfc3339(), "2026-01-02T00:00:00+00:00");
    }

    #[test]
    fn source_date_epoch_is_seconds() {
        let t = build_time(None, Some("86400")).unwrap();
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
        let t = parse_now("2026-11-24T10:30:00Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T10:30:00+00:00");
    }
}
