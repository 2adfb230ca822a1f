"""profile views."""
