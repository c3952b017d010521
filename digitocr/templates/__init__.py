"""Templates: YAML -> validated template, and page + template -> field crops."""
