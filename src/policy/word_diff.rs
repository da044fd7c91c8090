//! `vellum policy diff`: what changed between two versions of a policy, word by word,
//! for a terminal (coloured, or `[-old-]{+new+}` when piped) or as Markdown for a
//! review comment (`<del>`/`<ins>`, which GitHub and GitLab render). The site's own
//! redline pages come from [`super::redline`], which works on rendered HTML; this works
//! on the Markdown an editor wrote, which is what a reviewer of a pull request reads.

use chrono::NaiveDate;
use similar::{Algorithm, ChangeTag, DiffOp, TextDiff, capture_diff_slices};

use super::Policy;

/// How to mark what changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// ANSI colours: deleted words red and struck through, inserted green and underlined.
    Terminal,
    /// `[-deleted-]` and `{+inserted+}`, as `git diff --word-diff=plain`.
    Plain,
    /// `<del>deleted</del>` and `<ins>inserted</ins>`, for a pull request comment.
    Markdown,
}

/// Which two versions to compare: `from` and `to` are effective dates; by default `to`
/// is the first upcoming version (else the newest) and `from` the one before it.
pub fn pick(
    policy: &Policy,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(usize, usize), String> {
    let index_of = |day: NaiveDate| {
        policy
            .versions
            .iter()
            .position(|v| v.effective == day)
            .ok_or_else(|| {
                let dates: Vec<String> = policy
                    .versions
                    .iter()
                    .map(|v| v.effective.to_string())
                    .collect();
                format!(
                    "the {} policy has no version taking effect on {day} (its versions: {})",
                    policy.slug,
                    dates.join(", ")
                )
            })
    };
    let to = match to {
        Some(day) => index_of(day)?,
        None => policy
            .versions
            .iter()
            .position(|v| v.effective > today)
            .unwrap_or(policy.versions.len() - 1),
    };
    let from = match from {
        Some(day) => index_of(day)?,
        None if to > 0 => to - 1,
        None => {
            return Err(format!(
                "the {} policy has only one version, so there is nothing to compare",
                policy.slug
            ));
        }
    };
    Ok((from, to))
}

/// The comparison of two versions of `policy`, as text in `style`.
pub fn report(policy: &Policy, from: usize, to: usize, style: Style) -> String {
    let (old, new) = (&policy.versions[from], &policy.versions[to]);
    let old_blocks = blocks(old.file.body());
    let new_blocks = blocks(new.file.body());
    let mut body = String::new();
    let (mut inserted, mut deleted) = (0, 0);
    let mut unchanged_before = false;
    for op in capture_diff_slices(Algorithm::Patience, &old_blocks, &new_blocks) {
        let (old_range, new_range) = (op.old_range(), op.new_range());
        if let DiffOp::Equal { .. } = op {
            unchanged_before = true;
            continue;
        }
        if unchanged_before && !body.is_empty() {
            body.push_str(skipped(style));
        }
        unchanged_before = false;
        let olds = &old_blocks[old_range];
        let news = &new_blocks[new_range];
        // Paragraphs changed one for one are compared word by word; the rest are shown
        // whole as deleted or inserted.
        let paired = olds.len().min(news.len());
        for (old, new) in olds.iter().zip(news) {
            let (text, ins, del) = words(old, new, style);
            body.push_str(&text);
            body.push_str("\n\n");
            inserted += ins;
            deleted += del;
        }
        for old in &olds[paired..] {
            body.push_str(&mark(old, ChangeTag::Delete, style));
            body.push_str("\n\n");
            deleted += old.split_whitespace().count();
        }
        for new in &news[paired..] {
            body.push_str(&mark(new, ChangeTag::Insert, style));
            body.push_str("\n\n");
            inserted += new.split_whitespace().count();
        }
    }
    let words = |n: usize| {
        if n == 1 {
            "1 word".to_string()
        } else {
            format!("{n} words")
        }
    };
    let heading = format!(
        "{} policy: {} → {} ({} inserted, {} deleted)",
        policy.slug,
        old.effective,
        new.effective,
        words(inserted),
        words(deleted)
    );
    let heading = match style {
        Style::Markdown => format!("### {heading}\n\n"),
        _ => format!("{heading}\n\n"),
    };
    if body.is_empty() {
        return heading + "The two versions have the same text.\n";
    }
    heading + body.trim_end() + "\n"
}

/// Blocks of Markdown: runs of lines between blank lines.
fn blocks(text: &str) -> Vec<&str> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .collect()
}

