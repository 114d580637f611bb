//! Compile-time checks: `tests/ui/fail/` holds one program per mistake the
//! compiler must reject, each with the message it gives (`.stderr`);
//! `tests/ui/pass/` holds programs using every accepted `sel!` form, which
//! must compile and run.
//!
//! After an intentional change to a message, regenerate with
//! `TRYBUILD=overwrite cargo test --test trybuild` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
