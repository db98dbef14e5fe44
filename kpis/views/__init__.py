"""KPI pages: breaches, scorecards and measurements."""
