//! Untrusted text: everything a buyer or Facebook controls (names, messages, snippets, page
//! names) and everything pasted by staff passes through [`clean`] once, where it enters, so that
//! nothing stored can move the cursor, retitle the terminal or reorder what staff read.

use unicode_normalization::UnicodeNormalization;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

const ESC: char = '\u{1b}';
const BEL: char = '\u{07}';
/// 8-bit C1 String Terminator.
const ST: char = '\u{9c}';

/// Returns `raw` as plain text: NFC-normalised (Vietnamese often arrives decomposed), with
/// terminal escape sequences (CSI, OSC, DCS, SOS, PM, APC, in 7-bit and 8-bit forms) and every
/// other control character removed, newlines kept, tabs turned into spaces and bidi
/// embedding/override/isolate characters removed.
pub fn clean(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ESC => match chars.next() {
                Some('[') => skip_csi(&mut chars),
                Some(']' | 'P' | 'X' | '^' | '_') => skip_string(&mut chars),
                // Any other escape is ESC plus one character (or ESC plus intermediates and a
                // final byte, as in charset designation): drop the intermediates too.
                Some(' '..='/') => {
                    while let Some(' '..='/') = chars.peek() {
                        chars.next();
                    }
                    chars.next();
                }
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\n' => out.push('\n'),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\t' => out.push_str("    "),
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out.nfc().collect()
}

/// Cleans text that must stay on one line (a name, a snippet in a list): newlines become spaces.
pub fn clean_line(raw: &str) -> String {
    clean(raw).replace('\n', " ")
}

/// Folds text for search: lower case, diacritics removed, `đ` as `d`, so that "gia" finds "Giá"
/// and "dam" finds "đầm".
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// `text` cut to `width` display columns (with `…` when cut) and padded to exactly `width`.
pub fn fit(text: &str, width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    let total = text.width();
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        let room = if total > width { width - 1 } else { width };
        if used + w > room {
            out.push('…');
            used += 1;
            break;
        }
        out.push(c);
        used += w;
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// CSI: parameter and intermediate bytes up to a final byte in `@`..=`~`.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            return;
        }
    }
}

/// OSC/DCS/SOS/PM/APC: a string up to BEL, ST (8-bit) or ESC `\`.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            BEL | ST => return,
            ESC => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_escape_sequences_of_every_kind() {
        assert_eq!(clean("a\u{1b}[2Jb"), "ab");
        assert_eq!(clean("a\u{1b}]0;pwned\u{07}b"), "ab");
        assert_eq!(
            clean("a\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\b"),
            "alinkb"
        );
        assert_eq!(clean("a\u{1b}P1$qm\u{1b}\\b"), "ab");
        assert_eq!(clean("a\u{9b}31mb"), "ab");
        assert_eq!(clean("a\u{9d}0;t\u{9c}b"), "ab");
        assert_eq!(clean("a\u{1b}(Bb"), "ab");
        assert_eq!(clean("a\u{1b}7b"), "ab");
    }

    #[test]
    fn keeps_newlines_turns_tabs_into_spaces_drops_other_controls() {
        assert_eq!(clean("a\r\nb\tc\0d\u{7f}e\u{85}f\u{8}"), "a\nb    cdef");
        assert_eq!(clean_line("dòng 1\ndòng 2"), "dòng 1 dòng 2");
    }

    #[test]
    fn removes_bidi_overrides_and_normalises_vietnamese() {
        assert_eq!(clean("abc\u{202e}def\u{2066}g"), "abcdefg");
        let decomposed = "gia\u{301}";
        assert_eq!(clean(decomposed), "giá");
        assert_eq!(clean(decomposed).chars().count(), 3);
    }

    #[test]
    fn fit_counts_display_columns() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abc", 0), "");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("Nguyễn", 6), "Nguyễn");
        assert_eq!(fit("chốt đơn 👍👍", 10), "chốt đơn …");
        assert_eq!(fit("chốt đơn 👍👍", 10).width(), 10);
    }

    #[test]
    fn folding_drops_vietnamese_diacritics() {
        assert_eq!(fold("Giá ĐẦM đỏ"), "gia dam do");
        assert_eq!(fold("Nguyễn Thị Lan"), "nguyen thi lan");
    }

    #[test]
    fn an_unterminated_sequence_swallows_only_itself() {
        assert_eq!(clean("ok\u{1b}[12"), "ok");
        assert_eq!(clean("ok\u{1b}]title"), "ok");
        assert_eq!(clean("ok\u{1b}"), "ok");
    }
}
