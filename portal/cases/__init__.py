"""Cases (办件): intake, the lifecycle of decisions and steps, numbering, supervision
lights, the chained event log and uploaded materials."""
