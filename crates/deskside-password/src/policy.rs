//! The password policy model and the live, local checks of a new password against it: length,
//! complexity classes, not containing the account name, a zxcvbn strength score, and the
//! confirmation. [`check_new_password`] is pure and fast (a few milliseconds), so the UI can run
//! it on every keystroke; `change` runs it too and refuses before anything is sent.

use serde::{Deserialize, Serialize};

use crate::error::PolicyReason;
use crate::secret::Password;

/// Length required when the directory does not say.
pub const DEFAULT_MIN_LENGTH: u32 = 8;

/// The rules a new password must meet, read from the directory (AD domain policy, OpenLDAP
/// ppolicy entry) plus the configured strength floor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Minimum number of characters.
    pub min_length: Option<u32>,
    /// Characters from three of: capitals, small letters, digits, symbols (AD complexity).
    pub complexity: bool,
    /// How many previous passwords may not be reused.
    pub history: Option<u32>,
    /// Maximum age in seconds; `None` = never expires.
    pub max_age_s: Option<u64>,
    /// Minimum age in seconds before it may change again.
    pub min_age_s: Option<u64>,
    /// Wrong attempts before the account locks; `None` = never locks.
    pub lockout_threshold: Option<u32>,
    /// Lowest zxcvbn score (0–4) accepted (from `password.min_strength`).
    pub min_strength: u8,
}

impl Policy {
    /// The policy when the directory cannot be read: only the local floor.
    #[must_use]
    pub fn local_only(min_strength: u8) -> Self {
        Self {
            min_length: None,
            complexity: false,
            history: None,
            max_age_s: None,
            min_age_s: None,
            lockout_threshold: None,
            min_strength,
        }
    }
}

/// One line of the live checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckItem {
    /// The rule, as the reason it would be refused for.
    pub rule: PolicyReason,
    /// What the rule asks, for the checklist ("At least 8 characters").
    pub label: String,
    /// Whether the new password meets it.
    pub passed: bool,
}

/// zxcvbn's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Strength {
    /// 0 (too guessable) to 4 (very unguessable).
    pub score: u8,
    /// log10 of the estimated guesses.
    pub guesses_log10: f64,
    /// zxcvbn's warning, if any ("This is a top-10 common password").
    pub warning: Option<String>,
    /// zxcvbn's suggestions.
    pub suggestions: Vec<String>,
}

/// The result of the live checks: every rule, the strength, and whether the change may be sent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checklist {
    /// Rules in display order.
    pub items: Vec<CheckItem>,
    /// Strength estimate of the new password.
    pub strength: Strength,
    /// All items passed.
    pub ok: bool,
}

impl Checklist {
    /// The first rule not met, in display order.
    #[must_use]
    pub fn first_failure(&self) -> Option<PolicyReason> {
        self.items.iter().find(|i| !i.passed).map(|i| i.rule)
    }
}

/// Character classes present: capitals, small letters, digits, anything else.
#[must_use]
pub fn classes(text: &str) -> u8 {
    let mut flags = [false; 4];
    for c in text.chars() {
        let i = if c.is_uppercase() {
            0
        } else if c.is_lowercase() {
            1
        } else if c.is_ascii_digit() {
            2
        } else {
            3
        };
        flags[i] = true;
    }
    flags.iter().map(|f| u8::from(*f)).sum()
}

/// AD's rule: the account name, when 3 characters or longer, must not appear (any case).
#[must_use]
pub fn contains_account(password: &str, account: &str) -> bool {
    let name = account
        .rsplit_once('\\')
        .map_or(account, |(_, n)| n)
        .split('@')
        .next()
        .unwrap_or("");
    name.chars().count() >= 3 && password.to_lowercase().contains(&name.to_lowercase())
}

