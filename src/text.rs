//! Untrusted text: everything a buyer or Facebook controls (names, messages, snippets, page
//! names) and everything pasted by staff passes through [`clean`] once, where it enters, so that
//! nothing stored can move the cursor, retitle the terminal or reorder what staff read.

use unicode_normalization::UnicodeNormalization;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

const ESC: char = '\u{1b}';
const BEL: char = '\u{07}';
/// 8-bit C1 String Terminator.
const ST: char = '\u{9c}';

/// The longest text kept from one message (Messenger's own limit is 20,000 characters): a
/// larger one is cut, so that a hostile answer cannot fill the disk or the screen.
pub const MAX_TEXT_CHARS: usize = 20_000;
/// The longest one-line text kept: a name, a snippet, an error message.
pub const MAX_LINE_CHARS: usize = 1_000;

/// Returns `raw` as plain text: NFC-normalised (Vietnamese often arrives decomposed), with
/// terminal escape sequences (CSI, OSC, DCS, SOS, PM, APC, in 7-bit and 8-bit forms) and every
/// other control character removed, newlines kept (line and paragraph separators become
/// newlines), tabs turned into spaces, and the invisible characters that can hide or reorder
/// what staff read removed: bidi marks, embeddings, overrides and isolates, zero-width
/// characters (a zero-width joiner is kept inside an emoji sequence), tag characters and Hangul
/// fillers. Text longer than [`MAX_TEXT_CHARS`] is cut, with `…`.
pub fn clean(raw: &str) -> String {
    clean_capped(raw, MAX_TEXT_CHARS)
}

fn clean_capped(raw: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(raw.len().min(max_chars * 4));
    let mut chars = raw.chars().peekable();
    let mut kept = 0;
    while let Some(c) = chars.next() {
        if kept > max_chars {
            break;
        }
        kept += 1;
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
            '\u{2028}' | '\u{2029}' => out.push('\n'),
            // Inside an emoji sequence (👨‍👩‍👧) the joiner is part of the picture.
            '\u{200d}'
                if out.chars().next_back().is_some_and(is_pictograph)
                    && chars.peek().copied().is_some_and(is_pictograph) =>
            {
                out.push('\u{200d}');
            }
            c if c.is_control() || is_invisible(c) => {}
            c => out.push(c),
        }
    }
    let mut out: String = out.nfc().collect();
    if let Some((cut, _)) = out.char_indices().nth(max_chars) {
        out.truncate(cut);
        out.push('…');
    }
    out
}

/// Cleans text that must stay on one line (a name, a snippet in a list, an error message):
/// newlines become spaces, and it is cut at [`MAX_LINE_CHARS`].
pub fn clean_line(raw: &str) -> String {
    clean_capped(raw, MAX_LINE_CHARS).replace('\n', " ")
}

/// The longest link kept from outside: Facebook's CDN links are a few hundred bytes.
const MAX_LINK_BYTES: usize = 8 * 1024;

/// A link from outside (a file's CDN link, a sticker's) as it may be stored, shown, opened and
/// put in a terminal's hyperlink (OSC 8): an http or https URL as the URL parser writes it, with
/// any byte outside printable ASCII percent-encoded, so that nothing in it can end an escape
/// sequence or start one. Anything else is no link at all: `None`.
pub fn web_link(raw: &str) -> Option<String> {
    if raw.len() > MAX_LINK_BYTES {
        return None;
    }
    let url = url::Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    // The parser's own encoding already leaves only printable ASCII; the terminal is where a
    // byte it let through would cost, so it is not taken on trust.
    let mut link = String::with_capacity(url.as_str().len());
    for byte in url.as_str().bytes() {
        if byte.is_ascii_graphic() {
            link.push(char::from(byte));
        } else {
            link.push_str(&format!("%{byte:02X}"));
        }
    }
    Some(link)
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

/// What the search index holds for a message: its folded words, and each phone number in it as
/// one dials it, so that "0987.654.321" and "+84 987 654 321" find each other.
pub fn search_words(text: &str) -> String {
    let mut words = fold(text);
    for (_, number) in phone_numbers(text) {
        words.push(' ');
        words.push_str(&number);
    }
    words
}

/// A search typed by staff: its phone numbers as one dials them, the rest as typed.
pub fn search_query(typed: &str) -> String {
    let mut query = String::new();
    let mut from = 0;
    for (range, number) in phone_numbers(typed) {
        query.push_str(&typed[from..range.start]);
        query.push_str(&number);
        from = range.end;
    }
    query.push_str(&typed[from..]);
    query
}

/// The marks a word carries (tone, hat, horn, breve, đ's stroke), in no order: what tells
/// "Đà" from "đá" once both fold to "da". Vietnamese puts a tone on either vowel ("hoà",
/// "hòa"), so only which marks, not where, counts.
fn marks(word: &str) -> Vec<char> {
    let mut marks: Vec<char> = word
        .nfd()
        .filter_map(|c| match c {
            'đ' | 'Đ' => Some('đ'),
            c if unicode_normalization::char::is_combining_mark(c) => Some(c),
            _ => None,
        })
        .collect();
    marks.sort_unstable();
    marks
}

/// Whether `text` has a word the typed `wanted` word starts, its marks too: a word typed with
/// diacritics finds only words that carry them ("Nẵng" not "nắng"); one typed without finds
/// every spelling.
pub fn has_word_marked(text: &str, wanted: &str) -> bool {
    let wanted_folded = fold(wanted);
    let wanted_marks = marks(wanted);
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| fold(word).starts_with(&wanted_folded))
        .any(|word| {
            let mut carried = marks(word);
            wanted_marks
                .iter()
                .all(|mark| match carried.iter().position(|c| c == mark) {
                    Some(at) => {
                        carried.remove(at);
                        true
                    }
                    None => false,
                })
        })
}

