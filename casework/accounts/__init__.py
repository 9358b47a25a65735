"""Users, roles, offices, sign-in and server-side sessions."""
