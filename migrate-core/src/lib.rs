//! Revision ids and revision-graph checks shared by compile time and run time.
