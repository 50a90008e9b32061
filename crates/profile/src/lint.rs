//! Lint: findings about a profile (being written).
