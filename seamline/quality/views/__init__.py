"""The quality pages, by feature: calibration (rounds, vignettes), audits (templates, samples,
scoring, partner scores) and corrective actions."""
