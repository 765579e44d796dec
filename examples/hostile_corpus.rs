//! Writes the hostile corpus of issue 12 (`tests/hostile/corpus.rs`) to a
//! directory, one `NAME.eml` per input, for measuring the agents by hand:
//!
//! ```sh
//! cargo run --release --example hostile_corpus -- /tmp/hostile
//! /usr/bin/time -v target/release/imip_resource -S /tmp/s.db -d -o room@example.com < /tmp/hostile/exdates.eml
//! ```

#[path = "../tests/hostile/corpus.rs"]
mod corpus;

fn main() -> std::io::Result<()> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "hostile".into());
    std::fs::create_dir_all(&dir)?;
    for input in corpus::all() {
        let path = std::path::Path::new(&dir).join(format!("{}.eml", input.name));
        std::fs::write(&path, &input.message)?;
        println!("{} ({} bytes): {}", path.display(), input.message.len(), input.what);
    }
    Ok(())
}