/// The words of a search typed with diacritics, which hits must carry as typed.
pub fn marked_words(query: &str) -> Vec<&str> {
    query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty() && !marks(word).is_empty())
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

/// Characters that show nothing but can hide text, fake a match or reorder a line.
fn is_invisible(c: char) -> bool {
    matches!(c,
        // Bidi marks (LRM, RLM, ALM), embeddings, overrides and isolates.
        '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        // Zero-width space, non-joiner, joiner, word joiner, invisible operators, BOM.
        | '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}'
        // Tag characters.
        | '\u{e0000}'..='\u{e007f}'
        // Hangul fillers, which render as blank.
        | '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}'
        // Soft hyphen, Mongolian vowel separator, interlinear annotation marks.
        | '\u{ad}' | '\u{180e}' | '\u{fff9}'..='\u{fffb}')
}

/// Emoji and other pictographs (skin tones included), and the variation selector that makes a
/// symbol one.
fn is_pictograph(c: char) -> bool {
    matches!(c, '\u{1f000}'..='\u{1faff}' | '\u{2600}'..='\u{27bf}' | '\u{fe0f}')
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

/// Vietnamese phone numbers in `text` as buyers write them (`0912 345 678`, `0912.345.678`,
/// `+84 912 345 678`, `03x`, `05x`, `07x`, `08x`, `09x`): where each is, and its digits as one
/// dials them (`0912345678`).
pub fn phone_numbers(text: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let mut found = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let international = c == '+';
        if !(international || c == '0') {
            continue;
        }
        // A number does not start inside a longer run of digits.
        if text[..start]
            .chars()
            .next_back()
            .is_some_and(|p| p.is_ascii_digit())
        {
            continue;
        }
        let mut digits = String::new();
        if !international {
            digits.push('0');
        }
        let mut end = start + c.len_utf8();
        let mut scan = chars.clone();
        while let Some(&(at, next)) = scan.peek() {
            if next.is_ascii_digit() {
                digits.push(next);
                end = at + 1;
            } else if !matches!(next, ' ' | '.' | '-') || digits.is_empty() {
                break;
            }
            scan.next();
        }
        let national = match digits.strip_prefix("84") {
            Some(rest) if international => format!("0{rest}"),
            _ if international => continue,
            _ => digits,
        };
        let valid = national.len() == 10
            && matches!(national.as_bytes()[1], b'3' | b'5' | b'7' | b'8' | b'9')
            && !text[end..]
                .chars()
                .next()
                .is_some_and(|n| n.is_ascii_digit());
        if valid {
            found.push((start..end, national));
            while chars.peek().is_some_and(|(at, _)| *at < end) {
                chars.next();
            }
        }
    }
    found
}

/// How well `name` matches `wanted` (both folded): its letters in order, `None` when they are
/// not there; lower is better (a name starting with it first, then the tightest match).
pub fn fuzzy_score(name: &str, wanted: &str) -> Option<usize> {
    if wanted.is_empty() {
        return Some(0);
    }
    let mut first = None;
    let mut last = 0;
    let mut letters = name.char_indices();
    for w in wanted.chars() {
        let (at, _) = letters.find(|(_, c)| *c == w)?;
        first.get_or_insert(at);
        last = at;
    }
    let first = first.unwrap_or(0);
    let spread = last - first;
    Some(if name.starts_with(wanted) {
        0
    } else {
        1 + first + spread
    })
}

