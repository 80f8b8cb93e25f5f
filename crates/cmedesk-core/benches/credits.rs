//! Criterion benches for the credits engine (placeholder replaced below).
fn main() {}
