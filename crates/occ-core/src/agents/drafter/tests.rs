use super::*;
use crate::outreach::drafts::review::review;

fn input(channel: Channel, step: Option<Step>, signal: Option<&str>) -> Input {
    let connect_note = match &step {
        Some(s) => s.kind == StepKind::LinkedinConnect,
        None => channel == Channel::Linkedin,
    };
    let (title, company, signal) = (Some("VP Sales".to_owned()), Some("Acme".to_owned()), signal.map(str::to_owned));
    let values = merge_values(Addressee {
        first_name: Some("Ana"),
        last_name: Some("Lima"),
        title: title.as_deref(),
        company: company.as_deref(),
        signal: signal.as_deref(),
        sender: Some("Sam Reed"),
    });
    let Limits { max_chars, max_words, .. } = limits(channel, connect_note);
    Input {
        channel,
        connect_note,
        max_chars,
        max_words,
        first_name: "Ana".to_owned(),
        last_name: Some("Lima".to_owned()),
        title,
        company,
        industry: Some("Fintech".to_owned()),
        signal,
        step,
        not_contacted: None,
        values,
        reach: String::new(),
    }
}

fn step(kind: StepKind, subject: Option<&str>, body: &str) -> Step {
    Step {
        kind,
        subject_template: subject.map(str::to_owned),
        body_template: body.to_owned(),
        instructions: None,
        at: StepAt::default(),
    }
}

fn passes(i: &Input, out: &Output) -> bool {
    let recipient = Recipient { company: i.company.as_deref(), title: i.title.as_deref(), signal: i.signal.as_deref() };
    let report = review(i.channel, i.connect_note, out.subject.as_deref(), &out.body, &[], &recipient);
    report.passed
}

#[test]
fn the_fallback_renders_the_steps_templates() {
    let s =
        step(StepKind::Email, Some("{{company}} and {{signal|you}}"), "Hi {{first_name}}, from {{sender_first_name}}.");
    let out = Drafter::fallback(&input(Channel::Email, Some(s), Some("Series B")));
    assert_eq!(out.subject.as_deref(), Some("Acme and Series B"));
    assert_eq!(out.body, "Hi Ana, from Sam.");
}

#[test]
fn without_a_step_each_channel_gets_a_whole_first_touch_that_passes_review() {
    for channel in Channel::ALL {
        for signal in [Some("Raised a Series B"), None] {
            let i = input(*channel, None, signal);
            let out = Drafter::fallback(&i);
            assert_eq!(out.subject.is_some(), *channel == Channel::Email, "{channel}");
            assert!(Drafter::check(&i, &out).is_ok(), "{channel}: {:?} {out:?}", Drafter::check(&i, &out));
            assert!(passes(&i, &out), "{channel} {signal:?}: {out:?}");
            assert_eq!(Drafter::fallback(&i), out, "deterministic");
        }
    }
    let note = Drafter::fallback(&input(Channel::Linkedin, None, None));
    assert!(note.body.chars().count() <= 300, "a connection note: {}", note.body);
    let empty = step(StepKind::LinkedinMessage, None, " ");
    let message = Drafter::fallback(&input(Channel::Linkedin, Some(empty), None));
    assert!(message.body.starts_with("Hi Ana, thanks for connecting."), "a step without a body: {}", message.body);
    let call = Drafter::fallback(&input(Channel::Call, None, None));
    assert!(call.body.starts_with("Opening: Hi Ana, this is Sam Reed."), "{}", call.body);
}

#[test]
fn a_subject_only_on_email_a_body_within_limits_and_no_placeholders() {
    let email = input(Channel::Email, None, None);
    let ok = Output { subject: Some("Acme".to_owned()), body: "Hi Ana, a short note about Acme.".to_owned() };
    assert!(Drafter::check(&email, &ok).is_ok());
    assert!(Drafter::check(&email, &Output { subject: None, ..ok.clone() }).is_err());
    assert!(Drafter::check(&email, &Output { subject: Some("  ".to_owned()), ..ok.clone() }).is_err());
    let linkedin = input(Channel::Linkedin, None, None);
    assert!(Drafter::check(&linkedin, &ok).is_err(), "a subject on LinkedIn");
    let long = Output { subject: None, body: "word ".repeat(70) };
    assert!(Drafter::check(&linkedin, &long).is_err(), "a connection note is short");
    let unresolved = Output { body: "Hi {{first_name}}, about Acme.".to_owned(), ..ok.clone() };
    assert!(Drafter::check(&email, &unresolved).is_err());
    let in_subject = Output { subject: Some("For {{company}}".to_owned()), ..ok };
    assert!(Drafter::check(&email, &in_subject).is_err());
}

#[test]
fn the_answer_schema_is_written_inline() {
    assert!(!crate::llm::refers_elsewhere(&crate::llm::strict_schema::<Output>()));
}
