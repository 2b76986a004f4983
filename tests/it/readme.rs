//! The README tells newcomers the keys: its table must be the keymap pagedesk ships with.

use pagedesk::i18n::{Lang, Tr};
use pagedesk::keymap::{Keymap, Mode};
use strum::IntoEnumIterator;

const START: &str = "<!-- keys: the keymap's defaults; tests/it/readme.rs checks this table -->";
const END: &str = "<!-- /keys -->";

fn table(keymap: &Keymap) -> String {
    let tr = Tr(Lang::En);
    let mut lines = vec![
        "| where | keys | does |".to_owned(),
        "| --- | --- | --- |".to_owned(),
    ];
    for mode in Mode::iter() {
        let name: &str = mode.into();
        for (_, action, keys) in keymap.bindings().filter(|b| b.0 == mode) {
            let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
            let does = tr.t(action.describe());
            let action: &str = action.into();
            lines.push(format!(
                "| {name} | {} | {does} (`{action}`) |",
                keys.join(" ")
            ));
        }
    }
    lines.join("\n")
}

#[test]
fn the_readme_lists_every_default_key_as_the_inbox_binds_it() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find(START).expect("the README marks its key table") + START.len();
    let end = readme[start..].find(END).expect("the key table ends") + start;
    let expected = table(&Keymap::default());
    assert_eq!(
        readme[start..end].trim(),
        expected,
        "the README's key table differs from the keymap; it should read:\n{expected}"
    );
}
