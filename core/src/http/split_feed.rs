//! Test support: run a parser over an input delivered in pieces and check that the
//! outcome never depends on where the input was split.

extern crate std;
use core::fmt::Debug;

/// `run` feeds the pieces it is given, in order, to a fresh parser and returns the
/// outcome. Checks that splitting `input` in two at every byte boundary, and
/// delivering it one byte at a time, gives the same outcome as delivering it whole.
pub(crate) fn check_all_splits<T: PartialEq + Debug>(input: &[u8], mut run: impl FnMut(&[&[u8]]) -> T) {
    let whole = run(&[input]);
    for i in 0..=input.len() {
        let (a, b) = input.split_at(i);
        assert_eq!(run(&[a, b]), whole, "input split at byte {i} of {}", input.len());
    }
    let bytes: std::vec::Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(run(&bytes), whole, "input fed one byte at a time");
}
