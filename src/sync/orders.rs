//! `[orders] on_confirm`: the shop's command, run by the engine for each order confirmed by a
//! pagedesk that has it, with the order as JSON on its standard input. Claimed in the
//! database before it starts, so that it runs once whatever the number of pagedesks; one
//! that fails, or whose engine died while it ran, waits for staff to run it again. The
//! commands run on a task of their own: a slow one holds up no sync.

use std::process::Stdio;
use std::sync::Arc;

use tokio::io::AsyncWriteExt;

use super::Engine;
use crate::config::OrderHook;

/// How much of what the command said on its standard error is kept with its failure.
const HOOK_WORDS: usize = 300;

impl Engine {
    /// Starts running the `on_confirm` command of every order due, one after another, on a
    /// task of its own; nothing when one runs already.
    pub(super) fn start_order_hooks(self: &Arc<Self>) {
        if self.order_hook().is_none() {
            return;
        }
        let mut runner = self
            .hook_runner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if runner.as_ref().is_some_and(|task| !task.is_finished()) {
            return;
        }
        let engine = self.clone();
        *runner = Some(tokio::spawn(async move { engine.run_order_hooks().await }));
    }

    /// Waits for the `on_confirm` commands started to finish: before `sync --once` exits.
    pub async fn order_hooks_finished(&self) {
        let task = self
            .hook_runner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }

    async fn run_order_hooks(&self) {
        loop {
            // Read each time: a config changed meanwhile counts from the next order on.
            let Some(hook) = self.order_hook() else {
                return;
            };
            let deadline = chrono::Utc::now()
                + chrono::Duration::from_std(hook.timeout).unwrap_or(chrono::Duration::MAX);
            let claimed = match self.db(move |s| s.claim_order_hook(deadline)).await {
                Ok(Some(order)) => order,
                Ok(None) => return,
                Err(error) => {
                    tracing::warn!(error = %error, "cannot claim an order's on_confirm");
                    return;
                }
            };
            let id = claimed.id;
            let outcome = run(&hook, &claimed).await;
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

/// `hook`'s command through the shell, `order` as JSON on its standard input: done when it
/// exits 0. It runs in a process group of its own, stopped whole when it takes too long; the
/// config's secrets are neither in its environment nor in what is kept of its words.
async fn run(hook: &OrderHook, order: &crate::store::orders::Order) -> Result<(), String> {
    let json = serde_json::to_vec(order).map_err(|e| e.to_string())?;
    let mut command = tokio::process::Command::new("sh");
    command
        .args(["-c", &hook.command])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    for name in &hook.hidden_env {
        command.env_remove(name);
    }
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start it: {e}"))?;
    let group = child.id();
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is its own business.
        let _ = stdin.write_all(&json).await;
    }
    let output = match tokio::time::timeout(hook.timeout, child.wait_with_output()).await {
        Ok(output) => output.map_err(|e| e.to_string())?,
        Err(_) => {
            // The shell and everything it started: a `sleep` left behind would run on.
            if let Some(group) = group.and_then(|pid| i32::try_from(pid).ok()) {
                // SAFETY: kill(2) on a process group this engine made; no memory is touched.
                unsafe { libc::kill(-group, libc::SIGKILL) };
            }
            return Err(format!(
                "still running after {} s: stopped",
                hook.timeout.as_secs()
            ));
        }
    };
    if output.status.success() {
        return Ok(());
    }
    let mut said = crate::text::clean_line(&String::from_utf8_lossy(&output.stderr));
    for secret in &hook.secrets {
        said = crate::graph::redact_secret(&said, secret);
    }
    let said: String = said.chars().take(HOOK_WORDS).collect();
    Err(match output.status.code() {
        Some(code) => format!("exit {code}: {}", said.trim()),
        None => format!("killed: {}", said.trim()),
    })
}
