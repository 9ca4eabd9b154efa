//! Authentication: the server's signing keys (accounts, tokens and guards join them here).

pub mod keys;
