//! Replays every input the fuzz targets once failed on (`fuzz/regressions/TARGET/`) and the
//! fuzz seeds' fixtures through the same code the targets run (`fuzz/targets.rs`): a panic
//! fixed stays fixed without cargo-fuzz.

#[path = "../fuzz/targets.rs"]
mod targets;

/// Panics anywhere in the process, counted: some readers work on threads (the basemap
/// pack decodes its layers in parallel), whose panics `catch_unwind` here would not see, but
/// which abort a fuzz run.
static PANICS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn count_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            default(info);
        }));
    });
}

#[test]
fn every_kept_fuzz_input_reads_without_a_panic() {
    count_panics();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for (name, run) in targets::TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(name)) else { continue };
        for entry in entries {
            let path = entry.expect("the directory lists").path();
            let bytes = std::fs::read(&path).expect("the input reads");
            let before = PANICS.load(std::sync::atomic::Ordering::SeqCst);
            let outcome = std::panic::catch_unwind(|| run(&bytes));
            let after = PANICS.load(std::sync::atomic::Ordering::SeqCst);
            assert!(outcome.is_ok() && after == before, "{name}: {} panics again", path.display());
            replayed += 1;
        }
    }
    eprintln!("replayed {replayed} kept fuzz inputs");
}

#[test]
fn the_targets_accept_the_fixtures() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    // Every reader meets every other format's fixture too: none may panic on it.
    for entry in std::fs::read_dir(&data).expect("the fixtures list") {
        let bytes = std::fs::read(entry.expect("listed").path()).expect("the fixture reads");
        for (_, run) in targets::TARGETS {
            run(&bytes);
        }
    }
}
