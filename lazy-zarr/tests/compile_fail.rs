//! What must not compile: writing to an array opened read-only
//! (`tests/ui/`, one program per mistake with the message it gives).
//!
//! After an intentional change to a message, regenerate with
//! `TRYBUILD=overwrite cargo test -p lazy-zarr --test compile_fail` and
//! review the diff.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
