//! The password policy for staff accounts.
//!
//! Length is what matters (NIST SP 800-63B): no composition rules, but a floor and a ceiling
//! (the ceiling keeps hashing cost bounded) — and, as the same guideline asks, no password
//! that is known to be common or guessed first: blank or nearly one character, a run along
//! the keyboard or the alphabet, or one of the passwords attackers try first.

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    #[error("must be at least {MIN_LEN} characters long")]
    TooShort,
    #[error("must be at most {MAX_LEN} characters long")]
    TooLong,
    #[error("must not be only spaces or a few characters repeated")]
    TooUniform,
    #[error("is a run of consecutive keys or letters, which is guessed first")]
    Sequence,
    #[error("is one of the most common passwords, which are guessed first")]
    Common,
}

/// Passwords of ten characters or more that lists of leaked passwords put near the top
/// (compared without case, and with a trailing run of digits or `!` removed).
const COMMON: &[&str] = &[
    "password",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "pa$$word",
    "qwerty",
    "qwertyuiop",
    "qwertyuiopasdfghjkl",
    "asdfghjkl",
    "zxcvbnm",
    "1q2w3e4r5t",
    "1q2w3e4r5t6y",
    "q1w2e3r4t5",
    "1qaz2wsx",
    "1qaz2wsx3edc",
    "zaq12wsx",
    "zaq1xsw2",
    "qazwsxedc",
    "qazwsx",
    "iloveyou",
    "letmein",
    "welcome",
    "admin",
    "administrator",
    "changeme",
    "trustno1",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "superman",
    "sunshine",
    "princess",
    "starwars",
    "whatever",
    "computer",
    "internet",
    "michael",
    "jennifer",
    "shadow",
    "master",
    "mustang",
    "liverpool",
    "chelsea",
    "arsenal",
    "barcelona",
    "realmadrid",
    "pokemon",
    "minecraft",
    "fortnite",
    "samsung",
    "google",
    "facebook",
    "secret",
    "default",
    "test",
    "testing",
    "guest",
    "login",
    "abc",
    "abcd",
    "servdesk",
    "helpdesk",
    "service",
    "support",
    "lozinka",
    "geslo",
    "haslo",
    "zaporka",
    "parola",
    "passwort",
    "motdepasse",
    "contrasena",
    "senha",
    "wachtwoord",
    "salasana",
];

pub fn check(password: &str) -> Result<(), WeakPassword> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(WeakPassword::TooShort);
    }
    if len > MAX_LEN {
        return Err(WeakPassword::TooLong);
    }
    let mut distinct: Vec<char> = password.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Err(WeakPassword::TooUniform);
    }
    let lower = password.trim().to_lowercase();
    if is_run(&lower) {
        return Err(WeakPassword::Sequence);
    }
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c == '!');
    if stem.is_empty() || COMMON.contains(&stem) || COMMON.contains(&lower.as_str()) {
        return Err(WeakPassword::Common);
    }
    Ok(())
}

/// Consecutive characters up or down (`1234567890`, `abcdefghij`, `9876543210`) or along a
/// keyboard row (`qwertyuiop`, `asdfghjkl;`).
fn is_run(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    let steps: Vec<i64> = chars.windows(2).map(|w| i64::from(u32::from(w[1])) - i64::from(u32::from(w[0]))).collect();
    let by_code = steps.iter().all(|d| *d == 1) || steps.iter().all(|d| *d == -1);
    const ROWS: [&str; 4] = ["1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./"];
    let on_a_row = ROWS.iter().any(|row| row.contains(s) || row.chars().rev().collect::<String>().contains(s));
    by_code || on_a_row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_shorter_than_ten_characters_is_too_short() {
        assert_eq!(check("123456789"), Err(WeakPassword::TooShort));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(check("žćčšđžćčšđ"), Ok(()));
    }

    #[test]
    fn a_password_longer_than_the_ceiling_is_refused() {
        assert_eq!(check(&"x".repeat(MAX_LEN + 1)), Err(WeakPassword::TooLong));
    }

    #[test]
    fn spaces_or_a_repeated_character_are_not_a_password() {
        assert_eq!(check(&" ".repeat(12)), Err(WeakPassword::TooUniform));
        assert_eq!(check("aaaaaaaaaaaa"), Err(WeakPassword::TooUniform));
        assert_eq!(check("abababababab"), Err(WeakPassword::TooUniform));
    }

    #[test]
    fn runs_along_the_keyboard_or_the_alphabet_are_refused() {
        assert_eq!(check("1234567890"), Err(WeakPassword::Sequence));
        assert_eq!(check("abcdefghijk"), Err(WeakPassword::Sequence));
        assert_eq!(check("9876543210"), Err(WeakPassword::Sequence));
        assert_eq!(check("QWERTYUIOP"), Err(WeakPassword::Sequence));
    }

    #[test]
    fn the_most_common_passwords_are_refused_with_or_without_trailing_digits() {
        assert_eq!(check("password12"), Err(WeakPassword::Common));
        assert_eq!(check("Password123!"), Err(WeakPassword::Common));
        assert_eq!(check("iloveyou2026"), Err(WeakPassword::Common));
        assert_eq!(check("1q2w3e4r5t"), Err(WeakPassword::Common));
        assert_eq!(check("Lozinka2026"), Err(WeakPassword::Common));
    }

    #[test]
    fn a_passphrase_is_accepted() {
        assert_eq!(check("correct horse battery staple"), Ok(()));
        assert_eq!(check("a long test password"), Ok(()));
        assert_eq!(check("password manager makes this"), Ok(()));
    }
}
