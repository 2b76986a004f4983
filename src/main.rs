use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A file size limit (or a full quota) must fail the write, which SQLite rolls back and
    // pagedesk reports, rather than kill the process mid-write.
    #[cfg(unix)]
    // SAFETY: setting a signal to be ignored, before any other thread could be handling it.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts");
    let code = runtime.block_on(run());
    // A call still waiting on a database that does not answer (a frozen server) must not keep
    // a stopped pagedesk alive: what is left after a moment is abandoned.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    code
}

async fn run() -> ExitCode {
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
