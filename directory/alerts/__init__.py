"""Email alerts without an account: a saved search or questionnaire, a digest when support opens."""
