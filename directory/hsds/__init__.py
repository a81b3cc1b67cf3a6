"""The catalogue as Open Referral HSDS 3.0: services, organizations, locations and taxonomies."""
