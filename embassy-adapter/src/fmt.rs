//! One logging shim for the crate: `trace!` .. `warn!` go to `defmt` when the
//! `defmt` feature is on and compile to nothing otherwise (the arguments are still
//! type-checked, so a log line can't rot unnoticed). A host `cargo test` never needs a
//! defmt logger.
#![allow(unused_macros)]

macro_rules! trace {
    ($($arg:tt)*) => {{
        #[cfg(feature = "defmt")]
        ::defmt::trace!($($arg)*);
        #[cfg(not(feature = "defmt"))]
        { let _ = || { ::core::format_args!($($arg)*); }; }
    }};
}
macro_rules! debug {
    ($($arg:tt)*) => {{
        #[cfg(feature = "defmt")]
        ::defmt::debug!($($arg)*);
        #[cfg(not(feature = "defmt"))]
        { let _ = || { ::core::format_args!($($arg)*); }; }
    }};
}
macro_rules! warn {
    ($($arg:tt)*) => {{
        #[cfg(feature = "defmt")]
        ::defmt::warn!($($arg)*);
        #[cfg(not(feature = "defmt"))]
        { let _ = || { ::core::format_args!($($arg)*); }; }
    }};
}