/// Words that name a part of an address, folded ("đường" as "duong"): Vietnamese as buyers
/// write them, abbreviations too, and a few English ones.
const ADDRESS_WORDS: &[&str] = &[
    "duong", "pho", "ngo", "ngach", "hem", "kiet", "phuong", "quan", "huyen", "xa", "thon", "ap",
    "tinh", "tp", "thanh", "khu", "p", "q", "street", "road", "ward", "district", "city",
];

/// Words buyers put around an address ("… nha shop", "cảm ơn ạ"), folded: not part of it.
const AROUND_ADDRESS: &[&str] = &[
    "nha", "nhe", "nhen", "a", "ah", "shop", "em", "chi", "anh", "ban", "voi", "luon", "giup",
    "cam", "on", "sdt", "so", "dt", "dien", "thoai", "la", "minh",
];

/// Words between "địa chỉ" and the address ("địa chỉ nhận hàng là: …"), folded.
const ADDRESS_LEAD: &[&str] = &["nhan", "hang", "giao", "cua", "minh", "em", "la", "o"];

/// The words of `text` with where each starts: letters, digits and '/' (a house number "12/3").
fn words_at(text: &str) -> Vec<(usize, &str)> {
    let mut words = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices() {
        let in_word = c.is_alphanumeric() || c == '/';
        match (in_word, start) {
            (true, None) => start = Some(at),
            (false, Some(from)) => {
                words.push((from, &text[from..at]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        words.push((from, &text[from..]));
    }
    words
}

/// A house or lane number: digits, perhaps with '/' ("45", "12/3"), short.
fn house_number(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit())
        && word.chars().all(|c| c.is_ascii_digit() || c == '/')
        && word.len() <= 7
}

fn names_part(word: &str) -> bool {
    ADDRESS_WORDS.contains(&fold(word).as_str())
}

/// The address in a line that reads like one, without what the buyer said around it: after
/// "địa chỉ (nhận hàng):" when the buyer says so; else, in the stretch between phone numbers
/// with most address words, from the house number that a street name follows ("45 Lê Lợi",
/// not "1 cái"), with the word before it when that names a part ("Số 12", "Phường 5"), or the
/// first address word; to the end of the stretch, the polite words after it left out.
fn address_part(line: &str) -> String {
    // Phone numbers end a stretch (their digit groups would look like house numbers).
    let mut stretches = Vec::new();
    let mut from = 0;
    for (range, _) in phone_numbers(line) {
        stretches.push(from..range.start);
        from = range.end;
    }
    stretches.push(from..line.len());
    let score = |text: &str| {
        words_at(text)
            .iter()
            .filter(|(_, w)| names_part(w) || house_number(w))
            .count()
    };
    let said = stretches.iter().find_map(|range| {
        let words = words_at(&line[range.clone()]);
        let at = words
            .windows(2)
            .position(|pair| fold(pair[0].1) == "dia" && fold(pair[1].1) == "chi")?;
        let after = words[at + 2..]
            .iter()
            .find(|(_, w)| !ADDRESS_LEAD.contains(&fold(w).as_str()))?;
        Some(range.start + after.0..range.end)
    });
    let stretch = said.clone().unwrap_or_else(|| {
        stretches
            .iter()
            .max_by_key(|range| score(&line[(*range).clone()]))
            .cloned()
            .unwrap_or(0..line.len())
    });
    let text = &line[stretch];
    let words = words_at(text);
    let street_follows = |at: usize| {
        words.get(at + 1).is_some_and(|(_, next)| {
            names_part(next) || next.chars().next().is_some_and(char::is_uppercase)
        })
    };
    let numbered = words
        .iter()
        .enumerate()
        .position(|(at, (_, w))| house_number(w) && (street_follows(at) || at == 0));
    let start = match numbered {
        Some(at) if at > 0 && (names_part(words[at - 1].1) || fold(words[at - 1].1) == "so") => {
            Some(at - 1)
        }
        Some(at) => Some(at),
        None if said.is_some() => Some(0),
        None => words.iter().position(|(_, w)| names_part(w)),
    };
    let Some(start) = start else {
        return line.trim().to_owned();
    };
    let mut kept = &words[start..];
    while let [rest @ .., (_, last)] = kept {
        if rest.is_empty() || !AROUND_ADDRESS.contains(&fold(last).as_str()) {
            break;
        }
        kept = rest;
    }
    let from = kept.first().map_or(0, |(at, _)| *at);
    let to = kept.last().map_or(text.len(), |(at, word)| at + word.len());
    text[from..to].to_owned()
}

/// The delivery addresses written in `text`, one per line that reads like one: "địa chỉ"
/// said, two of the words an address has ("ngõ", "phường", "quận", "TP"…), or one and a house
/// number. The address alone, without the words around it. A guess for staff to look at,
/// never acted on.
pub fn addresses(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| {
            let words: Vec<String> = words_at(line).iter().map(|(_, w)| fold(w)).collect();
            let said = words
                .windows(2)
                .any(|pair| pair[0] == "dia" && pair[1] == "chi");
            let mut named: Vec<&str> = words
                .iter()
                .map(String::as_str)
                .filter(|w| ADDRESS_WORDS.contains(w))
                .collect();
            named.sort_unstable();
            named.dedup();
            // A phone number's digit groups do not make a house number.
            let without_phones = phone_numbers(line).into_iter().rev().fold(
                line.to_string(),
                |mut text, (range, _)| {
                    text.replace_range(range, " ");
                    text
                },
            );
            let numbered = words_at(&without_phones)
                .iter()
                .any(|(_, w)| house_number(w) && w.len() <= 5);
            said || named.len() >= 2 || (named.len() == 1 && numbered && words.len() >= 3)
        })
        .map(address_part)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_word_typed_with_marks_finds_only_words_that_carry_them() {
        use super::has_word_marked;
        assert!(has_word_marked("ship về Đà Nẵng", "Nẵng"));
        assert!(
            has_word_marked("ship về Đà Nẵng", "nẵ"),
            "a word being typed"
        );
        assert!(!has_word_marked("trời nắng quá", "Nẵng"));
        assert!(!has_word_marked("đá bóng", "Đà"));
        assert!(!has_word_marked("da bò", "đà"), "đ is a mark of its own");
        assert!(
            has_word_marked("giao hoà tốc", "hòa"),
            "the tone on either vowel"
        );
        assert!(has_word_marked("GIÁ BAO NHIÊU", "giá"));
        assert_eq!(super::marked_words("Đà Nang 0912"), ["Đà"]);
        assert_eq!(
            super::search_query("sđt +84 912 345 678 nha"),
            "sđt 0912345678 nha"
        );
    }

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
    fn a_link_from_outside_is_a_web_url_with_nothing_that_can_end_an_escape_sequence() {
        let evil = "https://cdn.example/a.png?x=1\u{1b}\\\u{1b}]0;pwned\u{7}\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J\u{9c}é #frag ment";
        let link = web_link(evil).unwrap();
        assert!(
            link.starts_with("https://cdn.example/a.png?x=1%1B"),
            "{link}"
        );
        assert!(link.bytes().all(|b| b.is_ascii_graphic()), "{link}");
        assert!(
            !link.contains('\u{7}') && !link.contains('\u{1b}'),
            "{link}"
        );
        assert!(link.contains("%C2%9C") && link.contains("%C3%A9"), "{link}");
        assert_eq!(
            web_link("https://cdn.example/sticker.png").as_deref(),
            Some("https://cdn.example/sticker.png")
        );
        for refused in [
            "javascript:alert(1)",
            "file:///home/lan/.config/pagedesk/config.toml",
            "not a link",
            "https://cdn\u{1b}]0;pwned\u{7}.example/a.png",
            "",
        ] {
            assert_eq!(web_link(refused), None, "{refused:?}");
        }
        let long = format!("https://cdn.example/{}", "a".repeat(MAX_LINK_BYTES));
        assert_eq!(web_link(&long), None);
    }

    #[test]
    fn keeps_newlines_turns_tabs_into_spaces_drops_other_controls() {
        assert_eq!(clean("a\r\nb\tc\0d\u{7f}e\u{85}f\u{8}"), "a\nb    cdef");
        assert_eq!(clean_line("dòng 1\ndòng 2"), "dòng 1 dòng 2");
    }

    #[test]
    fn removes_invisible_characters_but_keeps_emoji_sequences() {
        assert_eq!(
            clean("a\u{200e}b\u{200f}c\u{61c}d\u{200b}e\u{2060}f\u{feff}g"),
            "abcdefg"
        );
        assert_eq!(clean("x\u{e0041}\u{e007f}y\u{3164}\u{115f}z"), "xyz");
        assert_eq!(clean("một\u{2028}hai\u{2029}ba"), "một\nhai\nba");
        assert_eq!(clean("k\u{200d}a"), "ka");
        // Beside one emoji only, it joins nothing: it hides between an emoji and a letter.
        assert_eq!(clean("❤\u{200d}a"), "❤a");
        assert_eq!(clean("a\u{200d}❤"), "a❤");
        let family = "👨\u{200d}👩\u{200d}👧";
        assert_eq!(clean(family), family);
    }

    #[test]
    fn long_text_is_cut() {
        let long = "á".repeat(MAX_TEXT_CHARS + 10);
        let cleaned = clean(&long);
        assert_eq!(cleaned.chars().count(), MAX_TEXT_CHARS + 1);
        assert!(cleaned.ends_with('…'));
        assert_eq!(clean_line(&long).chars().count(), MAX_LINE_CHARS + 1);
        assert_eq!(clean("ngắn"), "ngắn");
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

    #[test]
    fn names_match_by_letters_in_order_accents_ignored_prefix_first() {
        assert_eq!(fuzzy_score(&fold("vay-do.jpg"), &fold("vay")), Some(0));
        assert!(fuzzy_score(&fold("Áo khoác dạ.png"), &fold("aokhoac")).is_some());
        assert!(fuzzy_score(&fold("ao-thun.png"), &fold("thun")) > Some(0));
        assert_eq!(fuzzy_score(&fold("giay.jpg"), &fold("vay")), None);
        assert!(
            fuzzy_score(&fold("dam-xoe.jpg"), &fold("dx"))
                < fuzzy_score(&fold("dam-ngan-xoe.jpg"), &fold("dx"))
        );
    }

    #[test]
    fn lines_that_read_like_an_address_are_found() {
        let message = "Shop ơi gửi về: Số 12 ngõ 34 Nguyễn Trãi, Thanh Xuân, Hà Nội\nSđt 0912 345 678\nCảm ơn shop";
        assert_eq!(
            addresses(message),
            ["Số 12 ngõ 34 Nguyễn Trãi, Thanh Xuân, Hà Nội"]
        );
        assert_eq!(
            addresses(
                "Giao giúp mình về 45/2 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM nha shop, sđt 0912 345 678"
            ),
            ["45/2 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM"]
        );
        assert_eq!(addresses("Em ở Phường 5, Quận 3 ạ"), ["Phường 5, Quận 3"]);
        // The phone first, then the address.
        assert_eq!(
            addresses(
                "SĐT mình 0987.654.321, giao giúp mình về 45 Lê Lợi, phường Bến Nghé, Quận 1, TP.HCM nhé shop, mình cảm ơn"
            ),
            ["45 Lê Lợi, phường Bến Nghé, Quận 1, TP.HCM"]
        );
        // "Địa chỉ" said, after an order's quantity.
        assert_eq!(
            addresses("1 cái. Địa chỉ: 12 Ngõ Huế, Hai Bà Trưng, Hà Nội"),
            ["12 Ngõ Huế, Hai Bà Trưng, Hà Nội"]
        );
        assert_eq!(
            addresses("Sđt 0912345678. Địa chỉ nhận hàng: 78/3 Trần Hưng Đạo, Hải Châu, Đà Nẵng"),
            ["78/3 Trần Hưng Đạo, Hải Châu, Đà Nẵng"]
        );
        assert_eq!(
            addresses("Giao giúp mình về 12 Ngõ Huế, sđt 0912.345.678 nhé"),
            ["12 Ngõ Huế"]
        );
        assert_eq!(
            addresses("45 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM"),
            ["45 Lê Lợi, P. Bến Nghé, Q.1, TP.HCM"]
        );
        assert!(addresses("Áo này còn size M không shop?").is_empty());
        assert!(addresses("Lấy 2 cái nhé").is_empty());
        assert!(addresses("0912 345 678").is_empty());
    }

    #[test]
    fn vietnamese_phone_numbers_are_found_however_they_are_written() {
        let text = "Gọi mình 0912 345 678 hoặc 0987.654.321, Zalo +84 358 123 456; đơn 1234567890123; \
                    mã 0123456789; giá 350.000đ; 09123";
        let found: Vec<String> = phone_numbers(text).into_iter().map(|(_, n)| n).collect();
        assert_eq!(found, ["0912345678", "0987654321", "0358123456"]);
        let (range, _) = &phone_numbers("SĐT: 0912345678.")[0];
        assert_eq!(&"SĐT: 0912345678."[range.clone()], "0912345678");
    }
}
