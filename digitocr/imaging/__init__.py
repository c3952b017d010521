"""Page-level image operations: polarity, contrast, binarisation, speckles, deskew."""
