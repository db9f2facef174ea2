use super::*;

fn input() -> Input {
    Input {
        today: "2026-12-10".to_owned(),
        stage: "touched".to_owned(),
        status: "active".to_owned(),
        suppressed: false,
        touches: Vec::new(),
        last_reply: None,
        open_followups: Vec::new(),
        enrollment: None,
    }
}

fn touch(channel: &str, date: &str) -> Touch {
    Touch { channel: channel.to_owned(), kind: channel.to_owned(), status: "sent".to_owned(), date: date.to_owned() }
}

fn reply(intent: &str, answered: bool) -> Option<LastReply> {
    Some(LastReply { intent: intent.to_owned(), date: "2026-12-09".to_owned(), answered })
}

fn decided(input: &Input) -> (Action, i64) {
    let out = FollowupPlanner::fallback(input);
    assert!(FollowupPlanner::check(input, &out).is_ok(), "{out:?}");
    (out.action, out.due_in_days)
}

#[test]
fn the_fallback_follows_the_rules() {
    assert_eq!(decided(&input()), (Action::Email, 0), "no touch yet");
    assert_eq!(decided(&Input { last_reply: reply("positive", false), ..input() }), (Action::Email, 0));
    assert_eq!(decided(&Input { last_reply: reply("question", false), ..input() }), (Action::Email, 0));
    assert_eq!(decided(&Input { last_reply: reply("not_now", false), ..input() }), (Action::Wait, 89));
    assert_eq!(decided(&Input { status: "do_not_contact".to_owned(), ..input() }).0, Action::Close);
    assert_eq!(decided(&Input { last_reply: reply("unsubscribe", true), ..input() }).0, Action::Close);
    assert_eq!(decided(&Input { suppressed: true, ..input() }).0, Action::Close);
    assert_eq!(decided(&Input { stage: "not_interested".to_owned(), ..input() }).0, Action::Close);
    let emailed = Input { touches: vec![touch("email", "2026-12-05")], ..input() };
    assert_eq!(decided(&emailed), (Action::Linkedin, 0));
    let both = Input { touches: vec![touch("email", "2026-12-05"), touch("linkedin", "2026-12-01")], ..input() };
    assert_eq!(decided(&both), (Action::Call, 0));
    let recent = Input { touches: vec![touch("email", "2026-12-09")], ..input() };
    assert_eq!(decided(&recent), (Action::Wait, 2));
    let planned =
        Input { open_followups: vec![Planned { channel: "call".into(), due: "2026-12-15".into() }], ..input() };
    assert_eq!(decided(&planned), (Action::Wait, 5));
    assert_eq!(FollowupPlanner::fallback(&emailed), FollowupPlanner::fallback(&emailed), "deterministic");
}

#[test]
fn answers_out_of_range_are_refused() {
    let ok = Output { action: Action::Email, due_in_days: 0, channel: Some(Channel::Email), reason: "Now".to_owned() };
    assert!(FollowupPlanner::check(&input(), &ok).is_ok());
    assert!(FollowupPlanner::check(&input(), &Output { due_in_days: 91, ..ok.clone() }).is_err());
    assert!(FollowupPlanner::check(&input(), &Output { due_in_days: -1, ..ok.clone() }).is_err());
    assert!(FollowupPlanner::check(&input(), &Output { channel: Some(Channel::Call), ..ok.clone() }).is_err());
    assert!(FollowupPlanner::check(&input(), &Output { reason: "x".repeat(301), ..ok }).is_err());
}

#[test]
fn the_answer_schema_is_strict_and_inline() {
    assert!(!crate::llm::refers_elsewhere(&crate::llm::strict_schema::<Output>()));
    for action in [Action::Email, Action::Linkedin, Action::Call, Action::Wait, Action::Close] {
        assert_eq!(serde_json::to_value(action).ok(), Some(serde_json::json!(action.as_str())));
    }
}
