//! `lastmile people add`: adds a coordinator or desk to a street office in
//! the service's database and prints their one-time sign-in link for the
//! console (the first coordinator of an office is made this way; later ones
//! on the console's people page).

use std::path::PathBuf;

use anyhow::Context;
use api::store::PersonRole;
use api::Store;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// Add a person and print their sign-in link (works once, within 24 h).
    Add {
        /// The service's database (the one `lastmile serve --db` uses).
        #[arg(long, default_value = "lastmile.db")]
        db: PathBuf,
        /// The street office's id (as in the access file and the plans).
        #[arg(long)]
        office: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["coordinator", "desk"], default_value = "coordinator")]
        role: String,
        /// The address the service is reached at, for the printed link.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
    },
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.what {
        What::Add {
            db,
            office,
            name,
            role,
            url,
        } => {
            let role = PersonRole::parse(&role).context("role is coordinator or desk")?;
            let name = name.trim();
            anyhow::ensure!(!name.is_empty(), "--name is empty");
            anyhow::ensure!(!office.trim().is_empty(), "--office is empty");
            let store = Store::open(&db).with_context(|| format!("opening {}", db.display()))?;
            let path = signin_link(&store, office.trim(), name, role)?;
            println!("{}{path}", url.trim_end_matches('/'));
            Ok(())
        }
    }
}

/// Adds `name` to `office` and returns their sign-in path (`/signin/<code>`).
pub fn signin_link(
    store: &Store,
    office: &str,
    name: &str,
    role: PersonRole,
) -> anyhow::Result<String> {
    let id = store.add_person(office, name, role)?;
    Ok(api::console::session::new_signin_path(store, id)?)
}
