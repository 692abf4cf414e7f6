//! URL parsing for `ws://`, `wss://`, `http://`, `https://`. Being written.
