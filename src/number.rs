//! The text of a decimal number, as PostgreSQL's numeric constants and
//! Prisma's `Decimal` values are both written: digits with an optional
//! fraction and an optional exponent (`12`, `12.50`, `.5`, `5.`, `1e3`,
//! `1.5E-3`). The validator judges `Decimal` defaults by it, lowering
//! prints them, and introspection tells a number from a string in what
//! PostgreSQL prints. A leaf: it uses nothing of ehrdb.

/// Whether `text` is a decimal number without a sign: digits and an
/// optional fraction, not both empty, then an optional exponent of
/// digits with an optional sign. Each caller strips the signs it allows.
pub(crate) fn is_unsigned_decimal(text: &str) -> bool {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    !(whole.is_empty() && fraction.is_empty()) && digits(whole) && digits(fraction) && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::is_unsigned_decimal;

    #[test]
    fn decimals_have_digits_a_fraction_and_an_exponent() {
        for yes in ["0", "12", "12.50", ".5", "5.", "1e3", "1.5E-3", "2e+10", "007"] {
            assert!(is_unsigned_decimal(yes), "{yes}");
        }
        for no in ["", ".", "-1", "+1", "1.2.3", "abc", "1e", "1e+", "e3", "1_000", "1,5", " 1"] {
            assert!(!is_unsigned_decimal(no), "{no}");
        }
    }
}
