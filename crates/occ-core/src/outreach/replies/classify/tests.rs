//! The classifier against typical replies, dates, referrals, and the labelled set beside it.

use super::*;
use proptest::prelude::*;

/// The least share of the labelled replies classified right, overall and for each intent:
/// set from the measured figures, a little under them (see the test below).
const OVERALL_FLOOR: f64 = 0.93;
const INTENT_FLOOR: f64 = 0.86;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).expect("date")
}

fn intent(body: &str) -> ReplyIntent {
    classify(None, body, today()).intent
}

#[test]
fn each_intent_from_a_typical_reply() {
    assert_eq!(intent("Sounds interesting, can you send me some times next week?"), ReplyIntent::Positive);
    assert_eq!(intent("Not interested, thanks."), ReplyIntent::Negative);
    assert_eq!(intent("Please remove me from your list."), ReplyIntent::Unsubscribe);
    assert_eq!(intent("STOP"), ReplyIntent::Unsubscribe);
    assert_eq!(intent("Not right now, maybe next quarter."), ReplyIntent::NotNow);
    assert_eq!(intent("How does pricing work?"), ReplyIntent::Question);
    assert_eq!(intent("Thanks for the note."), ReplyIntent::Neutral);
    assert_eq!(intent("I know the team well."), ReplyIntent::Neutral, "no is not in know");
    assert_eq!(
        intent("Could we talk Tuesday or Wednesday afternoon?"),
        ReplyIntent::Positive,
        "a proposal as a question"
    );
    assert_eq!(intent("Ping me in 3 months."), ReplyIntent::NotNow);
    let quoted =
        "Thanks, noted.\n\nOn Tue, Nov 24, 2026 at 9:00 Jordan wrote:\n> Could we talk Tuesday? Reply stop to opt out.";
    assert_eq!(intent(quoted), ReplyIntent::Neutral, "the quoted message is not the reply");
}

#[test]
fn an_out_of_office_gives_its_return_date() {
    let ooo =
        classify(Some("Automatic reply: Out of office"), "I am away until 3 December and will reply then.", today());
    assert_eq!(ooo.intent, ReplyIntent::OutOfOffice);
    assert_eq!(ooo.return_date, NaiveDate::from_ymd_opt(2026, 12, 3));
    let iso = classify(None, "Out of office, back on 2027-01-05.", today());
    assert_eq!(iso.return_date, NaiveDate::from_ymd_opt(2027, 1, 5));
    let next_year = classify(None, "On leave until January 8th.", today());
    assert_eq!(next_year.return_date, NaiveDate::from_ymd_opt(2027, 1, 8));
    assert_eq!(classify(None, "Out of office.", today()).return_date, None);
}

#[test]
fn a_referral_names_the_person() {
    let r =
        classify(None, "I'm not the right person, please reach out to Maria Gomez (maria.gomez@acme.com).", today());
    assert_eq!(r.intent, ReplyIntent::Referral);
    assert_eq!(r.referral_name.as_deref(), Some("Maria Gomez"));
    assert_eq!(r.referral_email.as_deref(), Some("maria.gomez@acme.com"));
}

/// The labelled replies (`labelled.tsv`: intent, subject, body with `\n` for line breaks),
/// each with what the classifier says of it.
fn labelled() -> Vec<(ReplyIntent, ReplyIntent, String)> {
    include_str!("labelled.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut fields = line.split('\t');
            let (label, subject, body) = (fields.next(), fields.next(), fields.next());
            let label: ReplyIntent = label.expect("intent").parse().expect("a known intent");
            let subject = subject.filter(|s| !s.is_empty());
            let body = body.expect("body").replace("\\n", "\n");
            (label, classify(subject, &body, today()).intent, body)
        })
        .collect()
}

#[test]
fn the_labelled_replies_are_classified_as_people_label_them() {
    let rows = labelled();
    assert!(rows.len() >= 200, "{} labelled replies", rows.len());
    let mut report = Vec::new();
    let mut worst = 1.0_f64;
    for intent in ReplyIntent::ALL {
        let of: Vec<_> = rows.iter().filter(|(label, ..)| label == intent).collect();
        let right = of.iter().filter(|(label, said, _)| label == said).count();
        let share = right as f64 / of.len() as f64;
        worst = worst.min(share);
        report.push(format!("{intent}: {right}/{} ({:.0}%)", of.len(), share * 100.0));
    }
    let right = rows.iter().filter(|(label, said, _)| label == said).count();
    let overall = right as f64 / rows.len() as f64;
    let wrong: Vec<String> = rows
        .iter()
        .filter(|(label, said, _)| label != said)
        .map(|(label, said, body)| {
            format!("{label} as {said}: {}", body.replace('\n', " ").chars().take(90).collect::<String>())
        })
        .collect();
    println!("overall {right}/{} ({:.1}%)\n{}\n{}", rows.len(), overall * 100.0, report.join("\n"), wrong.join("\n"));
    assert!(overall >= OVERALL_FLOOR, "overall {:.3}: {}\n{}", overall, report.join("; "), wrong.join("\n"));
    assert!(worst >= INTENT_FLOOR, "an intent under {INTENT_FLOOR}: {}\n{}", report.join("; "), wrong.join("\n"));
}

proptest! {
    #[test]
    fn any_text_gets_an_intent_with_a_sane_confidence(body in ".{0,300}") {
        let c = classify(None, &body, today());
        prop_assert!((0.0..=1.0).contains(&c.confidence));
    }

    #[test]
    fn an_unsubscribe_always_wins(prefix in "[a-z ,.]{0,60}", suffix in "[a-z ,.?]{0,60}") {
        let body = format!("{prefix} please unsubscribe me {suffix}");
        prop_assert_eq!(classify(None, &body, today()).intent, ReplyIntent::Unsubscribe);
    }
}
