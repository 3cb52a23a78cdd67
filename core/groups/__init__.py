"""Groups: communities and projects, who may see and join them, their linked channels and announcements."""
