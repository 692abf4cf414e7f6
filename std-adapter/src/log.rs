//! One logging shim: `ws_debug!` and `ws_warn!` go to `tracing` with the `tracing`
//! feature and compile to nothing otherwise (the arguments are still type-checked).
#![allow(unused_macros)]

macro_rules! ws_debug {
    ($($arg:tt)*) => {{
        #[cfg(feature = "tracing")]
        ::tracing::debug!($($arg)*);
    }};
}

macro_rules! ws_warn {
    ($($arg:tt)*) => {{
        #[cfg(feature = "tracing")]
        ::tracing::warn!($($arg)*);
    }};
}
