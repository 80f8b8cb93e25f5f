//! Batches: placeholder replaced below.
