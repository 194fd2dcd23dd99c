//! `sluice-bridge [--addr 127.0.0.1:8737] [--ui ui/dist]`: serve the UI and the app's commands
//! over HTTP on loopback, for running the designer in a browser and for end-to-end tests.
//! It prints the page's URL, with the token of this start; only that page can use the commands.

const USAGE: &str = "usage: sluice-bridge [--addr 127.0.0.1:PORT] [--ui DIR] (PORT 0: any free port)";

fn main() {
    let mut addr = "127.0.0.1:8737".to_string();
    let mut ui = std::path::PathBuf::from("ui/dist");
    let mut args = std::env::args().skip(1);
    let value = |name: &str, v: Option<String>| {
        v.unwrap_or_else(|| {
            eprintln!("{name} needs a value; {USAGE}");
            std::process::exit(2);
        })
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--addr" => addr = value("--addr", args.next()),
            "--ui" => ui = value("--ui", args.next()).into(),
            other => {
                eprintln!("unknown argument '{other}'; {USAGE}");
                std::process::exit(2);
            }
        }
    }
    let shown = ui.display().to_string();
    let bridge = match sluice_api::bridge::Bridge::bind(&addr, ui) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error[{}]: {}", e.code, e.message);
            // An address that is not loopback is a bad command line; the rest is the machine's.
            std::process::exit(if e.code == "A070" { 2 } else { 1 });
        }
    };
    // One line on stdout with the URL, for people and for scripts that start the bridge.
    println!("sluice-bridge: {} (ui from {shown})", bridge.url());
    eprintln!("sluice-bridge: open that URL; the token in it changes at every start and nothing else can use the commands");
    if let Err(e) = bridge.serve() {
        eprintln!("error[{}]: {}", e.code, e.message);
        std::process::exit(1);
    }
}
