//! Procedural macros of lazy-datasets (`sel!` lands here).
