"""users views."""
