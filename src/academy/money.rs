//! Money: an amount in a currency's minor units (cents), read and written as a decimal string
//! with exactly the currency's number of decimals (ISO 4217), so that revenue never overflows a
//! 32-bit `Int` and never rounds.

use crate::error::{AppError, AppResult};

/// The active ISO 4217 codes and their minor units (decimals).
const CURRENCIES: &[(&str, u32)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("ANG", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BOV", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHE", 2),
    ("CHF", 2),
    ("CHW", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("COU", 2),
    ("CRC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MXV", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("USN", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VED", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XCG", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

/// The decimals of an ISO 4217 currency, if it is one.
pub fn minor_units(currency: &str) -> Option<u32> {
    CURRENCIES
        .iter()
        .find(|(code, _)| *code == currency)
        .map(|(_, units)| *units)
}

/// Writes `minor` units of `currency` as a decimal string: `1250` EUR is `12.50`.
pub fn format(minor: i64, currency: &str) -> String {
    let units = minor_units(currency).unwrap_or(2);
    if units == 0 {
        return minor.to_string();
    }
    let scale = 10_i64.pow(units);
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    let scale = scale.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        minor / scale,
        minor % scale,
        width = units as usize
    )
}

/// Reads an amount of `currency` given as a decimal string (`12.5`, `12.50`; at most the
/// currency's decimals, not negative) as minor units. BAD_USER_INPUT on `field` otherwise, or
/// on `currency` for a code that is not ISO 4217.
pub fn parse(amount: &str, currency: &str, field: &str) -> AppResult<i64> {
    let units = minor_units(currency).ok_or_else(|| {
        AppError::bad_input("currency", "not an ISO 4217 currency code, such as EUR")
    })?;
    let invalid = || {
        AppError::bad_input(
            field,
            format!(
                "an amount of {currency} is a decimal number with at most {units} decimals, e.g. 12.50"
            ),
        )
    };
    let (whole, fraction) = amount.trim().split_once('.').unwrap_or((amount.trim(), ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > units as usize
        || (amount.contains('.') && fraction.is_empty())
    {
        return Err(invalid());
    }
    let whole: i64 = whole.parse().map_err(|_| invalid())?;
    let fraction: i64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<width$}", width = units as usize)
            .parse()
            .map_err(|_| invalid())?
    };
    whole
        .checked_mul(10_i64.pow(units))
        .and_then(|minor| minor.checked_add(fraction))
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_have_the_currencys_decimals() {
        assert_eq!(parse("12.5", "EUR", "amount").ok(), Some(1250));
        assert_eq!(parse("12", "EUR", "amount").ok(), Some(1200));
        assert_eq!(parse("1000", "JPY", "amount").ok(), Some(1000));
        assert_eq!(parse("1.234", "KWD", "amount").ok(), Some(1234));
        assert!(parse("12.345", "EUR", "amount").is_err());
        assert!(parse("1.5", "JPY", "amount").is_err());
        assert!(parse("-1", "EUR", "amount").is_err());
        assert!(parse("1e3", "EUR", "amount").is_err());
        assert!(parse("12.", "EUR", "amount").is_err());
        assert!(parse("12", "XYZ", "amount").is_err());
        assert!(parse("99999999999999999999", "EUR", "amount").is_err());
        assert_eq!(format(1250, "EUR"), "12.50");
        assert_eq!(format(5, "EUR"), "0.05");
        assert_eq!(format(1000, "JPY"), "1000");
        assert_eq!(format(1234, "KWD"), "1.234");
        assert_eq!(format(i64::MAX, "EUR"), "92233720368547758.07");
    }
}
