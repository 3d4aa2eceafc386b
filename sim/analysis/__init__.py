"""Reading results: paired comparisons, reports and plots. Works on tables, not on models."""
