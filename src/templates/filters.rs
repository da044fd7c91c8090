//! Filters vellum adds to Tera 2, whose core no longer carries them: `date` (Tera 1's,
//! with chrono, so that dates print exactly as before) and `json_encode`.

use std::fmt::Write as _;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use tera::{Error, Kwargs, State, Tera, TeraResult, Value};

pub fn register(tera: &mut Tera) {
    tera.register_filter("date", date);
    tera.register_filter("json_encode", json_encode);
    register_localized(tera, "en");
}

/// `{{ "2026-11-24" | date(format="%B %-d, %Y") }}`: a `YYYY-MM-DD` date, an RFC 3339
/// instant (kept in its own offset unless `timezone` is given) or a Unix timestamp.
fn date(value: &Value, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let format = kwargs
        .get::<&str>("format")?
        .unwrap_or("%Y-%m-%d")
        .to_string();
    if StrftimeItems::new(&format).any(|item| matches!(item, Item::Error)) {
        return Err(Error::message(format!("invalid date format `{format}`")));
    }
    let timezone = match kwargs.get::<&str>("timezone")? {
        Some(name) => Some(
            name.parse::<chrono_tz::Tz>()
                .map_err(|_| Error::message(format!("`{name}` is not a time zone")))?,
        ),
        None => None,
    };
    let mut out = String::new();
    let written = if let Some(seconds) = value.as_i64() {
        let instant = DateTime::<Utc>::from_timestamp(seconds, 0)
            .ok_or_else(|| Error::message(format!("{seconds} is out of range for a date")))?;
        match timezone {
            Some(tz) => write!(out, "{}", instant.with_timezone(&tz).format(&format)),
            None => write!(out, "{}", instant.naive_utc().format(&format)),
        }
    } else if let Some(text) = value.as_str() {
        if text.contains('T') {
            if let Ok(instant) = text.parse::<DateTime<FixedOffset>>() {
                match timezone {
                    Some(tz) => write!(out, "{}", instant.with_timezone(&tz).format(&format)),
                    None => write!(out, "{}", instant.format(&format)),
                }
            } else if let Ok(naive) = text.parse::<NaiveDateTime>() {
                write!(out, "{}", Utc.from_utc_datetime(&naive).format(&format))
            } else {
                return Err(Error::message(format!(
                    "`{text}` is not an RFC 3339 date and time"
                )));
            }
        } else {
            let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| Error::message(format!("`{text}` is not a YYYY-MM-DD date")))?;
            let midnight = Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN));
            write!(out, "{}", midnight.format(&format))
        }
    } else {
        return Err(Error::message(format!(
            "`date` needs a date text or a timestamp, not {}",
            value.name()
        )));
    };
    written
        .map_err(|_| Error::message(format!("date format `{format}` does not fit this date")))?;
    Ok(out)
}

/// `{{ value | json_encode }}`: compact JSON, keys in the order the value has them.
fn json_encode(value: &Value, _: Kwargs, _: &State) -> TeraResult<String> {
    serde_json::to_string(value).map_err(|e| Error::message(format!("json_encode: {e}")))
}

/// The filters that write for a reader of a language (ICU4X through [`crate::locale`]):
/// `format_date`, `format_number`, `format_price`. Each takes `lang=`, else the page's
/// `lang`, else `default`. Registered again once the site (and so its default
/// language) is known; Tera checks at load time that every filter a template uses exists.
pub fn register_localized(tera: &mut Tera, default: &str) {
    let lang_of = {
        let default = default.to_string();
        move |kwargs: &Kwargs, state: &State| -> TeraResult<String> {
            if let Some(lang) = kwargs.get::<String>("lang")? {
                return Ok(lang);
            }
            Ok(state
                .get::<String>("lang")?
                .unwrap_or_else(|| default.clone()))
        }
    };
    let lang = lang_of.clone();
    tera.register_filter(
        "format_date",
        move |value: &Value, kwargs: Kwargs, state: &State| -> TeraResult<String> {
            let style_name = kwargs.get::<&str>("style")?.unwrap_or("long");
            let style = crate::locale::DateStyle::parse(style_name).ok_or_else(|| {
                Error::message(format!(
                    "format_date: style `{style_name}` is not long, medium or short"
                ))
            })?;
            let text = value.as_str().ok_or_else(|| {
                Error::message(format!(
                    "format_date needs a date text, not {}",
                    value.name()
                ))
            })?;
            // A date, or the date part of an RFC 3339 instant written in local time.
            let day = NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d")
                .map_err(|_| Error::message(format!("`{text}` is not a YYYY-MM-DD date")))?;
            crate::locale::format_date(&lang(&kwargs, state)?, day, style).map_err(Error::message)
        },
    );
    let lang = lang_of.clone();
    tera.register_filter(
        "format_number",
        move |value: &Value, kwargs: Kwargs, state: &State| -> TeraResult<String> {
            let decimals = kwargs.get::<i64>("decimals")?.unwrap_or(0).clamp(0, 12) as u8;
            let number = value
                .as_f64()
                .or_else(|| value.as_i64().map(|n| n as f64))
                .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
                .ok_or_else(|| {
                    Error::message(format!(
                        "format_number needs a number, not {}",
                        value.name()
                    ))
                })?;
            crate::locale::format_number(&lang(&kwargs, state)?, number, decimals)
                .map_err(Error::message)
        },
    );
    let lang = lang_of;
    tera.register_filter(
        "format_price",
        move |value: &Value, kwargs: Kwargs, state: &State| -> TeraResult<String> {
            let amount = value
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| value.to_string());
            let currency = kwargs.get::<&str>("currency")?.ok_or_else(|| {
                Error::message("format_price needs `currency`, e.g. format_price(currency=\"USD\")")
            })?;
            let price = crate::product::Price::parse(&amount, currency).map_err(Error::message)?;
            Ok(price.format(&lang(&kwargs, state)?))
        },
    );
}
