"""The vendor pages of this app: the directory, creating and editing a vendor, contacts, the onboarding
checklist defaults and the vendors' change requests (one vendor's page is the portal's vendor 360)."""
