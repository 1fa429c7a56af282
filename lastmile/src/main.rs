//! `lastmile`: the product binary. Each subcommand lives in its own module under
//! `commands/`; this file only parses the command line and dispatches.
//! Errors are reported as one line on stderr with a non-zero exit (anyhow at the edge).

use clap::{Parser, Subcommand};

mod commands;

#[derive(Parser)]
#[command(
    name = "lastmile",
    version,
    about = "Relief-delivery route planning for street offices"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    // Subcommands are added here, one variant per module in `commands/`.
    /// Run the day-plan HTTP service.
    Serve(commands::serve::Args),
    /// Plan a made-up day (or one on a real extract) and write the route sheets to a folder.
    Demo(commands::demo::Args),
    /// Import an OSM extract (.osm.pbf) into prepared road graphs for walk, bike and car.
    Prepare(commands::prepare::Args),
    /// Travel times and distances between points on a prepared graph, as JSON.
    Matrix(commands::matrix::Args),
    /// Solve a Solomon or VRPLIB benchmark instance and print it in CVRPLIB .sol format.
    SolveInstance(commands::solve_instance::Args),
    /// The street office's people: `people add` prints a sign-in link for the console.
    People(commands::people::Args),
    /// Find residential compounds and their gates in an OSM extract, in the day's format.
    Compounds(commands::compounds::Args),
}

fn main() {
    let cli = Cli::parse();
    let result: anyhow::Result<()> = match cli.command {
        Command::Serve(args) => commands::serve::run(args),
        Command::Demo(args) => commands::demo::run(args),
        Command::Prepare(args) => commands::prepare::run(args),
        Command::Matrix(args) => commands::matrix::run(args),
        Command::SolveInstance(args) => commands::solve_instance::run(args),
        Command::Compounds(args) => commands::compounds::run(args),
        Command::People(args) => commands::people::run(args),
    };
    if let Err(err) = result {
        // One line, the whole context chain, no backtrace and no panic.
        eprintln!("error: {err:#}");
        std::process::exit(1);
    }
}
