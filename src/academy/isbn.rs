//! ISBNs as clients type them: ISBN-10 or ISBN-13 with a valid check digit, hyphens and spaces
//! ignored; stored as ISBN-13 (an ISBN-10 gets the `978` prefix and a new check digit).

/// The ISBN-13 of `text`, or `None` when it is not a valid ISBN-10 or ISBN-13.
pub fn parse(text: &str) -> Option<String> {
    let compact: Vec<char> = text
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .collect();
    match compact.len() {
        10 => from_isbn10(&compact),
        13 => {
            let digits = digits(&compact)?;
            (digits.starts_with(&[9, 7, 8]) || digits.starts_with(&[9, 7, 9]))
                .then_some(())
                .filter(|()| isbn13_check(&digits[..12]) == digits[12])
                .map(|()| compact.iter().collect())
        }
        _ => None,
    }
}

fn digits(chars: &[char]) -> Option<Vec<u32>> {
    chars.iter().map(|c| c.to_digit(10)).collect()
}

/// The check digit of the first twelve digits of an ISBN-13.
fn isbn13_check(first: &[u32]) -> u32 {
    let sum: u32 = first
        .iter()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { *d } else { 3 * d })
        .sum();
    (10 - sum % 10) % 10
}

fn from_isbn10(chars: &[char]) -> Option<String> {
    let first = digits(&chars[..9])?;
    let check = match chars[9] {
        'X' | 'x' => 10,
        c => c.to_digit(10)?,
    };
    let sum: u32 = first
        .iter()
        .enumerate()
        .map(|(i, d)| (10 - i as u32) * d)
        .sum::<u32>()
        + check;
    if !sum.is_multiple_of(11) {
        return None;
    }
    let mut isbn13: Vec<u32> = vec![9, 7, 8];
    isbn13.extend(first);
    isbn13.push(isbn13_check(&isbn13));
    Some(
        isbn13
            .iter()
            .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn an_isbn13_with_a_good_check_digit_is_kept() {
        assert_eq!(parse("978-3-16-148410-0").as_deref(), Some("9783161484100"));
        assert_eq!(parse("979 10 90636 07 1").as_deref(), Some("9791090636071"));
    }

    #[test]
    fn an_isbn10_becomes_its_isbn13() {
        assert_eq!(parse("0-306-40615-2").as_deref(), Some("9780306406157"));
        // An X check digit stands for 10.
        assert_eq!(parse("0-8044-2957-X").as_deref(), Some("9780804429573"));
        assert_eq!(parse("080442957x").as_deref(), Some("9780804429573"));
    }

    #[test]
    fn bad_check_digits_lengths_and_characters_are_refused() {
        for bad in [
            "978-3-16-148410-1",
            "0-306-40615-3",
            "0-8044-2957-9",
            "9783161484",
            "97831614841000",
            "978316148410X",
            "123-456-789-012-3",
            "abcdefghij",
            "",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
