pub mod clock;
pub mod persist;
pub mod world;
