//! World files: `world::parse` (a world file as the user writes it) and
//! `world::parse_saved` (the state file the server writes to its data dir), on the same
//! text. Neither reads the files a world names (signing keys, JWKS files). A world that
//! parses must survive the server's save-and-reload unchanged.
#![no_main]

use std::path::Path;

use irsa_local::world;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(parsed) = world::parse("fuzz.json", text, Path::new("/fuzz")) {
        // What the server does with a loaded world: it saves it in the data dir, and must
        // read the same world back on its next start.
        let saved = world::saved_json(&parsed, "base", |_| false).expect("a world serializes");
        let saved = String::from_utf8(saved).expect("JSON is UTF-8");
        let (reloaded, base) = match world::parse_saved("state.json", &saved) {
            Ok(reloaded) => reloaded,
            Err(err) => panic!("a saved world does not load back: {err}\n{saved}"),
        };
        assert_eq!(base, "base");
        assert_eq!(
            world::fingerprint(&reloaded),
            world::fingerprint(&parsed),
            "the world changed on its way through the state file"
        );
    }
    let _ = world::parse_saved("state.json", text);
});
