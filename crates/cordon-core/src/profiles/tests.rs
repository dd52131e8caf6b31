//! Profile validation and the profiles file.
