//! One file per S3 operation: each takes typed, already-valid input, works on the
//! [`S3Store`](super::S3Store) and renders S3's response (typed XML bodies, headers).

pub mod copy_object;
pub mod create_bucket;
pub mod delete_bucket;
pub mod delete_object;
pub mod delete_objects;
pub mod get_bucket_location;
pub mod get_object;
pub mod head_bucket;
pub mod head_object;
pub mod list_buckets;
pub mod list_objects;
pub mod list_objects_v2;
pub mod multipart;
pub mod put_object;

mod listing;
mod object_read;
mod range;
