use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    // A file size limit (or a full quota) must fail the write, which SQLite rolls back and
    // pagedesk reports, rather than kill the process mid-write.
    #[cfg(unix)]
    // SAFETY: setting a signal to be ignored, before any other thread could be handling it.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let cli = pagedesk::cli::Cli::parse();
    let lang = cli.language();
    match pagedesk::cli::run(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("pagedesk: {}", pagedesk::cli::error_words(lang, &error));
            ExitCode::FAILURE
        }
    }
}
