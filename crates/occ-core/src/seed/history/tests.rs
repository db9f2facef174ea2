use super::*;

/// A year of history over the demo's book, as the synthetic seed plans it per chunk.
fn year(start: DateTime<Utc>) -> (Vec<Value>, Vec<Value>, History) {
    let model = super::super::demo_model();
    let (accounts, contacts) = super::super::book::generate(0x0cc, 40, 4..12, &model);
    let history = plan(7, YEAR, (&accounts, &contacts), &BTreeSet::new(), start, None);
    (accounts, contacts, history)
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).expect("a stored time")
}

#[test]
fn the_history_is_the_same_for_the_same_seed() {
    let start = Utc::now();
    let (accounts, contacts, first) = year(start);
    let again = plan(7, YEAR, (&accounts, &contacts), &BTreeSet::new(), start, None);
    let shape = |h: &History| -> Vec<(String, &'static str, String)> {
        h.sends.iter().map(|s| (s.contact_id.clone(), s.kind, s.at.clone())).collect()
    };
    assert!(!first.sends.is_empty());
    assert_eq!(shape(&first), shape(&again));
    let intents = |h: &History| h.replies.iter().map(|r| (r.intent, r.at.clone())).collect::<Vec<_>>();
    assert_eq!(intents(&first), intents(&again));
}

#[test]
fn the_walked_contacts_keep_only_their_walk() {
    let start = Utc::now();
    let (accounts, contacts, _) = year(start);
    let walked: BTreeSet<String> = contacts.iter().filter_map(|c| c["id"].as_str().map(str::to_owned)).collect();
    assert!(plan(7, YEAR, (&accounts, &contacts), &walked, start, None).sends.is_empty());
}

#[test]
fn a_year_holds_about_ten_sends_a_contact_in_the_channel_mix() {
    let (_, contacts, history) = year(Utc::now());
    let per_contact = history.sends.len() as f64 / contacts.len() as f64;
    assert!((7.0..13.0).contains(&per_contact), "{per_contact} sends per contact");
    let share = |kinds: &[&str]| {
        history.sends.iter().filter(|s| kinds.contains(&s.kind)).count() as f64 / history.sends.len() as f64
    };
    assert!((0.55..0.65).contains(&share(&["email"])), "email {}", share(&["email"]));
    assert!((0.25..0.35).contains(&share(&["linkedin_connect", "linkedin_message"])));
    assert!((0.07..0.13).contains(&share(&["call"])));
    let replies = history.replies.len() as f64 / history.sends.len() as f64;
    assert!((0.04..0.08).contains(&replies), "{replies} replies a send");
    assert!(!history.meetings.is_empty());
}

#[test]
fn only_touched_active_contacts_have_a_history_ending_at_their_last_touch() {
    let start = Utc::now();
    let (_, contacts, history) = year(start);
    let from = start - Duration::days(YEAR.days + 1);
    for contact in &contacts {
        let id = contact["id"].as_str().expect("an id");
        let sends: Vec<DateTime<Utc>> =
            history.sends.iter().filter(|s| s.contact_id == id).map(|s| at(&s.at)).collect();
        let Some(latest) = sends.iter().max() else { continue };
        assert_eq!(contact["status"], "active");
        assert!(!UNTOUCHED.contains(&contact["stage"].as_str().unwrap_or_default()), "{contact}");
        assert_eq!(Some(stored(*latest)), contact["last_touch_at"].as_str().map(|t| stored(at(t))));
        assert!(sends.iter().all(|t| *t >= from));
    }
}

#[test]
fn sends_fall_in_working_hours_on_weekdays_mostly() {
    let (accounts, contacts, history) = year(Utc::now());
    let local = |s: &Send| {
        let contact = contacts.iter().find(|c| c["id"] == s.contact_id.as_str()).expect("its contact");
        at(&s.at).with_timezone(&zone_of(contact, &accounts))
    };
    // The last send of each contact is its book's last touch, at any hour.
    let earlier: Vec<_> = history
        .sends
        .iter()
        .filter(|s| {
            let contact = contacts.iter().find(|c| c["id"] == s.contact_id.as_str()).expect("its contact");
            contact["last_touch_at"].as_str().map(at) != Some(at(&s.at))
        })
        .map(local)
        .collect();
    use chrono::Timelike;
    assert!(earlier.iter().all(|t| (8..18).contains(&t.hour())));
    let weekend = earlier.iter().filter(|t| matches!(t.weekday(), Weekday::Sat | Weekday::Sun)).count();
    assert!(weekend * 10 < earlier.len(), "{weekend} of {} on a weekend", earlier.len());
}

#[test]
fn replies_come_after_their_send_and_are_handled_before_the_start() {
    let start = Utc::now();
    let (_, _, history) = year(start);
    for reply in &history.replies {
        let send = history.sends.iter().find(|s| s.id == reply.touchpoint_id).expect("its send");
        assert!(at(&reply.at) > at(&send.at) && at(&reply.handled) >= at(&reply.at) && at(&reply.handled) < start);
    }
    let intents: BTreeSet<&str> = history.replies.iter().map(|r| r.intent).collect();
    assert!(intents.len() >= 5, "{intents:?}");
}

#[test]
fn a_contact_books_one_open_meeting_at_most_and_only_recent_ones_lie_ahead() {
    let start = Utc::now();
    let (_, _, history) = year(start);
    let mut open = BTreeSet::new();
    for meeting in &history.meetings {
        if matches!(meeting.status, "meeting_booked" | "meeting_held" | "opportunity_created") {
            assert!(open.insert(meeting.contact_id.clone()), "two open for {}", meeting.contact_id);
        }
        assert_eq!(at(&meeting.meeting_at) > start, meeting.status == "meeting_booked");
        assert_eq!(meeting.amount.is_some(), meeting.status == "opportunity_created");
    }
}

#[test]
fn a_trial_gives_each_contact_one_email_in_its_sticky_variant() {
    let start = at("2026-12-01T12:00:00Z");
    let model = super::super::demo_model();
    let (accounts, contacts) = super::super::book::generate(0x0cc, 40, 4..12, &model);
    let trial =
        Trial { experiment_id: "e".into(), variants: ["a".into(), "b".into()], since: start - Duration::days(120) };
    let history = plan(7, YEAR, (&accounts, &contacts), &BTreeSet::new(), start, Some(&trial));
    let tagged: Vec<&Send> = history.sends.iter().filter(|s| s.variant_id.is_some()).collect();
    assert_eq!(tagged.len(), history.assignments.len());
    assert!(tagged.iter().all(|s| s.kind == "email" && s.at >= stored(trial.since)));
    let contacts: BTreeSet<&str> = tagged.iter().map(|s| s.contact_id.as_str()).collect();
    assert_eq!(contacts.len(), tagged.len(), "one email each");
    for a in &history.assignments {
        let drawn = crate::insights::stats::assign("e", &a.contact_id, &[1, 1]).map(|i| trial.variants[i].as_str());
        assert_eq!(Some(a.variant_id.as_str()), drawn);
    }
    assert!(["a", "b"].iter().all(|v| history.assignments.iter().any(|a| a.variant_id == *v)));
}