/// Checks `new` (and its confirmation) against `policy` for `account`. Pure and fast.
#[must_use]
pub fn check_new_password(
    policy: &Policy,
    account: &str,
    new: &Password,
    confirm: &Password,
) -> Checklist {
    let text = new.expose();
    let min = policy.min_length.unwrap_or(DEFAULT_MIN_LENGTH).max(1);
    let mut items = vec![CheckItem {
        rule: PolicyReason::TooShort,
        label: format!("At least {min} characters"),
        passed: new.char_count() >= usize::try_from(min).unwrap_or(usize::MAX),
    }];
    if policy.complexity {
        items.push(CheckItem {
            rule: PolicyReason::Complexity,
            label: "Three of: capitals, small letters, digits, symbols".to_owned(),
            passed: classes(text) >= 3,
        });
    }
    items.push(CheckItem {
        rule: PolicyReason::ContainsAccountName,
        label: "Does not contain your account name".to_owned(),
        passed: !text.is_empty() && !contains_account(text, account),
    });
    let strength = strength(text, account);
    items.push(CheckItem {
        rule: PolicyReason::TooWeak,
        label: "Hard to guess".to_owned(),
        passed: strength.score >= policy.min_strength,
    });
    items.push(CheckItem {
        rule: PolicyReason::Mismatch,
        label: "Both new passwords match".to_owned(),
        passed: !text.is_empty() && text == confirm.expose(),
    });
    let ok = items.iter().all(|i| i.passed);
    Checklist {
        items,
        strength,
        ok,
    }
}

fn strength(text: &str, account: &str) -> Strength {
    if text.is_empty() {
        return Strength {
            score: 0,
            guesses_log10: 0.0,
            warning: None,
            suggestions: Vec::new(),
        };
    }
    // zxcvbn's cost grows with length; past 100 characters the score cannot improve.
    let cut: String = text.chars().take(100).collect();
    let entropy = zxcvbn::zxcvbn(&cut, &[account]);
    let feedback = entropy.feedback();
    Strength {
        score: u8::from(entropy.score()),
        guesses_log10: entropy.guesses_log10(),
        warning: feedback.and_then(|f| f.warning()).map(|w| w.to_string()),
        suggestions: feedback
            .map(|f| f.suggestions().iter().map(ToString::to_string).collect())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ad_policy() -> Policy {
        Policy {
            min_length: Some(10),
            complexity: true,
            history: Some(24),
            max_age_s: Some(42 * 86_400),
            min_age_s: None,
            lockout_threshold: Some(5),
            min_strength: 3,
        }
    }

    fn check(new: &str, confirm: &str) -> Checklist {
        check_new_password(&ad_policy(), "jdoe", &new.into(), &confirm.into())
    }

    #[test]
    fn a_good_password_passes_every_rule() {
        let c = check("Blue-Tractor-Singing-42", "Blue-Tractor-Singing-42");
        assert!(c.ok, "{c:?}");
        assert_eq!(c.first_failure(), None);
        assert!(c.strength.score >= 3);
    }

    #[test]
    fn each_rule_fails_on_its_own() {
        assert_eq!(
            check("Ab1-xyz", "Ab1-xyz").first_failure(),
            Some(PolicyReason::TooShort)
        );
        assert_eq!(
            check("bluetractorsinging", "bluetractorsinging").first_failure(),
            Some(PolicyReason::Complexity)
        );
        assert_eq!(
            check("Xq9-JDoe-Tractor", "Xq9-JDoe-Tractor").first_failure(),
            Some(PolicyReason::ContainsAccountName)
        );
        assert_eq!(
            check("Password123!", "Password123!").first_failure(),
            Some(PolicyReason::TooWeak)
        );
        assert_eq!(
            check("Blue-Tractor-Singing-42", "Blue-Tractor-Singing-43").first_failure(),
            Some(PolicyReason::Mismatch)
        );
        assert!(!check("", "").ok);
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let p = Policy {
            min_length: Some(4),
            complexity: false,
            min_strength: 0,
            ..ad_policy()
        };
        let c = check_new_password(&p, "jdoe", &"ééé1".into(), &"ééé1".into());
        assert!(c.items[0].passed);
    }

    #[test]
    fn classes_and_account_rule() {
        assert_eq!(classes("abc"), 1);
        assert_eq!(classes("aB3"), 3);
        assert_eq!(classes("aB3-"), 4);
        assert!(contains_account("xxJDOExx", "CORP\\jdoe"));
        assert!(contains_account("xxjdoexx", "jdoe@corp.example"));
        assert!(!contains_account("xxjdxx", "jd"));
    }

    #[test]
    fn checks_are_fast_enough_to_run_per_keystroke() {
        let started = std::time::Instant::now();
        let long = "x".repeat(500);
        let c = check(&long, &long);
        assert!(!c.ok);
        // Printed, not asserted: timing is a figure, not a test.
        eprintln!("check of a 500-character password: {:?}", started.elapsed());
    }
}
