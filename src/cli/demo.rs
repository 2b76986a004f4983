//! The emulator as a command, and the demo: the emulator's Vietnamese shop pages synced through
//! the same engine and HTTP client as production, into a throwaway data directory.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use super::{build_engine, conversations, open_store, report};
use crate::config::{Config, PageConfig};
use crate::emulator::{Emulator, Scenario};
use crate::graph::AccessToken;
use crate::store::Filter;

pub async fn serve_emulator(listen: SocketAddr, scenario: &str, public: bool) -> Result<ExitCode> {
    let scenario = Scenario::named(scenario).map_err(anyhow::Error::msg)?;
    let emulator = Emulator::start(scenario, listen, public).await?;
    println!("Graph API emulator at {}", emulator.url);
    println!(
        "Control API at {}{}",
        emulator.url,
        crate::emulator::CONTROL_PREFIX
    );
    println!("User token: {}", emulator.user_token());
    for (id, name, token) in emulator.pages() {
        println!("Page {id}  {name}  token {token}");
    }
    println!(
        "[graph] base_url = \"{}\" in the config points pagedesk at it. Ctrl-C stops it.",
        emulator.url
    );
    tokio::signal::ctrl_c().await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn run(data_dir: Option<PathBuf>) -> Result<ExitCode> {
    let scenario = Scenario::named("demo").map_err(anyhow::Error::msg)?;
    let emulator = Emulator::start(scenario, "127.0.0.1:0".parse()?, false).await?;
    let throwaway = match data_dir {
        Some(_) => None,
        None => Some(tempfile::tempdir()?),
    };
    let data_dir =
        data_dir.unwrap_or_else(|| throwaway.as_ref().expect("made above").path().to_owned());
    let mut config = Config::parse("").map_err(anyhow::Error::msg)?;
    config.graph.base_url = emulator.url.clone();
    config.pages = emulator
        .pages()
        .into_iter()
        .map(|(id, _, token)| PageConfig::new(&id, None, AccessToken::new(&token)))
        .collect();
    let store = open_store(&data_dir)?;
    {
        // Spam sync on for the first page, off for the second: both cases are on show.
        let mut store = store.lock().expect("store");
        for (index, page) in config.pages.iter().enumerate() {
            store.set_spam_sync(&page.id, index == 0)?;
        }
    }
    println!(
        "Demo: Graph API emulator at {}, data in {}",
        emulator.url,
        data_dir.display()
    );
    let engine = build_engine(&config, store.clone())?;
    report(&engine.cycle(crate::sync::ReplyTiming::Due).await, false);
    println!();
    let store = store.lock().expect("store");
    conversations(&store, None, Filter::All, false)?;
    for page in &config.pages {
        for waiting in store.waiting_spam(&page.id)? {
            println!(
                "Waiting in Spam: {} (appears at {}, 5 minutes after the buyer's last message)",
                waiting.customer_name,
                super::output::local_time(waiting.due_time)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
