"""统一考核监督: metrics, scores, evidence, ranking, freezing, awards, reports and exports."""
