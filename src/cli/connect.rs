//! `pagedesk connect`: connecting real Pages in one command. A user access token comes in on
//! standard input (never as an argument: every user of the server can read argv), is exchanged
//! for a long-lived one when the config has the app's id and secret, and the pages it manages
//! with the MESSAGING task are written into the config with their page tokens, comments and
//! other entries kept.

use super::output::out;
use std::io::{BufRead, IsTerminal, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::config::{Config, GraphSettings};
use crate::graph::{AccessToken, GraphError, ManagedPage};
use crate::i18n::{Lang, S, Tr};

/// The task a user needs on a page to read and send its messages.
const MESSAGING_TASK: &str = "MESSAGING";

/// `data_dir`: where the pages' settings are kept, if known (to say which sync their Spam).
pub async fn run(config_path: &Path, data_dir: Option<&Path>, only: &[String]) -> Result<ExitCode> {
    let existing = if config_path.exists() {
        Some(Config::load(config_path)?)
    } else {
        None
    };
    let settings = existing
        .as_ref()
        .map_or_else(GraphSettings::default, |c| c.graph.clone());
    let tr = Tr(Lang::choose(existing.as_ref().and_then(|c| c.language)));
    let user_token = read_user_token(tr)?;
    let graph = settings.client()?;
    let user_token = match (&settings.app_id, settings.app_secret()?) {
        (Some(app_id), Some(secret)) => {
            // A Page token pasted by mistake: said as such, not as a refused user token.
            if let Ok(info) = graph.debug_token(app_id, &secret, &user_token).await
                && info.kind.as_deref() == Some("PAGE")
            {
                bail!(tr.t(S::ConnectPageToken));
            }
            let long_lived = graph
                .exchange_user_token(app_id, &secret, &user_token)
                .await
                .map_err(|e| refused_user_token(tr, e))?;
            out!("{}", tr.t(S::ConnectExchanged));
            long_lived
        }
        _ => {
            eprintln!("{}", tr.t(S::ConnectNoApp));
            user_token
        }
    };
    let managed = graph
        .managed_pages(&user_token)
        .await
        .map_err(|e| refused_user_token(tr, e))?;
    let mut connected = Vec::new();
    for page in managed
        .into_iter()
        .filter(|p| only.is_empty() || only.contains(&p.id))
    {
        let name = crate::text::clean_line(page.name.as_deref().unwrap_or(&page.id));
        match usable_token(&page) {
            Some(token) => connected.push((page.id.clone(), name, token)),
            None => out!(
                "{}",
                tr.f(S::ConnectSkipped, &[&format!("{name} ({})", page.id)])
            ),
        }
    }
    let missing: Vec<&String> = only
        .iter()
        .filter(|id| !connected.iter().any(|(found, _, _)| found == *id))
        .collect();
    for id in &missing {
        eprintln!("{}", tr.f(S::ConnectNotAmong, &[&id.as_str()]));
    }
    if connected.is_empty() {
        eprintln!("{}", tr.t(S::ConnectNone));
        return Ok(ExitCode::FAILURE);
    }
    write_pages(config_path, &connected)?;
    let store = data_dir
        .filter(|dir| dir.join(crate::store::DATABASE_FILE).exists())
        .and_then(|dir| crate::store::Store::open(dir).ok());
    for (id, name, _) in &connected {
        let page = format!("{name} ({id})");
        let path = config_path.display().to_string();
        out!("{}", tr.f(S::ConnectConnected, &[&page, &path]));
        // Spam sync is what pagedesk is for, and it starts off: said where staff look first.
        let spam_on = store
            .as_ref()
            .is_some_and(|s| s.spam_sync(&id.into()).unwrap_or(false));
        if !spam_on {
            out!("{}", tr.f(S::ConnectSpamOff, &[&page, id]));
        }
    }
    Ok(if missing.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The page token, when the user may message for the page.
fn usable_token(page: &ManagedPage) -> Option<AccessToken> {
    let messaging = page.tasks.iter().any(|t| t == MESSAGING_TASK);
    page.access_token.clone().filter(|_| messaging)
}

fn refused_user_token(tr: Tr, error: GraphError) -> anyhow::Error {
    match error {
        GraphError::Auth { .. } => anyhow::anyhow!(tr.t(S::ConnectRefused)),
        // `/me/accounts` asked with a Page token: a page has no such edge.
        GraphError::Invalid {
            code: 100, message, ..
        } if message.contains("node type (Page)") => {
            anyhow::anyhow!(tr.t(S::ConnectPageToken))
        }
        other => other.into(),
    }
}

/// One line from standard input; on a terminal, after saying what to paste.
fn read_user_token(tr: Tr) -> Result<AccessToken> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("{}", tr.t(S::ConnectPaste));
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("cannot read the user access token from standard input")?;
    let token = line.trim();
    if token.is_empty() {
        bail!(tr.t(S::ConnectNoToken));
    }
    Ok(AccessToken::new(token))
}

/// Puts each page in the config file: an existing `[[pages]]` entry gets the new token (in
/// place of a token variable), a new page gets an entry; everything else in the file, comments
/// included, stays. The result is checked as a config before it replaces the file, which is
/// created owner-only.
fn write_pages(path: &Path, pages: &[(String, String, AccessToken)]) -> Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut document: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", path.display()))?;
    let entries = document
        .entry("pages")
        .or_insert_with(|| toml_edit::Item::ArrayOfTables(toml_edit::ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .with_context(|| format!("{}: `pages` is not a list of [[pages]]", path.display()))?;
    for (id, name, token) in pages {
        let existing = entries
            .iter_mut()
            .find(|entry| entry.get("id").and_then(|v| v.as_str()) == Some(id.as_str()));
        match existing {
            Some(entry) => {
                entry.remove("access_token_env");
                entry["access_token"] = toml_edit::value(token.expose());
                if !entry.contains_key("name") {
                    entry["name"] = toml_edit::value(name.as_str());
                }
            }
            None => {
                let mut entry = toml_edit::Table::new();
                entry["id"] = toml_edit::value(id.as_str());
                entry["name"] = toml_edit::value(name.as_str());
                entry["access_token"] = toml_edit::value(token.expose());
                entries.push(entry);
            }
        }
    }
    let text = document.to_string();
    Config::parse(&text).map_err(|e| anyhow::anyhow!("the config would not be valid: {e}"))?;
    replace_privately(path, &text)
}

/// Writes `text` to a new owner-only file beside `path`, then renames it over `path`: a crash
/// leaves the old config or the new one, never half of one.
fn replace_privately(path: &Path, text: &str) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let staging = dir.join(format!(
        ".{}.pagedesk-{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("config"),
        std::process::id()
    ));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&staging)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&staging, path)
    })();
    if let Err(error) = written {
        let _ = std::fs::remove_file(&staging);
        return Err(error).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_new_config_is_created_owner_only_and_an_old_one_keeps_its_comments() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pagedesk").join("config.toml");
        let page =
            |id: &str, token: &str| (id.to_owned(), format!("Shop {id}"), AccessToken::new(token));
        write_pages(&path, &[page("1", "EAA-one")]).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let config = Config::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(config.pages[0].token().unwrap().expose(), "EAA-one");

        std::fs::write(
            &path,
            "# our shop\nlanguage = \"vi\"\n\n[[pages]]\nid = \"1\"\nname = \"Mai Anh\" # the old name\naccess_token_env = \"OLD\"\n",
        )
        .unwrap();
        write_pages(&path, &[page("1", "EAA-new"), page("2", "EAA-two")]).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("# our shop") && text.contains("# the old name"),
            "{text}"
        );
        let config = Config::parse(&text).unwrap();
        assert_eq!(config.language, Some(crate::i18n::Lang::Vi));
        assert_eq!(config.pages.len(), 2);
        assert_eq!(config.pages[0].name.as_deref(), Some("Mai Anh"));
        assert_eq!(config.pages[0].token().unwrap().expose(), "EAA-new");
        assert_eq!(config.pages[1].token().unwrap().expose(), "EAA-two");
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1,
            "no staging file left"
        );
    }
}
