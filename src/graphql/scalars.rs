//! Scalars shared by every area: `DateTime` (an instant, always answered in UTC), `Date` (a
//! calendar day) and `LocalTime` (a time of day on a wall clock, to the minute); and the
//! `Weekday` enum of calendars.

use async_graphql::{Enum, InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{Datelike, NaiveDate, NaiveTime, SecondsFormat, Timelike, Utc};

/// An instant in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime(pub chrono::DateTime<Utc>);

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(value: chrono::DateTime<Utc>) -> Self {
        Self(value)
    }
}

/// An instant in time, written in RFC 3339, e.g. `2026-11-22T08:30:00Z`. Answers are always in
/// UTC with microseconds; inputs may carry any offset and are converted to UTC.
#[Scalar(
    name = "DateTime",
    specified_by_url = "https://www.rfc-editor.org/rfc/rfc3339"
)]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => chrono::DateTime::parse_from_rfc3339(text)
                .map(|instant| Self(instant.with_timezone(&Utc)))
                .map_err(|_| {
                    InputValueError::custom(
                        "expected an RFC 3339 time such as 2026-11-22T08:30:00Z",
                    )
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(rfc3339_micros(&self.0))
    }
}

/// `at` as `YYYY-MM-DDTHH:MM:SS.ffffffZ`: what chrono's `to_rfc3339_opts(Micros, true)` writes,
/// without the formatting machinery (a page of sessions holds a thousand instants). Years
/// beyond four digits and leap seconds are left to chrono.
fn rfc3339_micros(at: &chrono::DateTime<Utc>) -> String {
    // The naive UTC time's parts are read directly; `DateTime`'s would each add the offset.
    let utc = at.naive_utc();
    let nanos = utc.nanosecond();
    let year = match u32::try_from(utc.year()) {
        Ok(year) if year <= 9999 && nanos < 1_000_000_000 => year,
        _ => return at.to_rfc3339_opts(SecondsFormat::Micros, true),
    };
    let mut text = String::with_capacity(27);
    let parts = [
        (year, 4, '-'),
        (utc.month(), 2, '-'),
        (utc.day(), 2, 'T'),
        (utc.hour(), 2, ':'),
        (utc.minute(), 2, ':'),
        (utc.second(), 2, '.'),
        (nanos / 1_000, 6, 'Z'),
    ];
    for (value, width, after) in parts {
        for place in (0..width).rev() {
            let digit = value / 10_u32.pow(place) % 10;
            text.push(char::from_digit(digit, 10).unwrap_or('0'));
        }
        text.push(after);
    }
    text
}

/// A calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

/// A calendar day without a time zone, written `YYYY-MM-DD` (ISO 8601), e.g. `2026-11-22`.
#[Scalar(
    name = "Date",
    specified_by_url = "https://www.iso.org/iso-8601-date-and-time-format.html"
)]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Date)
                .map_err(|_| InputValueError::custom("expected a date written YYYY-MM-DD")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// A time of day, to the minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTime(pub NaiveTime);

/// A time of day on the local wall clock, written `HH:MM` (24 hours, ISO 8601), e.g. `08:30`.
#[Scalar(
    name = "LocalTime",
    specified_by_url = "https://www.iso.org/iso-8601-date-and-time-format.html"
)]
impl ScalarType for LocalTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) if text.len() == 5 => NaiveTime::parse_from_str(text, "%H:%M")
                .map(LocalTime)
                .map_err(|_| InputValueError::custom("expected a time of day written HH:MM")),
            Value::String(_) => Err(InputValueError::custom(
                "expected a time of day written HH:MM",
            )),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(format!("{:02}:{:02}", self.0.hour(), self.0.minute()))
    }
}

/// A day of the week.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    /// Sunday, the first day of a timesheet's week.
    Sunday,
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
}

impl Weekday {
    const ALL: [Self; 7] = [
        Self::Sunday,
        Self::Monday,
        Self::Tuesday,
        Self::Wednesday,
        Self::Thursday,
        Self::Friday,
        Self::Saturday,
    ];

    /// The day's number as PostgreSQL's `extract(dow ...)` gives it: 0 Sunday to 6 Saturday.
    pub fn number(self) -> i16 {
        self as i16
    }

    /// The day numbered `number` (0 Sunday to 6 Saturday).
    pub fn from_number(number: i16) -> Option<Self> {
        usize::try_from(number)
            .ok()
            .and_then(|index| Self::ALL.get(index).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times_are_answered_in_utc() {
        let parsed =
            <DateTime as ScalarType>::parse(Value::String("2026-11-22T10:30:00+02:00".into()))
                .expect("parses");
        assert_eq!(
            parsed.to_value(),
            Value::String("2026-11-22T08:30:00.000000Z".into())
        );
        assert!(<DateTime as ScalarType>::parse(Value::String("yesterday".into())).is_err());
    }

    #[test]
    fn date_times_are_written_as_chrono_writes_them() {
        let instants = [
            "2026-11-22T08:30:00Z",
            "2026-01-02T03:04:05.000007Z",
            "1999-12-31T23:59:59.999999Z",
            "0001-01-01T00:00:00.5Z",
            "0999-06-15T12:00:00.123456Z",
            "9999-12-31T23:59:59.999999Z",
            "+10000-01-01T00:00:00Z",
            "-0044-03-15T12:00:00Z",
        ];
        for text in instants {
            let at = chrono::DateTime::parse_from_rfc3339(text)
                .map(|at| at.with_timezone(&Utc))
                .or_else(|_| text.parse::<chrono::DateTime<Utc>>())
                .expect(text);
            assert_eq!(
                rfc3339_micros(&at),
                at.to_rfc3339_opts(SecondsFormat::Micros, true),
                "{text}"
            );
        }
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|day| day.and_hms_micro_opt(23, 59, 59, 1_500_000))
            .expect("a leap second")
            .and_utc();
        assert_eq!(rfc3339_micros(&leap), "2016-12-31T23:59:60.500000Z");
    }

    #[test]
    fn local_times_are_hours_and_minutes() {
        let parsed = <LocalTime as ScalarType>::parse(Value::String("07:05".into())).expect("time");
        assert_eq!(parsed.to_value(), Value::String("07:05".into()));
        for bad in ["7:05", "24:00", "07:05:00", "07:60"] {
            assert!(
                <LocalTime as ScalarType>::parse(Value::String(bad.into())).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn dates() {
        let parsed = <Date as ScalarType>::parse(Value::String("2026-02-28".into())).expect("date");
        assert_eq!(parsed.to_value(), Value::String("2026-02-28".into()));
        assert!(<Date as ScalarType>::parse(Value::String("2026-02-30".into())).is_err());
    }
}
