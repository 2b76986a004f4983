//! `[orders] on_confirm`: the shop's command, run by the engine for each order confirmed by a
//! pagedesk that has it, with the order as JSON on its standard input. Claimed in the
//! database before it starts, so that it runs once whatever the number of pagedesks; one
//! that fails, or whose engine died while it ran, waits for staff to run it again.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use super::Engine;

/// How long the command may take before it is stopped and counted as failed.
const HOOK_TIME: Duration = Duration::from_secs(60);

/// How much of what the command said on its standard error is kept with its failure.
const HOOK_WORDS: usize = 300;

impl Engine {
    /// Runs the `on_confirm` command of every order due, one after another.
    pub(super) async fn run_order_hooks(&self) {
        let Some(command) = self.order_hook() else {
            return;
        };
        loop {
            let claimed = match self.db(|s| s.claim_order_hook()).await {
                Ok(Some(order)) => order,
                Ok(None) => return,
                Err(error) => {
                    tracing::warn!(error = %error, "cannot claim an order's on_confirm");
                    return;
                }
            };
            let id = claimed.id;
            let outcome = run(&command, &claimed).await;
            if let Err(why) = &outcome {
                tracing::warn!(order = id, error = %why, "an order's on_confirm failed");
            }
            if let Err(error) = self.db(move |s| s.order_hook_ran(id, outcome)).await {
                tracing::warn!(order = id, error = %error, "cannot keep how on_confirm went");
                return;
            }
        }
    }
}

/// `command` through the shell, `order` as JSON on its standard input: done when it exits 0.
async fn run(command: &str, order: &crate::store::orders::Order) -> Result<(), String> {
    let json = serde_json::to_vec(order).map_err(|e| e.to_string())?;
    let mut child = tokio::process::Command::new("sh")
        .args(["-c", command])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start it: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is its own business.
        let _ = stdin.write_all(&json).await;
    }
    let output = match tokio::time::timeout(HOOK_TIME, child.wait_with_output()).await {
        Ok(output) => output.map_err(|e| e.to_string())?,
        Err(_) => {
            return Err(format!(
                "still running after {} s: stopped",
                HOOK_TIME.as_secs()
            ));
        }
    };
    if output.status.success() {
        return Ok(());
    }
    let said = crate::text::clean_line(&String::from_utf8_lossy(&output.stderr));
    let said: String = said.chars().take(HOOK_WORDS).collect();
    Err(match output.status.code() {
        Some(code) => format!("exit {code}: {}", said.trim()),
        None => format!("killed: {}", said.trim()),
    })
}
