//! Quick replies: `/shortcut` at the start of the reply box picks a prepared text, with the
//! customer's and the page's names filled in.

use crate::config::QuickReply;
use crate::text::fold;

/// Common Vietnamese family names: a name starting with one is written family name first, so the
/// given name (what staff call the customer) is the last word.
const VIETNAMESE_FAMILY_NAMES: &[&str] = &[
    "nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do",
    "ho", "ngo", "duong", "ly", "truong", "dinh", "lam", "mai", "trinh", "dao", "cao", "ha",
    "luong", "ta", "quach", "chu", "la", "thai", "van", "tong", "kieu", "luu", "ton", "doan",
];

/// What staff call the customer: the given name.
pub fn first_name(full_name: &str) -> &str {
    let words: Vec<&str> = full_name.split_whitespace().collect();
    match words.as_slice() {
        [] => full_name,
        [only] => only,
        [first, .., last] if VIETNAMESE_FAMILY_NAMES.contains(&fold(first).as_str()) => last,
        [first, ..] => first,
    }
}

/// The text with `{first_name}`, `{name}` and `{page}` filled in.
pub fn fill(template: &str, customer_name: &str, page_name: &str) -> String {
    template
        .replace("{first_name}", first_name(customer_name))
        .replace("{name}", customer_name)
        .replace("{page}", page_name)
}

/// The letters after `/` when the reply box holds only `/letters`: a quick reply being picked.
pub fn typed_shortcut(draft: &str) -> Option<&str> {
    let rest = draft.strip_prefix('/')?;
    rest.chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        .then_some(rest)
}

/// Indexes of the quick replies whose shortcut starts with `typed` (diacritics and case
/// ignored), then those whose shortcut or text merely contains it.
pub fn matching(replies: &[QuickReply], typed: &str) -> Vec<usize> {
    let typed = fold(typed);
    let mut starts: Vec<usize> = Vec::new();
    let mut contains: Vec<usize> = Vec::new();
    for (index, reply) in replies.iter().enumerate() {
        let shortcut = fold(&reply.shortcut);
        if shortcut.starts_with(&typed) {
            starts.push(index);
        } else if !typed.is_empty()
            && (shortcut.contains(&typed) || fold(&reply.text).contains(&typed))
        {
            contains.push(index);
        }
    }
    starts.extend(contains);
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(shortcut: &str, text: &str) -> QuickReply {
        QuickReply {
            shortcut: shortcut.into(),
            text: text.into(),
        }
    }

    #[test]
    fn vietnamese_and_western_names_give_the_given_name() {
        assert_eq!(first_name("Nguyễn Thị Lan"), "Lan");
        assert_eq!(first_name("Đặng Ngọc Ánh"), "Ánh");
        assert_eq!(first_name("Lan Nguyen"), "Lan");
        assert_eq!(first_name("Minh"), "Minh");
    }

    #[test]
    fn variables_are_filled() {
        let text = fill(
            "Dạ {page} chào {first_name} ({name})",
            "Trần Văn Minh",
            "Mai Anh",
        );
        assert_eq!(text, "Dạ Mai Anh chào Minh (Trần Văn Minh)");
    }

    #[test]
    fn the_picker_opens_on_a_slash_and_filters_by_shortcut() {
        assert_eq!(typed_shortcut("/gi"), Some("gi"));
        assert_eq!(typed_shortcut("/"), Some(""));
        assert_eq!(typed_shortcut("/gi a"), None);
        assert_eq!(typed_shortcut("gia"), None);
        let replies = [
            reply("chao", "Xin chào"),
            reply("gia", "Giá"),
            reply("ship", "Giao hàng"),
        ];
        assert_eq!(matching(&replies, "g"), vec![1, 2]);
        assert_eq!(matching(&replies, ""), vec![0, 1, 2]);
        assert!(matching(&replies, "zz").is_empty());
    }
}
