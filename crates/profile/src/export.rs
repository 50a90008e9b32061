//! Export to other formats (being written).
