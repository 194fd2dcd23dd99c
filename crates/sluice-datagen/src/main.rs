//! `sluice-datagen`: writes the deterministic retail sample dataset (customers,
//! products, orders, clickstream) into a directory. See the library docs for the
//! files, their columns and the deliberate dirt.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use sluice_datagen::{generate, Config};

/// Generate a deterministic, realistic retail dataset (same seed, same bytes).
#[derive(Parser, Debug)]
#[command(name = "sluice-datagen", version)]
struct Args {
    /// Output directory (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Random seed.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Number of customers [default: max(5000, orders / 20)].
    #[arg(long)]
    customers: Option<usize>,
    /// Number of distinct orders (duplicated rows come on top).
    #[arg(long, default_value_t = 100_000)]
    orders: u64,
    /// Number of products.
    #[arg(long, default_value_t = 300)]
    products: usize,
    /// Number of clickstream events.
    #[arg(long, default_value_t = 25_000)]
    events: u64,
    /// Inject data-quality problems into the orders (for testing checks).
    #[arg(long)]
    problems: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = Config {
        out: args.out,
        seed: args.seed,
        customers: args
            .customers
            .unwrap_or_else(|| Config::default_customers(args.orders)),
        orders: args.orders,
        products: args.products,
        events: args.events,
        problems: args.problems,
    };
    match generate(&config) {
        Ok(summary) => {
            print!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sluice-datagen: {e}");
            ExitCode::FAILURE
        }
    }
}
