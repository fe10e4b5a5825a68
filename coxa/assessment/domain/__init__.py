"""Pure pre-assessment rules: which requirements are met, missing, expired or abnormal."""
