//! The drafter's built-in first touches, for a contact with no sequence step to draft: one per
//! channel, with and without a signal to mention. Merge fields carry fallbacks, so a contact
//! missing a value still gets a whole message.

use crate::domain::enums::Channel;

/// The subject of a built-in first email.
pub const EMAIL_SUBJECT: &str = "A question for {{company|your team}}";

const EMAIL_SIGNAL: &str = "Hi {{first_name|there}},\n\nI saw the news at {{company|your company}}: {{signal}}. \
As {{title|someone close to it}}, you are probably weighing what it means for your pipeline, and that is where we \
help teams like yours.\n\nWould a 15-minute call next week be useful?\n\nIf you would rather not hear from me, just \
reply stop.\n\n{{sender_first_name|}}";

const EMAIL_PLAIN: &str = "Hi {{first_name|there}},\n\nI work with teams like {{company|yours}} on how they find and \
reach the right buyers. As {{title|someone close to it}}, you may be weighing the same questions our customers \
were.\n\nWould a 15-minute call next week be useful?\n\nIf you would rather not hear from me, just reply \
stop.\n\n{{sender_first_name|}}";

const CONNECT_SIGNAL: &str =
    "Hi {{first_name|there}}, I saw the news at {{company|your company}} ({{signal}}) and would be glad to connect.";

const CONNECT_PLAIN: &str =
    "Hi {{first_name|there}}, I follow what {{company|your team}} is doing and would be glad to connect.";

const LINKEDIN_SIGNAL: &str = "Hi {{first_name|there}}, congratulations on the news at {{company|your company}} \
({{signal}}). As {{title|someone close to it}}, would you be open to a short call about what it means for your \
pipeline?";

const LINKEDIN_PLAIN: &str = "Hi {{first_name|there}}, thanks for connecting. I work with teams like \
{{company|yours}} on reaching the right buyers; would you be open to a short call to compare notes?";

const CALL_SIGNAL: &str = "Opening: Hi {{first_name|there}}, this is {{sender_name|a colleague from our team}}. \
Do you have two minutes?\nReason: I saw the news at {{company|your company}}: {{signal}}.\nQuestion: How is the \
team planning to keep up with it, and who is involved?\nNext step: Offer a 15-minute meeting this week or \
next.\nIf not a fit: Thank them, and ask who would own this instead.";

const CALL_PLAIN: &str = "Opening: Hi {{first_name|there}}, this is {{sender_name|a colleague from our team}}. \
Do you have two minutes?\nReason: We work with teams like {{company|yours}} on how they find and reach the right \
buyers.\nQuestion: How does {{company|your team}} handle that today, and what gets in the way?\nNext step: Offer a \
15-minute meeting this week or next.\nIf not a fit: Thank them, and ask who would own this instead.";

/// The built-in body for `channel` (a connection note when `connect_note`), with or without a
/// signal to mention.
pub fn body(channel: Channel, connect_note: bool, has_signal: bool) -> &'static str {
    match (channel, connect_note, has_signal) {
        (Channel::Email, _, true) => EMAIL_SIGNAL,
        (Channel::Email, _, false) => EMAIL_PLAIN,
        (Channel::Linkedin, true, true) => CONNECT_SIGNAL,
        (Channel::Linkedin, true, false) => CONNECT_PLAIN,
        (Channel::Linkedin, false, true) => LINKEDIN_SIGNAL,
        (Channel::Linkedin, false, false) => LINKEDIN_PLAIN,
        (Channel::Call, _, true) => CALL_SIGNAL,
        (Channel::Call, _, false) => CALL_PLAIN,
    }
}