/// One block compared word by word; returns the text and the words inserted and deleted.
fn words(old: &str, new: &str, style: Style) -> (String, usize, usize) {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_words(old, new);
    let (mut inserted, mut deleted) = (0, 0);
    // A block rewritten through and through reads better as old, then new, than as
    // word confetti (the site's redline does the same).
    if diff.ratio() < super::redline::MIN_SIMILARITY as f32 {
        let text = format!(
            "{}\n\n{}",
            mark(old, ChangeTag::Delete, style),
            mark(new, ChangeTag::Insert, style)
        );
        return (
            text,
            new.split_whitespace().count(),
            old.split_whitespace().count(),
        );
    }
    let mut out = String::new();
    // Runs of one kind are marked once: `{+bank transfer+}`, not `{+bank+} {+transfer+}`.
    let mut run: Option<(ChangeTag, String)> = None;
    for change in diff.iter_all_changes() {
        let tag = change.tag();
        let value = change.value();
        match tag {
            ChangeTag::Insert => inserted += value.split_whitespace().count(),
            ChangeTag::Delete => deleted += value.split_whitespace().count(),
            ChangeTag::Equal => {}
        }
        // Spaces between two changed words of one kind stay in the run.
        let same_run = run.as_ref().is_some_and(|(t, _)| *t == tag)
            || (tag == ChangeTag::Equal && value.trim().is_empty() && run.is_some());
        match &mut run {
            Some((_, text)) if same_run => text.push_str(value),
            _ => {
                if let Some((t, text)) = run.take() {
                    out.push_str(&mark(&text, t, style));
                }
                run = Some((tag, value.to_string()));
            }
        }
    }
    if let Some((t, text)) = run {
        out.push_str(&mark(&text, t, style));
    }
    (out, inserted, deleted)
}

/// `text` marked as `tag` in `style`; spaces at its ends stay outside the marks.
fn mark(text: &str, tag: ChangeTag, style: Style) -> String {
    let core = text.trim();
    if tag == ChangeTag::Equal || core.is_empty() {
        return text.to_string();
    }
    let lead = &text[..text.len() - text.trim_start().len()];
    let trail = &text[text.trim_end().len()..];
    let marked = match (style, tag) {
        (Style::Terminal, ChangeTag::Delete) => format!("\x1b[31;9m{core}\x1b[0m"),
        (Style::Terminal, _) => format!("\x1b[32;4m{core}\x1b[0m"),
        (Style::Plain, ChangeTag::Delete) => format!("[-{core}-]"),
        (Style::Plain, _) => format!("{{+{core}+}}"),
        (Style::Markdown, ChangeTag::Delete) => format!("<del>{core}</del>"),
        (Style::Markdown, _) => format!("<ins>{core}</ins>"),
    };
    format!("{lead}{marked}{trail}")
}

fn skipped(style: Style) -> &'static str {
    match style {
        Style::Markdown => "*(unchanged text)*\n\n",
        _ => "...\n\n",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_changed_words_are_marked_once() {
        let (text, inserted, deleted) = words(
            "Pay by card within seven days.",
            "Pay by card or bank transfer within seven days.",
            Style::Plain,
        );
        assert_eq!(text, "Pay by card {+or bank transfer+} within seven days.");
        assert_eq!((inserted, deleted), (3, 0));
        let (text, ..) = words(
            "Return within 14 days.",
            "Return within 30 days.",
            Style::Markdown,
        );
        assert_eq!(text, "Return within <del>14</del><ins>30</ins> days.");
    }

    #[test]
    fn unchanged_blocks_are_skipped_and_new_blocks_shown_whole() {
        let old = blocks("## A\n\nSame.\n\n## B\n\nOld.");
        assert_eq!(old, ["## A", "Same.", "## B", "Old."]);
    }
}
