//! trybuild cases live in `tests/` and `ui/`.
