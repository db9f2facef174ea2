//! Title to seniority and department, by deterministic rules: the persona_mapper agent's
//! fallback, and what import and create use when no agent has looked yet.

use crate::domain::enums::{Department, Seniority};

/// The title in lower case, padded and with punctuation as spaces, so phrases match whole words.
fn normalise(title: &str) -> String {
    let spaced: String =
        title.to_lowercase().chars().map(|c| if c.is_alphanumeric() || c == '&' { c } else { ' ' }).collect();
    format!(" {} ", spaced.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn any(title: &str, phrases: &[&str]) -> bool {
    phrases.iter().any(|p| title.contains(p))
}

/// The seniority a title implies.
pub fn seniority(title: &str) -> Seniority {
    let t = normalise(title);
    const VP: &[&str] = &[" vp ", " svp ", " evp ", " avp ", " vice president "];
    const C_LEVEL: &[&str] = &[
        " chief ",
        " ceo ",
        " cto ",
        " cfo ",
        " coo ",
        " cmo ",
        " cro ",
        " cio ",
        " ciso ",
        " cpo ",
        " founder ",
        " co founder ",
        " cofounder ",
        " owner ",
        " president ",
    ];
    if any(&t, VP) {
        Seniority::Vp
    } else if any(&t, C_LEVEL) {
        Seniority::CLevel
    } else if any(&t, &[" director ", " head ", " managing partner "]) {
        Seniority::Director
    } else if any(&t, &[" manager ", " lead ", " supervisor ", " principal "]) {
        Seniority::Manager
    } else if any(&t, &[" senior ", " sr ", " staff ", " specialist ", " architect ", " partner "]) {
        Seniority::Senior
    } else if any(
        &t,
        &[
            " junior ",
            " jr ",
            " associate ",
            " assistant ",
            " intern ",
            " coordinator ",
            " trainee ",
            " representative ",
            " rep ",
        ],
    ) {
        Seniority::Entry
    } else if any(
        &t,
        &[
            " engineer ",
            " developer ",
            " analyst ",
            " consultant ",
            " executive ",
            " accountant ",
            " designer ",
            " scientist ",
        ],
    ) {
        Seniority::Senior
    } else {
        Seniority::Unknown
    }
}

/// The department a title implies.
pub fn department(title: &str) -> Department {
    let t = normalise(title);
    // Sales and revenue operations belong to operations, not sales.
    if any(&t, &[" revenue operations ", " sales operations ", " revops "]) {
        return Department::Operations;
    }
    let rules: &[(Department, &[&str])] = &[
        (
            Department::CustomerSuccess,
            &[" customer success ", " customer experience ", " account management ", " support ", " onboarding "],
        ),
        (
            Department::It,
            &[
                " it ",
                " information technology ",
                " systems administrator ",
                " helpdesk ",
                " infrastructure ",
                " cio ",
                " ciso ",
                " security ",
            ],
        ),
        (
            Department::Engineering,
            &[
                " engineer ",
                " engineering ",
                " developer ",
                " software ",
                " cto ",
                " devops ",
                " data ",
                " architect ",
                " platform ",
                " sre ",
            ],
        ),
        (Department::Product, &[" product ", " cpo ", " ux ", " design "]),
        (
            Department::Sales,
            &[
                " sales ",
                " account executive ",
                " business development ",
                " bdr ",
                " sdr ",
                " cro ",
                " revenue ",
                " partnerships ",
            ],
        ),
        (
            Department::Marketing,
            &[" marketing ", " growth ", " brand ", " demand ", " content ", " cmo ", " communications ", " seo "],
        ),
        (
            Department::Finance,
            &[
                " finance ",
                " financial ",
                " cfo ",
                " accounting ",
                " accountant ",
                " controller ",
                " treasury ",
                " fp&a ",
            ],
        ),
        (Department::Hr, &[" hr ", " human resources ", " people ", " talent ", " recruiting ", " recruiter "]),
        (Department::Legal, &[" legal ", " counsel ", " compliance ", " attorney ", " lawyer "]),
        (Department::Operations, &[" operations ", " ops ", " coo ", " supply chain ", " logistics ", " procurement "]),
        (
            Department::Executive,
            &[
                " ceo ",
                " founder ",
                " co founder ",
                " cofounder ",
                " president ",
                " owner ",
                " managing director ",
                " general manager ",
                " chief executive ",
            ],
        ),
    ];
    rules.iter().find(|(_, phrases)| any(&t, phrases)).map_or(Department::Other, |(d, _)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn common_titles_map_as_a_bdr_would_expect() {
        let cases = [
            ("Chief Executive Officer", Seniority::CLevel, Department::Executive),
            ("CTO & Co-founder", Seniority::CLevel, Department::Engineering),
            ("VP of Sales", Seniority::Vp, Department::Sales),
            ("SVP, Marketing", Seniority::Vp, Department::Marketing),
            ("Director of Revenue Operations", Seniority::Director, Department::Operations),
            ("Head of Data", Seniority::Director, Department::Engineering),
            ("Engineering Manager", Seniority::Manager, Department::Engineering),
            ("Senior Software Engineer", Seniority::Senior, Department::Engineering),
            ("Sr. Account Executive", Seniority::Senior, Department::Sales),
            ("Marketing Coordinator", Seniority::Entry, Department::Marketing),
            ("HR Business Partner", Seniority::Senior, Department::Hr),
            ("Finance Director", Seniority::Director, Department::Finance),
            ("Customer Success Manager", Seniority::Manager, Department::CustomerSuccess),
            ("General Counsel", Seniority::Unknown, Department::Legal),
            ("", Seniority::Unknown, Department::Other),
        ];
        for (title, s, d) in cases {
            assert_eq!((seniority(title), department(title)), (s, d), "{title:?}");
        }
    }

    proptest! {
        #[test]
        fn any_text_maps_without_panicking(title in ".{0,80}") {
            let _ = (seniority(&title), department(&title));
        }

        #[test]
        fn case_does_not_matter(title in "[a-zA-Z ]{0,40}") {
            prop_assert_eq!(seniority(&title), seniority(&title.to_uppercase()));
            prop_assert_eq!(department(&title), department(&title.to_uppercase()));
        }
    }
}
