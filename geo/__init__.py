"""Pure spatial helpers for Buurtkracht: reading geodata, CRS handling, point-in-area and distances."""
