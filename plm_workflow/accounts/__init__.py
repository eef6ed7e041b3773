"""People: accounts and (later) memberships, roles and invitations."""
