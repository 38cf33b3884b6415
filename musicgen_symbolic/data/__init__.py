"""Training data: sources, captions and the dataset builder."""
