"""Dashboard tests: pure, AppTest and real-browser (marker `browser`)."""
