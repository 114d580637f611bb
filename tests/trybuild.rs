//! Compile-time checks: `tests/ui/fail/` holds one program per mistake the
//! compiler must reject, each with the message it gives (`.stderr`);
//! `tests/ui/pass/` holds programs using every accepted `sel!` form, which
//! must compile and run.
//!
//! After an intentional change to a message, regenerate with
//! `TRYBUILD=overwrite cargo test --test trybuild` and review the diff.

// The expected messages are those of a build with the default features:
// rustc shortens type paths only where they are unambiguous, so with the
// backends' dependencies in the graph it prints `std::string::String` where
// the default build prints `String`. `cargo test` (default features) runs
// this suite; builds with a backend feature skip it.
#[cfg(not(any(feature = "hdf5", feature = "zarr")))]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
