"""Files -> pages: walk the inputs, sniff formats, rasterise images and PDFs."""
