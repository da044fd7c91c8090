//! Spots text that was decoded with the wrong encoding before it was pasted in, such as
//! `â€™` for `’` or a stray `Â` left over from a non-breaking space. Such text is
//! almost never intended, so it is reported as a warning with its line.

/// A suspicious character sequence found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspect {
    /// Byte range in the text.
    pub span: std::ops::Range<usize>,
    /// What the sequence probably was before it got garbled.
    pub likely: &'static str,
}

/// Sequences that UTF-8 text turns into when read as Windows-1252 or Latin-1, and what
/// they most likely were.
const PATTERNS: &[(&str, &str)] = &[
    ("â€™", "’ (apostrophe)"),
    ("â€˜", "‘ (opening quote)"),
    ("â€œ", "“ (opening quote)"),
    ("â€\u{9d}", "” (closing quote)"),
    ("â€“", "– (en dash)"),
    ("â€”", "— (em dash)"),
    ("â€¦", "… (ellipsis)"),
    ("â€¢", "• (bullet)"),
    ("â€", "a quote or dash"),
    ("Ã©", "é"),
    ("Ã¨", "è"),
    ("Ã¡", "á"),
    ("Ã¤", "ä"),
    ("Ã¶", "ö"),
    ("Ã¼", "ü"),
    ("Ã±", "ñ"),
    ("Ã§", "ç"),
    ("ÃŸ", "ß"),
    ("Â©", "©"),
    ("Â®", "®"),
    ("Â°", "°"),
    ("Â£", "£"),
    ("â„¢", "™"),
    ("ï»¿", "an invisible byte order mark"),
    ("\u{fffd}", "a character that could not be decoded"),
];

/// Finds likely mojibake, at most one report per line.
pub fn scan(text: &str) -> Vec<Suspect> {
    let mut found = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        if let Some(suspect) = scan_line(line) {
            found.push(Suspect {
                span: line_start + suspect.span.start..line_start + suspect.span.end,
                likely: suspect.likely,
            });
        }
        line_start += line.len();
    }
    found
}

fn scan_line(line: &str) -> Option<Suspect> {
    // Every pattern has a non-ASCII character; most lines have none.
    if line.is_ascii() {
        return None;
    }
    let mut best: Option<Suspect> = None;
    for (pattern, likely) in PATTERNS {
        if let Some(at) = line.find(pattern)
            && best.as_ref().is_none_or(|b| at < b.span.start)
        {
            best = Some(Suspect {
                span: at..at + pattern.len(),
                likely,
            });
        }
    }
    // A lone `Â` before a space, a non-breaking space or the end of a line is what a
    // non-breaking space becomes; `Â` before a letter is ordinary (French, Romanian).
    for (at, _) in line.match_indices('Â') {
        let next = line[at + 'Â'.len_utf8()..].chars().next();
        let stray = next.is_none_or(|c| c.is_whitespace() || c == '\u{a0}');
        if stray && best.as_ref().is_none_or(|b| at < b.span.start) {
            best = Some(Suspect {
                span: at..at + 'Â'.len_utf8(),
                likely: "a non-breaking space",
            });
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stray_a_circumflex_at_end_of_text_is_found() {
        let text = "Contact us.\n\nÂ";
        let found = scan(text);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].span.clone()], "Â");
        assert_eq!(found[0].likely, "a non-breaking space");
    }

    #[test]
    fn smart_quote_mojibake_is_found_with_its_meaning() {
        let text = "ok\nwe donâ€™t sell data\n";
        let found = scan(text);
        assert_eq!(found.len(), 1);
        assert_eq!(&text[found[0].span.clone()], "â€™");
        assert!(found[0].likely.contains('’'));
    }

    #[test]
    fn real_accents_are_not_reported() {
        assert!(scan("Âge, café, naïve, “quoted” — fine’s\n").is_empty());
    }
}
