//! `sluice-bridge [--addr 127.0.0.1:8737] [--ui ui/dist]`: serve the UI and the app's commands
//! over HTTP on loopback, for running the designer in a browser and for end-to-end tests.

fn main() {
    let mut addr = "127.0.0.1:8737".to_string();
    let mut ui = std::path::PathBuf::from("ui/dist");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--addr" => addr = args.next().expect("--addr needs a value"),
            "--ui" => ui = args.next().expect("--ui needs a value").into(),
            other => {
                eprintln!("unknown argument '{other}'; usage: sluice-bridge [--addr HOST:PORT] [--ui DIR]");
                std::process::exit(2);
            }
        }
    }
    eprintln!("sluice-bridge: http://{addr}/ (ui from {})", ui.display());
    if let Err(e) = sluice_api::bridge::serve(&addr, ui) {
        eprintln!("error[{}]: {}", e.code, e.message);
        std::process::exit(1);
    }
}
