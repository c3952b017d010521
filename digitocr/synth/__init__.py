"""Generated documents with exact ground truth: procedural handwriting, layouts, scan effects."""
