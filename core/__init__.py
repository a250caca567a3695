"""What every layer shares: settings, the SQL base, domain errors, logging, the clock, the
conversation key. It imports no other package of the project: service → persona → memory →
core."""
