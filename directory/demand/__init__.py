"""Live demand data (DESIGN section 8): anonymised recording, disclosure control, insights."""
