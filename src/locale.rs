//! Dates, numbers and prices as a reader of a language writes them, from ICU4X and the
//! CLDR data compiled into it: "November 24, 2026" and "24. November 2026", "$1,299.95"
//! and "1.299,95 $". Formatters are made once per thread and language, and reused.

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use icu_datetime::DateTimeFormatter;
use icu_datetime::fieldsets::YMD;
use icu_datetime::input::Date;
use icu_decimal::DecimalFormatter;
use icu_decimal::input::Decimal;
use icu_experimental::dimension::currency::CurrencyType;
use icu_experimental::dimension::currency::formatter::CurrencyFormatter;
use icu_locale_core::Locale;

/// Reads a BCP 47 tag.
pub fn parse(tag: &str) -> Result<Locale, String> {
    Locale::try_from_str(tag).map_err(|e| format!("`{tag}` is not a language tag: {e}"))
}

/// What a language code looks like in a file name or URL: `de`, `fr`, `pt-br`,
/// `zh-hant`. Longer or other suffixes (`v2`, `draft-notes`) are part of a file name.
pub fn looks_like_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A language code of the site's besides the default must be a BCP 47 tag ICU reads,
/// shaped as [`looks_like_code`] says (it becomes a URL segment and a file suffix):
/// `de`, `pt-BR`. The default language only needs to be a tag (`en-GB`).
pub fn check_code(code: &str, is_default: bool) -> Result<(), &'static str> {
    if !is_default && !looks_like_code(code) {
        return Err("is not a language code such as de or pt-BR");
    }
    parse(code)
        .map(|_| ())
        .map_err(|_| "is not a BCP 47 language tag")
}

/// How long a written date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateStyle {
    /// November 24, 2026
    Long,
    /// Nov 24, 2026
    Medium,
    /// 11/24/26
    Short,
}

impl DateStyle {
    pub fn parse(name: &str) -> Option<DateStyle> {
        match name {
            "long" => Some(DateStyle::Long),
            "medium" => Some(DateStyle::Medium),
            "short" => Some(DateStyle::Short),
            _ => None,
        }
    }
}

/// A language's date formatters, one per [`DateStyle`], made when first asked for.
type DateFormatters = [Option<DateTimeFormatter<YMD>>; 3];

thread_local! {
    static DATES: RefCell<HashMap<String, DateFormatters>> = RefCell::new(HashMap::new());
    static DECIMALS: RefCell<HashMap<String, DecimalFormatter>> = RefCell::new(HashMap::new());
    static PRICES: RefCell<HashMap<(String, String), CurrencyFormatter<DecimalFormatter>>> =
        RefCell::new(HashMap::new());
}

/// A calendar date in `lang`'s words (its own calendar; Gregorian for the languages a
/// shop in the EU or US writes in).
pub fn format_date(lang: &str, day: NaiveDate, style: DateStyle) -> Result<String, String> {
    let date = Date::try_new_iso(day.year(), day.month() as u8, day.day() as u8)
        .map_err(|e| format!("{day} cannot be written as a date: {e:?}"))?;
    let slot = style as usize;
    DATES.with(|cache| {
        let mut cache = cache.borrow_mut();
        // Looked up by `&str`: a page writes many dates, and each lookup allocates nothing.
        if let Some(formatter) = cache.get(lang).and_then(|styles| styles[slot].as_ref()) {
            return Ok(formatter.format(&date).to_string());
        }
        let locale = parse(lang)?;
        let fields = match style {
            DateStyle::Long => YMD::long(),
            DateStyle::Medium => YMD::medium(),
            DateStyle::Short => YMD::short(),
        };
        let formatter = DateTimeFormatter::try_new((&locale).into(), fields)
            .map_err(|e| format!("no date format for `{lang}`: {e}"))?;
        let written = formatter.format(&date).to_string();
        cache.entry(lang.to_string()).or_default()[slot] = Some(formatter);
        Ok(written)
    })
}

fn with_decimals<T>(lang: &str, f: impl FnOnce(&DecimalFormatter) -> T) -> Result<T, String> {
    DECIMALS.with(|cache| {
        let mut cache = cache.borrow_mut();
        if !cache.contains_key(lang) {
            let locale = parse(lang)?;
            let formatter = DecimalFormatter::try_new((&locale).into(), Default::default())
                .map_err(|e| format!("no number format for `{lang}`: {e}"))?;
            cache.insert(lang.to_string(), formatter);
        }
        Ok(f(&cache[lang]))
    })
}

/// A number with `lang`'s grouping and decimal separator, with `decimals` digits after
/// the point (rounded half to even, as CLDR does).
pub fn format_number(lang: &str, number: f64, decimals: u8) -> Result<String, String> {
    let text = format!("{number:.prec$}", prec = usize::from(decimals));
    let decimal: Decimal = text
        .parse()
        .map_err(|_| format!("{number} cannot be written as a number"))?;
    with_decimals(lang, |f| f.format_to_string(&decimal))
}

/// A price in `currency` (an ISO 4217 code), given in minor units (cents) with
/// `exponent` digits after the point: 129995 USD -> "$1,299.95" (en), "1.299,95 $" (de).
pub fn format_price(
    lang: &str,
    minor: u64,
    currency: &str,
    exponent: u8,
) -> Result<String, String> {
    let mut amount = Decimal::from(minor);
    amount.multiply_pow10(-i16::from(exponent));
    amount.pad_end(-i16::from(exponent));
    PRICES.with(|cache| {
        let mut cache = cache.borrow_mut();
        let key = (lang.to_string(), currency.to_string());
        if !cache.contains_key(&key) {
            let locale = parse(lang)?;
            let code = CurrencyType::try_from_str(currency)
                .map_err(|_| format!("`{currency}` is not a currency code"))?;
            let formatter =
                CurrencyFormatter::try_new_symbol((&locale).into(), code, Default::default())
                    .map_err(|e| format!("no price format for `{lang}`: {e}"))?;
            cache.insert(key.clone(), formatter);
        }
        let written = cache[&key].format_fixed_decimal(&amount).to_string();
        Ok(written)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_numbers_and_prices_follow_the_language() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert_eq!(
            format_date("en", day, DateStyle::Long).unwrap(),
            "November 24, 2026"
        );
        assert_eq!(
            format_date("de", day, DateStyle::Long).unwrap(),
            "24. November 2026"
        );
        assert_eq!(
            format_date("de", day, DateStyle::Medium).unwrap(),
            "24.11.2026"
        );
        assert_eq!(format_number("en", 12345.0, 0).unwrap(), "12,345");
        assert_eq!(format_number("de", 12345.5, 2).unwrap(), "12.345,50");
        assert_eq!(format_price("en", 129995, "USD", 2).unwrap(), "$1,299.95");
        assert_eq!(
            format_price("de", 129995, "EUR", 2).unwrap(),
            "1.299,95\u{a0}€"
        );
        assert_eq!(format_price("de", 100, "USD", 2).unwrap(), "1,00\u{a0}$");
        assert!(parse("xx-!!").is_err());
    }

    #[test]
    fn codes_are_lowercase_bcp47() {
        assert!(check_code("de", false).is_ok());
        assert!(check_code("pt-BR", false).is_ok());
        assert!(check_code("en-GB", true).is_ok());
        assert!(check_code("DE", false).is_err());
        assert!(check_code("../x", false).is_err());
        assert!(check_code("deutsch", false).is_err());
        assert!(check_code("en_US", true).is_err());
    }
}
