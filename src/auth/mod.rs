//! Authentication and authorization: keys, passwords, tokens, the viewer of a request and the
//! guards that check it.

pub mod guards;
pub mod keys;
pub mod passwords;
pub mod tokens;
pub mod viewer;
