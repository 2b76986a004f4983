//! The commit pagedesk is built from, for `pagedesk --version`: git's short hash, `+` when the
//! work tree had changes; "unknown" outside a git checkout (a crate tarball).

use std::process::Command;

fn main() {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let commit = match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(hash) => {
            let changed = git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|status| !status.is_empty());
            format!("{hash}{}", if changed { "+" } else { "" })
        }
        None => "unknown".to_owned(),
    };
    println!("cargo:rustc-env=PAGEDESK_COMMIT={commit}");
    // Again when HEAD moves or the index changes.
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/index");
}
