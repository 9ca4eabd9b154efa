//! Authentication and authorization: who is who (accounts and sessions), keys, passwords,
//! tokens, the viewer of a request, the guards that check it and the scopes that restrict what
//! it reaches.

pub mod guards;
pub mod identity;
pub mod keys;
pub mod passwords;
pub mod queries;
pub mod scope;
pub mod sessions;
pub mod tokens;
pub mod viewer;
