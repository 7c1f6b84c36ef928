"""Privacy: forgetting a person."""
