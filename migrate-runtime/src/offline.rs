//! Offline SQL.
