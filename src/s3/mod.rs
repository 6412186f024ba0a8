//! A small S3 (being written).
