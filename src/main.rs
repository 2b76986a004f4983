use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = pagedesk::cli::Cli::parse();
    match pagedesk::cli::run(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("pagedesk: {error:#}");
            ExitCode::FAILURE
        }
    }
}
